using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Roots;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// SPEC §10 rule 16: roots, identities and destinations are used exactly as given; a name that differs from
/// an existing one only by surrounding spaces is another name (or KeyNotPortable where §11 says so: Windows
/// drops a trailing space). The cmdlet-level cases are in tests/Pester/DataSafety.PathsAsGiven.Tests.ps1.
/// </summary>
public sealed class PathsAsGivenTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [UnixFact]
    public void A_local_root_keeps_its_surrounding_spaces()
    {
        var cwd = _box.Cwd;
        Assert.Equal(Path.Combine(cwd, "lab "), StorageRoot.Parse("lab ", cwd).Root);
        Assert.Equal(Path.Combine(cwd, " lab"), StorageRoot.Parse(" lab", cwd).Root);
        Assert.Equal(Path.Combine(cwd, "lab"), StorageRoot.Parse("lab", cwd).Root);
    }

    [Fact]
    public void A_Windows_root_keeps_a_leading_space_and_drops_a_trailing_one_as_Win32_does()
    {
        const string cwd = @"C:\Users\ada\work";
        Assert.Equal(@"C:\Users\ada\work\ lab", WindowsPaths.Canonicalize(" lab", cwd));
        Assert.Equal(@"C:\Users\ada\work\lab", WindowsPaths.Canonicalize("lab ", cwd)); // one folder on NTFS: one canonical root (§11)
    }

    [UnixFact]
    public void A_storage_identity_with_spaces_is_neither_the_uid_nor_the_root_it_surrounds()
    {
        var lab = _box.Register(_box.Folder("lab"));
        var all = _box.All();
        Assert.Equal(lab.Uid, StorageService.ResolveRootOrIdentity(all, lab.Uid, _box.Cwd).Uid);
        Assert.Equal(lab.Uid, StorageService.ResolveRootOrIdentity(all, lab.Root, _box.Cwd).Uid);
        foreach (var typed in new[] { " " + lab.Uid, lab.Uid + " ", lab.Root + " ", " " + lab.Root })
            LaminAssert.Throws(ErrorIds.RecordNotFound, () => StorageService.ResolveRootOrIdentity(all, typed, _box.Cwd));
    }

    [UnixFact]
    public void Storage_query_by_root_with_a_trailing_space_matches_nothing()
    {
        var lab = _box.Register(_box.Folder("lab"));
        Assert.Equal(lab.Uid, Assert.Single(_box.Storages().Get(new StorageQuery(Root: lab.Root))).Uid);
        Assert.Empty(_box.Storages().Get(new StorageQuery(Root: lab.Root + " ")));
    }

    // Unix only: on Windows itself Path.GetFullPath already drops the trailing space before the rules see it
    // (reported to the lead: SaveTarget should check the name as typed).
    [UnixFact]
    public void Saving_to_a_name_with_a_trailing_space_on_NTFS_is_KeyNotPortable_and_leaves_the_file_it_would_name()
    {
        var src = Path.Combine(_box.Cwd, "report.txt");
        File.WriteAllText(src, "registered");
        var svc = new ArtifactService(_box.As(Sandbox.Alice));
        var staged = svc.Stage(svc.Plan(new AddRequest(src, "report.txt")), null, CancellationToken.None);
        LaminArtifact a;
        using (staged) a = Assert.Single(svc.Commit([staged], _ => { })).Artifact!;
        var dest = _box.Folder("out");
        var mine = Path.Combine(dest, "report.txt");
        File.WriteAllText(mine, "the user's own");
        using var _ = LocationRules.Assume(dest, FileSystemRules.Windows);
        var before = TempDir.Snapshot(dest);
        var e = LaminAssert.Throws(ErrorIds.KeyNotPortable,
            () => svc.Save(a.Uid, Path.Combine(dest, "report.txt "), force: true, null, CancellationToken.None));
        Assert.Contains("report.txt ", e.Message);
        Assert.Equal(before, TempDir.Snapshot(dest));
        Assert.Equal("the user's own", File.ReadAllText(mine));
    }
}
