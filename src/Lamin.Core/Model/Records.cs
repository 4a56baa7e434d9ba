namespace Lamin.Core.Model;

/// <summary>A storage location (lamindb.Storage). Stored in the registry; computed members are [Computed].</summary>
public sealed class LaminStorage
{
    public int Id { get; set; }
    public string Uid { get; set; } = "";
    public string Root { get; set; } = "";
    public string? Description { get; set; }
    public string Type { get; set; } = "local";
    public string? Region { get; set; }
    public string? Host { get; set; }
    public string? InstanceUid { get; set; }
    [Computed] public string Space { get; set; } = "all";
    public int SpaceId { get; set; } = 1;
    public bool IsLocked { get; set; }
    [Computed] public bool IsManaged { get; set; }
    /// <summary>
    /// The fencing token of the location (SPEC §10 rule 14): Move-LaminStorage adds one in the transaction that
    /// switches <see cref="Root"/>, and a writer commits only against the root and generation it staged into.
    /// </summary>
    public long Generation { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    /// <summary>Number of artifacts (trashed included); only filled by Get-LaminStorage -Statistics.</summary>
    [Computed] public long? ArtifactCount { get; set; }
    /// <summary>Bytes held by those artifacts; only filled by Get-LaminStorage -Statistics.</summary>
    [Computed] public long? Size { get; set; }

    public override string ToString() => Uid;
}

/// <summary>An access group (lamindb.Space). Id 1 is the built-in "all".</summary>
public sealed class LaminSpace
{
    public int Id { get; set; }
    public string Uid { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public DateTime CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";

    public override string ToString() => Name;
}

public enum SpaceRole { Read = 1, Write = 2, Admin = 3 }

/// <summary>One grant of a role on a space to a user handle.</summary>
public sealed class LaminSpaceAccess
{
    public int Id { get; set; }
    public string Space { get; set; } = "";
    public int SpaceId { get; set; }
    public string User { get; set; } = "";
    public SpaceRole Role { get; set; }
    public DateTime CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
}

/// <summary>The one document in the registry that says which instance it belongs to and its instance-wide settings.</summary>
public sealed class InstanceDocument
{
    public int Id { get; set; } = 1;
    public Guid InstanceId { get; set; }
    public string Name { get; set; } = "";
    public string Uid { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public string DefaultStorageUid { get; set; } = "";
    public bool KeepArtifactsLocal { get; set; }
    public int SchemaVersion { get; set; } = 1;
    /// <summary>
    /// Set when Copy-LaminInstance moved this registry to a team instance: the database (no password).
    /// The registry stays readable; every write and orphan clearing refuse with InstanceMoved.
    /// </summary>
    public string? MovedTo { get; set; }
    /// <summary>
    /// Set by Copy-LaminInstance before it writes the destination (issue 25: two phases): the database (no
    /// password) this registry is being copied to. While it is set every write refuses (InstanceMoved) until the
    /// move is settled: a rerun of Copy-LaminInstance, or the next write here, checks the destination and either
    /// retires this registry (<see cref="MovedTo"/>) or, when the destination holds no copy, clears the mark.
    /// </summary>
    public string? MovingTo { get; set; }
}

/// <summary>An instance as PowerShell shows it.</summary>
public sealed class LaminInstance
{
    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public string Uid { get; set; } = "";
    public string? Storage { get; set; }
    /// <summary>The registry file of a LiteDB instance; null on PostgreSQL.</summary>
    public string? RegistryPath { get; set; } = "";
    /// <summary>"LiteDB" (a registry file) or "PostgreSQL" (a team instance, SPEC §7).</summary>
    public string Backend { get; set; } = "LiteDB";
    /// <summary>A team instance's database as a URL without any password; null for LiteDB.</summary>
    public string? Database { get; set; }
    public bool KeepArtifactsLocal { get; set; }
    public bool IsCurrent { get; set; }

    public override string ToString() => Name;
}

/// <summary>What Get-LaminSetting returns.</summary>
public sealed class LaminSettings
{
    public string Instance { get; set; } = "";
    public string InstanceUid { get; set; } = "";
    public LaminStorage? Storage { get; set; }
    public LaminStorage? LocalStorage { get; set; }
    public bool KeepArtifactsLocal { get; set; }
    public string User { get; set; } = "";
    public string Home { get; set; } = "";
}
