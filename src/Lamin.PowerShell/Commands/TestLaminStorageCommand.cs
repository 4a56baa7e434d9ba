namespace Lamin.PowerShell.Commands;

/// <summary>Checks storage locations without changing them: reachable, writable, marker, region, latency.</summary>
[Cmdlet(VerbsDiagnostic.Test, "LaminStorage", DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Test-LaminStorage")]
[OutputType(typeof(LaminStorageHealth), typeof(bool))]
public sealed class TestLaminStorageCommand : StorageCommandBase
{
    [Parameter(Position = 0, ParameterSetName = "Identity")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Identity { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private bool _allHealthy = true;

    protected override void Process()
    {
        ForEachStorage(InputObject, Identity, Test);
    }

    private void Test(string? identity)
    {
        foreach (var h in new AuditService(Context).TestStorage(identity))
        {
            _allHealthy &= h.Healthy;
            if (!Quiet) WriteObject(h);
        }
    }

    protected override void End()
    {
        if (Quiet) WriteObject(_allHealthy);
    }
}
