namespace Lamin.Core.Model;

/// <summary>A file or folder held by a storage location (lamindb.Artifact, storage side).</summary>
public sealed class LaminArtifact
{
    public int Id { get; set; }
    /// <summary>20 characters: a 16-character stem shared by all versions and a 4-character version suffix.</summary>
    public string Uid { get; set; } = "";
    public string? Key { get; set; }
    public string? Description { get; set; }
    public string Suffix { get; set; } = "";
    public long Size { get; set; }
    public string? Hash { get; set; }
    public string? HashType { get; set; }
    /// <summary>Number of files, for folders; $null for files.</summary>
    public int? NFiles { get; set; }
    [Computed] public string Storage { get; set; } = "";
    public string StorageUid { get; set; } = "";
    public int StorageId { get; set; }
    /// <summary>The full local path or the object URI (computed from the storage root and the storage key).</summary>
    [Computed] public string FullName { get; set; } = "";
    public bool KeyIsVirtual { get; set; } = true;
    /// <summary>For an in-place file registered under another key: its real path relative to the root.</summary>
    public string? RealKey { get; set; }
    public int Version { get; set; } = 1;
    public bool IsLatest { get; set; } = true;
    public bool IsTrashed { get; set; }
    public bool IsLocked { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    [Computed] public string Space { get; set; } = "all";
    public int SpaceId { get; set; } = 1;

    /// <summary>The 16-character stem shared by all versions.</summary>
    [Computed] public string Stem => Uid.Length >= 16 ? Uid[..16] : Uid;

    /// <summary>Where the object lives, relative to the storage root (LaminDB's storage-key resolution).</summary>
    public string StorageKey() =>
        RealKey ?? (KeyIsVirtual || Key is null
            ? Artifacts.ArtifactKeys.AutoKey(Uid, Suffix, NFiles is not null)
            : Key);

    public override string ToString() => Uid;
}
