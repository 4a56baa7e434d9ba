@{
    Synopsis    = 'Moves an artifact''s data to another storage location.'
    Description = 'Both locations must be managed by this instance (StorageReadOnly otherwise) and the target must be in the artifact''s space (NotInSpace). The data is copied, its size and hash checked, the record switched in one registry transaction, and only then is the source removed: a failure at any step leaves the artifact whole and readable where it was. The uid and key do not change.'
    Parameters  = @{
        InputObject = 'LaminArtifact records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more artifacts, each an id, a full uid or a unique uid prefix.'
        Storage  = 'The target storage location: a root, id, uid or uid prefix.'
        PassThru = 'Returns the moved artifact.'
    }
    Examples    = @(
        @{ Title = 'Move an artifact to the archive'; Code = 'Move-LaminArtifact 3fT2aB9x -Storage /mnt/archive -PassThru'; Remarks = 'Its Path now points into /mnt/archive/.lamindb/.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Add-LaminArtifact', 'Get-LaminArtifact')
}
