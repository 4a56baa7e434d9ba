@{
    Synopsis    = 'Takes a user''s grant on a space away.'
    Description = 'Removes the user''s role on the space; the user no longer sees its records (unless they created the instance). Warns when the user had no grant. Needs Admin on the space. On a team instance (PostgreSQL) the database enforces it at once; revoking a role''s grant on "all" takes it out of the instance (its table privileges are revoked).'
    Parameters  = @{
        Space = 'The space.'
        User  = 'The user handle.'
    }
    Examples    = @(
        @{ Title = 'Revoke bob''s access'; Code = 'Revoke-LaminSpaceAccess -Space imaging -User bob'; Remarks = 'bob no longer sees the locations in "imaging".' }
    )
    Links       = @('Grant-LaminSpaceAccess')
}
