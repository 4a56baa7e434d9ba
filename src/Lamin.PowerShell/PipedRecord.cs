namespace Lamin.PowerShell;

/// <summary>What a piped object is, as the cmdlets bind it (SPEC §4 "Piped records bind by their type").</summary>
public enum RecordKind
{
    /// <summary>A string or number typed by the user, or an object of no Lamin type that carries a Uid: the cmdlet's own identity.</summary>
    Identity,
    Storage,
    Artifact,
    Space,
    Instance,
    /// <summary>A folder of the lamin: drive (LaminKeyFolder): Value is "&lt;storage uid&gt;/&lt;key&gt;"; cmdlets that take it act on its artifacts.</summary>
    KeyFolder,
    /// <summary>Anything else: refused, never bound through a property it happens to have.</summary>
    Other,
}

/// <summary>
/// One piped object classified by its record type: a LaminStorage (or a storage check, usage row)
/// gives its storage uid, a LaminArtifact (or an artifact check) its artifact uid, a LaminSpace its
/// name. Objects that went through Export-Clixml/Import-Clixml keep their type name ("Deserialized.");
/// objects without a Lamin type (Import-Csv rows, hashtables turned objects) bind by their Uid, as the
/// cmdlet's own records do by property name.
/// </summary>
public readonly record struct PipedRecord(RecordKind Kind, string? Value, string TypeName)
{
    private const string Model = "Lamin.Core.Model.";

    public static PipedRecord Of(object? input)
    {
        var ps = input as PSObject;
        var o = ps?.BaseObject ?? input;
        switch (o)
        {
            case null: return new(RecordKind.Other, null, "null");
            case string s: return new(RecordKind.Identity, s, "string");
            case int or long or short or byte or uint or ulong: return new(RecordKind.Identity, Convert.ToString(o, System.Globalization.CultureInfo.InvariantCulture), o.GetType().Name);
            case LaminStorage st: return new(RecordKind.Storage, st.Uid, nameof(LaminStorage));
            case LaminStorageHealth h: return new(RecordKind.Storage, h.Uid, nameof(LaminStorageHealth));
            case LaminStorageUsage u: return new(RecordKind.Storage, u.Uid, nameof(LaminStorageUsage));
            case LaminArtifact a: return new(RecordKind.Artifact, a.Uid, nameof(LaminArtifact));
            case LaminArtifactCheck c when c.Uid is not null: return new(RecordKind.Artifact, c.Uid, nameof(LaminArtifactCheck));
            case LaminSpace sp: return new(RecordKind.Space, sp.Name, nameof(LaminSpace));
            case LaminSpaceAccess g: return new(RecordKind.Space, g.Space, nameof(LaminSpaceAccess));
            case LaminInstance i: return new(RecordKind.Instance, i.Name, nameof(LaminInstance));
            case LaminKeyFolder f: return new(RecordKind.KeyFolder, f.StorageUid + "/" + f.Key, nameof(LaminKeyFolder));
        }
        if (o is not PSCustomObject && ps is null) return new(RecordKind.Other, o.ToString(), o.GetType().Name);
        ps ??= PSObject.AsPSObject(o);
        string? Prop(string name) => ps.Properties[name]?.Value?.ToString();
        foreach (var typeName in ps.TypeNames)
        {
            var t = typeName.StartsWith("Deserialized.", StringComparison.Ordinal) ? typeName["Deserialized.".Length..] : typeName;
            if (!t.StartsWith(Model, StringComparison.Ordinal)) continue;
            var shortName = t[Model.Length..];
            // A view's type name (LaminArtifact#Drive from the lamin: drive, LaminStorage#Statistics...) names the same record type.
            if (shortName.IndexOf('#') is > 0 and var hash) shortName = shortName[..hash];
            var kind = shortName switch
            {
                nameof(LaminStorage) or nameof(LaminStorageHealth) or nameof(LaminStorageUsage) => RecordKind.Storage,
                nameof(LaminArtifact) or nameof(LaminArtifactCheck) => RecordKind.Artifact,
                nameof(LaminSpace) => RecordKind.Space,
                nameof(LaminInstance) => RecordKind.Instance,
                nameof(LaminKeyFolder) => RecordKind.KeyFolder,
                _ => RecordKind.Other,
            };
            var value = kind switch
            {
                RecordKind.Space or RecordKind.Instance => Prop("Name"),
                RecordKind.KeyFolder => Prop("StorageUid") is { Length: > 0 } su && Prop("Key") is { } k ? su + "/" + k : null,
                _ => Prop("Uid"),
            };
            return new(value is null ? RecordKind.Other : kind, value, shortName);
        }
        if (o is PSCustomObject or System.Collections.IDictionary && Prop("Uid") is { Length: > 0 } uid)
            return new(RecordKind.Identity, uid, "object with a Uid");
        return new(RecordKind.Other, o.ToString(), o.GetType().Name);
    }
}
