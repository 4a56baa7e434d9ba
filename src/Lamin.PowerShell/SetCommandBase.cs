using System.Management.Automation;

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

    [Parameter]
    public SwitchParameter Lock { get; set; }

    [Parameter]
    public SwitchParameter Unlock { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>true for -Lock, false for -Unlock, null when neither was given.</summary>
    protected bool? LockChange => Lock ? true : Unlock ? false : null;

    /// <summary>-Lock with -Unlock is an invalid combination: terminating (SPEC §4).</summary>
    protected override void Begin()
    {
        if (Lock && Unlock)
            Terminate(new Lamin.Core.Errors.LaminException(Lamin.Core.Errors.ErrorIds.InvalidArgument,
                "-Lock and -Unlock can't be used together; pass one of them.", null));
        // Issue 25: text the registry refuses (NUL, …) is refused before anything is written, the same on both engines.
        try { Lamin.Core.Registry.RegistryText.Check("-Description", Description); }
        catch (Lamin.Core.Errors.LaminException e) { Terminate(e); }
    }
}
