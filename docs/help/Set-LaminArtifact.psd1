@{
    Synopsis    = 'Changes an artifact''s description, or locks or unlocks it.'
    Description = 'A locked artifact refuses every change (a new version of its key, trash, permanent removal, a move, another description) with RecordLocked until -Unlock. Beyond SPEC §4, which names no Set- cmdlet for artifacts: locking needs one.'
    Parameters  = @{
        InputObject = 'LaminArtifact records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more artifacts, each an id, a full uid or a unique uid prefix.'
        Description = 'A new description; an empty string clears it. Control characters other than tab and line breaks (a NUL, …) and unpaired surrogates are refused on every backend (InvalidArgument); nothing is changed.'
        Lock        = 'Lock the artifact against changes. Not with -Unlock: each has a parameter set of its own, so PowerShell refuses the two together while binding (AmbiguousParameterSet).'
        Unlock      = 'Unlock a locked artifact.'
        PassThru    = 'Returns the artifact as a fresh Get-LaminArtifact would.'
    }
    Examples    = @(
        @{ Title = 'Protect a published dataset'; Code = 'Get-LaminArtifact -Key release/v1.h5ad | Set-LaminArtifact -Lock'; Remarks = 'Removing or versioning it now fails with RecordLocked.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Get-LaminArtifact', 'Remove-LaminArtifact')
}
