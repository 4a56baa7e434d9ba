namespace Lamin.PowerShell.Drive;

/// <summary>The drive's paths: parsing "&lt;uid&gt;\&lt;key&gt;", PSPaths, parent and child names, wildcards as filters.</summary>
public sealed partial class LaminProvider
{
    /// <summary>A provider path as (storage uid or null for lamin:\ itself, key '/'-joined or "").</summary>
    internal static (string? Uid, string Key) Parse(string? path)
    {
        var parts = (path ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return (null, "");
        return (parts[0], string.Join('/', parts.Skip(1)));
    }

    /// <summary>The provider path of a key in a location.</summary>
    internal static string PathOf(string uid, string key) => key.Length == 0 ? uid : uid + Separator + key.Replace('/', Separator);

    /// <summary>How PSPaths name this provider: the module's own name (the cmdlet assembly is the manifest's root module, so PowerShell registers the provider under module Lamin).</summary>
    public const string QualifiedName = "Lamin\\" + ProviderName;

    /// <summary>
    /// SPEC §3: the PSPath a record has on the drive (Lamin\Lamin::&lt;uid&gt;\&lt;key&gt;, a location Lamin\Lamin::&lt;uid&gt;),
    /// so a record from a cmdlet piped into Remove-Item, Move-Item, Rename-Item, Get-Content or Set-Content acts as the
    /// typed lamin: path does. The drive lists only latest, non-trashed artifacts and its path of a key means the latest
    /// version: an older version or a trashed artifact has no PSPath (an item cmdlet then refuses to bind it), never the
    /// path of another artifact. Lamin.Types.ps1xml makes it a CodeProperty of LaminArtifact and LaminStorage.
    /// </summary>
    public static string? PSPathOf(PSObject record) => record?.BaseObject switch
    {
        LaminStorage s when s.Uid.Length > 0 => QualifiedName + "::" + s.Uid,
        LaminArtifact a when a.IsLatest && !a.IsTrashed && a.StorageUid.Length > 0 =>
            QualifiedName + "::" + PathOf(a.StorageUid, a.Key ?? DriveListing.KeylessName(a)),
        _ => null,
    };

    /// <summary>
    /// Every item the drive writes goes through here. The engine sets PSPath on each item it is given, and adding a
    /// member that the type data (PSPathOf's CodeProperty) already has throws: a record carries its own PSPath note,
    /// added pre-validated, which the engine then sets to the same path.
    /// </summary>
    private new void WriteItemObject(object item, string path, bool isContainer)
    {
        if (item is LaminArtifact or LaminStorage or LaminKeyFolder)
        {
            var record = new PSObject(item);
            if (item is not LaminKeyFolder) record.Properties.Add(new PSNoteProperty("PSPath", null), preValidated: true);
            // The drive's own view (Lamin.Format.ps1xml), shared by the three types as FileSystem's is by files and folders:
            // a listing is one table per folder (Mode, LastWriteTime, Size, Name), never a table of one type and list
            // entries of the others. The records stay the same .NET types Get-LaminArtifact and Get-LaminStorage give.
            record.TypeNames.Insert(0, item.GetType().FullName + DriveViewSuffix);
            item = record;
        }
        base.WriteItemObject(item, path, isContainer);
    }

    /// <summary>Appended to a record's type name for the drive's view (as Get-LaminStorage -Statistics appends "#Statistics").</summary>
    public const string DriveViewSuffix = "#Drive";

    private static string Trim(string path) => Normal(path).Trim(Separator);

    private static string Normal(string path) => path.Replace('/', Separator).Replace('\\', Separator);

    protected override bool IsValidPath(string path) => true;

    protected override string MakePath(string parent, string child)
    {
        var p = Normal(parent ?? "");
        var c = Normal(child ?? "");
        if (p.Length == 0) return c;
        // As the engine's own providers do: a parent with an empty child is that container, with a trailing separator.
        if (c.Length == 0) return p.EndsWith(Separator) ? p : p + Separator;
        return p.TrimEnd(Separator) + Separator + c.TrimStart(Separator);
    }

    // The engine asks GetParentPath and GetChildName of every item written (for PSParentPath and PSChildName),
    // right after WriteItemObject and with the same path string: a listing already knows both, so Emit leaves
    // them here and the two calls answer without parsing (a folder's parent path is one string for all its items).
    private string? _emitPath, _emitParent, _emitName;

    /// <summary>Writes an item whose parent path and name are known (the same strings GetParentPath/GetChildName compute).</summary>
    private void Emit(object record, string path, string parent, string name, bool container)
    {
        _emitPath = path;
        _emitParent = parent;
        _emitName = name;
        try { WriteItemObject(record, path, container); }
        finally { _emitPath = null; }
    }

    protected override string GetParentPath(string path, string root)
    {
        // An item of a listing is never the drive's root itself (that is written by GetItem, not Emit).
        if (_emitPath is not null && ReferenceEquals(path, _emitPath)) return _emitParent!;
        var p = Trim(path ?? "");
        var r = Trim(root ?? "");
        if (p.Length == 0 || (r.Length > 0 && p == r)) return "";
        int i = p.LastIndexOf(Separator);
        return i < 0 ? "" : p[..i];
    }

    protected override string GetChildName(string path)
    {
        if (_emitPath is not null && ReferenceEquals(path, _emitPath)) return _emitName!;
        var p = Trim(path ?? "");
        int i = p.LastIndexOf(Separator);
        return i < 0 ? p : p[(i + 1)..];
    }

    protected override string NormalizeRelativePath(string path, string basePath)
    {
        var p = Trim(path ?? "");
        var b = Trim(basePath ?? "");
        if (b.Length > 0 && p.StartsWith(b + Separator, StringComparison.Ordinal)) return p[(b.Length + 1)..];
        if (p == b) return "";
        return p;
    }

    /// <summary>
    /// A wildcard only in the last segment (lamin:\uid\raw\file-12*, and every Tab press) becomes the
    /// provider's filter, as FileSystem does: the listing then reads only the keys that can match.
    /// </summary>
    protected override bool ConvertPath(string path, string filter, ref string updatedPath, ref string updatedFilter)
    {
        if (!string.IsNullOrEmpty(filter) || string.IsNullOrEmpty(path)) return false;
        var p = Normal(path).TrimEnd(Separator);
        int i = p.LastIndexOf(Separator);
        if (i < 0) return false;
        var leaf = p[(i + 1)..];
        if (!WildcardPattern.ContainsWildcardCharacters(leaf) || WildcardPattern.ContainsWildcardCharacters(p[..i])) return false;
        updatedPath = path;
        updatedFilter = leaf;
        return true;
    }
}
