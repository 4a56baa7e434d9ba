using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Lamin.Core.Safety;
using Lamin.Core.Services;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// SPEC §10 rule 17: a Move-LaminStorage journal is a control file (never an orphan, never deleted as data);
/// only <see cref="Gate.RetireMoveJournal"/> retires it, and it refuses anything that is not a journal.
/// </summary>
public sealed class MoveJournalTests : IDisposable
{
    private readonly TempDir _dir = new("lamin-journal");
    private readonly StorageRoot _root;

    public MoveJournalTests() => _root = new StorageRoot(_dir.Path, "local", null, null, null);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(".lamindb/.lamin-move-12-abc-host-0123456789abcdef0123456789abcdef", true)]
    [InlineData(".lamindb/sub/.lamin-move-12-abc-host-0123456789abcdef0123456789abcdef", false)]
    [InlineData("data/.lamin-move-12-abc-host-0123456789abcdef0123456789abcdef", false)]
    [InlineData(".lamindb/.lamin-tmp-12-abc-host-0123456789abcdef0123456789abcdef", false)]
    [InlineData(".lamindb/storage_uid.txt", false)]
    public void Journal_keys_are_named_directly_under_the_managed_folder(string key, bool expected) =>
        Assert.Equal(expected, MoveJournal.IsJournalKey(key));

    [Fact]
    public void A_journal_is_a_control_file_that_only_its_retirement_deletes()
    {
        var source = new StorageRoot(Path.Combine(_dir.Path, "src"), "local", null, null, null);
        var dest = new StorageRoot(Path.Combine(_dir.Path, "dst"), "local", null, null, null);
        using var journal = MoveJournal.Begin("uid0", source, dest, [new MoveJournal.Entry("a.txt", 3)]);
        Assert.True(MoveJournal.IsJournalKey(journal.Key));
        Assert.True(ControlObjects.Contains(dest, journal.Key, null));
        Assert.False(MoveJournal.IsStale(journal.Key)); // its move runs in this process
        Assert.Throws<LaminException>(() => Gate.OwnObject(dest, journal.Key, false, new GateScope("test")));
        Assert.Throws<LaminException>(() => Gate.RetireMoveJournal(dest, Marker.RelativeKey));
        Assert.Empty(MoveJournal.FindStale(source));

        journal.Dispose(); // the move stopped without completing: stale now, found through the source's pointer
        Assert.True(MoveJournal.IsStale(journal.Key));
        var stale = Assert.Single(MoveJournal.FindStale(source));
        Assert.Equal(dest.Root, stale.Destination.Root);
        Assert.Equal("a.txt", Assert.Single(stale.Content.Keys).Key);

        Gate.RetireMoveJournal(dest, journal.Key);
        Gate.RetireMoveJournal(source, journal.Key);
        Assert.False(File.Exists(Path.Combine(dest.Root, journal.Key)));
        Assert.Empty(MoveJournal.FindStale(source));
    }
}
