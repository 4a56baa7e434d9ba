@{
    Synopsis    = 'Takes an artifact out of the trash.'
    Description = 'Clears IsTrashed; the newest non-trashed version of the artifact becomes the latest again.'
    Parameters  = @{
        Identity = 'An integer id, a full uid or a uid prefix. Takes a record or uid from the pipeline.'
        PassThru = 'Returns the restored artifact.'
    }
    Examples    = @(
        @{ Title = 'Restore everything in the trash'; Code = 'Get-LaminArtifact -Trash | Restore-LaminArtifact'; Remarks = 'The artifacts are listed again by Get-LaminArtifact.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Remove-LaminArtifact')
}
