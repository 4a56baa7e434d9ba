using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

public class SettingsServiceTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private SettingsService Settings => _sb.Settings();

    /// <summary>Sets a record's InstanceUid directly in the registry, as LaminDB's tests do.</summary>
    private void SetInstanceUid(LaminStorage rec, string? instanceUid) =>
        _sb.As(Sandbox.Alice).Registry.Write(s =>
        {
            var r = s.Storages.FindById(rec.Id);
            r.InstanceUid = instanceUid;
            s.Storages.Update(r);
        });

    private string DefaultUid => Settings.Get().Storage!.Uid;

    [Fact]
    public void Get_describes_the_instance_and_its_default_storage()
    {
        var s = Settings.Get();
        Assert.Equal("main", s.Instance);
        Assert.Equal(_sb.InstanceUid, s.InstanceUid);
        Assert.Equal(_sb.DefaultRoot, s.Storage!.Root);
        Assert.True(s.Storage.IsManaged);
        Assert.Null(s.LocalStorage);
        Assert.False(s.KeepArtifactsLocal);
        Assert.Equal("alice", s.User);
        Assert.Equal(_sb.HomeDir, s.Home);
    }

    // ---------------------------------------------------------------- default storage (rule 7)

    [Fact]
    public void SetStorage_to_an_unregistered_root_creates_it_managed_and_switches()
    {
        var oldDefault = DefaultUid;
        var root = _sb.Folder("second", create: false);
        var rec = Settings.SetStorage(root, _sb.Warnings.Add);
        Assert.Equal(root, rec.Root);
        Assert.Equal(_sb.InstanceUid, rec.InstanceUid);
        Assert.Equal(rec.Uid, Sandbox.MarkerLines(root)[0]);
        Assert.Equal(rec.Uid, DefaultUid);
        Assert.Equal(root, _sb.Home.Find("main")!.Storage);
        Assert.Equal(root, new InstanceService(_sb.As(Sandbox.Alice)).Describe(_sb.Home.Find("main")!, true).Storage);
        // The new default is protected, the old one no longer is.
        LaminAssert.Throws(ErrorIds.StorageIsDefault, () => _sb.Storages().Remove(rec.Uid, null));
        Assert.Equal(2, _sb.All().Count);
        _sb.Storages().Remove(oldDefault, null);
        Assert.Equal([rec.Uid], _sb.All().Select(r => r.Uid));
        Assert.False(File.Exists(Sandbox.MarkerPath(_sb.DefaultRoot)));
    }

    [Fact]
    public void SetStorage_resolves_a_relative_root_against_the_current_directory()
    {
        var rec = Settings.SetStorage("./default_storage_unit_storage", _sb.Warnings.Add);
        Assert.Equal(Path.Combine(_sb.Cwd, "default_storage_unit_storage"), rec.Root);
        Assert.Equal(rec.Root, Settings.Get().Storage!.Root);
    }

    [Fact]
    public void A_twelve_letter_folder_name_is_not_mistaken_for_a_uid()
    {
        var rec = Settings.SetStorage("newfolder123", _sb.Warnings.Add);
        Assert.Equal(Path.Combine(_sb.Cwd, "newfolder123"), rec.Root);
        Assert.Equal(rec.Uid, DefaultUid);
    }

    [Fact]
    public void SetStorage_by_uid_and_back_keeps_the_same_records()
    {
        var original = DefaultUid;
        var second = _sb.Register(_sb.Folder("second"));
        Assert.Equal(second.Uid, Settings.SetStorage(second.Uid, _sb.Warnings.Add).Uid);
        Assert.Equal(second.Uid, DefaultUid);
        Assert.Equal(original, Settings.SetStorage(_sb.DefaultRoot, _sb.Warnings.Add).Uid);
        Assert.Equal(original, DefaultUid);
        Assert.Equal(2, _sb.All().Count);
    }

    [Fact]
    public void A_registered_location_managed_by_no_instance_is_StorageNotManaged()
    {
        var root = _sb.Folder("nobodys");
        var rec = _sb.Register(root);
        SetInstanceUid(rec, null);
        var before = DefaultUid;
        var e = LaminAssert.Throws(ErrorIds.StorageNotManaged, () => Settings.SetStorage(root, _sb.Warnings.Add));
        Assert.Equal($"Storage '{root}' is not managed by any instance, cannot write to it from here.", e.Message);
        Assert.Equal(before, DefaultUid);
    }

    [Fact]
    public void A_registered_location_of_another_instance_is_StorageManagedElsewhere()
    {
        var root = _sb.Folder("foreign-managed-storage");
        var rec = _sb.Register(root);
        SetInstanceUid(rec, "_not_exists_");
        var before = DefaultUid;
        var e = LaminAssert.Throws(ErrorIds.StorageManagedElsewhere, () => Settings.SetStorage(root, _sb.Warnings.Add));
        Assert.Equal($"Storage '{root}' exists in another instance (_not_exists_), cannot write to it from here.", e.Message);
        Assert.Equal(before, DefaultUid);
        // By uid too.
        LaminAssert.Throws(ErrorIds.StorageManagedElsewhere, () => Settings.SetStorage(rec.Uid, _sb.Warnings.Add));
    }

    [Fact]
    public void An_unregistered_folder_marked_by_another_instance_is_refused_and_not_registered()
    {
        var root = _sb.Folder("theirs");
        var marker = Sandbox.WriteMarker(root, "Other0000001", "OtherInst001");
        var before = TempDir.Snapshot(root);
        var e = LaminAssert.Throws(ErrorIds.StorageManagedElsewhere, () => Settings.SetStorage(root, _sb.Warnings.Add));
        Assert.Contains("cannot write to it from here", e.Message);
        Assert.Single(_sb.All());
        Assert.Equal(before, TempDir.Snapshot(root));
        Assert.True(File.Exists(marker));
    }

    [Fact]
    public void A_web_root_can_not_be_the_default_and_is_not_registered()
    {
        LaminAssert.Throws(ErrorIds.StorageNotManaged, () => Settings.SetStorage("https://example.org/x", _sb.Warnings.Add));
        Assert.Single(_sb.All());
    }

    // ---------------------------------------------------------------- keep artifacts local (rules 6, 8)

    [Fact]
    public void Reading_the_local_storage_while_the_mode_is_off_is_KeepArtifactsLocalOff()
    {
        var e = LaminAssert.Throws(ErrorIds.KeepArtifactsLocalOff, () => Settings.GetLocalStorage());
        Assert.Contains("Keep-artifacts-local mode is off", e.Message);
        Assert.Contains("-KeepArtifactsLocal $true", e.Message);
    }

    [Fact]
    public void Setting_the_local_storage_while_the_mode_is_off_is_KeepArtifactsLocalOff_and_creates_nothing()
    {
        var root = _sb.Folder("local", create: false);
        LaminAssert.Throws(ErrorIds.KeepArtifactsLocalOff, () => Settings.SetLocalStorage(root, _sb.Warnings.Add));
        Assert.False(Directory.Exists(root));
        Assert.Single(_sb.All());
    }

    [Fact]
    public void The_mode_is_persisted_and_shown()
    {
        Settings.SetKeepArtifactsLocal(true);
        Assert.True(Settings.Get().KeepArtifactsLocal);
        Assert.True(new InstanceService(_sb.As(Sandbox.Alice)).Describe(_sb.Home.Find("main")!, true).KeepArtifactsLocal);
        Settings.SetKeepArtifactsLocal(false);
        Assert.False(Settings.Get().KeepArtifactsLocal);
    }

    [Fact]
    public void Only_an_admin_switches_the_mode()
    {
        LaminAssert.Throws(ErrorIds.AccessDenied, () => _sb.Settings(Sandbox.Bob).SetKeepArtifactsLocal(true));
        Assert.False(Settings.Get().KeepArtifactsLocal);
    }

    [Fact]
    public void A_local_location_counts_only_while_its_marker_carries_its_uid()
    {
        Settings.SetKeepArtifactsLocal(true);
        var def = Settings.Get().Storage!;
        // The local default storage is this machine's local storage.
        Assert.Equal(def.Uid, Settings.GetLocalStorage().Uid);
        Assert.Equal(def.Uid, Settings.Get().LocalStorage!.Uid);
        // Its marker now names another uid: not present here.
        var marker = Sandbox.MarkerPath(_sb.DefaultRoot);
        var text = File.ReadAllText(marker);
        File.WriteAllText(marker, "ZZZZZZZZZZZZ\n");
        var e = LaminAssert.Throws(ErrorIds.NoLocalStorage, () => Settings.GetLocalStorage());
        Assert.StartsWith("No local storage location found in current environment:", e.Message);
        Assert.Null(Settings.Get().LocalStorage);
        // Marker gone: still not present.
        File.Delete(marker);
        LaminAssert.Throws(ErrorIds.NoLocalStorage, () => Settings.GetLocalStorage());
        File.WriteAllText(marker, text);
        Assert.Equal(def.Uid, Settings.GetLocalStorage().Uid);
    }

    [Fact]
    public void SetLocalStorage_creates_and_prefers_the_chosen_location_without_touching_the_default()
    {
        Settings.SetKeepArtifactsLocal(true);
        var defaultUid = DefaultUid;
        var root = _sb.Folder("my_local_storage", create: false);
        var local = Settings.SetLocalStorage(root, _sb.Warnings.Add);
        Assert.Equal(root, local.Root);
        Assert.Equal(local.Uid, Sandbox.MarkerLines(root)[0]);
        Assert.Equal(local.Uid, Settings.GetLocalStorage().Uid);
        Assert.Equal(local.Uid, Settings.Get().LocalStorage!.Uid);
        Assert.Equal(local.Uid, _sb.Home.Find("main")!.LocalStorageUid);
        Assert.Equal(defaultUid, DefaultUid);
        // A second one switches; the first again switches back, with the same record.
        var second = Settings.SetLocalStorage(_sb.Folder("my_local_storage2", create: false), _sb.Warnings.Add);
        Assert.Equal(second.Uid, Settings.GetLocalStorage().Uid);
        Assert.Equal(local.Uid, Settings.SetLocalStorage(root, _sb.Warnings.Add).Uid);
        Assert.Equal(local.Uid, Settings.GetLocalStorage().Uid);
        Assert.Equal(3, _sb.All().Count);
    }

    [Fact]
    public void A_chosen_local_storage_that_is_not_present_falls_back_to_one_that_is()
    {
        Settings.SetKeepArtifactsLocal(true);
        var root = _sb.Folder("chosen");
        var chosen = Settings.SetLocalStorage(root, _sb.Warnings.Add);
        File.Delete(Sandbox.MarkerPath(root));
        Assert.Equal(DefaultUid, Settings.GetLocalStorage().Uid);
        Assert.NotEqual(chosen.Uid, Settings.GetLocalStorage().Uid);
    }

    [Fact]
    public void The_local_storage_must_be_a_local_folder()
    {
        Settings.SetKeepArtifactsLocal(true);
        LaminAssert.Throws(ErrorIds.InvalidArgument, () => Settings.SetLocalStorage("gs://bucket/x", _sb.Warnings.Add));
        Assert.Single(_sb.All());
    }

    [Fact]
    public void The_local_storage_refuses_locations_this_instance_can_not_write()
    {
        Settings.SetKeepArtifactsLocal(true);
        var nobodys = _sb.Register(_sb.Folder("nobodys"));
        SetInstanceUid(nobodys, null);
        var foreign = _sb.Register(_sb.Folder("foreign"));
        SetInstanceUid(foreign, "_not_exists_");
        Assert.Equal($"Storage '{nobodys.Root}' is not managed by any instance, cannot write to it from here.",
            LaminAssert.Throws(ErrorIds.StorageNotManaged, () => Settings.SetLocalStorage(nobodys.Root, _sb.Warnings.Add)).Message);
        Assert.Equal($"Storage '{foreign.Root}' exists in another instance (_not_exists_), cannot write to it from here.",
            LaminAssert.Throws(ErrorIds.StorageManagedElsewhere, () => Settings.SetLocalStorage(foreign.Root, _sb.Warnings.Add)).Message);
        Assert.Null(_sb.Home.Find("main")!.LocalStorageUid);
    }
}
