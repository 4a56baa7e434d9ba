namespace Lamin.PowerShell.Commands;

/// <summary>Moves artifacts to the trash, or deletes them permanently.</summary>
[Cmdlet(VerbsCommon.Remove, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Remove-LaminArtifact")]
[OutputType(typeof(void))]
public sealed class RemoveLaminArtifactCommand : ArtifactCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Identity")]
    [ValidateNotNullOrEmpty]
    public string[] Identity { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    public SwitchParameter Permanent { get; set; }

    [Parameter]
    public SwitchParameter DeleteFile { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// -DeleteFile acts only with -Permanent (SPEC rule 23: the trash keeps the file); alone it is an invalid
    /// parameter combination, refused before anything changes (issue 26 point 10). Not a parameter set: a
    /// mandatory -Permanent in a -DeleteFile set would make PowerShell prompt for it instead of refusing.
    /// </summary>
    protected override void Begin()
    {
        if (DeleteFile && !Permanent)
            Terminate(new LaminException(ErrorIds.DeleteFileNeedsPermanent,
                "-DeleteFile deletes a file registered in place only together with -Permanent; Remove-LaminArtifact without -Permanent moves the artifact to the trash and keeps its file. " +
                "Add -Permanent to delete the record and the file, or leave out -DeleteFile to move it to the trash.", null));
    }

    protected override void Process()
    {
        ForEachArtifact(InputObject, Identity, (service, a) =>
        {
            var what = !Permanent ? "Move to trash"
                : ArtifactService.PermanentDeletesObject(a, DeleteFile) ? "Delete record and data permanently" : "Delete record permanently (the file is kept)";
            WriteVerbose($"{a.Uid} is in storage '{a.Storage}' at '{a.FullName}': " + (!Permanent ? "the record goes to the trash, its data stays."
                : ArtifactService.PermanentDeletesObject(a, DeleteFile) ? "the record and its data are deleted (if no other artifact holds the data)."
                : "the record is deleted; the file is kept (registered in place: -DeleteFile deletes it, or the location is read-only)."));
            if (!ShouldProcessUnlessForced(Force, Target(a), what)) return;
            service.Remove(a.Uid, Permanent, DeleteFile, WriteWarning);
            WriteVerbose(Permanent ? $"Deleted {a.Uid}." : $"Moved {a.Uid} to the trash (Restore-LaminArtifact brings it back).");
        }, RecordKind.Artifact, RecordKind.KeyFolder);
    }
}
