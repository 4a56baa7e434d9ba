using Lamin.Core.Hashing;

namespace Lamin.Core.Services;

/// <summary>
/// What Add-LaminArtifact was asked to do with one path. SPEC §4 "Destination keys": <paramref name="Key"/> wins;
/// else, for a path that is copied, <paramref name="KeyPrefix"/> + <paramref name="KeyName"/> (the file name as given,
/// or with -Recurse the path relative to the folder given); a path registered in place keeps its relative path (rule 19).
/// </summary>
public sealed record AddRequest(string Path, string? Key = null, string? Description = null, string? Storage = null,
    bool? KeyIsVirtual = null, bool? SkipHashLookup = null, string? KeyPrefix = null, string? KeyName = null);

/// <summary>
/// One entry below a folder given to Add-LaminArtifact -Recurse: a file to add (its path, and its path relative to the
/// folder, '/'-separated), or a folder or link left out (<see cref="Skipped"/>, for -Verbose), or a folder that could not
/// be read (<see cref="Error"/>, reported for that folder alone).
/// </summary>
public sealed record FolderEntry(string Path, string RelativePath, string? Skipped = null, LaminException? Error = null);

/// <summary>A validated ingest: where the data goes and under which key. Nothing has been read or written yet.</summary>
public sealed class IngestPlan
{
    public required string SourcePath { get; init; }
    public required bool IsFolder { get; init; }
    public required LaminStorage Storage { get; init; }
    public required StorageRoot Root { get; init; }
    public required bool InPlace { get; init; }
    public string? Key { get; init; }
    public bool KeyIsVirtual { get; init; }
    public string? RealKey { get; init; }
    public required string Suffix { get; init; }
    public string? Description { get; init; }
    public bool? SkipHashLookup { get; init; }
    /// <summary>
    /// The key must read this content afterwards (Set-Content on the drive, SPEC §8): an older version with the
    /// same content does not make the add a no-op, only the latest version does.
    /// </summary>
    internal bool ReadBack { get; set; }
    public long Size { get; init; }
    /// <summary>
    /// A single local file's size and modification time when it was planned, and when that was (a Stopwatch
    /// timestamp): the "before" of its read (FileChanged) when staging follows at once.
    /// </summary>
    public (long Length, DateTime Modified, long Taken)? SourceSnapshot { get; init; }
    public IReadOnlyList<FileInfo> Members { get; init; } = [];

    /// <summary>For a cloud path registered in place: its objects with their metadata hashes.</summary>
    public IReadOnlyList<(StoredObject Object, HashResult? Hash)>? CloudObjects { get; init; }

    /// <summary>The object's key relative to the root when it is registered in place.</summary>
    public string? InPlaceKey => InPlace ? RealKey ?? Key : null;

    /// <summary>The uid a new artifact gets unless it becomes a new version of a known key.</summary>
    public string ProposedUid { get; init; } = ArtifactVersions.NewUid();

    /// <summary>
    /// Where the copy most likely ends up, so cloud writers can upload there directly: the auto key of
    /// the proposed uid (fresh, so nothing can be overwritten; a new version of a known key gets another
    /// uid and is copied there at commit). Never a real key, which may hold data that must not be clobbered.
    /// </summary>
    public string? ProposedKey => InPlace || !KeyIsVirtual ? null : ArtifactKeys.AutoKey(ProposedUid, Suffix, IsFolder);
}

/// <summary>Data read (and, unless in place, copied under a temporary name) and hashed; ready to register.</summary>
public sealed class StagedArtifact(IngestPlan plan, HashResult hash, long size, int? nFiles, IObjectWriter? writer, IDisposable? announcement = null) : IDisposable
{
    public IngestPlan Plan { get; } = plan;
    public HashResult Hash { get; } = hash;
    public long Size { get; } = size;
    public int? NFiles { get; } = nFiles;
    public IObjectWriter? Writer { get; } = writer;

    /// <summary>The writer's hold on its announcement in the location (issue 25): released once the item was committed or dropped.</summary>
    internal IDisposable? Announcement { get; } = announcement;

    public void Dispose()
    {
        try { Writer?.Dispose(); }
        finally { Announcement?.Dispose(); }
    }
}

/// <summary>
/// What became of one staged item in <see cref="ArtifactService.Commit"/>: the artifact registered (or the
/// existing one returned, <paramref name="Existed"/>), or the refusal that left it out of its batch.
/// </summary>
public sealed record CommitResult(StagedArtifact Item, LaminArtifact? Artifact, bool Existed, LaminException? Error);

/// <summary>Get-LaminArtifact's filters.</summary>
public sealed record ArtifactQuery(string? Identity = null, string? Key = null, string? Storage = null, string? Hash = null,
    IEnumerable<KeyValuePair<string, object?>>? Filter = null, bool Trash = false, bool AllVersions = false);
