using System.Text;
using LiteDB;

namespace Lamin.Core.Registry;

/// <summary>
/// The registry file of one instance: a LiteDB file opened in direct mode, one session at a time,
/// under <see cref="RegistryLock"/>. Every cmdlet call runs its reads or its writes in one session
/// (one open, one transaction), so concurrent processes serialise on the lock and never see a torn write.
/// A missing or damaged file is reported, never re-created or emptied.
/// </summary>
public sealed class LaminRegistry : IRegistry
{
    public const string FileName = "lamin.db";
    private static readonly byte[] HeaderInfo = Encoding.ASCII.GetBytes("** This is a LiteDB file **");
    private const int HeaderInfoOffset = 32;
    private const int FileVersionOffset = 59;
    private const int PageSize = 8192;
    private const int InvalidStateOffset = 191; // HeaderPage.P_INVALID_DATAFILE_STATE

    public LaminRegistry(string path) => Path = path;

    public string Path { get; }

    public string Backend => "LiteDB";

    public string Description => Path;

    /// <summary>
    /// The names LiteDB and this class use beside the registry file; they are the registry's, not data.
    /// Compared as the folder's file system compares names (<paramref name="rules"/>; Posix when not given):
    /// on NTFS "LAMIN.DB" is the registry (SPEC §11).
    /// </summary>
    public static bool IsRegistryCompanion(string fileName, string registryFileName = FileName, Roots.FileSystemRules? rules = null) =>
        (rules ?? Roots.FileSystemRules.Posix).IsRegistryCompanion(fileName, registryFileName);

    internal static BsonMapper Mapper { get; } = CreateMapper();

    private static BsonMapper CreateMapper()
    {
        var m = new BsonMapper { EnumAsInteger = false, SerializeNullValues = true, TrimWhitespace = false, EmptyStringToNull = false };
        // LiteDB hands dates back in local time; the registry's are UTC (SPEC §3).
        m.RegisterType<DateTime>(d => new BsonValue(d.ToUniversalTime()), b => b.AsDateTime.ToUniversalTime());
        // Members the model marks [Computed] are not stored (no field name: the mapper leaves them out).
        m.ResolveMember = (_, member, mapper) =>
        {
            if (member.GetCustomAttributes(typeof(ComputedAttribute), true).Length > 0) mapper.FieldName = null;
        };
        m.Entity<LaminStorage>().Id(x => x.Id);
        m.Entity<LaminSpace>().Id(x => x.Id);
        m.Entity<LaminSpaceAccess>().Id(x => x.Id);
        m.Entity<InstanceDocument>().Id(x => x.Id, autoId: false);
        m.Entity<LaminArtifact>().Id(x => x.Id);
        return m;
    }

    /// <summary>Creates a new registry file (fails if one exists) with its indexes, the instance document and the "all" space.</summary>
    public void Verify() => Validate(Path);

    /// <summary>The registry file and its companions (lock, log), retired through the gate.</summary>
    public void DiscardNew()
    {
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        foreach (var f in Directory.EnumerateFiles(folder)
                     .Where(f => IsRegistryCompanion(System.IO.Path.GetFileName(f), rules: Roots.LocationRules.ForLocal(folder))))
            Safety.Gate.RetireControlFile(f, Safety.Gate.ControlFile.Registry);
    }

    public static LaminRegistry Create(string path, InstanceDocument instance, LaminSpace all)
    {
        if (File.Exists(path))
            throw new LaminException(ErrorIds.InstanceExists, $"A registry already exists at '{path}'; connect to it with Connect-LaminInstance -Path.", path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var registry = new LaminRegistry(path);
        using (var held = RegistryLock.Acquire(path, RegistryLock.DefaultTimeout))
        {
            // Ordinal collation: uids are base62 (case matters) and roots are case-sensitive on Unix.
            using (var db = Open(path, new Collation("en-US/Ordinal"), create: true))
            {
                var s = new RegistrySession(db.Database, registry);
                s.EnsureSchema();
                s.Instance.Insert(instance);
                s.Spaces.Insert(all);
            }
            RestrictToOwner(path);
            registry.RecordVerified(held, null);
        }
        return registry;
    }

    public T Read<T>(Func<RegistrySession, T> work) => Run(work, write: false);

    /// <summary>
    /// A write session of Copy-LaminInstance itself on a registry it marked as moving (<see cref="InstanceDocument.MovingTo"/>):
    /// neither mark refuses nor is the moving mark settled here: the copy's own work checks both (it sets, settles and clears them).
    /// </summary>
    internal T WriteDuringMove<T>(Func<RegistrySession, T> work) => Run(work, write: true, duringMove: true);

    public T Write<T>(Func<RegistrySession, T> work) => Run(work, write: true);

    public void Write(Action<RegistrySession> work) => Run<object?>(s => { work(s); return null; }, write: true);

    T IRegistry.Read<T>(Func<IRegistrySession, T> work) => Run(work, write: false);

    T IRegistry.Write<T>(Func<IRegistrySession, T> work) => Run(work, write: true);

    void IRegistry.Write(Action<IRegistrySession> work) => Run<object?>(s => { work(s); return null; }, write: true);

    private T Run<T>(Func<RegistrySession, T> work, bool write, bool duringMove = false)
    {
        // A missing registry (or its folder) is reported before the lock file would be created beside it.
        if (!File.Exists(Path)) Validate(Path);
        using var held = RegistryLock.Acquire(Path, RegistryLock.DefaultTimeout);
        var header = Validate(Path);
        // LiteDB has no page checksums and reads only the pages a query touches. Every page any session
        // reads is checked on the way in (PageCheckedStream), so a write never builds on a damaged page.
        // Before a write, the whole file is checked as well unless it is exactly as the last verified
        // session left it (VerifiedStamp: length, write time and header, kept in the lock file): a file
        // damaged by another program where this write does not look is refused instead of written into,
        // while a registry of a million artifacts is not read from end to end for every write.
        var known = write ? VerifiedStamp.Read(held.Stream) : "";
        if (write && (Suspect.ContainsKey(Path) || known.Length == 0 || known != VerifiedStamp.Of(Path, header)))
            CheckPages(Path);
        bool corrupt = false;
        try
        {
            using var db = Open(Path);
            var session = new RegistrySession(db.Database, this);
            if (!write) return work(session);
            session.UseCurrentKeyIndexes(RegistrySession.EnsureKeyIndexes(db.Database, Path));
            db.Database.BeginTrans();
            session.InTransaction = true;
            try
            {
                var doc = session.Instance.FindById(1);
                if (doc?.MovingTo is not null && doc.MovedTo is null && !duringMove)
                {
                    // Issue 25: a copy stopped between its phases. Settle it first (the destination decides), commit
                    // that, then refuse (retired) or go on with this write in a fresh transaction (mark rolled back).
                    var retired = InstanceMove.Settle(session, doc);
                    db.Database.Commit();
                    RegistryChanges.Committed();
                    db.Database.BeginTrans();
                    doc = session.Instance.FindById(1);
                    _ = retired; // a retired registry refuses just below
                }
                if (!duringMove) InstanceMove.RefuseIfMoved(doc, Path); // the copy's own sessions check the marks themselves
                var result = work(session);
                db.Database.Commit();
                RegistryChanges.Committed();
                return result;
            }
            catch (Exception e)
            {
                try { db.Database.Rollback(); } catch (Exception) { /* a damaged file may refuse even this; the first error is the one to report */ }
                if (RegistrySession.IsLatestKeyConflict(e))
                    throw new LaminException(ErrorIds.UnexpectedError,
                        $"The registry {Path} refused a write that would give one key two latest versions in one storage location (its index {RegistrySession.LatestKeyIndex}); " +
                        "nothing of this command was written. Another writer may have changed the same key; run the command again.", null, e);
                throw;
            }
        }
        catch (Exception e) when (IsCorruption(e))
        {
            // A damaged registry is left as it was found, its lock file too; this process checks it whole from now on.
            corrupt = true;
            Suspect[Path] = true;
            RestoreHeader(Path, header);
            throw Corrupt(Path, e);
        }
        finally
        {
            // What a write session leaves was built from verified pages: the next write starts from it.
            if (write && !corrupt) { RecordVerified(held, known); Suspect.TryRemove(Path, out _); }
        }
    }

    /// <summary>Registries this process found damaged: every later write checks the whole file again, whatever the stamp says.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Suspect = new(StringComparer.Ordinal);

    /// <summary>Keeps the stamp of the file as this session leaves it (the lock file is rewritten only when it changed).</summary>
    private void RecordVerified(RegistryLock held, string? known)
    {
        string stamp;
        try
        {
            var header = new byte[PageSize];
            using (var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                fs.ReadExactly(header);
            stamp = VerifiedStamp.Of(Path, header);
        }
        catch (IOException) { stamp = ""; }
        if (stamp != known) VerifiedStamp.Write(held.Stream, stamp);
    }

    /// <summary>LiteDB's own failures (not Lamin's refusals): LiteException, or anything thrown from inside LiteDB on bad pages.</summary>
    private static bool IsCorruption(Exception e) => e switch
    {
        LaminException => false,
        RegistryPageDamagedException => true,
        // An index key over LiteDB's 1023 bytes is about the value written, never about the file.
        LiteException le => le.ErrorCode is not (LiteException.INDEX_DUPLICATE_KEY or LiteException.LOCK_TIMEOUT or LiteException.INVALID_INDEX_KEY),
        _ => e.TargetSite?.DeclaringType?.Namespace?.StartsWith("LiteDB", StringComparison.Ordinal) == true
             && e is IndexOutOfRangeException or ArgumentException or InvalidCastException or NullReferenceException or InvalidOperationException or OverflowException or EndOfStreamException,
    };

    private static long _wholeFileChecks;

    /// <summary>How many times this process read a registry file from end to end (tests: a write reads it only when it must).</summary>
    internal static long WholeFileChecks => Interlocked.Read(ref _wholeFileChecks);

    /// <summary>Every 8 KiB page carries its own position (bytes 0–3) and a page type 0–5 (byte 4).</summary>
    private static void CheckPages(string path)
    {
        Interlocked.Increment(ref _wholeFileChecks);
        var buffer = new byte[PageSize * 128];
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        uint page = 0;
        int n;
        while ((n = fs.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            for (int offset = 0; offset + PageSize <= n; offset += PageSize, page++)
            {
                var id = BitConverter.ToUInt32(buffer, offset);
                if (id != page || buffer[offset + 4] > 5)
                    throw Corrupt(path, null, $"page {page} does not carry its own id and type");
            }
        }
    }

    /// <summary>
    /// LiteDB sets an "invalid datafile state" byte in the header page when it meets a damaged page;
    /// put that one byte back, so a damaged registry is left exactly as it was found.
    /// </summary>
    private static void RestoreHeader(string path, byte[] header)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            fs.Position = InvalidStateOffset;
            var now = fs.ReadByte();
            if (now == header[InvalidStateOffset]) return;
            fs.Position = InvalidStateOffset;
            fs.WriteByte(header[InvalidStateOffset]);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Opens the registry in direct mode through <see cref="PageCheckedStream"/> (every page read is checked)
    /// and <see cref="RegistryLogStream"/> (the log is created owner-only); <paramref name="create"/>: a new
    /// file, owner-only from its first byte.
    /// </summary>
    private static OpenRegistry Open(string path, Collation? collation = null, bool create = false)
    {
        var options = new FileStreamOptions
        {
            Mode = create ? FileMode.CreateNew : FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.Read,
            BufferSize = 0, Options = FileOptions.RandomAccess,
        };
        if (create) Roots.LocalPlatform.Current.CreateOwnerOnly(options);
        var data = new PageCheckedStream(new FileStream(path, options));
        var log = new RegistryLogStream(RegistryLogStream.PathFor(path));
        try
        {
            var settings = new LiteDB.Engine.EngineSettings
            {
                DataStream = data, LogStream = log, Filename = path, // the file name places LiteDB's sort file beside the registry, as before
                Upgrade = false, AutoRebuild = false, Collation = collation,
            };
            return new OpenRegistry(new LiteDatabase(new LiteDB.Engine.LiteEngine(settings), Mapper, disposeOnClose: true), data, log);
        }
        catch
        {
            data.Dispose();
            log.CloseAndRemoveIfEmpty();
            throw;
        }
    }

    /// <summary>An open LiteDB database and the two files under it, closed in that order.</summary>
    private sealed class OpenRegistry(LiteDatabase database, PageCheckedStream data, RegistryLogStream log) : IDisposable
    {
        public LiteDatabase Database { get; } = database;

        public void Dispose()
        {
            try { Database.Dispose(); }
            finally
            {
                data.Dispose();
                log.CloseAndRemoveIfEmpty();
            }
        }
    }

    /// <summary>Checks that the file exists and carries LiteDB's header; LiteDB would silently re-initialise an empty or foreign file.</summary>
    public static byte[] Validate(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new LaminException(ErrorIds.RegistryNotFound,
                $"The registry file '{path}' does not exist. If its storage moved, connect with Connect-LaminInstance -Path <new root>; " +
                "if it was deleted, restore it from a backup. Lamin never re-creates a registry silently.", path);
        if (info.Length < PageSize || info.Length % PageSize != 0)
            throw Corrupt(path, null, $"its size ({info.Length} bytes) is not a whole number of LiteDB pages");
        var header = new byte[PageSize];
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            fs.ReadExactly(header);
        if (!header.AsSpan(HeaderInfoOffset, HeaderInfo.Length).SequenceEqual(HeaderInfo) || header[FileVersionOffset] != 8)
            throw Corrupt(path, null, "it is not a LiteDB 5 file");
        return header;
    }

    private static LaminException Corrupt(string path, Exception? inner, string? why = null) =>
        new(ErrorIds.RegistryCorrupt,
            $"The registry file '{path}' is damaged ({why ?? inner?.Message}). It was left as it is. " +
            "Restore it from a backup (see README, 'Recovering a registry'), or move it aside and create a new instance.", path, inner);

    /// <summary>Registry and settings files are readable by their owner only: mode 0600 on Unix, an owner-only ACL on Windows (SPEC §11).</summary>
    public static void RestrictToOwner(string path) => Util.OwnerOnlyFiles.Restrict(path);
}

/// <summary>One open registry: typed collections and the schema.</summary>
public sealed class RegistrySession : IRegistrySession
{
    internal RegistrySession(LiteDatabase db, LaminRegistry registry)
    {
        Database = db;
        Registry = registry;
    }

    public LiteDatabase Database { get; }
    public LaminRegistry Registry { get; }
    public ILiteCollection<LaminStorage> Storages => Database.GetCollection<LaminStorage>("storage");
    public ILiteCollection<LaminSpace> Spaces => Database.GetCollection<LaminSpace>("space");
    public ILiteCollection<LaminSpaceAccess> SpaceAccess => Database.GetCollection<LaminSpaceAccess>("space_access");
    public ILiteCollection<InstanceDocument> Instance => Database.GetCollection<InstanceDocument>("instance");
    public ILiteCollection<LaminArtifact> Artifacts => Database.GetCollection<LaminArtifact>("artifact");

    /// <summary>True in a write session: its work runs in one explicit LiteDB transaction.</summary>
    internal bool InTransaction { get; set; }

    /// <summary>
    /// LiteDB keeps every page a transaction has read in memory until the transaction ends (up to 100,000
    /// pages of 8 KiB), so a write session that reads a whole large table grows with it. A write session that
    /// has written nothing yet ends its (empty) transaction here and starts a fresh one: nothing is committed,
    /// and the registry lock stays held, so no other process writes in between. Once the session has
    /// written, this refuses: committing part of a session would break its all-or-nothing.
    /// </summary>
    public void ReleaseReads()
    {
        if (!InTransaction) return; // a read session: each query is its own transaction, released when it ends
        var thread = System.Environment.CurrentManagedThreadId;
        var mine = Database.GetCollection("$transactions").FindAll().FirstOrDefault(t => t["threadID"].AsInt32 == thread);
        if (mine is null) return;
        if (mine["mode"].AsString != "Read")
            throw new InvalidOperationException("ReleaseReads is for a write session that has written nothing yet.");
        Database.Commit();
        Database.BeginTrans();
    }

    // Keys may be 1024 characters (SPEC rule 20), up to ~4 KB in UTF-8, but a LiteDB index key must stay
    // under 1023 bytes: the key indexes hold the first KeyIndexChars UTF-16 units (at most 3 bytes each),
    // and every lookup below filters the index's rows by the whole key. A character outside the BMP whose
    // pair would be cut at unit 200 is left out whole (199 units): LiteDB refuses to encode a lone half, and
    // refused the whole batch with it (issue 15's review). ByIndex cuts its seek values the same way.
    private const int KeyIndexChars = 200;
    private const string KeyIndexExpr = "IIF(LENGTH($.Key) > 200, SUBSTRING($.Key, 0, IIF(IS_MATCH(SUBSTRING($.Key, 199, 1), '^[\\uD800-\\uDBFF]$'), 199, 200)), $.Key)";
    private const string RealKeyIndexExpr = "IIF(LENGTH($.RealKey) > 200, SUBSTRING($.RealKey, 0, IIF(IS_MATCH(SUBSTRING($.RealKey, 199, 1), '^[\\uD800-\\uDBFF]$'), 199, 200)), $.RealKey)";

    /// <summary>
    /// Creates the key-prefix indexes, and on a registry written before them replaces the whole-key
    /// indexes ("key", "real_key"), which refuse a long key, and key-prefix indexes built with an older
    /// expression (one that cut a surrogate pair in half). Runs before a write session's transaction;
    /// each step is idempotent, so an interrupted upgrade is finished by the next write.
    /// </summary>
    /// <returns>The key index expressions the file has now (the current ones).</returns>
    internal static (string Key, string RealKey) EnsureKeyIndexes(LiteDatabase db, string registryPath)
    {
        var indexes = ArtifactIndexes(db);
        bool keyCurrent = indexes.GetValueOrDefault("key_prefix") == KeyIndexSource;
        bool realCurrent = indexes.GetValueOrDefault("real_key_prefix") == RealKeyIndexSource;
        EnsureLatestKeyIndex(db, indexes, registryPath);
        if (keyCurrent && realCurrent && !indexes.ContainsKey("key") && !indexes.ContainsKey("real_key")) return (KeyIndexSource, RealKeyIndexSource);
        var artifacts = db.GetCollection("artifact");
        foreach (var stale in new[] { "key", "real_key" }.Concat(keyCurrent ? [] : ["key_prefix"]).Concat(realCurrent ? [] : ["real_key_prefix"]))
            if (indexes.ContainsKey(stale)) artifacts.DropIndex(stale);
        artifacts.EnsureIndex("key_prefix", KeyIndexExpr);
        artifacts.EnsureIndex("real_key_prefix", RealKeyIndexExpr); // ObjectUsage: who holds bytes at a path
        return (KeyIndexSource, RealKeyIndexSource);
    }

    // SPEC §10 rule 16, enforced by the file as PostgreSQL's artifact_latest_key does: one latest, non-trashed
    // version per (storage, key). A unique index over an expression that is "<storage id>/<key>" for such a row and
    // "#<_id>" (unique by itself, never a storage id) for every other row: versions, trashed ones, key-less ones.
    // Whole keys only, never a cut (two long keys sharing a prefix are two keys), and each under LiteDB's 1023-byte
    // index key with the storage id (10 digits and '/' at most) and its 2 bytes of type and length, by the key's UTF-8
    // size as LiteDB can tell it: up to 1000 characters of printable ASCII (1 byte each), up to 500 characters below
    // U+0800 (2 bytes each), else up to 330 UTF-16 units (3 bytes each at most; a surrogate pair is 4 bytes for 2 units).
    // A latest row with a longer key gets its own "#<_id>" too: that rare case (a key over 330 characters with one
    // outside U+0800, or over 500 with one outside ASCII, or over 1000: keys may have 1024) is held by the code alone
    // (VersionFamilies.RecomputeLatest and the commit's demotion), where PostgreSQL has a hash exclusion. LiteDB's
    // expressions have no hash function; the rest would need a digest stored with the row.
    internal const string LatestKeyIndex = "latest_key";
    private const string LatestKeyFits =
        "(LENGTH($.Key) <= 330 OR (LENGTH($.Key) <= 500 AND IS_MATCH($.Key, '^[ -\\u07FF]*$')) OR (LENGTH($.Key) <= 1000 AND IS_MATCH($.Key, '^[ -~]*$')))";
    private static readonly string LatestKeyIndexExpr =
        $"IIF($.IsLatest = true AND $.IsTrashed != true AND $.Key != null AND {LatestKeyFits}, STRING($.StorageId) + '/' + $.Key, '#' + STRING($._id))";
    private static readonly string LatestKeyIndexSource = BsonExpression.Create(LatestKeyIndexExpr).Source;

    /// <summary>Registries whose rows already break the rule (two latest versions of one key): not asked again by this process.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> LatestKeyIndexRefused = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds the latest-key index to a registry written before it, or replaces one with an older expression (before a write
    /// session's transaction, like the key indexes). A registry whose rows already hold two latest versions of one key
    /// can't take it: it stays as it is and opens as before (Test-LaminStorage reports those keys; an older index it had
    /// is put back, so what it held stays held), and the next process tries again, so once the duplicates are resolved
    /// the index goes in. Nothing is repaired here: which version of a key is the latest is the user's to say.
    /// </summary>
    private static void EnsureLatestKeyIndex(LiteDatabase db, Dictionary<string, string> indexes, string registryPath)
    {
        if (indexes.GetValueOrDefault(LatestKeyIndex) == LatestKeyIndexSource || LatestKeyIndexRefused.ContainsKey(registryPath)) return;
        var artifacts = db.GetCollection("artifact");
        var older = indexes.GetValueOrDefault(LatestKeyIndex);
        if (older is not null) artifacts.DropIndex(LatestKeyIndex); // an older expression
        try { artifacts.EnsureIndex(LatestKeyIndex, LatestKeyIndexExpr, unique: true); }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            LatestKeyIndexRefused[registryPath] = true;
            try { if (older is not null) artifacts.EnsureIndex(LatestKeyIndex, older, unique: true); }
            catch (LiteException again) when (again.ErrorCode == LiteException.INDEX_DUPLICATE_KEY) { /* it held before; reported by Test-LaminStorage */ }
        }
    }

    /// <summary>Lets this process try the latest-key index again on a registry that refused it (tests: "the next process").</summary>
    internal static void RetryLatestKeyIndex(string registryPath) => LatestKeyIndexRefused.TryRemove(registryPath, out _);

    /// <summary>Whether the file refused a write by the latest-key index (two latest versions of one key).</summary>
    internal static bool IsLatestKeyConflict(Exception e) =>
        e is LiteException { ErrorCode: LiteException.INDEX_DUPLICATE_KEY } le && le.Message.Contains($"'{LatestKeyIndex}'", StringComparison.Ordinal);

    /// <summary>Whether the registry file has the latest-key index (tests, and a registry that could not take it yet).</summary>
    internal bool HasLatestKeyIndex => ArtifactIndexes(Database).GetValueOrDefault(LatestKeyIndex) == LatestKeyIndexSource;

    // The expressions as LiteDB stores them in $indexes (normalised text).
    private static readonly string KeyIndexSource = BsonExpression.Create(KeyIndexExpr).Source;
    private static readonly string RealKeyIndexSource = BsonExpression.Create(RealKeyIndexExpr).Source;

    /// <summary>The artifact collection's indexes: name → expression.</summary>
    private static Dictionary<string, string> ArtifactIndexes(LiteDatabase db) =>
        db.GetCollection("$indexes").FindAll()
            .Where(d => d["collection"].AsString == "artifact").ToDictionary(d => d["name"].AsString, d => d["expression"].AsString);

    // LiteDB seeks an index only for a query whose expression is the index's own text. A registry not yet written by
    // this version keeps its older key indexes (EnsureKeyIndexes upgrades them before the next write; an older module
    // never does): queries name the expressions the file has, so they seek either way. A write session is told them
    // by EnsureKeyIndexes; a read session reads them once, at its first key lookup.
    private (string Key, string RealKey)? _keyExprs;

    private (string Key, string RealKey) KeyExprs => _keyExprs ??= ReadKeyExprs();

    internal void UseCurrentKeyIndexes((string Key, string RealKey) exprs) => _keyExprs = exprs;

    private (string Key, string RealKey) ReadKeyExprs()
    {
        var indexes = ArtifactIndexes(Database);
        return (indexes.GetValueOrDefault("key_prefix") ?? KeyIndexExpr, indexes.GetValueOrDefault("real_key_prefix") ?? RealKeyIndexExpr);
    }

    /// <summary>Artifacts whose key is exactly <paramref name="key"/> (ordinal).</summary>
    public IEnumerable<LaminArtifact> ArtifactsByKey(string key) =>
        ByIndex(KeyExprs.Key, key, exact: true).Where(a => string.Equals(a.Key, key, StringComparison.Ordinal));

    /// <summary>Artifacts whose real key (in-place object) is exactly <paramref name="key"/> (ordinal).</summary>
    public IEnumerable<LaminArtifact> ArtifactsByRealKey(string key) =>
        ByIndex(KeyExprs.RealKey, key, exact: true).Where(a => string.Equals(a.RealKey, key, StringComparison.Ordinal));

    /// <summary>Artifacts whose key starts with <paramref name="prefix"/> (ordinal).</summary>
    public IEnumerable<LaminArtifact> ArtifactsByKeyPrefix(string prefix) =>
        ByIndex(KeyExprs.Key, prefix, exact: false).Where(a => a.Key is not null && a.Key.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>The ordinal index sought once per spelling of the prefix that some key has (KeyCase.SpellingsPresent).</summary>
    public IEnumerable<LaminArtifact> ArtifactsByKeyPrefixIgnoreCase(string prefix)
    {
        // A probe reads the first key of a spelling's range, if any (lazily: one document).
        var variants = Lamin.Core.Query.KeyCase.SpellingsToSeek(prefix, candidates =>
            candidates.Where(p => ArtifactsByKeyPrefix(p).Any()).ToList());
        if (variants.Count == 1 && variants[0].Length == 0) return Artifacts.FindAll();
        // One index seek per spelling (no key starts with two of them, so no row twice), in id order as every
        // lookup returns (and as PostgreSQL does): a seek alone yields key order.
        return variants.SelectMany(ArtifactsByKeyPrefix).OrderBy(a => a.Id);
    }

    /// <summary>Artifacts whose real key starts with <paramref name="prefix"/> (ordinal).</summary>
    public IEnumerable<LaminArtifact> ArtifactsByRealKeyPrefix(string prefix) =>
        ByIndex(KeyExprs.RealKey, prefix, exact: false).Where(a => a.RealKey is not null && a.RealKey.StartsWith(prefix, StringComparison.Ordinal));

    private IEnumerable<LaminArtifact> ByIndex(string expr, string value, bool exact)
    {
        // The value goes in as a parameter, never into the expression's text: LiteDB compiles and keeps one
        // delegate per distinct expression text for the life of the process (a few KiB for every key ever
        // looked up: the memory of a long pipeline grew with every artifact it added).
        if (exact && value.Length <= KeyIndexChars) return Artifacts.Find(BsonExpression.Create(expr + " = @0", new BsonValue(value)));
        var p = value.Length > KeyIndexChars ? value[..KeyIndexChars] : value;
        // A surrogate pair the index would cut is left out of it whole (KeyIndexExpr): seek by whole characters only.
        if (p.Length > 0 && char.IsHighSurrogate(p[^1])) p = p[..^1];
        if (p.Length == 0) return Artifacts.FindAll();
        // An ordinal range: LiteDB's LIKE matches without regard to case, so 'P%' walked every key from 'P' on that
        // starts with p or P (issue 15: a probe for an upper-case spelling read 100,000 lower-case keys). The bound
        // itself is in the range (BETWEEN includes it); callers keep only the keys that start with the prefix.
        return Lamin.Core.Query.KeyCase.UpperBound(p) is { } upper
            ? Artifacts.Find(BsonExpression.Create(expr + " BETWEEN @0 AND @1", new BsonValue(p), new BsonValue(upper)))
            : Artifacts.Find(BsonExpression.Create(expr + " LIKE @0", new BsonValue(p + "%")));
    }

    // ---------------------------------------------------------------- IRegistrySession (LiteDB expressions stay here)

    private IRecordTable<LaminStorage>? _storageTable;
    private IRecordTable<LaminArtifact>? _artifactTable;
    private IRecordTable<LaminSpace>? _spaceTable;
    private IRecordTable<LaminSpaceAccess>? _grantTable;

    IRecordTable<LaminStorage> IRegistrySession.Storages => _storageTable ??= new LiteTable<LaminStorage>(Storages);
    IRecordTable<LaminArtifact> IRegistrySession.Artifacts => _artifactTable ??= new LiteTable<LaminArtifact>(Artifacts, a => a.Id);
    IRecordTable<LaminSpace> IRegistrySession.Spaces => _spaceTable ??= new LiteTable<LaminSpace>(Spaces);
    IRecordTable<LaminSpaceAccess> IRegistrySession.SpaceAccess => _grantTable ??= new LiteTable<LaminSpaceAccess>(SpaceAccess);

    public string? RegistryPath => Registry.Path;
    public string Description => Registry.Path;
    IInstanceTable IRegistrySession.Instance => new LiteInstanceTable(Instance);
    public IEnumerable<LaminStorage> StoragesByRoot(string root) => Storages.Find(x => x.Root == root);
    public LaminStorage? StorageByUid(string uid) => Storages.FindOne(x => x.Uid == uid);
    public int CountStoragesInSpace(int spaceId) => Storages.Count(x => x.SpaceId == spaceId);
    public LaminArtifact? ArtifactByUid(string uid) => Artifacts.FindOne(x => x.Uid == uid);
    public IEnumerable<LaminArtifact> ArtifactsByUidPrefix(string prefix) => Artifacts.Find(x => x.Uid.StartsWith(prefix));
    // A parameter, not a lambda: LiteDB translates a lambda anew on every call (issue 15: the dedupe lookups
    // of a batch of small files cost more than their inserts), while one expression text is compiled once.
    // In id order, as on PostgreSQL: LiteDB's index gives equal keys in no fixed order, and the dedupe
    // answers the oldest artifact with the hash.
    public IEnumerable<LaminArtifact> ArtifactsByHash(string hash) =>
        Artifacts.Find(BsonExpression.Create("$.Hash = @0", new BsonValue(hash))).OrderBy(a => a.Id).ToList();
    /// <summary>One index seek per chunk of hashes (`IN @0`, a parameter), in id order, instead of one query per hash.</summary>
    public IEnumerable<LaminArtifact> ArtifactsByHashes(IReadOnlyCollection<string> hashes)
    {
        var distinct = hashes.Distinct(StringComparer.Ordinal).ToList();
        var found = new List<LaminArtifact>();
        for (int start = 0; start < distinct.Count; start += HashesPerQuery)
        {
            var chunk = new BsonArray(distinct.Skip(start).Take(HashesPerQuery).Select(h => new BsonValue(h)));
            found.AddRange(Artifacts.Find(BsonExpression.Create("$.Hash IN @0", chunk)));
        }
        found.Sort((a, b) => a.Id.CompareTo(b.Id));
        return found;
    }

    private const int HashesPerQuery = 1000;
    public IEnumerable<LaminArtifact> ArtifactsByKeys(IReadOnlyCollection<string> keys) => keys.Distinct().SelectMany(ArtifactsByKey).ToList();
    public IEnumerable<LaminArtifact> ArtifactsInStorage(int storageId) => Artifacts.FindAll().Where(a => a.StorageId == storageId);
    public int CountArtifactsInStorage(int storageId) => Artifacts.Count(a => a.StorageId == storageId);
    public int CountArtifactsInSpace(int spaceId) => Artifacts.Count(a => a.SpaceId == spaceId);

    public Dictionary<int, (long Count, long Size)> ArtifactStatistics() =>
        Artifacts.FindAll()
            .GroupBy(a => a.StorageId)
            .ToDictionary(g => g.Key, g => (Count: g.LongCount(), Size: g.Sum(a => a.Size)));

    public void DeleteGrantsOfSpace(int spaceId) => SpaceAccess.DeleteMany(a => a.SpaceId == spaceId);
    public void UpsertGrant(LaminSpaceAccess grant)
    {
        RegistryText.CheckRecord(grant);
        SpaceAccess.Upsert(grant);
    }

    public InstanceDocument InstanceDocument =>
        Instance.FindById(1) ?? throw new LaminException(ErrorIds.RegistryCorrupt,
            $"The registry '{Registry.Path}' has no instance document; it is not a Lamin registry.", Registry.Path);

    internal void EnsureSchema()
    {
        Storages.EnsureIndex("uid", "$.Uid", unique: true);
        // (root, host) is unique: LaminDB makes root alone unique, which blocks one path on two hosts.
        Storages.EnsureIndex("root_host", "$.Root + '|' + COALESCE($.Host, '')", unique: true);
        Storages.EnsureIndex("root", "$.Root");
        Spaces.EnsureIndex("name", "LOWER($.Name)", unique: true);
        Spaces.EnsureIndex("uid", "$.Uid", unique: true);
        SpaceAccess.EnsureIndex("space_user", "$.SpaceId + '|' + LOWER($.User)", unique: true);
        Artifacts.EnsureIndex("uid", "$.Uid", unique: true);
        EnsureKeyIndexes(Database, Registry.Path);
        Artifacts.EnsureIndex("hash", "$.Hash");
        Artifacts.EnsureIndex("storage", "$.StorageId");
    }
}

internal sealed class LiteInstanceTable(ILiteCollection<InstanceDocument> collection) : IInstanceTable
{
    public bool Update(InstanceDocument document)
    {
        RegistryText.CheckRecord(document);
        return collection.Update(document);
    }
}

/// <summary>A LiteDB collection as an <see cref="IRecordTable{T}"/>.</summary>
internal sealed class LiteTable<T>(ILiteCollection<T> collection, Func<T, int>? idOf = null) : IRecordTable<T> where T : class
{
    public IEnumerable<T> FindAll() => collection.FindAll();
    public List<T> FindPage(int afterId, int count) =>
        collection.Query().Where(BsonExpression.Create("_id > @0", new BsonValue(afterId))).OrderBy("_id").Limit(count).ToList();
    public T FindById(int id) => collection.FindById(id);
    public void Insert(T record)
    {
        RegistryText.CheckRecord(record);
        collection.Insert(record);
    }

    /// <summary>One engine call for the whole list (each record gets its id), inside the session's transaction.</summary>
    public void InsertMany(IReadOnlyList<T> records)
    {
        foreach (var r in records) RegistryText.CheckRecord(r);
        if (records.Count > 0) collection.Insert(records);
    }

    /// <summary>
    /// The records with these ids, in id order. A batch's new records have consecutive ids: each run of
    /// close ids is read by one range seek on the id index (issue 15: one query per record cost about as
    /// much as its insert), and the ids in between that were not asked for are left out; a lone id is read
    /// by itself.
    /// </summary>
    public List<T> FindByIds(IReadOnlyCollection<int> ids)
    {
        var wanted = ids.Distinct().Order().ToList();
        var found = new List<T>(wanted.Count);
        if (idOf is null)
        {
            foreach (var id in wanted) if (collection.FindById(id) is { } one) found.Add(one);
            return found;
        }
        var set = wanted.ToHashSet();
        for (int start = 0; start < wanted.Count;)
        {
            int end = start + 1;
            while (end < wanted.Count && (long)wanted[end] - wanted[end - 1] <= MaxGapInRun) end++;
            if (end - start < MinRun)
                for (int i = start; i < end; i++) { if (collection.FindById(wanted[i]) is { } one) found.Add(one); }
            else
                foreach (var doc in collection.Find(BsonExpression.Create("_id BETWEEN @0 AND @1", new BsonValue(wanted[start]), new BsonValue(wanted[end - 1]))))
                    if (set.Contains(idOf(doc))) found.Add(doc);
            start = end;
        }
        return found;
    }

    /// <summary>Ids this close belong to one range read; shorter runs are read id by id.</summary>
    private const int MaxGapInRun = 8, MinRun = 4;

    public bool Update(T record)
    {
        RegistryText.CheckRecord(record);
        return collection.Update(record);
    }

    public bool Delete(int id) => collection.Delete(id);
    public int Count() => collection.Count();
}
