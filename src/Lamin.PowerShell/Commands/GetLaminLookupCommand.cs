using System.Collections;
using System.Collections.Specialized;
using Lamin.Core.Query;

namespace Lamin.PowerShell.Commands;

/// <summary>The object Get-LaminLookup returns; its note properties are added per value.</summary>
public sealed class LaminLookup
{
    private readonly OrderedDictionary _values = new();

    public LaminLookup(string registry, string field)
    {
        Registry = registry;
        Field = field;
    }

    public string Registry { get; }
    public string Field { get; }

    internal void Add(string? original, object? value)
    {
        var key = original ?? ""; // a hashtable key can't be $null: a $null value is kept under ''
        if (!_values.Contains(key)) _values.Add(key, value);
    }

    /// <summary>The original values as keys, case-sensitively (values differing only in case are separate keys).</summary>
    public Hashtable ToHashtable()
    {
        var h = new Hashtable(StringComparer.Ordinal);
        foreach (DictionaryEntry e in _values) h[e.Key] = e.Value;
        return h;
    }

    /// <summary>Names a value can't take as a property (compared case-insensitively, as PowerShell does).</summary>
    internal static readonly string[] MemberNames =
        typeof(LaminLookup).GetMembers().Select(m => m.Name)
            .Concat(["psobject", "pstypenames", "psbase", "psextended", "psadapted", "get_Registry", "get_Field"])
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    public override string ToString() => $"Lookup of {Registry}.{Field} ({_values.Count} values)";
}

/// <summary>Builds an auto-complete object over a registry's field values (LaminDB's lookup()).</summary>
[Cmdlet(VerbsCommon.Get, "LaminLookup", HelpUri = HelpLinks.Base + "Get-LaminLookup")]
[OutputType(typeof(LaminLookup))]
public sealed class GetLaminLookupCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("Storage", "Space", "Artifact")]
    public string Registry { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Field { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ReturnField { get; set; }

    protected override void Process()
    {
        if (Registry.Equals("Space", StringComparison.OrdinalIgnoreCase))
            Emit(new SpaceService(Context).Get(null), new RecordFields<LaminSpace>(), "name");
        else if (Registry.Equals("Artifact", StringComparison.OrdinalIgnoreCase))
            Emit(new ArtifactService(Context).Get(new ArtifactQuery()), ArtifactService.Fields, "key");
        else
            Emit(new StorageService(Context).Get(new StorageQuery()), StorageService.Fields, "root");
    }

    private void Emit<T>(IEnumerable<T> records, RecordFields<T> fields, string defaultField)
    {
        var field = Field ?? defaultField;
        foreach (var f in new[] { field, ReturnField }.OfType<string>())
            if (fields.Find(f) is null)
                throw new Lamin.Core.Errors.LaminException(Lamin.Core.Errors.ErrorIds.UnknownField,
                    $"Unknown field '{f}'. Available fields: {string.Join(", ", fields.Names)}.", f);
        var lookup = new LaminLookup(Registry, field);
        var result = PSObject.AsPSObject(lookup);
        // Id order, so the suffixes _2, _3 of colliding names are stable (SPEC §3); no record is dropped.
        var entries = records
            .OrderBy(r => Convert.ToInt64(fields.Get(r, "id") ?? 0L, System.Globalization.CultureInfo.InvariantCulture))
            .Select(r => (Value: Convert.ToString(fields.Get(r, field), System.Globalization.CultureInfo.InvariantCulture), Item: r));
        foreach (var (name, original, item) in LookupBuilder.Build(entries, LaminLookup.MemberNames))
        {
            object? value = ReturnField is null ? item : fields.Get(item, ReturnField);
            lookup.Add(original, value);
            result.Properties.Add(new PSNoteProperty(name, value));
        }
        WriteObject(result);
    }
}
