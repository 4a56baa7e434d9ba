@{
    Synopsis    = 'Changes a storage location''s space, description or lock.'
    Description = @'
-Space moves the location into a space, which restricts who sees and changes it (Write access is needed on both spaces). -Lock makes the record refuse every change and removal with RecordLocked until -Unlock. The target is resolved before confirmation is asked.
'@
    Parameters  = @{
        InputObject = 'LaminStorage records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots.'
        Space       = 'The space to move the location into.'
        Description = 'A new description; an empty string clears it. Control characters other than tab and line breaks (a NUL, …) and unpaired surrogates are refused on every backend (InvalidArgument); nothing is changed.'
        Lock        = 'Lock the record against changes. Not with -Unlock: each has a parameter set of its own, so PowerShell refuses the two together while binding (AmbiguousParameterSet).'
        Unlock      = 'Unlock a locked record.'
        PassThru    = 'Returns the record as a fresh Get-LaminStorage would.'
    }
    Examples    = @(
        @{ Title = 'Move a location into a space'; Code = 'Get-LaminStorage -Root /mnt/archive | Set-LaminStorage -Space imaging -PassThru'; Remarks = 'Only users granted on "imaging" see it afterwards.' }
        @{ Title = 'Lock a location'; Code = 'Set-LaminStorage 3fT2 -Lock'; Remarks = 'Changes and removal now fail with RecordLocked.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorage'
    Links       = @('Get-LaminStorage', 'New-LaminSpace')
}
