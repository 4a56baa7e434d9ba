namespace Lamin.Core.Roots;

/// <summary>
/// What <see cref="PosixPlatform"/> and <see cref="Win32Platform"/> do alike: the file acts are the same .NET calls
/// (rename(2) or MoveFileEx and DeleteFile below them), and so are the process table, host and user name. The
/// OS-specific answers (which refusals are transient, how folders are flushed, identity, ACLs) are each platform's.
/// </summary>
public abstract class SystemPlatform
{
    public void ReplaceFile(string source, string target) => File.Move(source, target, overwrite: true);
    public void MoveFile(string source, string target) => File.Move(source, target);
    public void MoveFolder(string source, string target) => Directory.Move(source, target);
    public void DeleteFile(string path) => File.Delete(path);
    public void DeleteFolder(string path, bool recursive) => Directory.Delete(path, recursive);
    public bool FolderExists(string path) => Directory.Exists(path);

    /// <summary>Flushes one file through a stream (fsync / FlushFileBuffers); false when it can't be opened.</summary>
    public bool FlushFile(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
            fs.Flush(flushToDisk: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    public string HostName => Environment.MachineName;
    public Util.IProcessTable Processes => Util.ProcessTable.Os;
    public string UserName => Environment.UserName;
}
