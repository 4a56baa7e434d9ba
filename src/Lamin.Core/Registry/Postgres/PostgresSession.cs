using System.Text;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>One transaction on a PostgreSQL registry: the tables of schema `lamin` as <see cref="IRegistrySession"/>.</summary>
internal sealed class PostgresSession : IRegistrySession
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _tx;
    private readonly PostgresRegistry _registry;

    internal PostgresSession(NpgsqlConnection connection, NpgsqlTransaction tx, PostgresRegistry registry)
    {
        _connection = connection;
        _tx = tx;
        _registry = registry;
        Storages = new PgTable<LaminStorage>(this, "storage", StorageColumns, ReadStorage, StorageValues, x => x.Id, (x, id) => x.Id = id);
        Artifacts = new PgTable<LaminArtifact>(this, "artifact", ArtifactColumns, ReadArtifact, ArtifactValues, x => x.Id, (x, id) => x.Id = id);
        Spaces = new PgTable<LaminSpace>(this, "space", SpaceColumns, ReadSpace, SpaceValues, x => x.Id, (x, id) => x.Id = id);
        SpaceAccess = new PgTable<LaminSpaceAccess>(this, "space_access", GrantColumns, ReadGrant, GrantValues, x => x.Id, (x, id) => x.Id = id,
            select: "SELECT t.id, t.space_id, t.user_handle, t.role, t.created_at, t.created_by, s.name FROM lamin.space_access t JOIN lamin.space s ON s.id = t.space_id");
        Instance = new InstanceTable(this);
    }

    public string? RegistryPath => null;
    public string Description => _registry.Description;

    private RegistryIdentity? _identity;

    /// <summary>SPEC §7: the login role (session_user; SET ROLE and LAMIN_USER change nothing) and whether it is the instance admin (Upgrade-2.sql).</summary>
    public RegistryIdentity Identity => _identity ??= Query(IdentitySelect, ReadIdentity).Single();

    private const string IdentitySelect = "SELECT session_user::text, lamin.is_admin()";

    private static RegistryIdentity ReadIdentity(NpgsqlDataReader r) => new(r.GetString(0), r.GetBoolean(1));

    RegistryIdentity? IRegistrySession.Identity => Identity;

    private readonly Dictionary<int, bool> _hides = [];

    public bool HidesArtifactsIn(int storageId)
    {
        if (_hides.TryGetValue(storageId, out var known)) return known;
        return _hides[storageId] = (bool)Scalar("SELECT lamin.hides_artifacts_in($1)", storageId)!;
    }

    public bool HiddenLocationAt(string type, string? endpoint, string path, bool folder, bool ignoreCase) =>
        HidesAnyLocation() && (bool)Scalar("SELECT lamin.hidden_location_at($1::text, $2::text, $3::text, $4::boolean, $5::boolean)", type, (object?)endpoint ?? DBNull.Value, path, folder, ignoreCase)!;

    public bool HidesAnyLocation() => _hidesAnyLocation ??= (bool)Scalar("SELECT lamin.hides_locations()")!;

    private bool? _hidesAnyLocation;

    /// <summary>The identity if it was asked for in this session (a failed transaction can't ask any more).</summary>
    internal RegistryIdentity? KnownIdentity => _identity;

    public IRecordTable<LaminStorage> Storages { get; }
    public IRecordTable<LaminArtifact> Artifacts { get; }
    public IRecordTable<LaminSpace> Spaces { get; }
    public IRecordTable<LaminSpaceAccess> SpaceAccess { get; }
    public IInstanceTable Instance { get; }

    internal PgTable<LaminStorage> StorageTable => (PgTable<LaminStorage>)Storages;
    internal PgTable<LaminArtifact> ArtifactTable => (PgTable<LaminArtifact>)Artifacts;
    internal PgTable<LaminSpace> SpaceTable => (PgTable<LaminSpace>)Spaces;
    internal PgTable<LaminSpaceAccess> GrantTable => (PgTable<LaminSpaceAccess>)SpaceAccess;

    // ---------------------------------------------------------------- commands

    /// <summary>A command in this session's transaction. Anything but <see cref="Query{T}"/> may write, so it forgets <see cref="Small"/>.</summary>
    internal NpgsqlCommand Command(string sql, params object?[] values)
    {
        _small = null;
        return ReadCommand(sql, values);
    }

    private NpgsqlCommand ReadCommand(string sql, object?[] values)
    {
        var cmd = new NpgsqlCommand(sql, _connection, _tx);
        foreach (var v in values) cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        return cmd;
    }

    /// <summary>Rows of a query that only reads (never a write: use <see cref="Execute"/> or <see cref="Scalar"/>).</summary>
    internal List<T> Query<T>(string sql, Func<NpgsqlDataReader, T> read, params object?[] values)
    {
        using var cmd = ReadCommand(sql, values);
        using var reader = cmd.ExecuteReader();
        var list = new List<T>();
        while (reader.Read()) list.Add(read(reader));
        return list;
    }

    internal object? Scalar(string sql, params object?[] values)
    {
        using var cmd = Command(sql, values);
        return cmd.ExecuteScalar();
    }

    internal int Execute(string sql, params object?[] values)
    {
        using var cmd = Command(sql, values);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>A LIKE pattern that matches exactly the strings starting with <paramref name="prefix"/> (collation "C": byte-wise, so ordinal).</summary>
    internal static string PrefixPattern(string prefix)
    {
        var sb = new StringBuilder(prefix.Length + 1);
        foreach (var c in prefix)
        {
            if (c is '\\' or '%' or '_') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('%').ToString();
    }

    /// <summary>
    /// The rows whose <paramref name="column"/> (collation "C") starts with <paramref name="prefix"/>: a range
    /// [prefix, prefix with its last character raised) and the LIKE that is exact. Under row-level security
    /// the planner puts the policies' conditions first and may use only leakproof conditions of the query for
    /// an index: text comparisons are leakproof, LIKE is not, so the range is what keeps the index seek.
    /// Arguments: <see cref="PrefixArgs"/>.
    /// </summary>
    internal static string PrefixCondition(string column, string prefix) =>
        PrefixCondition(column, prefix, $"{column} >= $2 AND {column} < $3");

    private static string PrefixCondition(string column, string prefix, string range) =>
        Lamin.Core.Query.KeyCase.UpperBound(prefix) is null ? $"{column} LIKE $1" : $"{range} AND {column} LIKE $1";

    internal static object?[] PrefixArgs(string prefix) =>
        Lamin.Core.Query.KeyCase.UpperBound(prefix) is { } upper ? [PrefixPattern(prefix), prefix, upper] : [PrefixPattern(prefix)];

    // Keys are indexed by their first KeyHeadChars characters (Upgrade-3.sql: the columns _key_head and
    // _real_key_head, left(key, 500)): a whole key of multi-byte characters can outgrow a btree entry. Every key
    // condition seeks the head and compares the whole key; the head conditions follow from the key's (a head is
    // a prefix of its key), so they never drop a row. Plain columns and text comparisons: leakproof, so a role
    // under row-level security seeks the index too.
    private const int KeyHeadChars = 500;

    /// <summary>The indexed head column of a key column (key, _real_key, optionally qualified: a.key).</summary>
    private static string HeadOf(string column) =>
        column.EndsWith("_real_key", StringComparison.Ordinal) ? column + "_head" : column[..^"key".Length] + "_key_head";

    /// <summary><paramref name="column"/> equals the value of parameter <paramref name="value"/> ($n).</summary>
    internal static string KeyEquals(string column, string value) =>
        $"{HeadOf(column)} = left({value}, {KeyHeadChars}) AND {column} = {value}";

    /// <summary>
    /// <paramref name="column"/> in [<paramref name="lower"/>, <paramref name="upper"/>) (SQL expressions); <paramref name="lowerHead"/>:
    /// a prefix of the lower bound of at most KeyHeadChars characters (then every key in the range has a head at or above it).
    /// By default the bound's own head, left(lower, 500): only for a parameter ($n), never for a column, since left() is
    /// not leakproof and a condition passing a column to it could not seek the index under row-level security.
    /// </summary>
    internal static string KeyRange(string column, string lower, string upper, string? lowerHead = null) =>
        $"{HeadOf(column)} >= {lowerHead ?? $"left({lower}, {KeyHeadChars})"} AND {HeadOf(column)} < {upper} AND {column} >= {lower} AND {column} < {upper}";

    /// <summary>
    /// A prefix of <paramref name="value"/> that is at most KeyHeadChars characters in any server encoding (160 UTF-16
    /// units, whole pairs: at most 500 bytes), for <see cref="KeyRange"/>'s lowerHead when the bound is a column.
    /// </summary>
    internal static string SafeHead(string value)
    {
        if (value.Length <= 160) return value;
        return char.IsHighSurrogate(value[159]) ? value[..159] : value[..160];
    }

    /// <summary><see cref="PrefixCondition"/> for a key column: the range seeks its head. Arguments: <see cref="PrefixArgs"/>.</summary>
    internal static string KeyPrefixCondition(string column, string prefix) =>
        PrefixCondition(column, prefix, KeyRange(column, "$2", "$3"));

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static DateTime Utc(NpgsqlDataReader r, int i) => DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc);

    // ---------------------------------------------------------------- instance

    private const string InstanceSelect =
        "SELECT i.instance_id, i.instance_uid, i.name, i.created_by, i.created_at, lamin.visible_default_storage_uid(), i.keep_artifacts_local, v.version " +
        "FROM lamin.instance i CROSS JOIN lamin.schema_version v WHERE i.id = 1";

    private static InstanceDocument ReadInstance(NpgsqlDataReader r) => new()
    {
        Id = 1, InstanceId = r.GetGuid(0), Uid = r.GetString(1), Name = r.GetString(2), CreatedBy = r.GetString(3),
        CreatedAt = Utc(r, 4), DefaultStorageUid = Str(r, 5) ?? "", KeepArtifactsLocal = r.GetBoolean(6), SchemaVersion = r.GetInt32(7),
    };

    public InstanceDocument InstanceDocument =>
        (Small.Instance is { } d ? Clone(d) : null)
        ?? throw new LaminException(ErrorIds.RegistryNotFound,
            $"The database {Description} has a Lamin schema but no instance in it; create one with New-LaminInstance -Database.", Description);

    // ---------------------------------------------------------------- the small tables in one round trip

    /// <summary>The instance row, the storage locations, the spaces and the grants, as this session last read them.</summary>
    internal sealed record SmallTables(InstanceDocument? Instance, List<LaminStorage> Storages, List<LaminSpace> Spaces, List<LaminSpaceAccess> Grants);

    private SmallTables? _small;

    /// <summary>
    /// What nearly every command reads first (the instance, its locations, spaces and grants: a few rows each),
    /// read in ONE round trip (a batch of four queries) and kept until this session runs anything that may
    /// write (<see cref="Command"/>). Callers get copies (<see cref="Clone{T}"/>), as if each read were fresh.
    /// </summary>
    internal SmallTables Small
    {
        get
        {
            if (_small is not null) return _small;
            using var batch = new NpgsqlBatch(_connection, _tx);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(InstanceSelect));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(StorageTable.SelectAll));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SpaceTable.SelectAll));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(GrantTable.SelectAll));
            // Who the login role is comes in the same round trip: every command's access checks ask for it.
            var askIdentity = _identity is null;
            if (askIdentity) batch.BatchCommands.Add(new NpgsqlBatchCommand(IdentitySelect));
            using var r = batch.ExecuteReader();
            InstanceDocument? instance = r.Read() ? ReadInstance(r) : null;
            r.NextResult();
            var storages = new List<LaminStorage>(); while (r.Read()) storages.Add(ReadStorage(r));
            r.NextResult();
            var spaces = new List<LaminSpace>(); while (r.Read()) spaces.Add(ReadSpace(r));
            r.NextResult();
            var grants = new List<LaminSpaceAccess>(); while (r.Read()) grants.Add(ReadGrant(r));
            if (askIdentity && r.NextResult() && r.Read()) _identity = ReadIdentity(r);
            return _small = new SmallTables(instance, storages, spaces, grants);
        }
    }

    private static readonly System.Reflection.MethodInfo ShallowCopy =
        typeof(object).GetMethod("MemberwiseClone", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;

    /// <summary>A copy of a cached record (its fields are strings and values: a shallow copy is a fresh record).</summary>
    internal static T Clone<T>(T x) where T : class => (T)ShallowCopy.Invoke(x, null)!;

    /// <summary>Copies of every cached record of <paramref name="table"/>, or null when that table is not one of the small ones.</summary>
    internal List<T>? CachedAll<T>(string table) where T : class => table switch
    {
        "storage" => Small.Storages.Select(x => Clone(x)).Cast<T>().ToList(),
        "space" => Small.Spaces.Select(x => Clone(x)).Cast<T>().ToList(),
        "space_access" => Small.Grants.Select(x => Clone(x)).Cast<T>().ToList(),
        _ => null,
    };

    internal void InsertInstance(InstanceDocument d) =>
        ExecuteChecked(d,"INSERT INTO lamin.instance (id, instance_id, instance_uid, name, default_storage_uid, keep_artifacts_local, created_at, created_by) " +
                "VALUES (1, $1, $2, $3, $4, $5, $6, $7)",
            d.InstanceId, d.Uid, d.Name, string.IsNullOrEmpty(d.DefaultStorageUid) ? null : d.DefaultStorageUid, d.KeepArtifactsLocal, d.CreatedAt, d.CreatedBy);

    /// <summary>Writes <paramref name="record"/> after <see cref="RegistryText.CheckRecord{T}"/> (the same rule as on LiteDB).</summary>
    private int ExecuteChecked<T>(T record, string sql, params object?[] args) where T : class
    {
        RegistryText.CheckRecord(record);
        return Execute(sql, args);
    }

    private sealed class InstanceTable(PostgresSession s) : IInstanceTable
    {
        /// <summary>
        /// A default location the role could not see reads as empty (schema 6): then the row keeps its own, which that
        /// role may not read or name (the column is not granted to it).
        /// </summary>
        public bool Update(InstanceDocument d) => string.IsNullOrEmpty(d.DefaultStorageUid)
            ? s.ExecuteChecked(d, "UPDATE lamin.instance SET name = $1, keep_artifacts_local = $2 WHERE id = 1", d.Name, d.KeepArtifactsLocal) == 1
            : s.ExecuteChecked(d, "UPDATE lamin.instance SET name = $1, default_storage_uid = $2, keep_artifacts_local = $3 WHERE id = 1",
                d.Name, d.DefaultStorageUid, d.KeepArtifactsLocal) == 1;
    }

    // ---------------------------------------------------------------- rows

    private static readonly string[] StorageColumns =
        ["uid", "root", "description", "type", "region", "host", "instance_uid", "space_id", "is_locked", "created_at", "updated_at", "created_by", "generation"];

    private static LaminStorage ReadStorage(NpgsqlDataReader r) => new()
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

    private static LaminSpace ReadSpace(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), Uid = r.GetString(1), Name = r.GetString(2), Description = Str(r, 3), CreatedAt = Utc(r, 4), CreatedBy = r.GetString(5),
    };

    private static object?[] SpaceValues(LaminSpace x) => [x.Uid, x.Name, x.Description, x.CreatedAt, x.CreatedBy];

    private static readonly string[] GrantColumns = ["space_id", "user_handle", "role", "created_at", "created_by"];

    private static LaminSpaceAccess ReadGrant(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), SpaceId = r.GetInt32(1), User = r.GetString(2), Role = Enum.Parse<SpaceRole>(r.GetString(3)), CreatedAt = Utc(r, 4),
        CreatedBy = r.GetString(5), Space = r.FieldCount > 6 && !r.IsDBNull(6) ? r.GetString(6) : "",
    };

    private static object?[] GrantValues(LaminSpaceAccess x) => [x.SpaceId, x.User, x.Role.ToString(), x.CreatedAt, x.CreatedBy];

    // ---------------------------------------------------------------- storages

    public IEnumerable<LaminStorage> StoragesByRoot(string root) => StorageTable.Where("root = $1 ORDER BY id", root);

    public LaminStorage? StorageByUid(string uid) => StorageTable.Where("uid = $1", uid).FirstOrDefault();

    public int CountStoragesInSpace(int spaceId) => Convert.ToInt32(Scalar("SELECT count(*) FROM lamin.storage WHERE space_id = $1", spaceId));

    // ---------------------------------------------------------------- artifacts

    public LaminArtifact? ArtifactByUid(string uid) => ArtifactTable.Where("uid = $1", uid).FirstOrDefault();

    public IEnumerable<LaminArtifact> ArtifactsByUidPrefix(string prefix) => ArtifactTable.Where(PrefixCondition("uid", prefix) + " ORDER BY id", PrefixArgs(prefix));

    public IEnumerable<LaminArtifact> ArtifactsByKey(string key) => ArtifactTable.Where(KeyEquals("key", "$1") + " ORDER BY id", key);

    public IEnumerable<LaminArtifact> ArtifactsByRealKey(string key) => ArtifactTable.Where(KeyEquals("_real_key", "$1") + " ORDER BY id", key);

    public IEnumerable<LaminArtifact> ArtifactsByKeyPrefix(string prefix) =>
        prefix.Length == 0 ? ArtifactTable.Where("key IS NOT NULL ORDER BY id") : ArtifactTable.Where(KeyPrefixCondition("key", prefix) + " ORDER BY id", PrefixArgs(prefix));

    /// <summary>
    /// One range seek of the key index per spelling of the prefix that some key has (KeyCase.SpellingsPresent; when
    /// more than 64 are alive, every spelling of the prefix cut at 64), OR-ed in one query. Only ordinal comparisons, which are
    /// leakproof: under row-level security PostgreSQL uses an index only for leakproof conditions (lower() and
    /// LIKE are not), so a restricted role seeks as the owner does. Callers match the pattern exactly.
    /// </summary>
    public IEnumerable<LaminArtifact> ArtifactsByKeyPrefixIgnoreCase(string prefix)
    {
        // The spellings some key has, one round trip per letter of the prefix (KeyCase.SpellingsPresent).
        var variants = Lamin.Core.Query.KeyCase.SpellingsToSeek(prefix, PrefixesPresent);
        if (variants.Count == 0) return [];
        if (variants.Count == 1 && variants[0].Length == 0) return ArtifactTable.Where("key IS NOT NULL ORDER BY id");
        var ranges = new List<string>();
        var args = new List<object?>();
        foreach (var spelling in variants)
        {
            if (Lamin.Core.Query.KeyCase.UpperBound(spelling) is not { } upper) return ArtifactTable.Where("key IS NOT NULL ORDER BY id"); // no simple upper bound (surrogates): every key
            args.Add(spelling);
            args.Add(upper);
            ranges.Add($"({KeyRange("key", $"${args.Count - 1}", $"${args.Count}")})");
        }
        // In id order as every lookup returns, sorted here: the server would sort the whole result before
        // sending its first row (Get-LaminArtifact -Key 'prefix*' reads a thousand rows and more this way).
        var rows = ArtifactTable.Where(string.Join(" OR ", ranges), args.ToArray());
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    /// <summary>Those of <paramref name="candidates"/> that some key (that this role may see) starts with, in one query.</summary>
    private IReadOnlyList<string> PrefixesPresent(IReadOnlyList<string> candidates)
    {
        var uppers = new string[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
            if (Lamin.Core.Query.KeyCase.UpperBound(candidates[i]) is { } upper) uppers[i] = upper;
            else return candidates; // no simple upper bound (surrogates): keep them all, the ranges query decides
        // One index probe per spelling that stops at the first key (LATERAL ... LIMIT 1): as EXISTS the planner made it a
        // semi join over a bitmap scan that read every key of the range (all of them for a prefix most keys share:
        // 95 ms per letter at a million artifacts, 0.1 ms this way; issue 28).
        return Query("SELECT s.p FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS s(p, u, h, n) " +
                     $"CROSS JOIN LATERAL (SELECT 1 FROM lamin.artifact a WHERE {KeyRange("a.key", "s.p", "s.u", "s.h")} ORDER BY {HeadOf("a.key")} LIMIT 1) x ORDER BY s.n",
            r => r.GetString(0), candidates.ToArray(), uppers, candidates.Select(SafeHead).ToArray());
    }

    public IEnumerable<LaminArtifact> ArtifactsByRealKeyPrefix(string prefix) =>
        prefix.Length == 0 ? ArtifactTable.Where("_real_key IS NOT NULL ORDER BY id") : ArtifactTable.Where(KeyPrefixCondition("_real_key", prefix) + " ORDER BY id", PrefixArgs(prefix));

    public IEnumerable<LaminArtifact> ArtifactsByHash(string hash) => ArtifactTable.Where("hash = $1 ORDER BY id", hash);

    public IEnumerable<LaminArtifact> ArtifactsByHashes(IReadOnlyCollection<string> hashes) =>
        hashes.Count == 0 ? [] : ArtifactTable.Where("hash = ANY($1) ORDER BY id", [hashes.Distinct().ToArray()]);

    public IEnumerable<LaminArtifact> ArtifactsByKeys(IReadOnlyCollection<string> keys) =>
        keys.Count == 0 ? [] : ArtifactTable.Where($"_key_head = ANY (ARRAY(SELECT left(k, {KeyHeadChars}) FROM unnest($1::text[]) AS k)) AND key = ANY($1) ORDER BY id", [keys.Distinct().ToArray()]);

    public IEnumerable<LaminArtifact> ArtifactsInStorage(int storageId) => ArtifactTable.Where("storage_id = $1 ORDER BY id", storageId);

    public int CountArtifactsInStorage(int storageId) => Convert.ToInt32(Scalar("SELECT count(*) FROM lamin.artifact WHERE storage_id = $1", storageId));

    public int CountArtifactsInSpace(int spaceId) => Convert.ToInt32(Scalar("SELECT count(*) FROM lamin.artifact WHERE space_id = $1", spaceId));

    public Dictionary<int, (long Count, long Size)> ArtifactStatistics() =>
        Query("SELECT storage_id, count(*), COALESCE(sum(size), 0)::bigint FROM lamin.artifact GROUP BY storage_id",
                r => (Id: r.GetInt32(0), Count: r.GetInt64(1), Size: r.GetInt64(2)))
            .ToDictionary(x => x.Id, x => (x.Count, x.Size));

    // ---------------------------------------------------------------- spaces and grants

    public void DeleteGrantsOfSpace(int spaceId) => Execute("DELETE FROM lamin.space_access WHERE space_id = $1", spaceId);

    public void UpsertGrant(LaminSpaceAccess grant)
    {
        RegistryText.CheckRecord(grant);
        if (grant.Id != 0 && SpaceAccess.Update(grant)) return;
        SpaceAccess.Insert(grant);
    }
}

/// <summary>One table of schema `lamin`, its id an identity column; a record given with an id keeps it (the sequence moves past it).</summary>
internal sealed class PgTable<T>(
    PostgresSession session, string table, string[] columns, Func<NpgsqlDataReader, T> read, Func<T, object?[]> values,
    Func<T, int> getId, Action<T, int> setId, string? select = null) : IRecordTable<T> where T : class
{
    private readonly string _select = select ?? $"SELECT id, {string.Join(", ", columns)} FROM lamin.{table} t";

    internal List<T> Where(string condition, params object?[] args) =>
        session.Query($"{_select} WHERE {Qualify(condition)}", read, args);

    // The grants' select joins the spaces: their own columns are t.*.
    private string Qualify(string condition) => select is null ? condition : "t." + condition;

    /// <summary>Every record in id order, as SQL.</summary>
    internal string SelectAll => $"{_select} ORDER BY t.id";

    public IEnumerable<T> FindAll() => session.CachedAll<T>(table) ?? session.Query(SelectAll, read);

    public T FindById(int id) => session.Query($"{_select} WHERE t.id = $1", read, id).FirstOrDefault()!;

    public void Insert(T record)
    {
        RegistryText.CheckRecord(record);
        var vals = values(record);
        var id = getId(record);
        var placeholders = string.Join(", ", Enumerable.Range(1, vals.Length).Select(i => "$" + i));
        if (id == 0)
        {
            var newId = session.Scalar($"INSERT INTO lamin.{table} ({string.Join(", ", columns)}) VALUES ({placeholders}) RETURNING id", vals);
            setId(record, Convert.ToInt32(newId));
            return;
        }
        session.Execute($"INSERT INTO lamin.{table} ({string.Join(", ", columns)}, id) VALUES ({placeholders}, ${vals.Length + 1})", [.. vals, id]);
        session.Scalar($"SELECT setval(pg_get_serial_sequence('lamin.{table}', 'id'), GREATEST((SELECT max(id) FROM lamin.{table}), 1))");
    }

    public bool Update(T record)
    {
        RegistryText.CheckRecord(record);
        var vals = values(record);
        var sets = string.Join(", ", columns.Select((c, i) => $"{c} = ${i + 1}"));
        return session.Execute($"UPDATE lamin.{table} SET {sets} WHERE id = ${vals.Length + 1}", [.. vals, getId(record)]) == 1;
    }

    public bool Delete(int id) => session.Execute($"DELETE FROM lamin.{table} WHERE id = $1", id) == 1;

    public int Count() => Convert.ToInt32(session.Scalar($"SELECT count(*) FROM lamin.{table}"));

    /// <summary>Rows per multi-row INSERT: well below PostgreSQL's 65,535 parameters per statement.</summary>
    private const int RowsPerInsert = 1000;

    /// <summary>
    /// Inserts many records in few round trips: one query draws the ids of the new records from the table's
    /// sequence, then one multi-row INSERT per <see cref="RowsPerInsert"/> rows (PostgreSQL refuses COPY into
    /// tables with row-level security). Records that carry an id keep it (the sequence then moves past it).
    /// </summary>
    public void InsertMany(IReadOnlyList<T> records)
    {
        if (records.Count == 0) return;
        var fresh = records.Where(r => getId(r) == 0).ToList();
        if (fresh.Count > 0)
        {
            var ids = session.Query($"SELECT nextval(pg_get_serial_sequence('lamin.{table}', 'id'))::integer FROM generate_series(1, $1)",
                r => r.GetInt32(0), fresh.Count);
            for (int i = 0; i < fresh.Count; i++) setId(fresh[i], ids[i]);
        }
        InsertWithIds(records);
        if (fresh.Count < records.Count) MoveSequence();
    }

    public List<T> FindByIds(IReadOnlyCollection<int> ids) =>
        ids.Count == 0 ? [] : session.Query($"{_select} WHERE t.id = ANY($1) ORDER BY t.id", read, [ids.Distinct().ToArray()]);

    /// <summary>Inserts records that carry their ids, as multi-row INSERTs (PostgreSQL refuses COPY into tables with row-level security).</summary>
    internal void InsertWithIds(IReadOnlyList<T> records)
    {
        foreach (var r in records) RegistryText.CheckRecord(r);
        for (int start = 0; start < records.Count; start += RowsPerInsert)
        {
            int end = Math.Min(records.Count, start + RowsPerInsert);
            var args = new List<object?>((end - start) * (columns.Length + 1));
            var rows = new StringBuilder();
            for (int i = start; i < end; i++)
            {
                var r = records[i];
                if (rows.Length > 0) rows.Append(", ");
                rows.Append('(');
                foreach (var v in values(r)) { args.Add(v); rows.Append('$').Append(args.Count).Append(", "); }
                args.Add(getId(r));
                rows.Append('$').Append(args.Count).Append(')');
            }
            session.Execute($"INSERT INTO lamin.{table} ({string.Join(", ", columns)}, id) VALUES {rows}", args.ToArray());
        }
    }

    /// <summary>Moves the id sequence past the largest id (after records were inserted with their ids).</summary>
    internal void MoveSequence() =>
        session.Scalar($"SELECT setval(pg_get_serial_sequence('lamin.{table}', 'id'), GREATEST((SELECT max(id) FROM lamin.{table}), 1))");

    public List<T> FindPage(int afterId, int count) => session.Query($"{_select} WHERE t.id > $1 ORDER BY t.id LIMIT $2", read, afterId, count);

    internal int IdOf(T record) => getId(record);

    /// <summary>The stored fields of a record, for comparing a copy with its source.</summary>
    internal string Fingerprint(T record) =>
        getId(record) + "|" + string.Join("|", values(record).Select(v => v switch
        {
            null => "<null>",
            DateTime d => d.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => v.ToString(),
        }));
}
