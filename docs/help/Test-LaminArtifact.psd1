@{
    Synopsis    = 'Checks artifacts against the stored data, rclone-check style.'
    Description = 'Emits one object per artifact (of one location with -Storage, or one artifact with -Identity) and per object under .lamindb/ that no artifact accounts for, with Status Match, Differ, Missing, Unregistered, Error or Superseded (an older version whose bytes a newer version of the same key replaced by design: a reused real key, or a folder version written over its predecessor) and the reason. Without -Hash it compares existence and size; with -Hash it re-hashes with the recorded algorithm (md5, sha1-fl, md5-d), using S3 ETags or GCS md5Hash where that is what was recorded, so cloud objects are not downloaded then. Temporary objects left by an interrupted transfer show as Unregistered with that reason. A progress bar counts artifacts and bytes checked of the total (under an outer bar of locations when every location is re-hashed). Filter with Where-Object and export with Export-Csv.'
    Parameters  = @{
        InputObject = 'Records from the pipeline, bound by their type: a LaminArtifact (or its uid) tests that artifact, a LaminStorage tests that whole location. Any other record is refused with InvalidArgument.'
        Storage  = 'Only this storage location (root, id, uid or uid prefix); all locations when omitted.'
        Identity = 'Only this artifact (id, uid or uid prefix).'
        Hash     = 'Re-hash the data instead of comparing sizes only.'
    }
    Examples    = @(
        @{ Title = 'Test the artifacts you picked'; Code = 'Get-LaminArtifact -Key raw/*.csv | Test-LaminArtifact -Hash'; Remarks = 'A piped LaminArtifact tests that artifact only; a piped LaminStorage tests the whole location.' }
        @{ Title = 'Audit one location fully'; Code = 'Test-LaminArtifact -Storage /mnt/archive -Hash | Where-Object Status -ne Match'; Remarks = 'Everything that differs, is missing or is unregistered.' }
        @{ Title = 'Export a report'; Code = 'Test-LaminArtifact -Hash | Export-Csv audit.csv'; Remarks = 'One row per artifact and stray object.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifactCheck'
    Links       = @('Clear-LaminStorage', 'Get-LaminStorageUsage')
}
