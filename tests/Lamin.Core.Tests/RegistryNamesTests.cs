using Lamin.Core.Errors;
using Lamin.Core.Services;
using Lamin.Core.Settings;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>SPEC §10 rules 6 and 7: names read from a registry never become paths outside LAMIN_HOME; only the admin removes an instance.</summary>
public sealed class RegistryNamesTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData("../../x/escaped")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData(".hidden")]
    [InlineData("")]
    public void LaminHome_never_turns_an_invalid_name_into_a_path(string name)
    {
        var home = new LaminHome(_box.Folder("home-x"));
        Assert.Null(home.Find(name));
        LaminAssert.Throws(ErrorIds.InvalidInstanceName, () => home.Save(new InstanceEntry { Name = name }));
        LaminAssert.Throws(ErrorIds.InvalidInstanceName, () => home.CloudRegistryPath(name));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_box.Folder("home-x")));
    }

    [Fact]
    public void ConnectPath_refuses_a_registry_whose_name_is_not_a_valid_instance_name()
    {
        _box.As(Sandbox.Alice).Registry.Write(s =>
        {
            var d = s.InstanceDocument;
            d.Name = "../../esc/escaped";
            s.Instance.Update(d);
        });
        var before = TempDir.Snapshot(_box.Root);
        var other = new LaminContext(new LaminHome(Path.Combine(_box.Root, "home2")), Sandbox.Alice, _box.Cwd);
        LaminAssert.Throws(ErrorIds.InvalidInstanceName, () => new InstanceService(other).ConnectPath(_box.DefaultRoot));
        Assert.Equal(before.Keys.Where(k => !k.Contains("lamin")), TempDir.Snapshot(_box.Root).Keys.Where(k => !k.Contains("lamin")));
    }

    [Fact]
    public void Remove_needs_the_instance_admin()
    {
        var name = _box.Instance!.Name;
        var registry = _box.RegistryPath;
        var e = LaminAssert.Throws(ErrorIds.AccessDenied, () => new InstanceService(_box.As(Sandbox.Bob)).Remove(name));
        Assert.Contains("bob", e.Message);
        Assert.True(File.Exists(registry));
        new InstanceService(_box.As(Sandbox.Alice)).Remove(name);
        Assert.False(File.Exists(registry));
    }
}
