@{
    Synopsis    = 'Compares what the registry says a location holds with what is stored there.'
    Description = 'For each location (all, or -Identity): the registered artifacts and bytes (by suffix and by space) against the objects and bytes actually stored under .lamindb/ and under registered in-place keys, and the drift: unregistered objects, registered artifacts whose data is missing, and size mismatches. On S3 also UnfinishedUploads and UnfinishedUploadBytes: multipart uploads under the root never completed or aborted, and the bytes their parts hold (empty where the store cannot list them: GCS, or no permission).'
    Parameters  = @{
        Identity = 'An integer id, a full uid or a unique uid prefix; all locations when omitted.'
    }
    Examples    = @(
        @{ Title = 'Usage of every location'; Code = 'Get-LaminStorageUsage | Format-Table'; Remarks = 'Registered against stored, with Unregistered, Missing and SizeMismatch counts.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorageUsage'
    Links       = @('Test-LaminArtifact', 'Clear-LaminStorage')
}
