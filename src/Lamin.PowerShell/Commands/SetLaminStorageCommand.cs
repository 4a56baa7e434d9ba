namespace Lamin.PowerShell.Commands;

/// <summary>Changes a storage location's space, description or lock.</summary>
[Cmdlet(VerbsCommon.Set, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdentitySet, HelpUri = HelpLinks.Base + "Set-LaminStorage")]
[OutputType(typeof(LaminStorage))]
public sealed class SetLaminStorageCommand : SetCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdentitySet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdentityLockSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdentityUnlockSet)]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Identity { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectLockSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectUnlockSet)]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Space { get; set; }

    protected override void Process()
    {
        var service = new StorageService(Context);
        Dispatch(InputObject, InputObject is null ? Identity : null, (_, value) =>
        {
            var target = service.Resolve(ResolveStorageIdentity(value));
            var change = new StorageChange(Description, DescriptionSet, Space, LockChange);
            if (!ShouldProcess(Target(target), "Set " + Changes(target))) return;
            var updated = service.Update(target.Uid, change);
            WriteVerbose($"Updated storage location '{updated.Root}' ({updated.Uid}) in the registry.");
            if (PassThru) WriteObject(updated);
        }, RecordKind.Storage);
    }

    private string Changes(LaminStorage t)
    {
        var parts = new List<string>();
        if (DescriptionSet) parts.Add($"Description from '{t.Description}' to '{Description}'");
        if (Space is not null) parts.Add($"Space from '{t.Space}' to '{Space}'");
        if (LockChange is { } l) parts.Add($"IsLocked from {t.IsLocked} to {l}");
        return parts.Count == 0 ? "nothing (no property given)" : string.Join(", ", parts);
    }
}
