namespace Lamin.PowerShell.Commands;

/// <summary>What the registry says a location holds against what is actually stored there, with the drift.</summary>
[Cmdlet(VerbsCommon.Get, "LaminStorageUsage", DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Get-LaminStorageUsage")]
[OutputType(typeof(LaminStorageUsage))]
public sealed class GetLaminStorageUsageCommand : StorageCommandBase
{
    [Parameter(Position = 0, ParameterSetName = "Identity")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Identity { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    protected override void Process()
    {
        var service = new AuditService(Context);
        ForEachStorage(InputObject, Identity, identity =>
        {
            if (identity is not null) { WriteObject(service.Usage(identity), enumerateCollection: true); return; }
            // Every location, one at a time, with an outer bar (listing a large bucket takes a while).
            var all = new StorageService(Context).Get(new StorageQuery());
            var outer = new OuterProgress(this, "Measuring storage locations", "location(s)", all.Count);
            try
            {
                foreach (var st in all)
                {
                    outer.Working(st.Root);
                    WriteObject(service.Usage(st.Uid), enumerateCollection: true);
                    outer.ItemDone(0, st.Root);
                }
            }
            finally { outer.Complete(); }
        });
    }
}
