namespace Lamin.Core.Registry;

/// <summary>
/// Counts the registry transactions this process committed (any instance, either backend). A cache of
/// registry reads (the lamin: drive's listings) keys on it, so this process's own writes, through any
/// cmdlet, are never answered from a listing read before them.
/// </summary>
public static class RegistryChanges
{
    private static long _generation;

    /// <summary>Changes after every committed write of this process.</summary>
    public static long Generation => Interlocked.Read(ref _generation);

    internal static void Committed() => Interlocked.Increment(ref _generation);
}
