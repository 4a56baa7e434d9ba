@{
    Synopsis    = 'Removes orphaned objects under .lamindb/.'
    Description = 'Finds the objects under .lamindb/ that no artifact (trashed ones included) accounts for, for example those left by an interrupted transfer, names each with why it is an orphan, and deletes them under the location''s lease. The marker, a lease, the registry files and the temporary files of a transfer still running on this machine are never touched, nor is anything outside .lamindb/. -WhatIf lists exactly what would go. High impact: asks for confirmation.'
    Parameters  = @{
        InputObject = 'LaminStorage records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots.'
        Orphaned  = 'Required: remove orphaned objects (the only kind of clearing there is).'
        OlderThan = 'Only orphans last modified longer ago than this, e.g. (New-TimeSpan -Hours 1).'
        PassThru  = 'Return the orphans that were removed.'
    }
    Examples    = @(
        @{ Title = 'See what would be removed'; Code = 'Clear-LaminStorage -Orphaned -WhatIf'; Remarks = 'Names every orphan and why.' }
        @{ Title = 'Remove orphans older than a day'; Code = 'Clear-LaminStorage /mnt/archive -Orphaned -OlderThan (New-TimeSpan -Days 1) -Confirm:$false -PassThru'; Remarks = 'Returns what was removed.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminOrphan'
    Links       = @('Test-LaminArtifact', 'Get-LaminStorageUsage')
}
