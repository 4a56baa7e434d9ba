using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Lamin.Core.Roots;

/// <summary>
/// A process-wide map keyed by local paths, one per platform, whose keys compare as that platform compares paths
/// (ignoring case on Windows): "C:\Lab" and "c:\lab" are one entry there, two on Linux. For the static caches of
/// the core that are keyed by roots (<see cref="LocationRules"/>, <see cref="Storage.LocalStorageProvider"/>).
/// </summary>
public sealed class PathKeyed<T>
{
    private readonly ConditionalWeakTable<ILocalPlatform, ConcurrentDictionary<string, T>> _byPlatform = new();

    /// <summary>The map of the running context's platform.</summary>
    public ConcurrentDictionary<string, T> Current =>
        _byPlatform.GetValue(LocalPlatform.Current, p => new ConcurrentDictionary<string, T>(StringComparer.FromComparison(p.PathComparison)));
}
