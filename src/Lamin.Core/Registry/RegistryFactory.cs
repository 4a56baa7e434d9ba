using Lamin.Core.Settings;

namespace Lamin.Core.Registry;

/// <summary>The registry of a known instance, on the engine its settings entry names.</summary>
public static class RegistryFactory
{
    public static IRegistry Open(InstanceEntry entry) => new LaminRegistry(entry.RegistryPath);
}
