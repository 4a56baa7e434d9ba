using System.Diagnostics;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>A process table as the tests describe it: access denied, exits and reused pids.</summary>
public sealed class FakeProcessTable : IProcessTable
{
    public Dictionary<int, ProcessProbe> Processes { get; } = [];
    public bool Throw { get; init; }

    public ProcessProbe Probe(int pid)
    {
        if (Throw) throw new System.ComponentModel.Win32Exception(5, "Access is denied");
        return Processes.TryGetValue(pid, out var p) ? p : new ProcessProbe(ProcessState.Gone, null);
    }
}

/// <summary>Liveness by host + pid + start time, never throwing (SPEC §11, issue 10 item 4).</summary>
[Trait("Platform", "Windows")]
public class ProcessIdentityWindowsTests
{
    private static readonly DateTime Start = new(2026, 11, 26, 8, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Now = new(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Renewal = TimeSpan.FromMinutes(5);

    [Fact]
    public void Another_users_process_that_cannot_be_inspected_counts_as_alive()
    {
        var table = new FakeProcessTable();
        table.Processes[4242] = new ProcessProbe(ProcessState.Unknown, null);
        var holder = new ProcessIdentity("HOST1", 4242, Start);
        Assert.Equal(ProcessState.Unknown, holder.Check(table, "HOST1"));
        Assert.True(holder.IsAlive(table, "HOST1"));
    }

    [Fact]
    public void A_process_table_that_throws_Win32Exception_is_an_answer_not_an_error()
    {
        var holder = new ProcessIdentity("HOST1", 4242, Start);
        var table = new FakeProcessTable { Throw = true };
        Assert.Equal(ProcessState.Unknown, holder.Check(table, "HOST1"));
        Assert.True(holder.IsHolderAlive(Now - Renewal, Renewal, Now, table, "HOST1"));
        Assert.False(holder.IsHolderAlive(Now - Renewal * 4, Renewal, Now, table, "HOST1"));
    }

    [Fact]
    public void A_reused_pid_is_not_the_holder()
    {
        var table = new FakeProcessTable();
        table.Processes[4242] = new ProcessProbe(ProcessState.Alive, Start.AddMinutes(30));
        var holder = new ProcessIdentity("HOST1", 4242, Start);
        Assert.Equal(ProcessState.Gone, holder.Check(table, "HOST1"));
        Assert.False(holder.IsHolderAlive(Now, Renewal, Now, table, "HOST1"));
    }

    [Fact]
    public void The_same_start_time_within_the_clock_tolerance_is_the_holder()
    {
        var table = new FakeProcessTable();
        table.Processes[4242] = new ProcessProbe(ProcessState.Alive, Start.AddMilliseconds(400));
        Assert.Equal(ProcessState.Alive, new ProcessIdentity("HOST1", 4242, Start).Check(table, "HOST1"));
        // A holder recorded without a start time (an older lease) is alive while its pid is.
        Assert.Equal(ProcessState.Alive, new ProcessIdentity("HOST1", 4242, null).Check(table, "HOST1"));
    }

    [Fact]
    public void A_holder_on_another_host_is_alive_until_three_renewal_intervals_passed()
    {
        var table = new FakeProcessTable(); // this host has no such pid: it must not matter
        var holder = new ProcessIdentity("OTHER", 4242, Start);
        Assert.Equal(ProcessState.Unknown, holder.Check(table, "HOST1"));
        Assert.True(holder.IsHolderAlive(Now - Renewal * 3, Renewal, Now, table, "HOST1"));
        Assert.False(holder.IsHolderAlive(Now - Renewal * 3 - TimeSpan.FromSeconds(1), Renewal, Now, table, "HOST1"));
    }

    [Fact]
    public void Host_names_compare_without_case()
    {
        var table = new FakeProcessTable();
        var holder = new ProcessIdentity("lab-pc", 4242, Start);
        Assert.Equal(ProcessState.Gone, holder.Check(table, "LAB-PC"));
        Assert.True(holder.IsOnHost("LAB-PC"));
    }

    [Fact]
    public void A_holder_that_certainly_ended_is_gone_at_once_whatever_its_lease_age()
    {
        var holder = new ProcessIdentity("HOST1", 4242, Start);
        Assert.False(holder.IsHolderAlive(Now, Renewal, Now, new FakeProcessTable(), "HOST1"));
    }
}

[Trait("Platform", "Posix")]
public class ProcessIdentityTests
{
    [Fact]
    public void This_process_is_alive_and_named_by_host_pid_and_start_time()
    {
        var me = ProcessIdentity.Current();
        Assert.Equal(Environment.ProcessId, me.Pid);
        Assert.Equal(Environment.MachineName, me.Host);
        Assert.NotNull(me.StartTimeUtc);
        Assert.Equal(ProcessState.Alive, me.Check());
        Assert.True(Processes.IsAlive(Environment.ProcessId));
    }

    [Fact]
    public void A_process_that_exited_is_gone_and_checking_it_does_not_throw()
    {
        using var p = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
        var identity = new ProcessIdentity(Environment.MachineName, p.Id, p.StartTime.ToUniversalTime());
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.NotEqual(ProcessState.Alive, identity.Check());
    }

    [Fact]
    public void A_pid_that_never_existed_is_gone()
    {
        Assert.False(Processes.IsAlive(-1));
        Assert.Equal(ProcessState.Gone, new ProcessIdentity(Environment.MachineName, int.MaxValue, null).Check());
    }

    [Fact]
    public void This_pid_with_another_start_time_is_another_process()
    {
        var me = ProcessIdentity.Current();
        var earlier = me with { StartTimeUtc = me.StartTimeUtc!.Value.AddHours(-1) };
        Assert.Equal(ProcessState.Gone, earlier.Check());
    }

    [Fact]
    public void The_token_round_trips_and_keeps_the_pid_first_for_old_readers()
    {
        var id = new ProcessIdentity("lab-pc.example", 4242, new DateTime(2026, 11, 26, 8, 0, 0, 123, DateTimeKind.Utc));
        var token = id.ToToken();
        Assert.StartsWith("4242-", token);
        Assert.Equal(id, ProcessIdentity.TryParseToken(token));
        var name = id.TemporaryName(".lamin-tmp-");
        Assert.Equal(id, ProcessIdentity.FromTemporaryName(name, ".lamin-tmp-"));
    }

    [Fact]
    public void Host_names_with_characters_unfit_for_file_names_are_made_safe()
    {
        var token = new ProcessIdentity("lab pc/αβ", 7, null).ToToken();
        Assert.Equal("7-0-lab_pc___", token);
        Assert.Null(new ProcessIdentity("h", 7, null).StartTimeUtc);
        Assert.Equal(new ProcessIdentity("lab_pc___", 7, null), ProcessIdentity.TryParseToken(token));
    }

    [Theory]
    [InlineData("4242-0f8e6c2a4b5d4e3f9a8b7c6d5e4f3a2b")] // the old "<pid>-<guid>" temporary
    [InlineData("x-1-host")]
    [InlineData("0-1-host")]
    [InlineData("12-zz!-host")]
    public void Old_or_foreign_names_carry_no_identity(string token)
    {
        Assert.Null(ProcessIdentity.TryParseToken(token));
    }
}
