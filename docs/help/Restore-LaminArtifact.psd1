@{
    Synopsis    = 'Takes an artifact out of the trash.'
    Description = 'Clears IsTrashed; the newest non-trashed version of the artifact whose bytes are still its own becomes the latest again (an older version at a real key, whose file a newer version replaced, stays Superseded). A key has one latest version per location: when the key has since got another artifact that is not in the trash (added while this one was in the trash), the restore is refused with DestinationExists naming that artifact, and nothing changes; trash that one first, or save this version elsewhere with Save-LaminArtifact.'
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
