namespace Lamin.Core.Util;

/// <summary>
/// What a test installs to act inside a command (issue 27 and 28): stop or end the process at a named
/// point (restart the database server there, kill the client there), observed rather than timed, and
/// numbers a test picks (a small batch size, no quiet period before progress bars). Only test assemblies
/// can install one (internal, <c>InternalsVisibleTo</c>); production code reads no variable for it.
/// </summary>
internal interface ITestHooks
{
    /// <summary>The command has reached <paramref name="point"/>: return to go on.</summary>
    void Reached(string point);

    /// <summary>A number the test chose for <paramref name="name"/> (0 or more), or null for the default.</summary>
    int? Number(string name);
}

/// <summary>
/// The points and numbers of <see cref="ITestHooks"/>. Inert (no cost beyond a null check) unless a test
/// assembly installed hooks in this process: tests/Lamin.TestHooks for Pester and its child processes,
/// <see cref="Install"/> directly for xunit.
/// </summary>
public static class TestHooks
{
    private static volatile ITestHooks? _installed;

    /// <summary>Installs <paramref name="hooks"/> for this process (null removes them); returns what was installed.</summary>
    internal static ITestHooks? Install(ITestHooks? hooks)
    {
        var before = _installed;
        _installed = hooks;
        return before;
    }

    /// <summary>A point where a test may stop or end this process; nothing happens without installed hooks.</summary>
    public static void Pause(string point) => _installed?.Reached(point);

    /// <summary>A positive number a test chose for <paramref name="name"/>, or null.</summary>
    public static int? Int(string name) => Number(name) is > 0 and var n ? n : null;

    /// <summary>A number (0 or more) a test chose for <paramref name="name"/>, or null.</summary>
    public static int? Number(string name) => _installed?.Number(name) is >= 0 and var n ? n : null;
}
