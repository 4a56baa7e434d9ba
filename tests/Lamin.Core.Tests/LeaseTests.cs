using System.Text.Json;
using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// SPEC §10 rule 14: a lease is exclusive by construction (create-new of each generation), never write-then-read-back.
/// Interleavings go through <see cref="Lease.BeforeCreate"/> (after an acquirer decided, before it creates), never timing.
/// </summary>
public sealed class LeaseTests : IDisposable
{
    private readonly TempDir _dir = new("lamin-lease");
    private readonly StorageRoot _root;

    public LeaseTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, Marker.ManagedFolder));
        _root = new StorageRoot(_dir.Path, "local", null, null, null);
    }

    public void Dispose()
    {
        Lease.BeforeCreate = null;
        _dir.Dispose();
    }

    private string LeaseFile(long n = 0) => Path.Combine(_dir.Path, Lease.KeyOf(n).Replace('/', Path.DirectorySeparatorChar));

    private void Plant(Lease.Holder h) => File.WriteAllBytes(LeaseFile(), JsonSerializer.SerializeToUtf8Bytes(h));

    /// <summary>While <paramref name="outer"/> acquires, the first time it has decided (before it creates), <paramref name="inner"/> runs to completion.</summary>
    private T Interleave<T>(Func<T> inner, Action outer)
    {
        T? result = default;
        bool done = false;
        Lease.BeforeCreate = (root, _) =>
        {
            if (root.Root != _root.Root || done) return;
            done = true;
            result = inner();
        };
        outer();
        Assert.True(done);
        return result!;
    }

    [Fact]
    public void Two_acquirers_that_both_found_the_lease_free_cannot_both_hold_it()
    {
        // The outer acquirer found no lease; before it creates one, another acquires the lease completely.
        Lease? outer = null;
        var inner = Interleave(() => Lease.Acquire(_root, "bob", "Move-LaminStorage"),
            () => LaminAssert.Throws(ErrorIds.StorageLeased, () => outer = Lease.Acquire(_root, "alice", "Clear-LaminStorage")));
        using (inner)
        {
            Assert.Null(outer);
            Assert.Equal("bob", Lease.Read(_root)!.User);
        }
        Assert.False(File.Exists(LeaseFile()));
    }

    [Fact]
    public void Two_processes_taking_over_the_same_stale_lease_cannot_both_win()
    {
        var past = DateTime.UtcNow.AddHours(-2);
        Plant(new Lease.Holder("gone", Environment.MachineName, 999999, past, past + Lease.Duration, "Move-LaminStorage", "old"));
        var inner = Interleave(() => Lease.Acquire(_root, "bob", "Move-LaminStorage"),
            () => LaminAssert.Throws(ErrorIds.StorageLeased, () => Lease.Acquire(_root, "alice", "Clear-LaminStorage")));
        using (inner)
        {
            Assert.Equal(1, inner.Generation);
            Assert.Equal("bob", Lease.Read(_root)!.User);
            Assert.False(File.Exists(LeaseFile(0))); // the stale generation was retired by the winner
        }
        Assert.False(File.Exists(LeaseFile(1)));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, Lease.GenerationFolder))); // nothing left that blocks removing .lamindb/
    }

    [Fact]
    public void Two_threads_that_both_decided_before_either_created_end_with_exactly_one_holder()
    {
        using var bothDecided = new Barrier(2);
        Lease.BeforeCreate = (root, _) => { if (root.Root == _root.Root) bothDecided.SignalAndWait(); };
        var results = new object?[2];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            try { results[i] = Lease.Acquire(_root, $"user{i}", "op"); }
            catch (LaminException e) { results[i] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Lease.BeforeCreate = null;
        var won = results.OfType<Lease>().ToList();
        Assert.Single(won);
        Assert.Equal(ErrorIds.StorageLeased, Assert.Single(results.OfType<LaminException>()).ErrorId);
        won[0].Dispose();
    }

    [Fact]
    public void A_holder_whose_expired_lease_was_taken_over_learns_it_on_renewal_and_its_release_leaves_the_new_holder_alone()
    {
        var first = Lease.Acquire(_root, "bob", "Move-LaminStorage");
        // bob's lease runs out (his generation rewritten as expired, as after a long pause), alice takes over.
        var h = JsonSerializer.Deserialize<Lease.Holder>(File.ReadAllBytes(LeaseFile()))!;
        File.WriteAllBytes(LeaseFile(), JsonSerializer.SerializeToUtf8Bytes(h with { Until = DateTime.UtcNow.AddMinutes(-1) }));
        using var second = Lease.Acquire(_root, "alice", "Clear-LaminStorage");
        var e = LaminAssert.Throws(ErrorIds.StorageLeased, () => first.Renew());
        Assert.Contains("alice", e.Message);
        first.Dispose();
        Assert.Equal("alice", Lease.Read(_root)!.User);
        LaminAssert.Throws(ErrorIds.StorageLeased, () => Lease.Acquire(_root, "carol", "op"));
    }

    [Fact]
    public void A_renewed_lease_is_still_one_holder_and_still_refuses_others()
    {
        using var lease = Lease.Acquire(_root, "bob", "op");
        var token = Lease.Read(_root)!.Token;
        lease.Renew();
        Assert.Equal(1, lease.Generation);
        Assert.Equal(token, Lease.Read(_root)!.Token);
        Assert.False(File.Exists(LeaseFile(0)));
        LaminAssert.Throws(ErrorIds.StorageLeased, () => Lease.Acquire(_root, "carol", "op"));
    }

    [Fact]
    public void A_generation_being_written_counts_as_held()
    {
        File.WriteAllText(LeaseFile(), ""); // create-new done, bytes not yet written
        var e = LaminAssert.Throws(ErrorIds.StorageLeased, () => Lease.Acquire(_root, "carol", "op"));
        Assert.Contains("being written", e.Message);
    }

    [Fact]
    public void The_create_new_primitive_refuses_the_second_create_and_keeps_the_first_content()
    {
        var p = LocalStorageProvider.Instance;
        Assert.True(p.TryCreateNew(_root, ".lamindb/x.json", "first"u8.ToArray()));
        Assert.False(p.TryCreateNew(_root, ".lamindb/x.json", "second"u8.ToArray()));
        Assert.Equal("first", File.ReadAllText(Path.Combine(_dir.Path, ".lamindb", "x.json")));
    }

    [Fact]
    public void Lease_generations_are_control_objects_never_orphans()
    {
        Assert.True(ControlObjects.Contains(_root, ".lamindb/_lease/7.json", null));
        Assert.True(ControlObjects.Contains(_root, ".lamindb/_lease.json", null));
        Assert.True(ProtectedObjects.Contains("old/.lamindb/_lease/3.json"));
        Assert.False(Lease.IsLeaseKey(".lamindb/_lease/07.json"));
        Assert.False(Lease.IsLeaseKey(".lamindb/_lease/x.json"));
    }
}
