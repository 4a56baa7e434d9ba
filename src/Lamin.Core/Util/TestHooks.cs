namespace Lamin.Core.Util;

/// <summary>
/// Points where a test stops a command in the middle to act on it from outside (restart the database
/// server, say), observed rather than timed. Inert unless both variables are set:
/// <c>LAMIN_TEST_PAUSE=&lt;point&gt;[#n]</c> and <c>LAMIN_TEST_PAUSE_FILE=&lt;path&gt;</c>: the n-th time
/// (default the first) this process reaches that point, it creates the file and waits until the test
/// deletes it (at most two minutes), then goes on. <c>LAMIN_TEST_BATCH_SIZE</c>: Add-LaminArtifact's
/// batch size, so a short test ingest commits several batches.
/// </summary>
public static class TestHooks
{
    private static readonly Dictionary<string, int> Reached = new(StringComparer.Ordinal);

    /// <summary>A pause point: see the class summary.</summary>
    public static void Pause(string point)
    {
        var wanted = Environment.GetEnvironmentVariable("LAMIN_TEST_PAUSE");
        var file = Environment.GetEnvironmentVariable("LAMIN_TEST_PAUSE_FILE");
        if (string.IsNullOrEmpty(wanted) || string.IsNullOrEmpty(file)) return;
        var hash = wanted.IndexOf('#');
        var name = hash < 0 ? wanted : wanted[..hash];
        var nth = hash < 0 ? 1 : int.Parse(wanted[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (name != point) return;
        int count;
        lock (Reached) count = Reached[point] = Reached.GetValueOrDefault(point) + 1;
        if (count != nth) return;
        File.WriteAllText(file, point);
        var until = DateTime.UtcNow.AddMinutes(2);
        while (File.Exists(file) && DateTime.UtcNow < until) Thread.Sleep(50);
    }

    /// <summary>A positive whole number from the environment variable <paramref name="name"/>, or null.</summary>
    public static int? Int(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
}
