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
        Storages = PgRows.StorageTable(this);
        Artifacts = PgRows.ArtifactTable(this);
        Spaces = PgRows.SpaceTable(this);
        SpaceAccess = PgRows.GrantTable(this);
        Instance = new InstanceTable(this);
    }

    public string? RegistryPath => null;
    public string Description => _registry.Description;

    private RegistryIdentity? _identity;

    /// <summary>SPEC §7: the login role (session_user; SET ROLE and LAMIN_USER change nothing) and whether it is the instance admin (Upgrade-2.sql).</summary>
    public RegistryIdentity Identity => _identity ??= Query(PgRows.IdentitySelect, PgRows.ReadIdentity).Single();

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

    /// <inheritdoc cref="PgKeySql.KeyPrefixCondition"/>
    internal static string KeyPrefixCondition(string column, string prefix) => PgKeySql.KeyPrefixCondition(column, prefix);

    /// <inheritdoc cref="PgKeySql.PrefixArgs"/>
    internal static object?[] PrefixArgs(string prefix) => PgKeySql.PrefixArgs(prefix);

    // ---------------------------------------------------------------- instance

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
            batch.BatchCommands.Add(new NpgsqlBatchCommand(PgRows.InstanceSelect));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(StorageTable.SelectAll));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SpaceTable.SelectAll));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(GrantTable.SelectAll));
            // Who the login role is comes in the same round trip: every command's access checks ask for it.
            var askIdentity = _identity is null;
            if (askIdentity) batch.BatchCommands.Add(new NpgsqlBatchCommand(PgRows.IdentitySelect));
            using var r = batch.ExecuteReader();
            InstanceDocument? instance = r.Read() ? PgRows.ReadInstance(r) : null;
            r.NextResult();
            var storages = new List<LaminStorage>(); while (r.Read()) storages.Add(PgRows.ReadStorage(r));
            r.NextResult();
            var spaces = new List<LaminSpace>(); while (r.Read()) spaces.Add(PgRows.ReadSpace(r));
            r.NextResult();
            var grants = new List<LaminSpaceAccess>(); while (r.Read()) grants.Add(PgRows.ReadGrant(r));
            if (askIdentity && r.NextResult() && r.Read()) _identity = PgRows.ReadIdentity(r);
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

    // ---------------------------------------------------------------- storages

    public IEnumerable<LaminStorage> StoragesByRoot(string root) => StorageTable.Where("root = $1 ORDER BY id", root);

    public LaminStorage? StorageByUid(string uid) => StorageTable.Where("uid = $1", uid).FirstOrDefault();

    public int CountStoragesInSpace(int spaceId) => Convert.ToInt32(Scalar("SELECT count(*) FROM lamin.storage WHERE space_id = $1", spaceId));

    // ---------------------------------------------------------------- artifacts

    public LaminArtifact? ArtifactByUid(string uid) => ArtifactTable.Where("uid = $1", uid).FirstOrDefault();

    public IEnumerable<LaminArtifact> ArtifactsByUidPrefix(string prefix) => ArtifactTable.Where(PgKeySql.PrefixCondition("uid", prefix) + " ORDER BY id", PgKeySql.PrefixArgs(prefix));

    public IEnumerable<LaminArtifact> ArtifactsByKey(string key) => ArtifactTable.Where(PgKeySql.KeyEquals("key", "$1") + " ORDER BY id", key);

    public IEnumerable<LaminArtifact> ArtifactsByRealKey(string key) => ArtifactTable.Where(PgKeySql.KeyEquals("_real_key", "$1") + " ORDER BY id", key);

    public IEnumerable<LaminArtifact> ArtifactsByKeyPrefix(string prefix) =>
        prefix.Length == 0 ? ArtifactTable.Where("key IS NOT NULL ORDER BY id") : ArtifactTable.Where(PgKeySql.KeyPrefixCondition("key", prefix) + " ORDER BY id", PgKeySql.PrefixArgs(prefix));

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
            ranges.Add($"({PgKeySql.KeyRange("key", $"${args.Count - 1}", $"${args.Count}")})");
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
                     $"CROSS JOIN LATERAL (SELECT 1 FROM lamin.artifact a WHERE {PgKeySql.KeyRange("a.key", "s.p", "s.u", "s.h")} ORDER BY {PgKeySql.HeadOf("a.key")} LIMIT 1) x ORDER BY s.n",
            r => r.GetString(0), candidates.ToArray(), uppers, candidates.Select(PgKeySql.SafeHead).ToArray());
    }

    public IEnumerable<LaminArtifact> ArtifactsByRealKeyPrefix(string prefix) =>
        prefix.Length == 0 ? ArtifactTable.Where("_real_key IS NOT NULL ORDER BY id") : ArtifactTable.Where(PgKeySql.KeyPrefixCondition("_real_key", prefix) + " ORDER BY id", PgKeySql.PrefixArgs(prefix));

    public IEnumerable<LaminArtifact> ArtifactsByHash(string hash) => ArtifactTable.Where("hash = $1 ORDER BY id", hash);

    public IEnumerable<LaminArtifact> ArtifactsByHashes(IReadOnlyCollection<string> hashes) =>
        hashes.Count == 0 ? [] : ArtifactTable.Where("hash = ANY($1) ORDER BY id", [hashes.Distinct().ToArray()]);

    public IEnumerable<LaminArtifact> ArtifactsByKeys(IReadOnlyCollection<string> keys) =>
        keys.Count == 0 ? [] : ArtifactTable.Where($"_key_head = ANY (ARRAY(SELECT left(k, {PgKeySql.KeyHeadChars}) FROM unnest($1::text[]) AS k)) AND key = ANY($1) ORDER BY id", [keys.Distinct().ToArray()]);

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
