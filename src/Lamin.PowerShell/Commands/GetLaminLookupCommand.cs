using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Query;
using Lamin.Core.Services;

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

    internal void Add(string original, object? value)
    {
        if (!_values.Contains(original)) _values.Add(original, value);
    }

    /// <summary>The original values as keys.</summary>
    public Hashtable ToHashtable()
    {
        var h = new Hashtable(StringComparer.Ordinal);
        foreach (DictionaryEntry e in _values) h[e.Key] = e.Value;
        return h;
    }

    public override string ToString() => $"Lookup of {Registry}.{Field} ({_values.Count} values)";
}

/// <summary>Builds an auto-complete object over a registry's field values (LaminDB's lookup()).</summary>
[Cmdlet(VerbsCommon.Get, "LaminLookup")]
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
        var entries = records.Select(r => (Value: Convert.ToString(fields.Get(r, field), System.Globalization.CultureInfo.InvariantCulture), Item: r));
        foreach (var (name, original, item) in LookupBuilder.Build(entries))
        {
            object? value = ReturnField is null ? item : fields.Get(item, ReturnField);
            lookup.Add(original, value);
            result.Properties.Add(new PSNoteProperty(name, value));
        }
        WriteObject(result);
    }
}
