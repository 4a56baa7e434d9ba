@{
    Synopsis    = 'Compares what the registry says a location holds with what is stored there.'
    Description = 'For each location (all, or -Identity): the registered artifacts and bytes (by suffix and by space) against the objects and bytes actually stored under .lamindb/ and under registered in-place keys, and the drift: unregistered objects, registered artifacts whose data is missing, and size mismatches. On S3 also UnfinishedUploads and UnfinishedUploadBytes: multipart uploads under the root never completed or aborted, and the bytes their parts hold (empty where the store cannot list them: GCS, or no permission).'
    Parameters  = @{
        InputObject = 'LaminStorage records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots.'
    }
    Examples    = @(
        @{ Title = 'Usage of every location'; Code = 'Get-LaminStorageUsage | Format-Table'; Remarks = 'Registered against stored, with Unregistered, Missing and SizeMismatch counts.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorageUsage'
    Links       = @('Test-LaminArtifact', 'Clear-LaminStorage')
}
