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
