namespace Lamin.PowerShell;

/// <summary>
/// The shared shape of Set-LaminStorage and Set-LaminArtifact (each declares its own -Identity with its
/// completer): a description whose
/// "given" is tracked (so -Description '' clears it and an absent one changes nothing), -Lock/-Unlock, -PassThru.
/// </summary>
public abstract class SetCommandBase : LaminCmdlet
{
    [Parameter]
    [AllowNull]
    [AllowEmptyString]
    public string? Description
    {
        get => _description;
        set { _description = string.IsNullOrEmpty(value) ? null : value; DescriptionSet = true; }
    }
    private string? _description;

    /// <summary>Whether -Description was given at all.</summary>
    protected bool DescriptionSet { get; private set; }

    // -Lock and -Unlock each have parameter sets of their own (with -Identity or -InputObject), so PowerShell
    // refuses them together while binding (AmbiguousParameterSet), before anything runs (issue 26 point 10).
    public const string IdentitySet = "Identity", InputObjectSet = "InputObject";
    public const string IdentityLockSet = "IdentityLock", InputObjectLockSet = "InputObjectLock";
    public const string IdentityUnlockSet = "IdentityUnlock", InputObjectUnlockSet = "InputObjectUnlock";

    [Parameter(Mandatory = true, ParameterSetName = IdentityLockSet)]
    [Parameter(Mandatory = true, ParameterSetName = InputObjectLockSet)]
    public SwitchParameter Lock { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdentityUnlockSet)]
    [Parameter(Mandatory = true, ParameterSetName = InputObjectUnlockSet)]
    public SwitchParameter Unlock { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>true for -Lock, false for -Unlock, null when neither was given.</summary>
    protected bool? LockChange => Lock ? true : Unlock ? false : null;

    protected override void Begin()
    {
        // Issue 25: text the registry refuses (NUL, …) is refused before anything is written, the same on both engines.
        try { Lamin.Core.Registry.RegistryText.Check("-Description", Description); }
        catch (Lamin.Core.Errors.LaminException e) { Terminate(e); }
    }
}
