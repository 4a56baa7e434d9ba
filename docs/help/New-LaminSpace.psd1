@{
    Synopsis    = 'Creates a space, an access group for storage locations and artifacts.'
    Description = 'Creates a space; its creator gets Admin on it. Records in a space other than the built-in "all" are visible and changeable only by users granted on it (Grant-LaminSpaceAccess); the instance creator is Admin everywhere. A name that exists fails with SpaceExists.'
    Parameters  = @{
        Name        = 'The space name (1-100 printable characters, unique regardless of case).'
        Description = 'A free-text description. Control characters other than tab and line breaks (a NUL, …) and unpaired surrogates are refused on every backend (InvalidArgument), before anything is written.'
    }
    Examples    = @(
        @{ Title = 'Create a space and move a location into it'; Code = 'New-LaminSpace imaging; Set-LaminStorage 3fT2 -Space imaging'; Remarks = 'Only users granted on "imaging" see that location.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminSpace'
    Links       = @('Get-LaminSpace', 'Grant-LaminSpaceAccess', 'Set-LaminStorage')
}
