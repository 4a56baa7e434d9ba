using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Changes a storage location's space, description or lock.</summary>
[Cmdlet(VerbsCommon.Set, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Default")]
[OutputType(typeof(LaminStorage))]
public sealed class SetLaminStorageCommand : SetCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string Identity { get; set; } = "";

    [Parameter]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Space { get; set; }

    protected override void Process()
    {
        var service = new StorageService(Context);
        var target = service.Resolve(Identity);
        var change = new StorageChange(Description, DescriptionSet, Space, LockChange);
        if (!ShouldProcess($"{target.Root} ({target.Uid})", "Set storage location")) return;
        var updated = service.Update(target.Uid, change);
        if (PassThru) WriteObject(updated);
    }
}
