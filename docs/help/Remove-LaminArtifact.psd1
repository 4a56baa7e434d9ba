@{
    Synopsis    = 'Moves an artifact to the trash, or deletes it permanently.'
    Description = 'Without -Permanent the artifact goes to the trash (IsTrashed; its data stays; Restore-LaminArtifact brings it back). With -Permanent the record is deleted and, for data under .lamindb/, the object too; a file registered in place is kept unless -DeleteFile. In a location not managed by this instance only the record is removed. Data that another artifact also holds is never deleted: a file inside a registered folder artifact, or a folder that includes other registered artifacts, is refused with ObjectInUse naming them, and nothing changes (versions that share one object keep it; only the record goes). In a local location that is not present on this machine nothing is deleted there: -DeleteFile is refused (StorageNotPresent), and a managed object stays for that machine to clear. A key whose folders lead outside the root through a symbolic link is refused (InvalidKey). When the latest version goes, the previous one becomes the latest. High impact: asks for confirmation.'
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
