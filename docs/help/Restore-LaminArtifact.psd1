@{
    Synopsis    = 'Takes an artifact out of the trash.'
    Description = 'Clears IsTrashed; the newest non-trashed version of the artifact becomes the latest again.'
    Parameters  = @{
        InputObject = 'LaminArtifact records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more artifacts, each an id, a full uid or a unique uid prefix.'
        PassThru = 'Returns the restored artifact.'
    }
    Examples    = @(
        @{ Title = 'Restore everything in the trash'; Code = 'Get-LaminArtifact -Trash | Restore-LaminArtifact'; Remarks = 'The artifacts are listed again by Get-LaminArtifact.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Remove-LaminArtifact')
}
