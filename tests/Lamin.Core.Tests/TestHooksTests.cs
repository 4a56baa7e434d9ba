using System.Text.RegularExpressions;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// Test hooks live behind an internal interface that only test assemblies install (issue 27): no environment
/// variable in production code changes behaviour for tests, and without installed hooks every point is inert.
/// </summary>
public sealed class TestHooksTests
{
    // The variables production code may read: each is documented for users (README), none exists for tests.
    private static readonly HashSet<string> UserVariables = new(StringComparer.Ordinal)
    {
        "LAMIN_HOME", "LAMIN_USER", "LAMIN_REGISTRY_TIMEOUT", "HOME",
        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "STORAGE_EMULATOR_HOST",
    };

    private static readonly Regex EnvironmentRead = new(@"GetEnvironmentVariable\(\s*(?<arg>[^)]*)\)");

    private static string RepoRoot() => Repo.Root();

    private static IEnumerable<(string File, int Line, string Text)> SourceLines()
    {
        var root = RepoRoot();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.Contains("/obj/") || rel.Contains("/bin/")) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++) yield return (rel, i + 1, lines[i]);
        }
    }

    [Fact]
    public void Production_code_reads_no_variable_that_exists_for_tests()
    {
        var offenders = new List<string>();
        var reads = 0;
        foreach (var (file, line, text) in SourceLines())
        {
            if (text.Contains("LAMIN_TEST", StringComparison.Ordinal)) offenders.Add($"{file}:{line}: {text.Trim()}");
            foreach (Match m in EnvironmentRead.Matches(text))
            {
                reads++;
                var arg = m.Groups["arg"].Value.Trim();
                var literal = Regex.Match(arg, "^\\$?\"(?<name>[^\"{]*)");
                // A read whose name is not a literal (a drive's "=C:" variable, a delegate) is checked where it is written.
                if (literal.Success && !UserVariables.Contains(literal.Groups["name"].Value) && !arg.StartsWith('$'))
                    offenders.Add($"{file}:{line}: {text.Trim()}");
            }
        }
        Assert.True(reads >= 5, $"only {reads} environment reads found: the scan looks in the wrong place");
        Assert.True(offenders.Count == 0,
            "Production code must not read test variables; use Lamin.Core.Util.TestHooks (installed by the test assemblies) or document the variable for users:\n"
            + string.Join("\n", offenders));
    }

    [Fact]
    public void Without_installed_hooks_every_point_is_inert_and_every_number_is_the_default()
    {
        var before = TestHooks.Install(null);
        try
        {
            TestHooks.Pause("pg-commit"); // returns at once: no hook
            Assert.Null(TestHooks.Int("batch-size"));
            Assert.Null(TestHooks.Number("progress-after-ms"));
        }
        finally { TestHooks.Install(before); }
    }

    [Fact]
    public void Installed_hooks_see_every_point_and_choose_the_numbers()
    {
        var hooks = new Recording();
        var before = TestHooks.Install(hooks);
        try
        {
            TestHooks.Pause("a-test-only-point");
            Assert.Contains("a-test-only-point", hooks.Points);
            Assert.Equal(7, TestHooks.Int("seven"));
            Assert.Null(TestHooks.Int("zero"));      // Int is for positive numbers only
            Assert.Equal(0, TestHooks.Number("zero"));
            Assert.Null(TestHooks.Number("negative"));
        }
        finally { TestHooks.Install(before); }
    }

    private sealed class Recording : ITestHooks
    {
        public List<string> Points { get; } = [];
        public void Reached(string point) { lock (Points) Points.Add(point); }
        public int? Number(string name) => name switch { "seven" => 7, "zero" => 0, "negative" => -1, _ => null };
    }
}
