namespace Lamin.Core.Errors;

/// <summary>
/// The kind of failure, mirrored one-to-one onto PowerShell's ErrorCategory by name in the cmdlet
/// layer (the core has no PowerShell reference).
/// </summary>
public enum LaminErrorCategory
{
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceExists,
    ResourceBusy,
    ResourceUnavailable,
    PermissionDenied,
    NotImplemented,
    NotEnabled,
    ReadError,
    WriteError,
    OperationStopped,
    AuthenticationError,
    ConnectionError,
    NotSpecified,
}

/// <summary>The catalogue of stable error ids (SPEC §5) and their categories. One place, nothing else defines ids.</summary>
public static class ErrorIds
{
    public const string UnsupportedProtocol = nameof(UnsupportedProtocol);
    public const string InvalidRoot = nameof(InvalidRoot);
    public const string HostRequiresLocalRoot = nameof(HostRequiresLocalRoot);
    public const string StorageNotFound = nameof(StorageNotFound);
    public const string StorageNotManaged = nameof(StorageNotManaged);
    public const string StorageManagedElsewhere = nameof(StorageManagedElsewhere);
    public const string KeepArtifactsLocalOff = nameof(KeepArtifactsLocalOff);
    public const string NoLocalStorage = nameof(NoLocalStorage);
    public const string SoftDeleteNotSupported = nameof(SoftDeleteNotSupported);
    public const string StorageHasArtifacts = nameof(StorageHasArtifacts);
    public const string StorageNotEmpty = nameof(StorageNotEmpty);
    public const string StorageIsDefault = nameof(StorageIsDefault);
    public const string RecordNotFound = nameof(RecordNotFound);
    public const string MultipleRecordsFound = nameof(MultipleRecordsFound);
    public const string UnknownField = nameof(UnknownField);
    public const string UnknownFieldLookup = nameof(UnknownFieldLookup);
    public const string InvalidFilterValue = nameof(InvalidFilterValue);
    public const string InvalidSearchQuery = nameof(InvalidSearchQuery);
    public const string RecordLocked = nameof(RecordLocked);
    public const string AccessDenied = nameof(AccessDenied);
    public const string SpaceNotFound = nameof(SpaceNotFound);
    public const string SpaceExists = nameof(SpaceExists);
    public const string SpaceNotEmpty = nameof(SpaceNotEmpty);
    public const string SpaceIsBuiltIn = nameof(SpaceIsBuiltIn);
    public const string InvalidInstanceName = nameof(InvalidInstanceName);
    public const string InstanceExists = nameof(InstanceExists);
    public const string InstanceNotFound = nameof(InstanceNotFound);
    public const string NoCurrentInstance = nameof(NoCurrentInstance);
    public const string InstanceNotEmpty = nameof(InstanceNotEmpty);
    public const string StorageAlreadyManaged = nameof(StorageAlreadyManaged);
    public const string RegistryNotFound = nameof(RegistryNotFound);
    public const string RegistryCorrupt = nameof(RegistryCorrupt);
    public const string RegistryBusy = nameof(RegistryBusy);
    public const string RegistryUnavailable = nameof(RegistryUnavailable);
    public const string RegistryAuthenticationFailed = nameof(RegistryAuthenticationFailed);
    public const string RegistrySchemaTooNew = nameof(RegistrySchemaTooNew);
    public const string InstanceMoved = nameof(InstanceMoved);
    public const string MarkerInvalid = nameof(MarkerInvalid);
    public const string InvalidArgument = nameof(InvalidArgument);
    /// <summary>Remove-LaminArtifact -DeleteFile without -Permanent (issue 26 point 10): an invalid parameter combination.</summary>
    public const string DeleteFileNeedsPermanent = nameof(DeleteFileNeedsPermanent);
    public const string ProviderNotAvailable = nameof(ProviderNotAvailable);
    public const string StorageIoError = nameof(StorageIoError);
    public const string InvalidKey = nameof(InvalidKey);
    public const string SuffixMismatch = nameof(SuffixMismatch);
    public const string PathNotFound = nameof(PathNotFound);
    public const string InvalidPath = nameof(InvalidPath);
    public const string StorageReadOnly = nameof(StorageReadOnly);
    public const string FileChanged = nameof(FileChanged);
    public const string DestinationExists = nameof(DestinationExists);
    public const string HashMismatch = nameof(HashMismatch);
    public const string InsufficientSpace = nameof(InsufficientSpace);
    public const string UnknownStorageLocation = nameof(UnknownStorageLocation);
    public const string NotInSpace = nameof(NotInSpace);
    public const string OperationCanceled = nameof(OperationCanceled);
    public const string StorageUnreachable = nameof(StorageUnreachable);
    public const string StorageCredentialsInvalid = nameof(StorageCredentialsInvalid);
    public const string StorageAccessDenied = nameof(StorageAccessDenied);
    public const string StorageUnavailable = nameof(StorageUnavailable);
    public const string StorageLeased = nameof(StorageLeased);
    public const string UnexpectedError = nameof(UnexpectedError);
    public const string DestinationNotEmpty = nameof(DestinationNotEmpty);
    public const string DestinationRegistered = nameof(DestinationRegistered);
    public const string InvalidDestination = nameof(InvalidDestination);
    public const string StorageHoldsRegistry = nameof(StorageHoldsRegistry);
    public const string ObjectInUse = nameof(ObjectInUse);
    public const string StorageNotPresent = nameof(StorageNotPresent);
    public const string KeyNotPortable = nameof(KeyNotPortable);
    public const string KeyCollision = nameof(KeyCollision);
    /// <summary>SPEC §10 rule 13: Save-LaminArtifact's destination holds bytes of a registered artifact (with or without -Force).</summary>
    public const string DestinationHoldsArtifact = nameof(DestinationHoldsArtifact);
    /// <summary>SPEC §10 rule 14: a location was relocated between a writer's staging and its commit.</summary>
    public const string StorageMoved = nameof(StorageMoved);
    /// <summary>SPEC §4: two inputs of one command map to one key (issue 26 point 2); refused, never versioned.</summary>
    public const string DuplicateKey = nameof(DuplicateKey);

    private static readonly Dictionary<string, LaminErrorCategory> Categories = new()
    {
        [UnsupportedProtocol] = LaminErrorCategory.InvalidArgument,
        [InvalidRoot] = LaminErrorCategory.InvalidArgument,
        [HostRequiresLocalRoot] = LaminErrorCategory.InvalidArgument,
        [StorageNotFound] = LaminErrorCategory.ObjectNotFound,
        [StorageNotManaged] = LaminErrorCategory.PermissionDenied,
        [StorageManagedElsewhere] = LaminErrorCategory.PermissionDenied,
        [KeepArtifactsLocalOff] = LaminErrorCategory.NotEnabled,
        [NoLocalStorage] = LaminErrorCategory.ObjectNotFound,
        [SoftDeleteNotSupported] = LaminErrorCategory.InvalidOperation,
        [StorageHasArtifacts] = LaminErrorCategory.InvalidOperation,
        [StorageNotEmpty] = LaminErrorCategory.InvalidOperation,
        [StorageIsDefault] = LaminErrorCategory.InvalidOperation,
        [RecordNotFound] = LaminErrorCategory.ObjectNotFound,
        [MultipleRecordsFound] = LaminErrorCategory.InvalidArgument,
        [UnknownField] = LaminErrorCategory.InvalidArgument,
        [UnknownFieldLookup] = LaminErrorCategory.InvalidArgument,
        [InvalidFilterValue] = LaminErrorCategory.InvalidArgument,
        [InvalidSearchQuery] = LaminErrorCategory.InvalidArgument,
        [RecordLocked] = LaminErrorCategory.PermissionDenied,
        [AccessDenied] = LaminErrorCategory.PermissionDenied,
        [SpaceNotFound] = LaminErrorCategory.ObjectNotFound,
        [SpaceExists] = LaminErrorCategory.ResourceExists,
        [SpaceNotEmpty] = LaminErrorCategory.InvalidOperation,
        [SpaceIsBuiltIn] = LaminErrorCategory.InvalidOperation,
        [InvalidInstanceName] = LaminErrorCategory.InvalidArgument,
        [InstanceExists] = LaminErrorCategory.ResourceExists,
        [InstanceNotFound] = LaminErrorCategory.ObjectNotFound,
        [NoCurrentInstance] = LaminErrorCategory.InvalidOperation,
        [InstanceNotEmpty] = LaminErrorCategory.InvalidOperation,
        [StorageAlreadyManaged] = LaminErrorCategory.ResourceExists,
        [RegistryNotFound] = LaminErrorCategory.ObjectNotFound,
        [RegistryCorrupt] = LaminErrorCategory.InvalidData,
        [RegistryBusy] = LaminErrorCategory.ResourceBusy,
        [RegistryUnavailable] = LaminErrorCategory.ConnectionError,
        [RegistryAuthenticationFailed] = LaminErrorCategory.AuthenticationError,
        [RegistrySchemaTooNew] = LaminErrorCategory.InvalidData,
        [InstanceMoved] = LaminErrorCategory.InvalidOperation,
        [MarkerInvalid] = LaminErrorCategory.InvalidData,
        [InvalidArgument] = LaminErrorCategory.InvalidArgument,
        [DeleteFileNeedsPermanent] = LaminErrorCategory.InvalidArgument,
        [ProviderNotAvailable] = LaminErrorCategory.NotImplemented,
        [StorageIoError] = LaminErrorCategory.WriteError,
        [InvalidKey] = LaminErrorCategory.InvalidArgument,
        [SuffixMismatch] = LaminErrorCategory.InvalidArgument,
        [PathNotFound] = LaminErrorCategory.ObjectNotFound,
        [InvalidPath] = LaminErrorCategory.InvalidArgument,
        [StorageReadOnly] = LaminErrorCategory.PermissionDenied,
        [FileChanged] = LaminErrorCategory.InvalidData,
        [DestinationExists] = LaminErrorCategory.ResourceExists,
        [HashMismatch] = LaminErrorCategory.InvalidData,
        [InsufficientSpace] = LaminErrorCategory.ResourceUnavailable,
        [UnknownStorageLocation] = LaminErrorCategory.ObjectNotFound,
        [NotInSpace] = LaminErrorCategory.PermissionDenied,
        [OperationCanceled] = LaminErrorCategory.OperationStopped,
        [StorageUnreachable] = LaminErrorCategory.ConnectionError,
        [StorageCredentialsInvalid] = LaminErrorCategory.AuthenticationError,
        [StorageAccessDenied] = LaminErrorCategory.PermissionDenied,
        [StorageUnavailable] = LaminErrorCategory.ResourceUnavailable,
        [StorageLeased] = LaminErrorCategory.ResourceBusy,
        [UnexpectedError] = LaminErrorCategory.NotSpecified,
        [DestinationNotEmpty] = LaminErrorCategory.ResourceExists,
        [DestinationRegistered] = LaminErrorCategory.ResourceExists,
        [InvalidDestination] = LaminErrorCategory.InvalidArgument,
        [StorageHoldsRegistry] = LaminErrorCategory.InvalidOperation,
        [ObjectInUse] = LaminErrorCategory.InvalidOperation,
        [StorageNotPresent] = LaminErrorCategory.ResourceUnavailable,
        [KeyNotPortable] = LaminErrorCategory.InvalidArgument,
        [KeyCollision] = LaminErrorCategory.InvalidArgument,
        [DestinationHoldsArtifact] = LaminErrorCategory.ResourceExists,
        [StorageMoved] = LaminErrorCategory.InvalidOperation,
        [DuplicateKey] = LaminErrorCategory.InvalidArgument,
    };

    public static LaminErrorCategory CategoryOf(string errorId) =>
        Categories.TryGetValue(errorId, out var c) ? c : LaminErrorCategory.InvalidOperation;

    public static IReadOnlyCollection<string> All => Categories.Keys;
}

/// <summary>Every refusal of the core is one of these: a stable id, a category and a message that says what to do.</summary>
public sealed class LaminException : Exception
{
    public LaminException(string errorId, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Target = target;
    }

    public string ErrorId { get; }
    public object? Target { get; }
    public LaminErrorCategory Category => ErrorIds.CategoryOf(ErrorId);
}

/// <summary>
/// One place that turns the operating system's "permission denied" into Lamin's refusal (issue 26 point 10):
/// StorageAccessDenied (PermissionDenied), naming what could not be written and what to do, instead of the
/// raw OS message alone. New-LaminStorage registers a location it may not write read-only (SPEC rule 5);
/// this is for a write into a place that lost (or never had) write permission.
/// </summary>
public static class AccessDenial
{
    public static LaminException From(UnauthorizedAccessException e, object? target = null, string? doing = null) =>
        new(ErrorIds.StorageAccessDenied,
            $"Permission denied{(doing is null ? "" : " while " + doing)}: {e.Message} The current user may not write there; nothing else was changed. " +
            "Give this user write permission on the storage location's folder (or run as a user who has it) and try again; " +
            "to use a location nobody here may write, register it as it is: New-LaminStorage makes it read-only.",
            target, e);
}
