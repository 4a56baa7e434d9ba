using System.Text.RegularExpressions;
using Lamin.Core.Errors;
using Lamin.Core.Registry;
using Lamin.Core.Roots;
using Lamin.Core.Safety;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// SPEC §10 rule 12 (issue 24): every delete, overwrite and rename-over-existing passes <see cref="Gate"/>.
/// The meta-test reads the sources: a new direct call anywhere but the gate and the providers' own primitives fails it.
/// </summary>
public class GateTests : IDisposable
{
    private readonly Sandbox _sb = new();
    public void Dispose() => _sb.Dispose();

    /// <summary>The files allowed to touch the primitives: the gate, and the providers that implement them.</summary>
    private static readonly string[] Allowed =
    [
        "src/Lamin.Core/Safety/Gate.cs",
        "src/Lamin.Core/Storage/IStorageProvider.cs",      // declares DeleteUnchecked
        "src/Lamin.Core/Storage/LocalStorageProvider.cs",  // the local primitives (its writer's own temporaries, the folder replace)
        "src/Lamin.Core/Storage/LocalStorageProvider.Writer.cs",
        "src/Lamin.Core/Storage/LocalStorageProvider.Recovery.cs",
        "src/Lamin.Core/Roots/SystemPlatform.cs",          // the platform seam: the OS calls below the gate and the providers (issue 27)
        "src/Lamin.Core/Storage/S3StorageProvider.cs",
        "src/Lamin.Core/Storage/GcsStorageProvider.cs",
        "src/Lamin.Core/Storage/SharingRules.cs",          // FolderOperations / FolderReplace: the aside of a replace
        "src/Lamin.Core/Storage/CopyOnCommitWriter.cs",    // the cloud providers' writer: its own temporaries, a replaced folder's old members
    ];

    /// <summary>What counts as deleting or overwriting: each pattern names a primitive.</summary>
    private static readonly Regex[] Primitives =
    [
        new(@"\bFile\.Delete\s*\("),
        new(@"\bDirectory\.Delete\s*\("),
        new(@"\bFile\.Replace\s*\("),
        new(@"\bFile\.Move\s*\([^;]*(overwrite\s*:|,\s*true\s*\))"),
        new(@"\b(FileInfo|DirectoryInfo|FileSystemInfo)\b[^;]*\.Delete\s*\("),
        new(@"\bDeleteObjects?(Async)?\s*\("),
        new(@"\bDeleteUnchecked\s*\("),
        new(@"\bDeleteMarker\s*\("),
        new(@"\bDelete(Keys|Own)\s*\("),
        new(@"\bDeleteIfUnchanged\s*\("),
        new(@"\.(DeleteFile|DeleteFolder|ReplaceFile)\s*\("), // the platform seam's acts (issue 27)
    ];

    /// <summary>The lines of <paramref name="source"/> that call a primitive, comments left out.</summary>
    public static IEnumerable<(int Line, string Text)> DirectCalls(string source)
    {
        var lines = source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var code = lines[i];
            var comment = code.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0) code = code[..comment];
            if (Primitives.Any(p => p.IsMatch(code))) yield return (i + 1, lines[i].Trim());
        }
    }

    private static string RepoRoot() => Repo.Root();

    [Fact]
    public void Nothing_but_the_gate_and_the_providers_primitives_deletes_or_overwrites()
    {
        var root = RepoRoot();
        var offenders = new List<string>();
        var scanned = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.Contains("/obj/") || rel.Contains("/bin/")) continue;
            scanned++;
            if (Allowed.Contains(rel)) continue;
            foreach (var (line, text) in DirectCalls(File.ReadAllText(file)))
                offenders.Add($"{rel}:{line}: {text}");
        }
        Assert.True(scanned > 50, $"only {scanned} source files found: the scan looks in the wrong place");
        Assert.True(offenders.Count == 0,
            "These lines delete or overwrite without the gate (SPEC §10 rule 12); call Lamin.Core.Safety.Gate instead:\n" + string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("File.Delete(path);")]
    [InlineData("            try { Directory.Delete(dir, recursive: true); } catch { }")]
    [InlineData("File.Move(tmp, target, overwrite: true);")]
    [InlineData("File.Move(tmp, target, true);")]
    [InlineData("File.Replace(a, b, null);")]
    [InlineData("new FileInfo(p).Delete();")]
    [InlineData("client.DeleteObjectAsync(bucket, key);")]
    [InlineData("provider.DeleteUnchecked(root, key);")]
    [InlineData("provider.DeleteIfUnchanged(root, key, version);")]
    [InlineData("StorageProviders.For(root).DeleteMarker(root);")]
    [InlineData("store.DeleteKeys(keys);")]
    [InlineData("LocalPlatform.Current.DeleteFile(path);")]
    [InlineData("platform.ReplaceFile(tmp, target);")]
    public void The_scan_finds_a_direct_call_when_one_is_added(string line)
    {
        Assert.Single(DirectCalls("namespace X;\nclass Y {\n  void Z() {\n" + line + "\n  }\n}"));
    }

    [Theory]
    [InlineData("// File.Delete(path); in a comment")]
    [InlineData("File.Move(tmp, target); // a rename to a free name")]
    [InlineData("s.Artifacts.Delete(a.Id);")]
    public void The_scan_leaves_comments_renames_and_registry_rows_alone(string line)
    {
        Assert.Empty(DirectCalls(line));
    }

    // ---------------------------------------------------------------- the rules

    private LaminException Refused(StorageRoot root, string key, bool folder) =>
        Assert.Throws<LaminException>(() => new LaminRegistry(_sb.RegistryPath).Read(s => Gate.Check(s, root, key, folder, new GateScope("test"))));

    [Fact]
    public void A_root_a_folder_holding_a_root_and_the_control_files_are_refused()
    {
        var outer = _sb.Folder("outer");
        _sb.Register(outer);
        var inner = Path.Combine(outer, "data", "inner");
        Directory.CreateDirectory(inner);
        _sb.Register(inner);
        var root = StorageRoot.Parse(outer, "/");
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, "", true).ErrorId);
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, "data", true).ErrorId);          // holds the inner location's root
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, "data/inner", true).ErrorId);    // is it
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, ".lamindb", true).ErrorId);
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, Marker.RelativeKey, false).ErrorId);
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, Lease.RelativeKey, false).ErrorId);
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, "data/inner/.lamindb/lamin.db", false).ErrorId);
        Assert.Contains("Nothing was changed", Refused(root, "data", true).Message);
        // A plain unregistered file beside them passes.
        File.WriteAllText(Path.Combine(outer, "free.txt"), "x");
        var permit = new LaminRegistry(_sb.RegistryPath).Read(s => Gate.Check(s, root, "free.txt", false, new GateScope("test")));
        Gate.Delete(permit);
        Assert.False(File.Exists(Path.Combine(outer, "free.txt")));
        Assert.True(Directory.Exists(inner));
    }

    [Fact]
    public void Under_Windows_rules_a_root_in_another_letter_case_is_still_a_root()
    {
        var outer = _sb.Folder("outer");
        _sb.Register(outer);
        var inner = Path.Combine(outer, "Inner");
        Directory.CreateDirectory(inner);
        _sb.Register(inner);
        using var a = LocationRules.Assume(outer, FileSystemRules.Windows);
        using var b = LocationRules.Assume(inner, FileSystemRules.Windows);
        var root = StorageRoot.Parse(outer, "/");
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, "INNER", true).ErrorId);
        Assert.Equal(ErrorIds.InvalidPath, Refused(root, "inner/.LaminDB/Storage_UID.txt", false).ErrorId);
        // An unregistered file beside them passes in any letter case.
        File.WriteAllText(Path.Combine(outer, "free.txt"), "x");
        Assert.NotNull(new LaminRegistry(_sb.RegistryPath).Read(s => Gate.Check(s, root, "FREE.TXT", false, new GateScope("test"))));
    }

    [Fact]
    public void A_stopped_moves_marker_goes_only_where_no_location_stands_and_only_with_its_uid()
    {
        var registered = _sb.Register(_sb.Folder("registered"));
        var stray = StorageRoot.Parse(_sb.Folder("stray"), "/");
        var at = StorageRoot.Parse(registered.Root, "/");
        var registry = new LaminRegistry(_sb.RegistryPath);
        bool Retire(StorageRoot r, string uid) => registry.Read(s => Gate.RetireStrayMarker(s, r, uid, new GateScope("test")));

        LocalStorageProvider.Instance.WriteMarker(stray, Marker.Content("moveduid0001", "i", Guid.NewGuid(), "inst00000001"));
        Assert.False(Retire(stray, "otheruid0001"));                       // another location's marker
        Assert.True(LocalStorageProvider.Instance.ReadMarker(stray).Exists);
        Assert.False(Retire(at, registered.Uid));                           // a location stands on it
        Assert.True(LocalStorageProvider.Instance.ReadMarker(at).Exists);
        Assert.True(Retire(stray, "moveduid0001"));
        Assert.False(LocalStorageProvider.Instance.ReadMarker(stray).Exists);
        Assert.False(Retire(stray, "moveduid0001"));                       // nothing there any more
    }

    [Fact]
    public void Own_objects_still_never_name_a_root_or_a_control_file()
    {
        var root = StorageRoot.Parse(_sb.Folder("own"), "/");
        Assert.Equal(ErrorIds.InvalidPath, Assert.Throws<LaminException>(() => Gate.OwnObject(root, "", null, new GateScope("test"))).ErrorId);
        Assert.Equal(ErrorIds.InvalidPath, Assert.Throws<LaminException>(() => Gate.OwnObject(root, Marker.RelativeKey, null, new GateScope("test"))).ErrorId);
        Assert.Equal(ErrorIds.InvalidPath, Assert.Throws<LaminException>(() => Gate.OwnObject(root, ".lamindb", true, new GateScope("test"))).ErrorId);
    }

    [Fact]
    public void A_temporary_is_deleted_only_under_a_temporary_name_and_an_empty_folder_only_when_empty()
    {
        var keep = _sb.Folder("keep");
        File.WriteAllText(Path.Combine(keep, "data.csv"), "x");
        Assert.Equal(ErrorIds.InvalidPath, Assert.Throws<LaminException>(() => Gate.DeleteOwnTemporary(keep)).ErrorId);
        Assert.False(Gate.DeleteEmptyFolder(keep));
        Assert.True(File.Exists(Path.Combine(keep, "data.csv")));
        var temp = Path.Combine(keep, ".lamin-save-1-abc");
        Directory.CreateDirectory(temp);
        File.WriteAllText(Path.Combine(temp, "m"), "x");
        Gate.DeleteOwnTemporary(temp);
        Assert.False(Directory.Exists(temp));
        Assert.Equal(ErrorIds.InvalidPath, Assert.Throws<LaminException>(() => Gate.RetireControlFile(Path.Combine(keep, "data.csv"), Gate.ControlFile.Marker)).ErrorId);
        Assert.True(File.Exists(Path.Combine(keep, "data.csv")));
    }
}
