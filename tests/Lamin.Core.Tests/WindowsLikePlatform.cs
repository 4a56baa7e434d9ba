using Lamin.Core.Roots;
using Lamin.Core.Util;

namespace Lamin.Core.Tests;

/// <summary>A test on this machine's folders with a Windows-like platform at hand (run the core under it with <see cref="LocalPlatform.Use"/>).</summary>
public abstract class WindowsLikeTest : IDisposable
{
    protected TempDir Temp { get; } = new("lamin-winlike");
    protected WindowsLikePlatform Win { get; } = new();

    public void Dispose() => Temp.Dispose();
}

/// <summary>
/// The local platform as Windows answers, on the real folders of this machine (issue 27): the core runs under it
/// with <see cref="LocalPlatform.Use"/>. Other processes are described by what they hold: a file another process
/// keeps open (<see cref="HoldOpen"/>, with its share mode) or a name pending delete (<see cref="PendingDelete"/>),
/// each for a number of refusals. The refusals are the ones NTFS gives through Win32 and .NET:
/// <list type="bullet">
/// <item>renaming a file over one that is open without FILE_SHARE_DELETE: ERROR_ACCESS_DENIED (UnauthorizedAccessException);</item>
/// <item>renaming or deleting a file that is open without FILE_SHARE_DELETE: ERROR_SHARING_VIOLATION;</item>
/// <item>renaming a folder with an open file (or a name pending delete) inside: ERROR_ACCESS_DENIED, whatever the share mode;</item>
/// <item>deleting, or opening, a name pending delete: ERROR_ACCESS_DENIED;</item>
/// <item>removing a folder while an entry in it is pending delete: ERROR_DIR_NOT_EMPTY;</item>
/// <item>opening a file for writing that another process opened without FILE_SHARE_WRITE: ERROR_SHARING_VIOLATION.</item>
/// </list>
/// The path system (<see cref="WindowsPaths"/>, null by default: the test folders are this machine's) is a
/// <see cref="FakeWindowsPathSystem"/> when a test parses Windows roots.
/// </summary>
public sealed class WindowsLikePlatform : ILocalPlatform
{
    private readonly Dictionary<string, (FileShare Share, int Left)> _held = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _pending = new(StringComparer.OrdinalIgnoreCase);
    private readonly Win32Platform _rules = new(); // the real Windows answers that need no Windows API (which refusals are transient)

    public string Name => "windows-like";
    public bool IsWindows => true;
    public IWindowsPathSystem? WindowsPaths { get; set; }
    public FileSystemRules DefaultRules => FileSystemRules.Windows;
    public StringComparison PathComparison => StringComparison.OrdinalIgnoreCase;

    /// <summary>Folders whose entries were flushed, files flushed (in order).</summary>
    public List<string> Flushed { get; } = [];
    public List<(string Path, IReadOnlyList<string> AlsoGranted)> RestrictedWith { get; } = [];
    /// <summary>Every question the core asked the OS about a folder (an unreachable share answers each one after its timeout).</summary>
    public List<string> Probes { get; } = [];
    /// <summary>Every refusal given, as "op path error".</summary>
    public List<string> Refusals { get; } = [];

    /// <summary>Another process keeps <paramref name="path"/> open with <paramref name="share"/> for the next <paramref name="refusals"/> refusals it causes.</summary>
    public void HoldOpen(string path, FileShare share = FileShare.Read | FileShare.Write, int refusals = int.MaxValue)
    {
        lock (_held) _held[Path.GetFullPath(path)] = (share, refusals);
    }

    /// <summary><paramref name="path"/> was deleted by a process that still holds it: its name lingers for <paramref name="refusals"/> refusals.</summary>
    public void PendingDelete(string path, int refusals = 1)
    {
        lock (_held) _pending[Path.GetFullPath(path)] = refusals;
    }

    public static UnauthorizedAccessException AccessDenied(string path) => new($"Access to the path '{path}' is denied.");
    public static IOException SharingViolation(string path) =>
        new($"The process cannot access the file '{path}' because it is being used by another process.", unchecked((int)0x80070020));
    public static IOException DirNotEmpty(string path) => new($"The directory is not empty. : '{path}'", unchecked((int)0x80070091));

    private Exception Refuse(string op, string path, Exception e, string key, bool pending)
    {
        lock (_held)
        {
            if (pending) { if (--_pending[key] <= 0) _pending.Remove(key); }
            else
            {
                var (share, left) = _held[key];
                if (left - 1 <= 0) _held.Remove(key); else _held[key] = (share, left - 1);
            }
            Refusals.Add($"{op} {path} {e.GetType().Name}");
        }
        return e;
    }

    private (string Key, FileShare Share)? Held(string path)
    {
        var full = Path.GetFullPath(path);
        lock (_held) return _held.TryGetValue(full, out var h) ? (full, h.Share) : null;
    }

    private string? Pending(string path)
    {
        var full = Path.GetFullPath(path);
        lock (_held) return _pending.ContainsKey(full) ? full : null;
    }

    /// <summary>A held file or pending name at or below <paramref name="folder"/>.</summary>
    private (string Key, bool Pending)? Inside(string folder)
    {
        var full = Path.GetFullPath(folder).TrimEnd('/', '\\') + Path.DirectorySeparatorChar;
        lock (_held)
        {
            foreach (var k in _held.Keys) if (k.StartsWith(full, StringComparison.OrdinalIgnoreCase)) return (k, false);
            foreach (var k in _pending.Keys) if (k.StartsWith(full, StringComparison.OrdinalIgnoreCase)) return (k, true);
        }
        return null;
    }

    public void ReplaceFile(string source, string target)
    {
        if (Held(target) is { } t && !t.Share.HasFlag(FileShare.Delete)) throw Refuse("replace", target, AccessDenied(target), t.Key, false);
        if (Pending(target) is { } p) throw Refuse("replace", target, AccessDenied(target), p, true);
        if (Held(source) is { } s && !s.Share.HasFlag(FileShare.Delete)) throw Refuse("replace", source, SharingViolation(source), s.Key, false);
        File.Move(source, target, overwrite: true);
    }

    public void MoveFile(string source, string target)
    {
        if (Held(source) is { } s && !s.Share.HasFlag(FileShare.Delete)) throw Refuse("move", source, SharingViolation(source), s.Key, false);
        File.Move(source, target);
    }

    public void MoveFolder(string source, string target)
    {
        if (Inside(source) is { } i) throw Refuse("move", source, AccessDenied(source), i.Key, i.Pending);
        Directory.Move(source, target);
    }

    public void DeleteFile(string path)
    {
        if (Pending(path) is { } p) throw Refuse("delete", path, AccessDenied(path), p, true);
        if (Held(path) is { } h && !h.Share.HasFlag(FileShare.Delete)) throw Refuse("delete", path, SharingViolation(path), h.Key, false);
        File.Delete(path);
    }

    public void DeleteFolder(string path, bool recursive)
    {
        if (Inside(path) is { } i)
        {
            if (i.Pending) throw Refuse("delete", path, DirNotEmpty(path), i.Key, true);
            if (recursive && Held(i.Key) is { } h && !h.Share.HasFlag(FileShare.Delete)) throw Refuse("delete", i.Key, SharingViolation(i.Key), h.Key, false);
        }
        Directory.Delete(path, recursive);
    }

    public void CheckOpenable(string path, FileAccess access, FileShare share)
    {
        if (Pending(path) is { } p) throw Refuse("open", path, AccessDenied(path), p, true);
        if (Held(path) is { } h && (access.HasFlag(FileAccess.Write) && !h.Share.HasFlag(FileShare.Write) || !share.HasFlag(FileShare.Read)))
            throw Refuse("open", path, SharingViolation(path), h.Key, false);
    }

    public bool IsTransient(Exception e) => _rules.IsTransient(e);

    public bool UseBarrier => false;

    public bool SyncDirectory(string folder)
    {
        lock (Flushed) Flushed.Add(folder);
        return Directory.Exists(folder);
    }

    public bool FlushFile(string path)
    {
        lock (Flushed) Flushed.Add(path);
        return File.Exists(path);
    }

    public bool Barrier(IReadOnlyCollection<string> files, IReadOnlyCollection<string> roots)
    {
        bool ok = true;
        foreach (var f in files) ok &= FlushFile(f);
        return ok;
    }

    public string? ResolveLinksFast(string path)
    {
        lock (Probes) Probes.Add(path);
        return null;
    }

    public bool FolderExists(string path)
    {
        lock (Probes) Probes.Add(path);
        return Directory.Exists(path);
    }
    public ulong? InodeOf(string path) => null;
    public bool CopiesInKernel => false;

    public string HostName { get; set; } = Environment.MachineName;
    public string? KernelIdentity { get; set; } = "windows:7";
    public IProcessTable Processes { get; set; } = ProcessTable.Os;

    public string UserName { get; set; } = "ada";
    public string? UserDomain { get; set; } = "LAB-PC";
    public string Home { get; set; } = LocalPaths.Home;

    public void RestrictToOwner(string path, IReadOnlyList<string> alsoGranted)
    {
        lock (RestrictedWith) RestrictedWith.Add((path, alsoGranted));
    }

    public bool CreateOwnerOnly(FileStreamOptions options) => false;
}
