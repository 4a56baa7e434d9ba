using Lamin.Core.Settings;

namespace Lamin.Core.Services;

/// <summary>
/// Who is asking, from where, about which instance: built per cmdlet call (no I/O at import), from
/// LAMIN_HOME, LAMIN_USER and PowerShell's current directory.
/// </summary>
public sealed class LaminContext
{
    public LaminContext(LaminHome home, string user, string currentDirectory)
    {
        Home = home;
        _environmentUser = user;
        CurrentDirectory = currentDirectory;
    }

    private readonly string _environmentUser;
    private string? _user;

    public LaminHome Home { get; }

    /// <summary>
    /// The user handle: on a team instance (the current one is on PostgreSQL) the login role, which the
    /// database knows as session_user and enforces (SPEC §7; LAMIN_USER can't change it); else LAMIN_USER or the OS user.
    /// </summary>
    public string User => _user ??= ResolveUser();

    private string ResolveUser()
    {
        InstanceEntry? entry = _entry;
        if (entry is null)
        {
            try { entry = Home.CurrentName is { } name ? Home.Find(name) : null; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Errors.LaminException) { entry = null; }
        }
        if (entry is { IsPostgres: true, Database: { } database })
        {
            try { return RegistryFactory.Connect(database).Username; }
            catch (Errors.LaminException) { /* an unparsable connection is reported by the command itself */ }
        }
        return _environmentUser;
    }
    public string CurrentDirectory { get; }

    public static LaminContext FromEnvironment(string currentDirectory) =>
        new(LaminHome.FromEnvironment(), LaminHome.CurrentUser, currentDirectory);

    private InstanceEntry? _entry;

    /// <summary>The connected instance (NoCurrentInstance when there is none).</summary>
    public InstanceEntry Instance => _entry ??= Home.RequireCurrent();

    public IRegistry Registry
    {
        get
        {
            if (!_announced) { _announced = true; Opened?.Invoke($"Using the registry {Describe()}."); }
            return RegistryFactory.Open(Instance);
        }
    }

    private bool _announced;

    /// <summary>Told once per context, when the registry is first used (a cmdlet's -Verbose line: which registry).</summary>
    public Action<string>? Opened { get; set; }

    /// <summary>"of instance 'x' (&lt;registry file&gt;)" or its PostgreSQL database (never a password).</summary>
    public string Describe() => Instance.IsPostgres
        ? $"of instance '{Instance.Name}' (PostgreSQL {Instance.Database})"
        : $"of instance '{Instance.Name}' ({Instance.RegistryPath})";

    /// <summary>
    /// For a command that writes files before it registers them (a relocation, orphan clearing): a copy to a team
    /// instance stopped between its phases is settled first (a write session does it: retired when the destination
    /// holds the copy, else the mark rolled back, issue 25), and a registry moved to a team instance refuses with
    /// InstanceMoved before anything is written (SPEC §7; issue 28: Move-LaminStorage left its journal there).
    /// </summary>
    public void RequireWritableRegistry()
    {
        if (Registry.Read(s => s.InstanceDocument is { MovingTo: not null, MovedTo: null })) Registry.Write(_ => 0);
        Registry.Read(s => { s.RefuseIfMoved(); return 0; });
    }

    public string InstanceUid => Instance.Uid;
}
