using System.Diagnostics;

namespace Lamin.Core.Registry;

/// <summary>
/// The inter-process lock around every registry session: an exclusive open of "&lt;registry&gt;.lock".
/// .NET maps FileShare.None to flock(LOCK_EX) on Unix and to a share-mode lock on Windows, so the
/// lock holds across processes on both and is released by the OS when a holder dies.
/// </summary>
internal sealed class RegistryLock : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _path;

    // Sessions never nest: a nested one on the same thread would wait for itself until the timeout.
    [ThreadStatic] private static HashSet<string>? _held;

    private RegistryLock(FileStream stream, string path)
    {
        _stream = stream;
        _path = path;
    }

    /// <summary>The open lock file: it also keeps the registry's <see cref="VerifiedStamp"/> (read and written only while held).</summary>
    internal FileStream Stream => _stream;

    public static TimeSpan DefaultTimeout
    {
        get
        {
            var s = Environment.GetEnvironmentVariable("LAMIN_REGISTRY_TIMEOUT");
            return double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var sec) && sec >= 0
                ? TimeSpan.FromSeconds(sec)
                : TimeSpan.FromSeconds(60);
        }
    }

    public static RegistryLock Acquire(string registryPath, TimeSpan timeout, CancellationToken cancel = default) =>
        Acquire(registryPath, timeout, cancel, Open, accessDeniedIsTransient: Roots.LocalPlatform.Current.IsWindows);

    private static FileStream Open(string lockPath)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        Roots.LocalPlatform.Current.CreateOwnerOnly(options);
        return new FileStream(lockPath, options);
    }

    /// <summary>
    /// The loop behind <see cref="Acquire(string, TimeSpan, CancellationToken)"/>, with the open and the
    /// OS's meaning of "access denied" as inputs. On Windows a lock file that another process is closing,
    /// deleting or scanning (antivirus, indexer) answers access denied for a moment, so it is retried
    /// within the timeout like a busy lock, and only then reported as AccessDenied. On Unix access
    /// denied is a permission and never passes: it is reported at once.
    /// </summary>
    internal static RegistryLock Acquire(string registryPath, TimeSpan timeout, CancellationToken cancel, Func<string, FileStream> open, bool accessDeniedIsTransient)
    {
        var lockPath = registryPath + ".lock";
        _held ??= new HashSet<string>(StringComparer.Ordinal);
        if (_held.Contains(lockPath))
            throw new InvalidOperationException($"Lamin bug: a registry session on '{registryPath}' was opened inside another one.");
        var watch = Stopwatch.StartNew();
        var delay = 1;
        while (true)
        {
            try
            {
                var fs = open(lockPath);
                bool openable;
                try { openable = RegistryFileOpenable(registryPath, watch, timeout, cancel); }
                catch { fs.Dispose(); throw; } // cancelled: the lock goes with it
                if (!openable)
                {
                    fs.Dispose();
                    throw new LaminException(ErrorIds.RegistryBusy,
                        $"The registry '{registryPath}' is held open by another program for more than {timeout.TotalSeconds:0.#} s " +
                        "(a sync client such as OneDrive, a backup or antivirus agent). Wait for it and retry, exclude the registry's folder " +
                        "from that program, or raise LAMIN_REGISTRY_TIMEOUT (seconds).", registryPath);
                }
                _held.Add(lockPath);
                return new RegistryLock(fs, lockPath);
            }
            catch (IOException) when (File.Exists(lockPath) || Directory.Exists(Path.GetDirectoryName(lockPath)))
            {
                if (watch.Elapsed >= timeout)
                    throw new LaminException(ErrorIds.RegistryBusy,
                        $"The registry '{registryPath}' is held by another process for more than {timeout.TotalSeconds:0.#} s. " +
                        "Wait for it to finish and retry, or raise LAMIN_REGISTRY_TIMEOUT (seconds).", registryPath);
            }
            catch (UnauthorizedAccessException e)
            {
                if (!accessDeniedIsTransient || watch.Elapsed >= timeout)
                    throw new LaminException(ErrorIds.AccessDenied,
                        $"Cannot open the registry lock '{lockPath}': {e.Message}" +
                        (accessDeniedIsTransient ? $" (still refused after {timeout.TotalSeconds:0.#} s; check the folder's permissions)." : ""),
                        registryPath, e);
            }
            // Back off between tries of a non-blocking lock; this is the wait for another process, not test synchronisation.
            if (cancel.WaitHandle.WaitOne(delay)) throw new OperationCanceledException(cancel);
            delay = Math.Min(delay * 2, 50);
        }
    }

    /// <summary>
    /// Under the lock, whether the registry file itself can be opened as a session opens it (read and write, others may
    /// read): on Windows another program that holds it (OneDrive, a backup agent) refuses that for a moment with a
    /// sharing violation, which is waited for within the timeout like a busy lock (issue 27: it was StorageIoError).
    /// False when it is still refused at the timeout. Nothing to wait for where the OS has no sharing modes (one open and
    /// close of the file per session on Windows).
    /// </summary>
    private static bool RegistryFileOpenable(string registryPath, Stopwatch watch, TimeSpan timeout, CancellationToken cancel)
    {
        var platform = Roots.LocalPlatform.Current;
        var delay = 1;
        while (true)
        {
            try { platform.CheckOpenable(registryPath, FileAccess.ReadWrite, FileShare.Read); return true; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!platform.IsTransient(e)) return true; // not another program's moment: the session's own open reports it, as before
                if (watch.Elapsed >= timeout) return false;
            }
            // The wait for another program, not test synchronisation.
            if (cancel.WaitHandle.WaitOne(delay)) throw new OperationCanceledException(cancel);
            delay = Math.Min(delay * 2, 50);
        }
    }

    public void Dispose()
    {
        _held?.Remove(_path);
        _stream.Dispose();
    }
}
