namespace Lamin.PowerShell.Commands;

/// <summary>Switches the default storage, the local storage, or keep-artifacts-local mode.</summary>
[Cmdlet(VerbsCommon.Set, "LaminSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "Set-LaminSetting")]
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
        if (Storage is not null)
        {
            var storage = ResolveStorageIdentity(Storage); // a uid stays a uid; a root goes through the providers
            if (ShouldProcess(instance, $"Set default storage to {Describe(storage)}")) service.SetStorage(storage, Warn);
        }
        if (LocalStorage is not null)
        {
            var local = ResolveStorageIdentity(LocalStorage);
            if (ShouldProcess(instance, $"Set local storage to {Describe(local)}")) service.SetLocalStorage(local, Warn);
        }
        if (PassThru) WriteObject(service.Get());
    }

    /// <summary>What -WhatIf names: the resolved root, and whether the location would be registered and created first.</summary>
    private string Describe(string rootOrUid)
    {
        var storages = new StorageService(Context);
        if (rootOrUid.Length == 12 && Lamin.Core.Util.Uids.IsBase62(rootOrUid)
            && storages.Get(new StorageQuery()).FirstOrDefault(x => x.Uid == rootOrUid) is { } byUid)
            return Target(byUid);
        var plan = storages.Plan(rootOrUid, null, null, null);
        return plan.Existing is { } e
            ? Target(e)
            : $"{plan.Root.Root}, a location that is not registered yet: it would be registered and its folder and marker created";
    }
}
