namespace Lamin.PowerShell.Commands;

/// <summary>Creates a space (an access group); its creator administers it.</summary>
[Cmdlet(VerbsCommon.New, "LaminSpace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.Base + "New-LaminSpace")]
[OutputType(typeof(LaminSpace))]
public sealed class NewLaminSpaceCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Name { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Description { get; set; }

    protected override void Process()
    {
        SpaceService.ValidateName(Name);
        if (!ShouldProcess(Name.Trim(), "Create space")) return;
        WriteObject(new SpaceService(Context).Create(Name, Description));
    }
}
