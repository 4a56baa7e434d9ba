using System.Collections;
using System.Management.Automation.Provider;
using System.Text;

namespace Lamin.PowerShell.Drive;

/// <summary>
/// Get-Content on the lamin: drive: lines of text (UTF-8, or what a byte-order mark says), bytes
/// (-AsByteStream), or the whole content as one object (-Raw), read as the engine asks for them, so
/// -TotalCount stops the reading (and, on S3/GCS, the ranged requests) early.
/// </summary>
internal sealed class ContentReader(Stream stream, bool bytes, bool raw) : IContentReader
{
    private readonly StreamReader? _text = bytes ? null : new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024);
    private bool _done;

    public IList Read(long readCount)
    {
        var result = new ArrayList();
        if (_done) return result;
        if (raw)
        {
            _done = true;
            if (_text is not null) { var all = _text.ReadToEnd(); if (all.Length > 0) result.Add(all); }
            else
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                if (buffer.Length > 0) result.Add(buffer.ToArray());
            }
            return result;
        }
        while (readCount <= 0 || result.Count < readCount)
        {
            if (_text is not null)
            {
                var line = _text.ReadLine();
                if (line is null) { _done = true; break; }
                result.Add(line);
            }
            else
            {
                int b = stream.ReadByte();
                if (b < 0) { _done = true; break; }
                result.Add((byte)b);
            }
        }
        return result;
    }

    public void Seek(long offset, SeekOrigin origin) => throw new PSNotSupportedException("Seeking is not supported in lamin: drive content.");

    public void Close() => Dispose();

    public void Dispose()
    {
        _text?.Dispose();
        stream.Dispose();
    }
}

/// <summary>
/// Set-Content on the lamin: drive: the content goes to a spool file (never a whole buffer in memory),
/// and on Close it is added as a new artifact, or a new version of the key, in that location.
/// </summary>
internal sealed class ContentWriter(DriveService drive, string storageUid, string key, string spoolPath, bool bytes, bool noNewline,
    Action<string> warn, Action<Action> guard) : IContentWriter
{
    private readonly FileStream _spool = new(spoolPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
    private static readonly Encoding Utf8 = new UTF8Encoding(false);
    private bool _closed;

    public IList Write(IList content)
    {
        foreach (var item in content)
        {
            var o = item is PSObject ps ? ps.BaseObject : item;
            switch (o)
            {
                case byte b when bytes: _spool.WriteByte(b); break;
                case byte[] array when bytes: _spool.Write(array); break;
                case null: if (!bytes && !noNewline) WriteText(""); break;
                default:
                    if (bytes) _spool.WriteByte(LanguagePrimitives.ConvertTo<byte>(o));
                    else WriteText(LanguagePrimitives.ConvertTo<string>(o) ?? "");
                    break;
            }
        }
        return content;
    }

    private void WriteText(string s)
    {
        _spool.Write(Utf8.GetBytes(noNewline ? s : s + Environment.NewLine));
    }

    public void Seek(long offset, SeekOrigin origin) => throw new PSNotSupportedException("Seeking is not supported in lamin: drive content.");

    public void Close()
    {
        if (_closed) return;
        _closed = true;
        try
        {
            _spool.Dispose();
            guard(() => drive.WriteAt(storageUid, key, spoolPath, warn, CancellationToken.None));
        }
        finally { DriveService.DeleteSpoolFile(spoolPath); }
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        _spool.Dispose();
        DriveService.DeleteSpoolFile(spoolPath); // stopped before Close: nothing is added
    }
}
