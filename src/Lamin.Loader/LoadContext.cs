using System.Reflection;
using System.Runtime.Loader;

namespace Lamin.Loader;

/// <summary>
/// The private load context (the loader pattern of PowerShell-Yayaml and PSToml): the cmdlet assembly
/// and every dependency (LiteDB, and later AWSSDK, Google.Apis, Newtonsoft.Json) load from the module's
/// lib/ folder into this context, so other modules' versions of the same assemblies in the default
/// context never clash with ours, in either import order. Anything not in lib/ (PowerShell itself,
/// the framework) falls through to the default context.
/// </summary>
public sealed class LoadContext : AssemblyLoadContext
{
    private static readonly object Sync = new();
    private static LoadContext? _instance;
    private readonly string _libDir;
    private readonly Assembly _moduleAssembly;

    private LoadContext(string libDir, string moduleAssemblyPath) : base("Lamin", isCollectible: false)
    {
        _libDir = libDir;
        _moduleAssembly = LoadFromAssemblyPath(moduleAssemblyPath);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(_libDir, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>Loads (once per process) and returns the cmdlet assembly from &lt;module&gt;/lib/.</summary>
    public static Assembly Initialize()
    {
        lock (Sync)
        {
            if (_instance is null)
            {
                var moduleDir = Path.GetDirectoryName(typeof(LoadContext).Assembly.Location)!;
                var libDir = Path.Combine(moduleDir, "lib");
                _instance = new LoadContext(libDir, Path.Combine(libDir, "Lamin.PowerShell.dll"));
            }
            return _instance._moduleAssembly;
        }
    }
}
