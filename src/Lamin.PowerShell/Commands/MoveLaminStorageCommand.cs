namespace Lamin.PowerShell.Commands;

/// <summary>Relocates a whole storage location to a new root; resumable, verified, one registry transaction.</summary>
[Cmdlet(VerbsCommon.Move, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Move-LaminStorage")]
[OutputType(typeof(LaminStorage))]
public sealed class MoveLaminStorageCommand : StorageCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Identity")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Identity { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter RemoveSource { get; set; }

    protected override void Process()
    {
        var service = new RelocationService(Context);
        var destination = ResolveLocalPath(Destination)!;
        ForEachStorage(InputObject, Identity, identity =>
        {
            var plan = service.Plan(identity!, destination, RemoveSource);
            var action = plan.Finishing
                ? $"Finish an interrupted move to {plan.Destination.Root}: remove {plan.Objects} object(s), {ProgressReporter.Size(plan.Bytes)} left at the old root once verified there"
                : $"Move {plan.Objects} object(s), {ProgressReporter.Size(plan.Bytes)} of {plan.Artifacts.Count} artifact(s) to {plan.Destination.Root}"
                  + (RemoveSource ? " and remove the source" : "");
            if (!ShouldProcess(Target(plan.Storage), action)) return;
            var progress = new ProgressReporter(this, $"Moving {plan.Storage.Root}", plan.Bytes, Math.Max(1, plan.Objects));
            try { WriteObject(service.Execute(plan, RemoveSource, Warn, progress, Cancellation)); }
            finally { progress.Complete(); }
        });
    }
}
