using Lamin.Core.Registry;
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
        User = user;
        CurrentDirectory = currentDirectory;
    }

    public LaminHome Home { get; }
    public string User { get; }
    public string CurrentDirectory { get; }

    public static LaminContext FromEnvironment(string currentDirectory) =>
        new(LaminHome.FromEnvironment(), LaminHome.CurrentUser, currentDirectory);

    private InstanceEntry? _entry;

    /// <summary>The connected instance (NoCurrentInstance when there is none).</summary>
    public InstanceEntry Instance => _entry ??= Home.RequireCurrent();

    public IRegistry Registry => RegistryFactory.Open(Instance);

    public string InstanceUid => Instance.Uid;
}
