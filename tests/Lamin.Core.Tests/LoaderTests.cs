using Lamin.Loader;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>The loader picks the Windows build of System.Management on Windows (issue 10 item 9).</summary>
[Trait("Platform", "Windows")]
public class LoaderTests : IDisposable
{
    private readonly TempDir _lib = new("lamin-lib");

    public void Dispose() => _lib.Dispose();

    private string Put(string relative)
    {
        var p = Path.Combine(_lib.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, "");
        return p;
    }

    [Fact]
    public void On_Windows_the_runtimes_win_build_is_chosen_over_the_stub_in_lib()
    {
        var stub = Put("System.Management.dll");
        var win = Put(Path.Combine("runtimes", "win", "lib", "net7.0", "System.Management.dll"));
        Assert.Equal(win, LoadContext.ResolvePath(_lib.Path, "System.Management", isWindows: true, runtimeMajorVersion: 8));
        Assert.Equal(stub, LoadContext.ResolvePath(_lib.Path, "System.Management", isWindows: false, runtimeMajorVersion: 8));
    }

    [Fact]
    public void The_newest_framework_build_the_runtime_can_load_is_chosen()
    {
        Put("System.Management.dll");
        Put(Path.Combine("runtimes", "win", "lib", "netstandard2.0", "System.Management.dll"));
        var net7 = Put(Path.Combine("runtimes", "win", "lib", "net7.0", "System.Management.dll"));
        Put(Path.Combine("runtimes", "win", "lib", "net99.0", "System.Management.dll"));
        Assert.Equal(net7, LoadContext.ResolvePath(_lib.Path, "System.Management", isWindows: true, runtimeMajorVersion: 8));
    }

    [Fact]
    public void Assemblies_without_a_Windows_build_load_from_lib_and_unknown_ones_not_at_all()
    {
        var lite = Put("LiteDB.dll");
        Put(Path.Combine("runtimes", "win", "lib", "net7.0", "System.Management.dll"));
        Assert.Equal(lite, LoadContext.ResolvePath(_lib.Path, "LiteDB", isWindows: true, runtimeMajorVersion: 8));
        Assert.Null(LoadContext.ResolvePath(_lib.Path, "Nope", isWindows: true, runtimeMajorVersion: 8));
    }
}

/// <summary>
/// Issue 27: the module loads through PowerShell's public hooks (the manifest's root module is the cmdlet assembly; the
/// nested module Lamin.Loader registers the load context in IModuleAssemblyInitializer.OnImport and removes it in
/// IModuleAssemblyCleanup.OnRemove). Reflection into PowerShell's non-public members (PSModuleInfo.AddExportedCmdlet and
/// ProviderInfo.SetModule, which the old Lamin.psm1 called for Import-Module -Force and the provider's module) must not
/// come back in the module's loading code: the manifest, any module script, the loader.
/// </summary>
public class ModuleLoaderTests
{
    private static string RepoRoot() => Repo.Root();

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(s => s is "bin" or "obj");

    [Fact]
    public void The_module_loading_code_uses_no_reflection_into_non_public_members()
    {
        var root = RepoRoot();
        var loading = Directory.EnumerateFiles(Path.Combine(root, "src", "Lamin.Loader"), "*.cs", SearchOption.AllDirectories)
            .Concat(new[] { "*.psm1", "*.ps1", "*.psd1" }.SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, "src"), p, SearchOption.AllDirectories)))
            .Append(Path.Combine(root, "Lamin.psd1"))
            .Where(f => !IsBuildOutput(f))
            .ToList();
        Assert.Contains(loading, f => f.EndsWith("LoadContext.cs", StringComparison.Ordinal));
        var offenders = loading.Where(f => File.ReadAllText(f).Contains("NonPublic", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f)).ToList();
        Assert.True(offenders.Count == 0, "Reflection into non-public members in the module's loading code: " + string.Join(", ", offenders));
    }

    [Fact]
    public void The_manifest_root_module_is_the_cmdlet_assembly_and_the_loader_a_nested_module()
    {
        var manifest = File.ReadAllText(Path.Combine(RepoRoot(), "Lamin.psd1"));
        Assert.Matches(@"RootModule\s*=\s*'lib/Lamin\.PowerShell\.dll'", manifest);
        Assert.Matches(@"NestedModules\s*=\s*@\('Lamin\.Loader\.dll'\)", manifest);
    }
}
