using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Lamin.Core.Roots;

/// <summary>
/// What one context already asked the file system about its stored roots (issue 27): a root's canonical form and its
/// file system's rules, the answers for a root that can't be reached included. Within <see cref="Remember"/> a
/// stored root is asked about once, so an unreachable share costs its timeout once per command, not once per use in
/// each of its checks. Outside it nothing is remembered but what <see cref="LocationRules"/> keeps for the process
/// (a folder that answered).
/// </summary>
public sealed class ProbeMemo
{
    private static readonly ConditionalWeakTable<object, ProbeMemo> ByContext = new();
    private static readonly AsyncLocal<ProbeMemo?> Active = new();

    internal ConcurrentDictionary<(string Root, string Cwd), StorageRoot> Roots { get; } = new();
    internal ConcurrentDictionary<string, FileSystemRules> Rules { get; } = new(StringComparer.Ordinal);

    /// <summary>The memo of the running flow, or null.</summary>
    internal static ProbeMemo? Current => Active.Value;

    /// <summary>Until disposed, this flow asks the file system about each root at most once for <paramref name="context"/> (one per command).</summary>
    public static IDisposable Remember(object context)
    {
        var before = Active.Value;
        Active.Value = ByContext.GetValue(context, _ => new ProbeMemo());
        return new Restore(() => Active.Value = before);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        private Action? _restore = restore;
        public void Dispose() => Interlocked.Exchange(ref _restore, null)?.Invoke();
    }
}
