@{
    Synopsis    = 'Moves an artifact to the trash, or deletes it permanently.'
    Description = 'Without -Permanent the artifact goes to the trash (IsTrashed; its data stays; Restore-LaminArtifact brings it back). With -Permanent the record is deleted and, for data under .lamindb/, the object too; a file registered in place is kept unless -DeleteFile. In a location not managed by this instance only the record is removed. Data that another artifact also holds is never deleted: a file inside a registered folder artifact, or a folder that includes other registered artifacts, is refused with ObjectInUse naming them, and nothing changes (versions that share one object keep it; only the record goes). In a local location that is not present on this machine nothing is deleted there: -DeleteFile is refused (StorageNotPresent), and a managed object stays for that machine to clear. A key whose folders lead outside the root through a symbolic link is refused (InvalidKey). When the latest version goes to the trash, the previous one becomes the latest, unless its bytes are gone: trashing the latest version at a real key (a file registered in place, or -KeyIsVirtual $false), or of a folder, whose newer bytes replaced the older ones at the same path, leaves the key without a latest version (the older ones stay Superseded) until it is restored. High impact: asks for confirmation. -Permanent refuses (ObjectInUse) a version whose bytes replaced those of older versions at the same place (a real key reused, a folder version overwritten): their records point there, so remove them first, or trash this one. A file is deleted only while it still holds the size the artifact records, and only as it was just read (locally its last-write time and inode, S3 If-Match on its ETag, GCS ifGenerationMatch): a file another client rewrote since is kept, with a warning naming it, and the record still goes.'
    Parameters  = @{
        Force = 'Skips the confirmation (as in Az and AWS.Tools); never skips a refusal. -WhatIf and an explicit -Confirm still apply.'
        InputObject = 'LaminArtifact records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more artifacts, each an id, a full uid or a unique uid prefix.'
        Permanent  = 'Delete the record (and the managed object) instead of trashing it.'
        DeleteFile = 'With -Permanent, also delete a file registered in place. Without -Permanent it is refused before anything changes (DeleteFileNeedsPermanent, terminating): the trash keeps the file.'
    }
    Examples    = @(
        @{ Title = 'Several at once, without confirmation'; Code = 'Remove-LaminArtifact 3fKq9,8Hd2x -Force'; Remarks = 'Each value is handled on its own: one that is not found is reported and the others are removed.' }
        @{ Title = 'Trash an artifact'; Code = 'Remove-LaminArtifact 3fT2aB9x -Confirm:$false'; Remarks = 'Get-LaminArtifact -Trash lists it.' }
        @{ Title = 'Empty the trash'; Code = 'Get-LaminArtifact -Trash | Remove-LaminArtifact -Permanent -Confirm:$false'; Remarks = 'Deletes the records and their managed objects.' }
    )
    Links       = @('Restore-LaminArtifact', 'Get-LaminArtifact')
}
