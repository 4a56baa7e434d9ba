using Lamin.Core.Util;

namespace Lamin.Core.Artifacts;

/// <summary>Artifact uids: a 16-character random stem plus a 4-character base62 version suffix ("0000" first).</summary>
public static class ArtifactVersions
{
    public const int StemLength = 16;
    public const int SuffixLength = 4;

    public static string NewUid() => Uids.Random(StemLength) + new string('0', SuffixLength);

    /// <summary>The suffix as a number (base62, compared numerically, not by collation).</summary>
    public static long SuffixValue(string uid)
    {
        long v = 0;
        foreach (var c in uid[StemLength..]) v = v * 62 + Uids.Base62Alphabet.IndexOf(c);
        return v;
    }

    /// <summary>The next uid of a family: the largest existing suffix plus one ("000z" → "0010").</summary>
    public static string Next(IEnumerable<string> familyUids)
    {
        var list = familyUids.ToList();
        var max = list.Max(SuffixValue) + 1;
        var chars = new char[SuffixLength];
        for (int i = SuffixLength - 1; i >= 0; i--) { chars[i] = Uids.Base62Alphabet[(int)(max % 62)]; max /= 62; }
        return list[0][..StemLength] + new string(chars);
    }
}
