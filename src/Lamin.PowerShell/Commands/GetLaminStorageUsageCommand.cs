using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>What the registry says a location holds against what is actually stored there, with the drift.</summary>
[Cmdlet(VerbsCommon.Get, "LaminStorageUsage", DefaultParameterSetName = "Identity")]
[OutputType(typeof(LaminStorageUsage))]
public sealed class GetLaminStorageUsageCommand : LaminCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "Identity")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Identity { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    protected override void Process()
    {
        var service = new AuditService(Context);
        if (InputObject is null && Identity is null) { WriteObject(service.Usage(null), enumerateCollection: true); return; }
        Dispatch(InputObject, Identity, (_, value) => WriteObject(service.Usage(ResolveStorageIdentity(value)), enumerateCollection: true), RecordKind.Storage);
    }
}
