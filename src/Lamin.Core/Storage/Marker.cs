using Lamin.Core.Util;

namespace Lamin.Core.Storage;

/// <summary>The marker file's name, its content and its parsing: one place for all providers.</summary>
public static class Marker
{
    public const string ManagedFolder = ".lamindb";
    public const string FileName = "storage_uid.txt";
    public const string RelativeKey = ManagedFolder + "/" + FileName;
    public const int MaxBytes = 4096;

    /// <summary>
    /// True when a path segment names the managed folder. Case-insensitive everywhere: on Windows and
    /// macOS ".LAMINDB" is the same folder, and a name that differs only in case must not slip past.
    /// </summary>
    public static bool IsManagedFolderName(string segment) =>
        string.Equals(segment, ManagedFolder, StringComparison.OrdinalIgnoreCase);

    public static string Content(string storageUid, string instanceName, Guid instanceId, string instanceUid) =>
        $"{storageUid}\ncreation info:\ninstance_slug={instanceName}\ninstance_id={instanceId:N}\ninstance_uid={instanceUid}\n";

    /// <summary>Parses marker bytes; refuses empty, oversized, binary or uid-less content with MarkerInvalid.</summary>
    public static MarkerInfo Parse(ReadOnlySpan<byte> bytes, string where)
    {
        if (bytes.Length == 0)
            throw Invalid(where, "it is empty");
        // A UTF-8 byte-order mark (editors on Windows write one) is not part of the uid.
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        if (bytes.Length > MaxBytes)
            throw Invalid(where, $"it is {bytes.Length} bytes long, far more than a marker holds");
        if (bytes.IndexOf((byte)0) >= 0)
            throw Invalid(where, "it holds binary data");
        string text;
        try { text = new System.Text.UTF8Encoding(false, true).GetString(bytes); }
        catch (System.Text.DecoderFallbackException) { throw Invalid(where, "it is not UTF-8 text"); }
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var uid = lines[0].Trim();
        if (uid.Length != 12 || !Uids.IsBase62(uid))
            throw Invalid(where, "its first line is not a 12-character storage uid");
        string? instanceUid = lines.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("instance_uid=", StringComparison.Ordinal))?["instance_uid=".Length..];
        return new MarkerInfo(true, uid, instanceUid);
    }

    private static LaminException Invalid(string where, string why) =>
        new(ErrorIds.MarkerInvalid,
            $"The marker file '{where}' can't be read as a storage marker: {why}. Nothing was changed. " +
            "If no other Lamin instance manages this location, delete the file and retry; otherwise register the location from that instance.", where);
}
