namespace Lamin.PowerShell.Commands;

/// <summary>Removes a storage location that holds no artifacts, freeing its marker.</summary>
[Cmdlet(VerbsCommon.Remove, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Remove-LaminStorage")]
[OutputType(typeof(void))]
public sealed class RemoveLaminStorageCommand : StorageCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Identity")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Identity { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    public bool? Permanent { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var service = new StorageService(Context);
        ForEachStorage(InputObject, Identity, identity =>
        {
            // Every refusal (rules 9–13) is checked before asking, so -WhatIf reports it (SPEC §4, issue item 7).
            var target = service.CheckRemove(identity!, Permanent);
            var what = target.IsManaged ? "Remove storage location and free its marker" : "Remove read-only storage record (no file is touched)";
            WriteVerbose(target.IsManaged ? $"'{target.Root}' ({target.Uid}) is managed here and holds no artifacts: its marker and then its record are removed; other files in it stay."
                : $"'{target.Root}' ({target.Uid}) is read-only from this instance: only its record is removed, nothing there is touched.");
            if (!ShouldProcessUnlessForced(Force, Target(target), what)) return;
            service.Remove(target.Uid, Permanent);
            WriteVerbose($"Removed storage location '{target.Root}' ({target.Uid}).");
        });
    }
}
