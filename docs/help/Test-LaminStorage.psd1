@{
    Synopsis    = 'Checks the health of storage locations without changing them.'
    Description = 'Returns one health object per location (all, or -Identity): whether it is Reachable, Writable (the marker is written back with its own bytes and read again; no other object is created), the MarkerUid and whether it matches the record, the owning instance, the S3 Region and whether it still matches the bucket, the latency of a marker read, on S3 the number of UnfinishedUploads (multipart uploads never completed or aborted: each one started more than a day ago, or a failure to list them, is a problem), and a list of Problems in plain words. Problems also name a key that has two latest versions in the location (a registry written before that rule was enforced: trash one of them), and drive spool folders in LAMIN_HOME that a Set-Content on the lamin: drive left when its process was killed (spool folders name their process; those of a running process are not reported; Clear-LaminStorage -Orphaned removes them), and the copies a Move-LaminStorage from the location left in its destination when it was refused or killed (found through the journal it left in the location''s .lamindb/; named with the destination, the count and the bytes). GCS cannot list unfinished resumable uploads (UnfinishedUploads stays empty). A marker that was deleted or replaced by hand is reported, never silently re-created. With -Quiet it returns only $true when every location is healthy, else $false, like Test-Path.'
    Parameters  = @{
        InputObject = 'LaminStorage records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots.'
        Quiet    = 'Return $true or $false instead of the health objects.'
    }
    Examples    = @(
        @{ Title = 'Check every location'; Code = 'Test-LaminStorage | Where-Object { -not $_.Healthy } | Format-List Storage, Problems'; Remarks = 'Lists what is wrong, in plain words.' }
        @{ Title = 'Gate a CI job on storage health'; Code = 'if (-not (Test-LaminStorage -Quiet)) { throw ''storage unhealthy'' }'; Remarks = '$true only when nothing is wrong.' }
    )
    Outputs     = @('Lamin.Core.Model.LaminStorageHealth', 'System.Boolean')
    Links       = @('Get-LaminStorageUsage', 'Test-LaminArtifact')
}
