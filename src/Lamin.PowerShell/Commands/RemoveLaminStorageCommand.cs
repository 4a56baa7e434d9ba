using System.Management.Automation;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Removes a storage location that holds no artifacts, freeing its marker.</summary>
[Cmdlet(VerbsCommon.Remove, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveLaminStorageCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string Identity { get; set; } = "";

    [Parameter]
    public bool? Permanent { get; set; }

    protected override void Process()
    {
        var service = new StorageService(Context);
        if (Permanent == false)
        {
            service.Remove(Identity, Permanent); // refuses (SoftDeleteNotSupported) before anything else
            return;
        }
        var target = service.Resolve(Identity);
        var what = target.IsManaged ? "Remove storage location and its marker" : "Remove read-only storage record (no file is touched)";
        if (!ShouldProcess($"{target.Root} ({target.Uid})", what)) return;
        service.Remove(target.Uid, Permanent);
    }
}
