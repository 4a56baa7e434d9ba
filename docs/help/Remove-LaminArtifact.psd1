@{
    Synopsis    = 'Moves an artifact to the trash, or deletes it permanently.'
    Description = 'Without -Permanent the artifact goes to the trash (IsTrashed; its data stays; Restore-LaminArtifact brings it back). With -Permanent the record is deleted and, for data under .lamindb/, the object too; a file registered in place is kept unless -DeleteFile. In a location not managed by this instance only the record is removed. When the latest version goes, the previous one becomes the latest. High impact: asks for confirmation.'
    Parameters  = @{
        Identity   = 'An integer id, a full uid or a uid prefix. Takes a record or uid from the pipeline.'
        Permanent  = 'Delete the record (and the managed object) instead of trashing it.'
        DeleteFile = 'With -Permanent, also delete a file registered in place.'
    }
    Examples    = @(
        @{ Title = 'Trash an artifact'; Code = 'Remove-LaminArtifact 3fT2aB9x -Confirm:$false'; Remarks = 'Get-LaminArtifact -Trash lists it.' }
        @{ Title = 'Empty the trash'; Code = 'Get-LaminArtifact -Trash | Remove-LaminArtifact -Permanent -Confirm:$false'; Remarks = 'Deletes the records and their managed objects.' }
    )
    Links       = @('Restore-LaminArtifact', 'Get-LaminArtifact')
}
