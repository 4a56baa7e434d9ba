namespace Lamin.PowerShell.Commands;

/// <summary>
/// Checks artifacts against what is stored, rclone-check style: one object per artifact and per stray
/// object under .lamindb/, with Status Match, Differ, Missing, Unregistered or Error and the reason.
/// A piped artifact tests that artifact; a piped storage location tests that location.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "LaminArtifact", DefaultParameterSetName = "Storage", HelpUri = HelpLinks.Base + "Test-LaminArtifact")]
[OutputType(typeof(LaminArtifactCheck))]
public sealed class TestLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "Storage")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Storage { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Identity")]
    [ValidateNotNullOrEmpty]
    public string[]? Identity { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    public SwitchParameter Hash { get; set; }

    protected override void Process()
    {
        if (ParameterSetName == "Storage" && Storage is null && Hash)
        {
            // Re-hashing every location is the longest check: one location at a time, with an outer bar.
            var all = new StorageService(Context).Get(new StorageQuery());
            var outer = new OuterProgress(this, "Re-hashing artifacts", "location(s)", all.Count);
            try
            {
                foreach (var st in all)
                {
                    outer.Working(st.Root);
                    Test(st.Uid, null, outer);
                    outer.ItemDone(0, st.Root);
                }
            }
            finally { outer.Complete(); }
            return;
        }
        if (ParameterSetName == "Storage") { Test(Storage is null ? null : ResolveStorageIdentity(Storage), null); return; }
        Dispatch(InputObject, Identity, (kind, value) =>
        {
            if (kind == RecordKind.Storage) Test(value, null);
            else Test(null, value);
        }, RecordKind.Artifact, RecordKind.KeyFolder, RecordKind.Storage);
    }

    private void Test(string? storage, string? artifact, OuterProgress? outer = null)
    {
        // The checks run on worker threads (hashing uses every core); this thread draws the bar from their
        // counter until they are done, then once more with the final count.
        var counter = new CheckCounter();
        var service = new AuditService(Context);
        var work = Task.Run(() => service.TestArtifacts(storage, artifact, Hash, counter, Cancellation));
        var bar = new CheckProgressBar(this, Hash ? "Re-hashing artifacts" : "Checking artifacts", outer);
        try
        {
            while (!work.Wait(250)) bar.Show(counter, final: false);
            bar.Show(counter, final: true);
        }
        catch (AggregateException) { /* rethrown unwrapped below */ }
        finally { bar.Complete(); }
        WriteObject(work.GetAwaiter().GetResult(), enumerateCollection: true);
    }
}
