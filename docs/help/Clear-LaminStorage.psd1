@{
    Synopsis    = 'Removes orphaned objects under .lamindb/.'
    Description = 'Finds the objects under .lamindb/ that no artifact (trashed ones included) of any location record with the same root (the root registered for other hosts too) accounts for, for example those left by an interrupted transfer, names each with why it is an orphan, and deletes them under the location''s lease, checking each against the registry again first. A marker, a lease, a lock and any registry file with its companions (lamin.db, lamin-log.db, lamin.db.lock, wherever they sit under .lamindb/, whichever registry is connected), the temporary files of a transfer still running on this machine, and anything outside .lamindb/ are never touched. On S3 it also aborts unfinished multipart uploads under .lamindb/ (left by a process killed mid-upload) started more than a day ago, or longer ago than -OlderThan when that is more; those outside .lamindb/ are only reported (Test-LaminStorage). GCS cannot list unfinished resumable uploads; the server expires them after a week. A registered folder version that a replace killed between its two renames left under .lamindb/ is put back at its key first, never cleared (Test-LaminArtifact and the next write of that folder put it back too). It also removes the drive spool folders in LAMIN_HOME that a Set-Content on the lamin: drive left when its process was killed (spool/<storage uid>/spool-<process>-...; a spool of a process that still runs, or of another host, is kept). It also removes what a refused or killed Move-LaminStorage from the location copied to its destination: exactly the keys its journal lists that still hold the listed size and that no live artifact of any location holds, then the journal at the destination and its pointer in the location (a move''s journal is never itself an orphan). -WhatIf lists exactly what would go. High impact: asks for confirmation.'
    Parameters  = @{
        InputObject = 'LaminStorage records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots.'
        Orphaned  = 'Required: remove orphaned objects (the only kind of clearing there is).'
        OlderThan = 'Only orphans last modified longer ago than this, e.g. (New-TimeSpan -Hours 1). Unfinished multipart uploads are aborted only when started more than a day ago, whatever this says (they may still be running).'
        PassThru  = 'Return the orphans that were removed.'
    }
    Examples    = @(
        @{ Title = 'See what would be removed'; Code = 'Clear-LaminStorage -Orphaned -WhatIf'; Remarks = 'Names every orphan and why.' }
        @{ Title = 'Remove orphans older than a day'; Code = 'Clear-LaminStorage /mnt/archive -Orphaned -OlderThan (New-TimeSpan -Days 1) -Confirm:$false -PassThru'; Remarks = 'Returns what was removed.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminOrphan'
    Links       = @('Test-LaminArtifact', 'Get-LaminStorageUsage')
}
