using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>The records of schema `lamin` as rows: each table's columns, how a row is read, and the values written.</summary>
internal static class PgRows
{
    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static DateTime Utc(NpgsqlDataReader r, int i) => DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc);

    // ---------------------------------------------------------------- instance

    internal const string InstanceSelect =
        "SELECT i.instance_id, i.instance_uid, i.name, i.created_by, i.created_at, lamin.visible_default_storage_uid(), i.keep_artifacts_local, v.version " +
        "FROM lamin.instance i CROSS JOIN lamin.schema_version v WHERE i.id = 1";

    internal static InstanceDocument ReadInstance(NpgsqlDataReader r) => new()
    {
        Id = 1, InstanceId = r.GetGuid(0), Uid = r.GetString(1), Name = r.GetString(2), CreatedBy = r.GetString(3),
        CreatedAt = Utc(r, 4), DefaultStorageUid = Str(r, 5) ?? "", KeepArtifactsLocal = r.GetBoolean(6), SchemaVersion = r.GetInt32(7),
    };

    internal const string IdentitySelect = "SELECT session_user::text, lamin.is_admin()";

    internal static RegistryIdentity ReadIdentity(NpgsqlDataReader r) => new(r.GetString(0), r.GetBoolean(1));

    // ---------------------------------------------------------------- the tables with an id

    internal static PgTable<LaminStorage> StorageTable(PostgresSession s) =>
        new(s, "storage", StorageColumns, ReadStorage, StorageValues, x => x.Id, (x, id) => x.Id = id);

    internal static PgTable<LaminArtifact> ArtifactTable(PostgresSession s) =>
        new(s, "artifact", ArtifactColumns, ReadArtifact, ArtifactValues, x => x.Id, (x, id) => x.Id = id);

    internal static PgTable<LaminSpace> SpaceTable(PostgresSession s) =>
        new(s, "space", SpaceColumns, ReadSpace, SpaceValues, x => x.Id, (x, id) => x.Id = id);

    /// <summary>The grants, each with its space's name (joined).</summary>
    internal static PgTable<LaminSpaceAccess> GrantTable(PostgresSession s) =>
        new(s, "space_access", GrantColumns, ReadGrant, GrantValues, x => x.Id, (x, id) => x.Id = id,
            select: "SELECT t.id, t.space_id, t.user_handle, t.role, t.created_at, t.created_by, s.name FROM lamin.space_access t JOIN lamin.space s ON s.id = t.space_id");

    private static readonly string[] StorageColumns =
        ["uid", "root", "description", "type", "region", "host", "instance_uid", "space_id", "is_locked", "created_at", "updated_at", "created_by", "generation"];

    internal static LaminStorage ReadStorage(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), Uid = r.GetString(1), Root = r.GetString(2), Description = Str(r, 3), Type = r.GetString(4), Region = Str(r, 5),
        Host = Str(r, 6), InstanceUid = Str(r, 7), SpaceId = r.GetInt32(8), IsLocked = r.GetBoolean(9), CreatedAt = Utc(r, 10),
        UpdatedAt = Utc(r, 11), CreatedBy = r.GetString(12), Generation = r.GetInt64(13),
    };

    private static object?[] StorageValues(LaminStorage x) =>
        [x.Uid, x.Root, x.Description, x.Type, x.Region, x.Host, x.InstanceUid, x.SpaceId, x.IsLocked, x.CreatedAt, x.UpdatedAt, x.CreatedBy, x.Generation];

    private static readonly string[] ArtifactColumns =
        ["uid", "key", "description", "suffix", "size", "hash", "_hash_type", "n_files", "storage_id", "storage_uid", "_key_is_virtual",
         "_real_key", "version", "is_latest", "is_trashed", "is_locked", "space_id", "created_at", "updated_at", "created_by"];

    private static LaminArtifact ReadArtifact(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), Uid = r.GetString(1), Key = Str(r, 2), Description = Str(r, 3), Suffix = r.GetString(4), Size = r.GetInt64(5),
        Hash = Str(r, 6), HashType = Str(r, 7), NFiles = r.IsDBNull(8) ? null : r.GetInt32(8), StorageId = r.GetInt32(9), StorageUid = r.GetString(10),
        KeyIsVirtual = r.GetBoolean(11), RealKey = Str(r, 12), Version = r.GetInt32(13), IsLatest = r.GetBoolean(14), IsTrashed = r.GetBoolean(15),
        IsLocked = r.GetBoolean(16), SpaceId = r.GetInt32(17), CreatedAt = Utc(r, 18), UpdatedAt = Utc(r, 19), CreatedBy = r.GetString(20),
    };

    private static object?[] ArtifactValues(LaminArtifact x) =>
        [x.Uid, x.Key, x.Description, x.Suffix, x.Size, x.Hash, x.HashType, x.NFiles, x.StorageId, x.StorageUid, x.KeyIsVirtual,
         x.RealKey, x.Version, x.IsLatest, x.IsTrashed, x.IsLocked, x.SpaceId, x.CreatedAt, x.UpdatedAt, x.CreatedBy];

    private static readonly string[] SpaceColumns = ["uid", "name", "description", "created_at", "created_by"];

    internal static LaminSpace ReadSpace(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), Uid = r.GetString(1), Name = r.GetString(2), Description = Str(r, 3), CreatedAt = Utc(r, 4), CreatedBy = r.GetString(5),
    };

    private static object?[] SpaceValues(LaminSpace x) => [x.Uid, x.Name, x.Description, x.CreatedAt, x.CreatedBy];

    private static readonly string[] GrantColumns = ["space_id", "user_handle", "role", "created_at", "created_by"];

    internal static LaminSpaceAccess ReadGrant(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), SpaceId = r.GetInt32(1), User = r.GetString(2), Role = Enum.Parse<SpaceRole>(r.GetString(3)), CreatedAt = Utc(r, 4),
        CreatedBy = r.GetString(5), Space = r.FieldCount > 6 && !r.IsDBNull(6) ? r.GetString(6) : "",
    };

    private static object?[] GrantValues(LaminSpaceAccess x) => [x.SpaceId, x.User, x.Role.ToString(), x.CreatedAt, x.CreatedBy];
}
