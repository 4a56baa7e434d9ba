using System.Reflection;
using System.Runtime.Loader;

namespace Lamin.Loader;

/// <summary>
/// The private load context (the pattern of PowerShell's documentation on module dependency conflicts:
/// "Loading through .NET Core Assembly Load Contexts"): Lamin.Core and every dependency (LiteDB, AWSSDK, Google.Apis, Npgsql,
/// Newtonsoft.Json...) load from the module's lib/ folder into this context, so other modules' versions of the same
/// assemblies in the default context never clash with ours, in either import order. The cmdlet assembly
/// (lib/Lamin.PowerShell.dll, the module's root) loads in the default context as every binary module does; when it
/// first needs Lamin.Core, the default context asks <see cref="Register"/>'s handler, which answers with this
/// context's copy. Anything not in lib/ (PowerShell itself, the framework) falls through to the default context.
/// </summary>
public sealed class LoadContext : AssemblyLoadContext
{
    /// <summary>The assembly the cmdlets reference from lib/: the only name the default context is answered for.</summary>
    public const string CoreAssemblyName = "Lamin.Core";

    private static readonly object Sync = new();
    private static LoadContext? _instance;
    private static int _imports;
    private readonly string _libDir;

    private LoadContext(string libDir) : base("Lamin", isCollectible: false)
    {
        _libDir = libDir;
    }

    /// <summary>The module's lib/ folder: next to this assembly (the module's folder), in lib/.</summary>
    private static string LibDir => Path.Combine(Path.GetDirectoryName(typeof(LoadContext).Assembly.Location)!, "lib");

    /// <summary>The one context of this process (an assembly loads once per process; Import-Module -Force reuses it).</summary>
    public static LoadContext Instance
    {
        get
        {
            lock (Sync) return _instance ??= new LoadContext(LibDir);
        }
    }

    /// <summary>
    /// Lets the default context find Lamin.Core in this context: once per Import-Module (each runspace that imports the
    /// module, and -Force, calls it), the handler added once. Only Lamin.Core is answered: another module's request
    /// for a name lib/ happens to hold still fails or binds its own copy, never ours.
    /// </summary>
    public static void Register()
    {
        lock (Sync)
        {
            if (_imports++ == 0) Default.Resolving += ResolveCore;
        }
    }

    /// <summary>
    /// Undoes one <see cref="Register"/> (Remove-Module, and -Force before it imports again): the handler goes with the
    /// last import, so removing the module in one runspace leaves it for another that still has it. An assembly
    /// already bound stays bound.
    /// </summary>
    public static void Unregister()
    {
        lock (Sync)
        {
            if (_imports == 0) return;
            if (--_imports == 0) Default.Resolving -= ResolveCore;
        }
    }

    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, CoreAssemblyName, StringComparison.Ordinal) ? Instance.LoadFromAssemblyName(name) : null;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { Length: > 0 } name) return null;
        var path = ResolvePath(_libDir, name, OperatingSystem.IsWindows(), Environment.Version.Major);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <summary>
    /// Where an assembly of lib/ is. A package with an OS-specific build (System.Management: the one in
    /// lib/ only throws PlatformNotSupportedException, the working one is in lib/runtimes/win/lib/&lt;tfm&gt;/)
    /// is published framework-dependent with both, and the host's deps.json that would pick one is not
    /// used by this context, so the choice is made here: on Windows the runtimes/win build for the newest
    /// target framework this runtime can load, else lib/&lt;name&gt;.dll. Null when lib/ does not have it.
    /// </summary>
    public static string? ResolvePath(string libDir, string assemblyName, bool isWindows, int runtimeMajorVersion)
    {
        if (isWindows)
        {
            var ridLib = Path.Combine(libDir, "runtimes", "win", "lib");
            if (Directory.Exists(ridLib))
            {
                var best = Directory.EnumerateDirectories(ridLib)
                    .Select(d => (Dir: d, Version: FrameworkVersion(Path.GetFileName(d))))
                    .Where(x => x.Version is { } v && v.Major <= runtimeMajorVersion && File.Exists(Path.Combine(x.Dir, assemblyName + ".dll")))
                    .OrderByDescending(x => x.Version)
                    .FirstOrDefault();
                if (best.Dir is not null) return Path.Combine(best.Dir, assemblyName + ".dll");
            }
        }
        var path = Path.Combine(libDir, assemblyName + ".dll");
        return File.Exists(path) ? path : null;
    }

    /// <summary>"net8.0" → 8.0, "netcoreapp3.1" → 3.1, "netstandard2.0" → 0.20 (below every netX), else null.</summary>
    private static Version? FrameworkVersion(string tfm)
    {
        static Version? Parse(string s) => Version.TryParse(s.Contains('.') ? s : s + ".0", out var v) ? v : null;
        if (tfm.StartsWith("netstandard", StringComparison.OrdinalIgnoreCase))
            return Parse(tfm["netstandard".Length..]) is { } ns ? new Version(0, ns.Major * 10 + Math.Max(ns.Minor, 0)) : null;
        if (tfm.StartsWith("netcoreapp", StringComparison.OrdinalIgnoreCase)) return Parse(tfm["netcoreapp".Length..]);
        if (tfm.StartsWith("net", StringComparison.OrdinalIgnoreCase) && tfm.Length > 3 && char.IsAsciiDigit(tfm[3]) && tfm.Contains('.'))
            return Parse(tfm[3..].Split('-')[0]);
        return null;
    }
}
