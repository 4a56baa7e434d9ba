using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>What the registry says a location holds against what is actually stored there, with the drift.</summary>
[Cmdlet(VerbsCommon.Get, "LaminStorageUsage")]
[OutputType(typeof(LaminStorageUsage))]
public sealed class GetLaminStorageUsageCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override void Process() => WriteObject(new AuditService(Context).Usage(Identity), enumerateCollection: true);
}
