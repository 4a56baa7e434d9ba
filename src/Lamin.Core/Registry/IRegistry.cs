
namespace Lamin.Core.Registry;

/// <summary>
/// The registry of one instance, whatever engine holds it: a LiteDB file (<see cref="LaminRegistry"/>) or a
/// PostgreSQL database (<see cref="Postgres.PostgresRegistry"/>). Every cmdlet call runs its reads or its
/// writes in one session: one transaction, all or nothing. The services talk only to this interface.
/// </summary>
public interface IRegistry
{
    /// <summary>"LiteDB" or "PostgreSQL".</summary>
    string Backend { get; }

    /// <summary>Where the registry is, for messages: the file path, or the connection without its password.</summary>
    string Description { get; }

    T Read<T>(Func<IRegistrySession, T> work);

    T Write<T>(Func<IRegistrySession, T> work);

    void Write(Action<IRegistrySession> work);

    /// <summary>
    /// Takes back a registry this process has just created (<see cref="RegistryFactory.Create"/>) when creating its
    /// instance failed: the schema dropped, or the registry file and its companions retired. Failures are left to
    /// the caller (the first error is the one to report).
    /// </summary>
    void DiscardNew();

    /// <summary>
    /// Checks, before an instance is made current (Connect-LaminInstance), that the registry is there and is a Lamin
    /// registry: the file's header (LiteDB), or the server reachable, the login admitted and the schema read afresh
    /// (PostgreSQL). Throws the refusal that says what is wrong; writes nothing.
    /// </summary>
    void Verify();
}

/// <summary>
/// What a registry failure says about its transaction. A failure normally means nothing of the session was
/// written. A connection lost while its commit was under way, when the server could not be asked afterwards,
/// may have committed: callers then keep what the session registered (objects it published stay, and are
/// orphans for Clear-LaminStorage -Orphaned if the commit did not happen).
/// </summary>
public static class RegistryFailure
{
    private const string Key = "Lamin.RegistryFailure.MayHaveCommitted";

    public static T MarkMayHaveCommitted<T>(T e) where T : Exception
    {
        e.Data[Key] = true;
        return e;
    }

    public static bool MayHaveCommitted(Exception e) => e.Data.Contains(Key);
}

/// <summary>
/// One table of records with an integer id. <see cref="Insert"/> sets the new record's id; a unique
/// constraint it breaks (uid, root and host, one latest version per key) fails the whole session.
/// </summary>
public interface IRecordTable<T> where T : class
{
    /// <summary>Every record, in id order.</summary>
    IEnumerable<T> FindAll();

    /// <summary>
    /// At most <paramref name="count"/> records with ids above <paramref name="afterId"/>, in id order, each
    /// call its own query: a whole table read in pages (Copy-LaminInstance), holding one page at a time.
    /// </summary>
    List<T> FindPage(int afterId, int count);

    /// <summary>
    /// The record with this id, or null when there is none. Typed without '?' as LiteDB's collections are,
    /// so callers that know the record exists need no '!'; callers that may miss check for null.
    /// </summary>
    T FindById(int id);

    void Insert(T record);

    /// <summary>
    /// Inserts the records in as few round trips as the engine allows (PostgreSQL: one multi-row INSERT per
    /// thousand or so rows, never COPY, which row-level security refuses) and sets each new record's id.
    /// The same rules as <see cref="Insert"/>: a broken constraint fails the whole session.
    /// </summary>
    void InsertMany(IReadOnlyList<T> records);

    /// <summary>The records with these ids (ids with no record are left out), in id order.</summary>
    List<T> FindByIds(IReadOnlyCollection<int> ids);

    /// <summary>Writes every stored field of the record with the same id; false when there is none.</summary>
    bool Update(T record);

    /// <summary>False when there was no such record.</summary>
    bool Delete(int id);

    int Count();
}

/// <summary>
/// The user as a registry that enforces access knows it: <paramref name="User"/> is PostgreSQL's session_user
/// (LAMIN_USER can't change it); <paramref name="IsAdmin"/> when it owns the registry (or is a superuser): Admin
/// of every space. Everyone else has the grants of the space-access table, "all" included (no grant on "all":
/// not admitted).
/// </summary>
public sealed record RegistryIdentity(string User, bool IsAdmin);

/// <summary>The one instance document of a registry.</summary>
public interface IInstanceTable
{
    bool Update(InstanceDocument document);
}

/// <summary>
/// One open registry session: the instance document, the tables, and the lookups the services need,
/// each one answered by an index (LiteDB) or a query (PostgreSQL). Strings compare ordinally.
/// </summary>
public interface IRegistrySession
{
    /// <summary>The registry file of a LiteDB instance (its companions are never data or orphans); null on PostgreSQL.</summary>
    string? RegistryPath { get; }

    /// <summary>Where the registry is, for messages (never a password).</summary>
    string Description { get; }

    /// <summary>
    /// Who the database says the user is, when it enforces access itself (PostgreSQL, SPEC §7: the login
    /// role, and whether it is the instance admin); null when the module decides (LiteDB: LAMIN_USER or the OS user).
    /// </summary>
    RegistryIdentity? Identity => null;

    /// <summary>
    /// Whether two user handles name one user in this registry. Where the database is the authority (PostgreSQL:
    /// login roles, and a quoted role name keeps its case), exactly; where the module decides (LiteDB: OS or
    /// LAMIN_USER names), without regard to case (<see cref="Util.UserHandles.Same"/>). Issue 28.
    /// </summary>
    bool SameUser(string? a, string? b) => Identity is null ? Util.UserHandles.Same(a, b) : string.Equals(a, b, StringComparison.Ordinal);

    /// <summary>
    /// True when the storage record holds artifacts this session can't see (PostgreSQL: in a space the login role
    /// is not granted). Whatever deletes or moves bytes of a location refuses then: it can't account for them.
    /// Always false where the module sees every record (LiteDB).
    /// </summary>
    bool HidesArtifactsIn(int storageId) => false;

    /// <summary>
    /// True when a storage location this session can't see has its root at <paramref name="path"/>, above it, or
    /// (<paramref name="folder"/>) below it: the yes/no that <see cref="Safety.Gate"/> asks before it deletes or
    /// overwrites (PostgreSQL: a function with the schema owner's rights that names nothing). <paramref name="path"/>
    /// is a local path, or a cloud root's bucket path ("s3://bucket/prefix/key") with its <paramref name="endpoint"/>.
    /// Always false where the module sees every record (LiteDB).
    /// </summary>
    bool HiddenLocationAt(string type, string? endpoint, string path, bool folder, bool ignoreCase) => false;

    /// <summary>Whether any storage location is hidden from this session at all (then <see cref="HiddenLocationAt"/> is worth asking).</summary>
    bool HidesAnyLocation() => false;

    /// <summary>
    /// Lets go of what the session's reads so far hold in memory, where the engine keeps it until the
    /// transaction ends (LiteDB: every page read); only before the session has written anything. A session
    /// reading a whole table page by page calls it between pages. Nothing to do on PostgreSQL.
    /// </summary>
    void ReleaseReads() { }

    InstanceDocument InstanceDocument { get; }

    /// <summary>
    /// InstanceMoved when this registry was copied to a team instance (retired), or is being copied (SPEC §7,
    /// issue 25): a command that writes files before it registers them asks first.
    /// </summary>
    void RefuseIfMoved() => InstanceMove.RefuseIfMoved(InstanceDocument, Description);

    /// <summary>The instance document's table: <c>Instance.Update(document)</c> writes the instance-wide settings.</summary>
    IInstanceTable Instance { get; }

    IRecordTable<LaminStorage> Storages { get; }
    IRecordTable<LaminArtifact> Artifacts { get; }
    IRecordTable<LaminSpace> Spaces { get; }
    IRecordTable<LaminSpaceAccess> SpaceAccess { get; }

    // ---------------------------------------------------------------- storages

    /// <summary>Storage records whose root is exactly <paramref name="root"/> (one per host).</summary>
    IEnumerable<LaminStorage> StoragesByRoot(string root);

    /// <summary>The storage record with this uid, or null.</summary>
    LaminStorage? StorageByUid(string uid);

    int CountStoragesInSpace(int spaceId);

    // ---------------------------------------------------------------- artifacts

    /// <summary>The artifact with this uid (ordinal), or null.</summary>
    LaminArtifact? ArtifactByUid(string uid);

    /// <summary>
    /// Candidates for artifacts whose uid starts with <paramref name="prefix"/>: every one that does, and possibly
    /// others that do ignoring case (LiteDB's LIKE); callers that need the exact set check ordinally.
    /// </summary>
    IEnumerable<LaminArtifact> ArtifactsByUidPrefix(string prefix);

    /// <summary>Artifacts whose key is exactly <paramref name="key"/> (ordinal).</summary>
    IEnumerable<LaminArtifact> ArtifactsByKey(string key);

    /// <summary>Artifacts whose real key (in-place object) is exactly <paramref name="key"/> (ordinal).</summary>
    IEnumerable<LaminArtifact> ArtifactsByRealKey(string key);

    /// <summary>Artifacts whose key starts with <paramref name="prefix"/> (ordinal).</summary>
    IEnumerable<LaminArtifact> ArtifactsByKeyPrefix(string prefix);

    /// <summary>
    /// Candidates for artifacts whose key starts with <paramref name="prefix"/> without regard to case
    /// (Get-LaminArtifact -Key 'prefix*'): every one that does, and possibly others (each engine seeks by
    /// as much of the prefix as its index can compare without case); callers match exactly.
    /// </summary>
    IEnumerable<LaminArtifact> ArtifactsByKeyPrefixIgnoreCase(string prefix);

    /// <summary>Artifacts whose real key starts with <paramref name="prefix"/> (ordinal).</summary>
    IEnumerable<LaminArtifact> ArtifactsByRealKeyPrefix(string prefix);

    /// <summary>Artifacts with this hash, in id order (the dedupe answers the oldest).</summary>
    IEnumerable<LaminArtifact> ArtifactsByHash(string hash);

    /// <summary>Artifacts with any of these hashes, in id order: a batch's dedupe lookups in one query.</summary>
    IEnumerable<LaminArtifact> ArtifactsByHashes(IReadOnlyCollection<string> hashes);

    /// <summary>Artifacts whose key is any of these keys (ordinal): a batch's version lookups in one query.</summary>
    IEnumerable<LaminArtifact> ArtifactsByKeys(IReadOnlyCollection<string> keys);

    /// <summary>Artifacts (trashed included) in the storage record with this id.</summary>
    IEnumerable<LaminArtifact> ArtifactsInStorage(int storageId);

    int CountArtifactsInStorage(int storageId);

    int CountArtifactsInSpace(int spaceId);

    /// <summary>Per storage id: how many artifacts (trashed included) and their total size.</summary>
    Dictionary<int, (long Count, long Size)> ArtifactStatistics();

    // ---------------------------------------------------------------- spaces and grants

    /// <summary>Deletes the grants on a space (before the space itself goes).</summary>
    void DeleteGrantsOfSpace(int spaceId);

    /// <summary>Inserts a new grant, or replaces the role of the one with the same id.</summary>
    void UpsertGrant(LaminSpaceAccess grant);
}
