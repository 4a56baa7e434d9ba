using System.Diagnostics;

namespace Lamin.Core.Util;

/// <summary>Whether a process of this machine still runs (for temporaries and leases named by process id).</summary>
public static class Processes
{
    public static bool IsAlive(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
