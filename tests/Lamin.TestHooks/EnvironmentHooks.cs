using System.Globalization;
using Lamin.Core.Util;

namespace Lamin.TestHooks;

/// <summary>
/// Test hooks driven by this process's environment, so a Pester test can steer a child pwsh it starts:
/// <list type="bullet">
/// <item><c>LAMIN_TEST_PAUSE=&lt;point&gt;[#n]</c> with <c>LAMIN_TEST_PAUSE_FILE=&lt;path&gt;</c>: the n-th time (default
/// the first) the process reaches that point, it creates the file and waits until the test deletes it (at most
/// two minutes), then goes on.</item>
/// <item><c>LAMIN_TEST_KILL=&lt;point&gt;</c>: the process kills itself there, as a power cut would end it.</item>
/// <item>A number named <c>batch-size</c> is read from <c>LAMIN_TEST_BATCH_SIZE</c> (names that already start
/// with LAMIN_ are read as they are).</item>
/// </list>
/// </summary>
public sealed class EnvironmentHooks : ITestHooks
{
    private readonly Dictionary<string, int> _reached = new(StringComparer.Ordinal);

    /// <summary>Installs these hooks in this process (idempotent); called by tests/Pester/TestHelpers.psm1.</summary>
    public static void Install()
    {
        if (Lamin.Core.Util.TestHooks.Install(null) is EnvironmentHooks same) { Lamin.Core.Util.TestHooks.Install(same); return; }
        Lamin.Core.Util.TestHooks.Install(new EnvironmentHooks());
    }

    public void Reached(string point)
    {
        if (Environment.GetEnvironmentVariable("LAMIN_TEST_KILL") == point) System.Diagnostics.Process.GetCurrentProcess().Kill();
        var wanted = Environment.GetEnvironmentVariable("LAMIN_TEST_PAUSE");
        var file = Environment.GetEnvironmentVariable("LAMIN_TEST_PAUSE_FILE");
        if (string.IsNullOrEmpty(wanted) || string.IsNullOrEmpty(file)) return;
        var hash = wanted.IndexOf('#');
        var name = hash < 0 ? wanted : wanted[..hash];
        var nth = hash < 0 ? 1 : int.Parse(wanted[(hash + 1)..], CultureInfo.InvariantCulture);
        if (name != point) return;
        int count;
        lock (_reached) count = _reached[point] = _reached.GetValueOrDefault(point) + 1;
        if (count != nth) return;
        File.WriteAllText(file, point);
        var until = DateTime.UtcNow.AddMinutes(2);
        while (File.Exists(file) && DateTime.UtcNow < until) Thread.Sleep(50);
    }

    public int? Number(string name)
    {
        var variable = name.StartsWith("LAMIN_", StringComparison.Ordinal)
            ? name
            : "LAMIN_TEST_" + name.ToUpperInvariant().Replace('-', '_');
        return int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}
