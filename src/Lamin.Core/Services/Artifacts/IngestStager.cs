using Lamin.Core.Hashing;
using Lamin.Core.Query;

namespace Lamin.Core.Services;

/// <summary>Add-LaminArtifact's second step: the data read once, hashed, and (unless registered in place) copied under a temporary name.</summary>
internal sealed class IngestStager(LaminContext context)
{
    private readonly PresenceCheck _present = new();

    /// <summary>Reads the data once: hashes in place, or copies under a temporary name while hashing.</summary>
    public StagedArtifact Stage(IngestPlan plan, ITransferProgress? progress, CancellationToken cancel)
    {
        if (plan.CloudObjects is { } objects)
        {
            // Size and hash from object metadata: nothing is downloaded (SPEC §6).
            if (!plan.IsFolder) return new StagedArtifact(plan, objects[0].Hash ?? default, plan.Size, null, null);
            var memberHashes = objects.Select(o => o.Hash?.Hash).ToList();
            var folderHash = memberHashes.Any(h => h is null) ? default : LaminHash.HashFolder(memberHashes!);
            return new StagedArtifact(plan, folderHash, plan.Size, objects.Count, null);
        }
        if (plan.InPlace)
        {
            if (!plan.IsFolder)
            {
                var before = Snapshot(plan.SourcePath);
                var h = DataCopier.HashFile(plan.SourcePath, progress, cancel);
                EnsureUnchanged(plan.SourcePath, before);
                return new StagedArtifact(plan, h, before.Length, null, null);
            }
            var hashes = plan.Members.Select(m => DataCopier.HashFile(m.FullName, progress, cancel).Hash).ToList();
            return new StagedArtifact(plan, LaminHash.HashFolder(hashes), plan.Size, plan.Members.Count, null);
        }

        try { _present.Require(plan.Storage); } // rule 3, at the moment of writing
        catch (LaminException e) when (e.ErrorId == ErrorIds.StorageNotPresent
            && context.Registry.Read(s => s.Storages.FindById(plan.Storage.Id)) is { } current
            && IngestCommit.Fence(plan.Storage, current, $"'{plan.SourcePath}' was not copied; add it again", plan.SourcePath) is { } moved)
        {
            throw moved; // its marker left with the relocation (rule 14): say so rather than "not present"
        }
        // Issue 25: announced in the location before the first byte goes there, so orphan clearing keeps it until it is committed.
        var announcement = WriterAnnouncements.Enter(plan.Root, "Add-LaminArtifact", context.User);
        IObjectWriter? writer = null;
        try
        {
            writer = StorageProviders.For(plan.Root).CreateWriter(plan.Root, plan.IsFolder, plan.ProposedKey, cancel);
            if (!plan.IsFolder)
            {
                // The plan's lstat stands for "before" only when staging follows at once (not after a -Confirm prompt,
                // during which the file may be edited: that is no change *while it was read*).
                var planned = plan.SourceSnapshot is { } p && System.Diagnostics.Stopwatch.GetElapsedTime(p.Taken) < PlanSnapshotAge
                    ? (p.Length, p.Modified) : ((long, DateTime)?)null;
                var hash = CopyOne(plan.SourcePath, writer, "", progress, cancel, planned);
                return new StagedArtifact(plan, hash, plan.Size, null, writer, announcement);
            }
            var memberHashes = new List<string>(plan.Members.Count);
            foreach (var m in plan.Members)
            {
                var rel = Path.GetRelativePath(plan.SourcePath, m.FullName).Replace('\\', '/');
                memberHashes.Add(CopyOne(m.FullName, writer, rel, progress, cancel).Hash);
            }
            return new StagedArtifact(plan, LaminHash.HashFolder(memberHashes), plan.Size, plan.Members.Count, writer, announcement);
        }
        catch
        {
            try { writer?.Dispose(); }
            finally { announcement.Dispose(); }
            throw;
        }
    }

    /// <summary>How long a plan's lstat of its source stands for the state before the read.</summary>
    private static readonly TimeSpan PlanSnapshotAge = TimeSpan.FromSeconds(1);

    private static HashResult CopyOne(string source, IObjectWriter writer, string member, ITransferProgress? progress, CancellationToken cancel,
        (long Length, DateTime Modified)? planned = null)
    {
        // The snapshot taken when it was planned, else one now: a change from then on is FileChanged.
        var before = planned ?? Snapshot(source);
        using var src = DataCopier.OpenSource(source, before.Length);
        progress?.FileStarted(source, before.Length);
        HashResult hash;
        using (var dst = writer.OpenMember(member, before.Length))
            hash = DataCopier.CopyAndHash(src, before.Length, dst, source, progress, cancel);
        EnsureUnchanged(source, before);
        progress?.FileDone();
        return hash;
    }

    private static (long Length, DateTime Modified) Snapshot(string path)
    {
        var f = new FileInfo(path);
        return (f.Length, f.LastWriteTimeUtc);
    }

    private static void EnsureUnchanged(string path, (long Length, DateTime Modified) before)
    {
        var now = Snapshot(path);
        if (now != before)
            throw new LaminException(ErrorIds.FileChanged,
                $"'{path}' changed while it was read (size {before.Length} → {now.Length}); nothing was registered. Add it again once it is no longer being written.", path);
    }
}
