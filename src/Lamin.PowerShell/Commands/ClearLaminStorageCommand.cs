namespace Lamin.PowerShell.Commands;

/// <summary>Removes orphans: objects under .lamindb/ that no artifact accounts for, each named with its reason.</summary>
[Cmdlet(VerbsCommon.Clear, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Clear-LaminStorage")]
[OutputType(typeof(LaminOrphan))]
public sealed class ClearLaminStorageCommand : StorageCommandBase
{
    [Parameter(Position = 0, ParameterSetName = "Identity")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Identity { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    /// <summary>Not mandatory, so a call without it is refused with a hint instead of prompting for a switch.</summary>
    [Parameter]
    public SwitchParameter Orphaned { get; set; }

    [Parameter]
    public TimeSpan? OlderThan { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        if (!Orphaned)
            Terminate(new LaminException(ErrorIds.InvalidArgument,
                "Clear-LaminStorage only removes orphans (objects under .lamindb/ that no artifact accounts for): pass -Orphaned, and -WhatIf first to see them.", null));
    }

    protected override void Process()
    {
        ForEachStorage(InputObject, Identity, Clear);
    }

    private void Clear(string? identity)
    {
        var service = new AuditService(Context);
        var chosen = new List<LaminOrphan>();
        foreach (var o in service.FindOrphans(identity, OlderThan, WriteWarning))
            if (ShouldProcess($"{o.FullName} ({ProgressReporter.Size(o.Size)}): {o.Reason}", "Delete orphaned object"))
                chosen.Add(o);
        if (chosen.Count == 0) return;
        service.RemoveOrphans(chosen, WriteWarning);
        if (PassThru) WriteObject(chosen, enumerateCollection: true);
    }
}
