namespace Lamin.Core.Model;

/// <summary>
/// A folder of the <c>lamin:</c> drive (SPEC §8): a '/'-segment shared by keys of latest, non-trashed
/// artifacts of one storage location. Not a registry record: it exists while some key starts with <see cref="Key"/> + "/".
/// </summary>
public sealed class LaminKeyFolder
{
    /// <summary>The last segment (what the drive shows as the item's name).</summary>
    public string Name { get; set; } = "";

    /// <summary>The key prefix without its trailing '/', e.g. "raw/2024".</summary>
    public string Key { get; set; } = "";

    public string StorageUid { get; set; } = "";

    public override string ToString() => Key;
}
