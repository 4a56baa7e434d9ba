using System.Text.Json;

namespace Lamin.Core.Settings;

/// <summary>What this user's settings folder knows about one instance (machine-local facts only).</summary>
public sealed class InstanceEntry
{
    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public string Uid { get; set; } = "";
    public string RegistryPath { get; set; } = "";
    /// <summary>"PostgreSQL" for a team instance; null (or "LiteDB") for a registry file.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Backend { get; set; }
    /// <summary>A team instance's database: the connection as a URL without any password (never a password).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Database { get; set; }
    /// <summary>True for a team instance (its registry is a PostgreSQL database).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool IsPostgres => Backend == "PostgreSQL";
    /// <summary>The default root last seen, shown when the registry can't be read.</summary>
    public string? Storage { get; set; }
    /// <summary>The local storage chosen on this machine with Set-LaminSetting -LocalStorage.</summary>
    public string? LocalStorageUid { get; set; }
}

/// <summary>
/// The per-user settings folder (LAMIN_HOME, default ~/.lamin): one JSON file per known instance under
/// instances/, and current.txt naming the current instance. Nothing else is written there.
/// </summary>
public sealed class LaminHome
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public LaminHome(string path) => Path = path;

    public string Path { get; }

    public static LaminHome FromEnvironment()
    {
        var env = Environment.GetEnvironmentVariable("LAMIN_HOME");
        return new LaminHome(string.IsNullOrWhiteSpace(env)
            ? System.IO.Path.Combine(LocalPaths.Home, ".lamin")
            : LocalPaths.Resolve(env, Environment.CurrentDirectory));
    }

    /// <summary>LAMIN_USER, else the OS user: "DOMAIN\user" for a Windows domain account, the user name otherwise (SPEC §11, issue 27).</summary>
    public static string CurrentUser => Util.UserHandles.Current();

    /// <summary>
    /// The one rule for instance names: they become file and folder names here (instances/&lt;name&gt;.json,
    /// instances/&lt;name&gt;/lamin.db), so every name, typed or read from a registry, a marker or current.txt,
    /// passes it before it touches a path (SPEC §10 rule 6: nothing is written outside LAMIN_HOME).
    /// </summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 100 && !name.StartsWith('.') && !name.EndsWith('.')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        && !FileSystemRules.IsWindowsDeviceName(name); // "aux", "nul.db": a device on Windows, refused on every OS (SPEC §11)

    public static void ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new LaminException(ErrorIds.InvalidInstanceName, "The instance name can't be empty; pass -Name.", name);
        if (name.Contains('/'))
            throw new LaminException(ErrorIds.InvalidInstanceName, "Invalid instance name: '/' delimiter not allowed.", name);
        if (!IsValidName(name))
            throw new LaminException(ErrorIds.InvalidInstanceName,
                $"Invalid instance name '{(name.Length > 60 ? name[..57] + "..." : name)}': use up to 100 letters, digits, '-', '_' or '.', not starting or ending with '.', " +
                "and not a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9, also with an extension).", name);
    }

    private string InstancesDir => System.IO.Path.Combine(Path, "instances");
    private string CurrentFile => System.IO.Path.Combine(Path, "current.txt");

    private string EntryFile(string name)
    {
        ValidateName(name);
        return System.IO.Path.Combine(InstancesDir, name + ".json");
    }

    /// <summary>Where the registry of an instance whose default storage is in the cloud lives.</summary>
    public string CloudRegistryPath(string name)
    {
        ValidateName(name);
        return System.IO.Path.Combine(InstancesDir, name, LaminRegistry.FileName);
    }

    public IEnumerable<InstanceEntry> List()
    {
        if (!Directory.Exists(InstancesDir)) yield break;
        foreach (var f in Directory.EnumerateFiles(InstancesDir, "*.json").Order(StringComparer.Ordinal))
        {
            var e = TryRead(f);
            if (e is not null) yield return e;
        }
    }

    /// <summary>The entry of a known instance; null for a name that is not valid (it can't have an entry).</summary>
    public InstanceEntry? Find(string name) => IsValidName(name) && File.Exists(EntryFile(name)) ? TryRead(EntryFile(name)) : null;

    private static InstanceEntry? TryRead(string file)
    {
        // An entry whose name is not valid (edited by hand) is ignored: its name would become a path.
        try { return JsonSerializer.Deserialize<InstanceEntry>(File.ReadAllText(file)) is { } e && IsValidName(e.Name) ? e : null; }
        catch (JsonException) { return null; }
    }

    public void Save(InstanceEntry entry)
    {
        var file = EntryFile(entry.Name); // validates the name before anything is created
        Directory.CreateDirectory(InstancesDir);
        WriteAtomically(file, JsonSerializer.Serialize(entry, Json));
    }

    public void Delete(string name)
    {
        Gate.RetireControlFile(EntryFile(name), Gate.ControlFile.Settings);
        if (CurrentName == name) CurrentName = null;
    }

    public string? CurrentName
    {
        get => File.Exists(CurrentFile) ? File.ReadAllText(CurrentFile).Trim() is { Length: > 0 } n ? n : null : null;
        set
        {
            if (value is null) { Gate.RetireControlFile(CurrentFile, Gate.ControlFile.Settings); return; }
            Directory.CreateDirectory(Path);
            WriteAtomically(CurrentFile, value);
        }
    }

    /// <summary>The current instance's entry, or NoCurrentInstance telling the user what to run.</summary>
    public InstanceEntry RequireCurrent()
    {
        var name = CurrentName;
        var entry = name is null ? null : Find(name);
        return entry ?? throw new LaminException(ErrorIds.NoCurrentInstance,
            $"No instance is connected in the settings folder {Path} (LAMIN_HOME {(string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("LAMIN_HOME")) ? "is not set; the default is ~/.lamin" : "names it")}). " +
            "Create one with New-LaminInstance -Storage <root>, or connect with Connect-LaminInstance <name> | -Path <root>; " +
            "a scheduled task or service runs with its own home: set LAMIN_HOME to the folder whose instance it should use.");
    }

    /// <summary>
    /// The text staged beside <paramref name="file"/> and renamed over it. A rename another program refuses for a moment
    /// (a pwsh reading current.txt, an antivirus) is retried a bounded time (issue 27); when it still fails, the staged
    /// copy goes again before the error is reported: nothing is left beside the settings.
    /// </summary>
    private static void WriteAtomically(string file, string text)
    {
        var tmp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file)!, Util.ProcessIdentity.Current().TemporaryName(LocalStorageProvider.TempPrefix));
        try
        {
            File.WriteAllText(tmp, text);
            LaminRegistry.RestrictToOwner(tmp);
            Gate.ReplaceControlFile(tmp, file, Gate.ControlFile.Settings);
        }
        catch
        {
            try { Gate.DeleteOwnTemporary(tmp); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }
}
