namespace Lamin.Core.Model;

public enum ArtifactCheckStatus { Match, Differ, Missing, Unregistered, Error, Superseded }

/// <summary>One line of Test-LaminArtifact: an artifact, or an object no artifact accounts for (rclone-check style).</summary>
public sealed class LaminArtifactCheck
{
    public ArtifactCheckStatus Status { get; set; }
    public string? Uid { get; set; }
    public string? Key { get; set; }
    public string Storage { get; set; } = "";
    public string FullName { get; set; } = "";
    public long? ExpectedSize { get; set; }
    public long? ActualSize { get; set; }
    public string? HashType { get; set; }
    public string? ExpectedHash { get; set; }
    public string? ActualHash { get; set; }
    public string Reason { get; set; } = "";
}

/// <summary>What Test-LaminStorage finds about one location (non-destructive).</summary>
public sealed class LaminStorageHealth
{
    public string Storage { get; set; } = "";
    public string Uid { get; set; } = "";
    public string Type { get; set; } = "";
    public bool Reachable { get; set; }
    public bool? Writable { get; set; }
    public string? MarkerUid { get; set; }
    public bool MarkerMatches { get; set; }
    public string? InstanceUid { get; set; }
    public bool IsManaged { get; set; }
    public string? Region { get; set; }
    public string? DetectedRegion { get; set; }
    public bool? RegionMatches { get; set; }
    public double LatencyMs { get; set; }
    /// <summary>Unfinished multipart uploads under the root (S3); null where the store can't list them (GCS, local).</summary>
    public int? UnfinishedUploads { get; set; }
    public ProblemList Problems { get; set; } = [];
    public bool Healthy => Problems.Count == 0;
}

/// <summary>
/// The problems of a health check: a list for the pipeline and JSON, and text ("a; b") where PowerShell
/// turns a value into a string itself, as Export-Csv does (a string[] would export as "System.String[]").
/// </summary>
public sealed class ProblemList : List<string>
{
    public ProblemList() { }
    public ProblemList(IEnumerable<string> problems) : base(problems) { }
    public override string ToString() => string.Join("; ", this);
}

/// <summary>Get-LaminStorageUsage: what the registry says against what is stored, with the drift.</summary>
public sealed class LaminStorageUsage
{
    public string Storage { get; set; } = "";
    public string Uid { get; set; } = "";
    public long RegisteredArtifacts { get; set; }
    public long RegisteredBytes { get; set; }
    public Dictionary<string, long> ArtifactsBySuffix { get; set; } = [];
    public Dictionary<string, long> ArtifactsBySpace { get; set; } = [];
    public long StoredObjects { get; set; }
    public long StoredBytes { get; set; }
    public long Unregistered { get; set; }
    public long UnregisteredBytes { get; set; }
    public long Missing { get; set; }
    public long SizeMismatch { get; set; }
    /// <summary>Unfinished multipart uploads under the root and the bytes their parts hold (S3); null where the store can't list them.</summary>
    public long? UnfinishedUploads { get; set; }
    public long? UnfinishedUploadBytes { get; set; }
}

/// <summary>An object under .lamindb/ that no artifact accounts for, and why it counts as an orphan.</summary>
public sealed class LaminOrphan
{
    public string Storage { get; set; } = "";
    public string Key { get; set; } = "";
    public string FullName { get; set; } = "";
    public long Size { get; set; }
    public DateTime? LastModified { get; set; }
    public string Reason { get; set; } = "";
    /// <summary>Set for an unfinished multipart upload (S3): clearing aborts it, no object is deleted.</summary>
    public string? UploadId { get; set; }
    /// <summary>Set for a drive spool folder in LAMIN_HOME that a killed Set-Content left (SPEC §10 rule 17).</summary>
    internal string? SpoolFolder { get; set; }
    /// <summary>Set for what a refused or killed Move-LaminStorage left (SPEC §10 rule 17): clearing goes through its journal.</summary>
    internal Services.MoveJournal.Stale? MoveJournal { get; set; }
}
