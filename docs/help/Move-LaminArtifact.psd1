@{
    Synopsis    = 'Moves an artifact''s data to another storage location.'
    Description = 'Both locations must be managed by this instance (StorageReadOnly otherwise), present on this machine when local (StorageNotPresent), and the target must be in the artifact''s space (NotInSpace). Versions of a key belong to one location, as in LaminDB: the whole version family in the source location (trashed versions too) moves together, so the next version added in the new location continues the stem and exactly one version is latest. The move is refused when any version is locked (RecordLocked), when the target already holds the same key in another family or holds data where the objects would land (DestinationExists), when a key or folder member cannot be stored by the target''s file system (KeyNotPortable), or when two of them would be one file there because it ignores letter case (KeyCollision). The data is copied, its size and hash checked (between two roots of one S3 endpoint the store copies it itself, CopyObject or UploadPartCopy above 5 GiB, and on GCS the rewrite call: no byte passes through this machine, and the copy is checked by its size and LaminDB''s hash of it, read from its metadata or from its first and last 50 MiB), every record switched in one registry transaction, and only then is each source object removed, unless another live artifact includes those bytes (a registered folder around a file, files registered inside a folder): then it is kept, with a warning naming that artifact. If either location was relocated by Move-LaminStorage while the data was copied (its root and generation changed), the switch is refused with StorageMoved, the copies are removed and the source is kept. The move announces itself in the target location before its first copy (.lamindb/_writers/), so Clear-LaminStorage -Orphaned keeps its copies until the switch, and checks each copy again just before the switch (one HEAD or stat each): a copy gone meanwhile refuses the move with PathNotFound (a replaced one FileChanged), nothing moves. A failure at any step leaves the artifacts whole and readable where they were. Uids and keys do not change.'
    Parameters  = @{
        InputObject = 'LaminArtifact records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more artifacts, each an id, a full uid or a unique uid prefix.'
        Storage  = 'The target storage location: a root, id, uid or uid prefix.'
        PassThru = 'Returns the moved artifact.'
    }
    Examples    = @(
        @{ Title = 'Move an artifact to the archive'; Code = 'Move-LaminArtifact 3fT2aB9x -Storage /mnt/archive -PassThru'; Remarks = 'Its FullName now points into /mnt/archive/.lamindb/.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Add-LaminArtifact', 'Get-LaminArtifact')
}
