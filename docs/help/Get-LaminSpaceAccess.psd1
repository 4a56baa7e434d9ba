@{
    Synopsis    = 'Lists who has which role on the spaces you can see.'
    Description = 'Emits one LaminSpaceAccess (Space, User, Role) per grant made with Grant-LaminSpaceAccess, on the spaces the current user can see. The built-in space all has no grants: every user can use it. A space named without wildcards that does not exist is a non-terminating SpaceNotFound error.'
    Parameters  = @{
        Space = 'Only grants on this space (wildcards allowed); takes a piped LaminSpace by its Name.'
        User  = 'Only grants to this user handle (wildcards allowed).'
    }
    Examples    = @(
        @{ Title = 'Who can use a space'; Code = 'Get-LaminSpaceAccess -Space team'; Remarks = 'One row per user with the role.' }
        @{ Title = 'What a user may do'; Code = 'Get-LaminSpace | Get-LaminSpaceAccess -User bob'; Remarks = 'Every space where bob has a grant.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminSpaceAccess'
    Links       = @('Grant-LaminSpaceAccess', 'Revoke-LaminSpaceAccess')
}
