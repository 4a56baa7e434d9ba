using System.Globalization;

namespace Lamin.Core.Services;

/// <summary>The outcomes of an ingest that SPEC §5 rule 22 (and LaminDB) announce with a warning.</summary>
public enum IngestOutcome
{
    /// <summary>Content already registered: the existing artifact was returned (rule 22).</summary>
    SameHash,
    /// <summary>The same storage, key and hash already registered (-SkipHashLookup, in place, Set-Content): that artifact was returned.</summary>
    SameKeyAndHash,
    /// <summary>A key registered before the command got new content: a new version was made (rule 22).</summary>
    NewVersion,
}

/// <summary>
/// One item's outcome: its own message (LaminDB's wording, naming the artifact or key) and the path it came from
/// (<see cref="Detail"/> names both, for -Verbose; the warning of a single item is the message alone, as it always was).
/// </summary>
public sealed record IngestNotice(IngestOutcome Outcome, string Message, string Source)
{
    public string Detail => $"{Message} (for '{Source}')";
}

/// <summary>
/// Issue 26 point 4: repeated outcomes of one command summarised, one warning per kind at the end of the command,
/// the per-item messages for -Verbose. One item of a kind keeps its own message as the warning (a single add, or
/// Set-Content on the drive, reads as before); several become one line with the count.
/// </summary>
public sealed class IngestNotices
{
    private readonly Dictionary<IngestOutcome, (int Count, string First)> _seen = new();

    public void Add(IngestNotice notice)
    {
        _seen[notice.Outcome] = _seen.TryGetValue(notice.Outcome, out var s) ? (s.Count + 1, s.First) : (1, notice.Message);
    }

    /// <summary>The warnings to give, one per kind seen, in a fixed order.</summary>
    public IEnumerable<string> Warnings()
    {
        foreach (var outcome in Enum.GetValues<IngestOutcome>())
        {
            if (!_seen.TryGetValue(outcome, out var s)) continue;
            yield return s.Count == 1 ? s.First : Summary(outcome, s.Count);
        }
    }

    private static string Summary(IngestOutcome outcome, int count)
    {
        var n = count.ToString("N0", CultureInfo.InvariantCulture);
        return outcome switch
        {
            IngestOutcome.SameHash =>
                $"{n} files or folders were already registered (same hash): returning the existing artifacts, nothing new was stored; -Verbose lists them.",
            IngestOutcome.SameKeyAndHash =>
                $"{n} files or folders were already registered with the same storage, key and hash: returning those artifacts; -Verbose lists them.",
            _ => $"{n} keys registered before this command got new content: creating a new artifact version of each; -Verbose lists them.",
        };
    }
}
