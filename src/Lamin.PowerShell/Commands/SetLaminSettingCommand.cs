using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Switches the default storage, the local storage, or keep-artifacts-local mode.</summary>
[Cmdlet(VerbsCommon.Set, "LaminSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(LaminSettings))]
public sealed class SetLaminSettingCommand : LaminCmdlet
{
    [Parameter]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Storage { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? LocalStorage { get; set; }

    [Parameter]
    public bool? KeepArtifactsLocal { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var service = new SettingsService(Context);
        var instance = Context.Instance.Name;
        // Keep-artifacts-local first, so "-KeepArtifactsLocal $true -LocalStorage x" works in one call.
        if (KeepArtifactsLocal is { } keep && ShouldProcess(instance, $"Set KeepArtifactsLocal to {keep}"))
            service.SetKeepArtifactsLocal(keep);
        if (Storage is not null && ShouldProcess(instance, $"Set default storage to {Storage}"))
            service.SetStorage(Storage, Warn);
        if (LocalStorage is not null && ShouldProcess(instance, $"Set local storage to {LocalStorage}"))
            service.SetLocalStorage(LocalStorage, Warn);
        if (PassThru) WriteObject(service.Get());
    }
}
