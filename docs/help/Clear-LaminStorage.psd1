@{
    Synopsis    = 'Removes orphaned objects under .lamindb/.'
    Description = 'Finds the objects under .lamindb/ that no artifact (trashed ones included) accounts for, for example those left by an interrupted transfer, names each with why it is an orphan, and deletes them under the location''s lease. The marker, a lease, the registry files and the temporary files of a transfer still running on this machine are never touched, nor is anything outside .lamindb/. -WhatIf lists exactly what would go. High impact: asks for confirmation.'
    Parameters  = @{
        Identity  = 'An integer id, a full uid or a unique uid prefix; all managed locations when omitted.'
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
