
namespace Lamin.Core.Storage;

/// <summary>Picks the provider for a root type.</summary>
public static class StorageProviders
{
    public static IStorageProvider For(StorageRoot root)
    {
        Util.CoreTrace.Write($"storage: {root.Type} provider for {root.Root}");
        return Pick(root);
    }

    private static IStorageProvider Pick(StorageRoot root) => root.Type switch
    {
        "local" => LocalStorageProvider.Instance,
        "s3" => S3StorageProvider.Instance,
        "gs" => GcsStorageProvider.Instance,
        _ => throw new LaminException(ErrorIds.ProviderNotAvailable,
            $"{root.Type}:// locations can only be registered read-only; Lamin does not read or write them.", root.Root),
    };
}
