using System.Text;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Services;
using Lamin.Core.Settings;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>A fresh folder under the system temp folder, symlinks in its own path resolved, removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "lamin-test")
    {
        var baseDir = RealPath(System.IO.Path.GetTempPath());
        Path = System.IO.Path.Combine(baseDir, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the temp folder (created as a folder when <paramref name="create"/>).</summary>
    public string Sub(string relative, bool create = false)
    {
        var p = System.IO.Path.Combine(Path, relative);
        if (create) Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        try { if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>An independent realpath for an existing folder (test setup only): each component's link followed.</summary>
    public static string RealPath(string existing)
    {
        var full = System.IO.Path.GetFullPath(existing);
        var root = System.IO.Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries))
        {
            var next = System.IO.Path.Combine(current, part);
            var target = new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true);
            current = target is null ? next : RealPath(target.FullName);
        }
        return current.Length > root.Length ? current.TrimEnd('/', '\\') : current;
    }

    /// <summary>Every file and folder below <paramref name="dir"/> with its content hash, for "nothing changed" checks.</summary>
    public static SortedDictionary<string, string> Snapshot(string dir)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(dir)) return result;
        foreach (var e in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var rel = System.IO.Path.GetRelativePath(dir, e.FullName);
            result[rel] = e is FileInfo f
                ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f.FullName)))
                : "<dir>";
        }
        return result;
    }
}

/// <summary>
/// A LAMIN_HOME, a current directory and (optionally) an instance "main" on local default storage, all
/// under one temp folder. Contexts are built fresh for every call, as the cmdlets do.
/// </summary>
public sealed class Sandbox : IDisposable
{
    public const string Alice = "alice";
    public const string Bob = "bob";

    private readonly TempDir _temp = new("lamin-svc");

    public Sandbox(bool withInstance = true)
    {
        HomeDir = _temp.Sub("home");
        Cwd = _temp.Sub("cwd", create: true);
        Home = new LaminHome(HomeDir);
        if (withInstance)
        {
            DefaultRoot = _temp.Sub("main");
            var svc = new InstanceService(As(Alice));
            Instance = svc.Create(svc.Plan(null, DefaultRoot, null), Warnings.Add);
        }
    }

    public string Root => _temp.Path;
    public string HomeDir { get; }
    public string Cwd { get; }
    public LaminHome Home { get; }
    public string DefaultRoot { get; } = "";
    public LaminInstance? Instance { get; }
    public List<string> Warnings { get; } = [];

    public LaminContext As(string user) => new(Home, user, Cwd);
    public StorageService Storages(string user = Alice) => new(As(user));
    public SpaceService Spaces(string user = Alice) => new(As(user));
    public SettingsService Settings(string user = Alice) => new(As(user));
    public string InstanceUid => As(Alice).InstanceUid;
    public string RegistryPath => As(Alice).Instance.RegistryPath;

    public string Folder(string name, bool create = true) => _temp.Sub(name, create);

    /// <summary>Plan + Create as New-LaminStorage does; warnings are collected in <see cref="Warnings"/>.</summary>
    public LaminStorage Register(string root, string? host = null, string? space = null, string user = Alice, string? description = null)
    {
        var svc = Storages(user);
        return svc.Create(svc.Plan(root, host, description, space), Warnings.Add).Record;
    }

    public List<LaminStorage> All(string user = Alice) => Storages(user).Get(new StorageQuery());

    /// <summary>Writes a marker file by hand (another instance's, or ours restored).</summary>
    public static string WriteMarker(string root, string storageUid, string instanceUid, string instanceName = "other")
    {
        var dir = Path.Combine(root, Marker.ManagedFolder);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, Marker.FileName);
        File.WriteAllText(path, Marker.Content(storageUid, instanceName, Guid.NewGuid(), instanceUid));
        return path;
    }

    public static string MarkerPath(string root) => Path.Combine(root, Marker.ManagedFolder, Marker.FileName);

    public static string[] MarkerLines(string root) => File.ReadAllText(MarkerPath(root), Encoding.UTF8).Split('\n');

    /// <summary>Puts artifact rows straight into the registry (statistics and removal rules need only the rows).</summary>
    public void InsertArtifact(LaminStorage storage, long size, bool trashed = false)
    {
        As(Alice).Registry.Write(s =>
        {
            s.Artifacts.Insert(new LaminArtifact
            {
                Uid = Util.Uids.Random(16) + "0000",
                Key = $"file-{Guid.NewGuid():N}.txt",
                Suffix = ".txt",
                Size = size,
                StorageId = storage.Id,
                StorageUid = storage.Uid,
                IsTrashed = trashed,
                CreatedAt = DateTime.UtcNow,
                UpdatedAt = DateTime.UtcNow,
                CreatedBy = Alice,
            });
        });
    }

    public void Dispose() => _temp.Dispose();
}

public static class LaminAssert
{
    public static LaminException Throws(string errorId, Action action)
    {
        var e = Assert.Throws<LaminException>(action);
        Assert.True(e.ErrorId == errorId, $"expected {errorId}, got {e.ErrorId}: {e.Message}");
        return e;
    }

    public static LaminException Throws(string errorId, Func<object?> action) => Throws(errorId, () => { action(); });
}

/// <summary>The repository checkout the tests run from: the meta-tests read src/ through it.</summary>
internal static class Repo
{
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "lamin.sln"))) return d.FullName;
        throw new InvalidOperationException("The repository root (lamin.sln) was not found above the test assembly.");
    }
}
