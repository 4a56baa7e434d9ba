namespace Lamin.Core.Util;

/// <summary>
/// The Ctrl+C of the command running on this logical thread (issue 15): the cmdlet sets it for the duration
/// of each call into the core, and the storage providers hand it to every SDK call that has no token of its
/// own, so a stopped command stops its S3 and GCS requests too (they end within a second, not after the
/// transfer). It flows into tasks the command starts (AsyncLocal).
/// </summary>
public static class Cancel
{
    private static readonly AsyncLocal<CancellationToken> Ambient = new();

    /// <summary>The running command's token (none outside a command).</summary>
    public static CancellationToken Current => Ambient.Value;

    /// <summary>Makes <paramref name="token"/> the current one until disposed.</summary>
    public static IDisposable Use(CancellationToken token)
    {
        var previous = Ambient.Value;
        Ambient.Value = token;
        return new Restore(previous);
    }

    private sealed class Restore(CancellationToken previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
