using System.Text.RegularExpressions;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The registry seam (issue 27): engine types stay in Registry/, services talk to IRegistry and IRegistrySession
/// only, and never pick an engine by its type. Fails naming the line that goes around the seam.
/// </summary>
public sealed class LayeringTests
{
    private static string RepoRoot() => Repo.Root();

    /// <summary>Each code line (comments cut) of the C# files under src/, with its file relative to the repository.</summary>
    private static List<(string File, int Line, string Code)> Code()
    {
        var root = RepoRoot();
        var all = new List<(string, int, string)>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.Contains("/obj/") || rel.Contains("/bin/")) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i];
                var comment = code.IndexOf("//", StringComparison.Ordinal);
                if (comment >= 0) code = code[..comment];
                if (code.TrimStart().StartsWith('*')) continue;
                all.Add((rel, i + 1, code));
            }
        }
        Assert.True(all.Count > 5000, $"only {all.Count} lines found: the scan looks in the wrong place");
        return all;
    }

    private static readonly Regex LiteDbType = new(@"\busing\s+LiteDB\b|\bLiteDB\.|\b(LiteDatabase|ILiteCollection|BsonValue|BsonDocument|BsonExpression|BsonMapper|Bson[A-Z]\w*Attribute|\[Bson\w*\])");

    [Fact]
    public void No_LiteDB_type_outside_the_registry()
    {
        var offenders = Code()
            .Where(x => !x.File.StartsWith("src/Lamin.Core/Registry/", StringComparison.Ordinal) && !x.File.StartsWith("src/Lamin.Loader/", StringComparison.Ordinal))
            .Where(x => LiteDbType.IsMatch(x.Code))
            .Select(x => $"{x.File}:{x.Line}: {x.Code.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "LiteDB types belong in src/Lamin.Core/Registry (add a verb to IRegistrySession instead):\n" + string.Join("\n", offenders));
    }

    private static readonly Regex EngineSwitch = new(@"\b(is|as)\s+(LaminRegistry|PostgresRegistry|RegistrySession|PostgresSession)\b|\((LaminRegistry|PostgresRegistry|RegistrySession|PostgresSession)\)\s*\w");

    [Fact]
    public void No_service_or_cmdlet_picks_a_registry_engine_by_its_type()
    {
        var offenders = Code()
            .Where(x => !x.File.StartsWith("src/Lamin.Core/Registry/", StringComparison.Ordinal))
            .Where(x => EngineSwitch.IsMatch(x.Code))
            .Select(x => $"{x.File}:{x.Line}: {x.Code.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "Services talk to IRegistry / IRegistrySession; an engine difference is a verb of the seam:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Computed_members_are_not_stored_in_a_LiteDB_registry()
    {
        var artifact = new LaminArtifact { Uid = "abcdefghijklmnop0000", Key = "k", Storage = "/somewhere", FullName = "/somewhere/k", Space = "lab" };
        var stored = LaminRegistry.Mapper.ToDocument(artifact);
        Assert.True(stored.ContainsKey("Key"));
        foreach (var computed in new[] { "Storage", "FullName", "Space", "Stem" }) Assert.False(stored.ContainsKey(computed), computed + " is computed, not stored");
        var storage = LaminRegistry.Mapper.ToDocument(new LaminStorage { Root = "/r", Space = "lab", IsManaged = true, ArtifactCount = 3, Size = 5 });
        Assert.True(storage.ContainsKey("Root"));
        foreach (var computed in new[] { "Space", "IsManaged", "ArtifactCount", "Size" }) Assert.False(storage.ContainsKey(computed), computed + " is computed, not stored");
    }
}
