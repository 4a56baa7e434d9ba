@{
    Synopsis    = 'Grants a user Read, Write or Admin on a space.'
    Description = 'Read lets the user see the space''s records, Write also change them, Admin also grant and revoke. A new grant replaces the user''s earlier role on that space. Needs Admin on the space. On a team instance (PostgreSQL) the user is a login role and the database enforces the grants itself (row-level security): a grant on the built-in space "all" admits the role to the instance (the database runs the GRANTs it needs; never TRUNCATE), and its role there says whether it may only read the public records or also change them. The role must exist (the database administrator creates it: CREATE ROLE <name> LOGIN PASSWORD ...); a role that does not is InvalidArgument. On LiteDB every user already has Write on "all" and a grant there is SpaceIsBuiltIn.'
    Parameters  = @{
        Space    = 'The space.'
        User     = 'The user handle (as in LAMIN_USER); on a team instance, the PostgreSQL login role.'
        Role     = 'Read, Write or Admin.'
        PassThru = 'Returns the grant.'
    }
    Examples    = @(
        @{ Title = 'Let bob change records in a space'; Code = 'Grant-LaminSpaceAccess -Space imaging -User bob -Role Write'; Remarks = 'bob now sees and changes the locations in "imaging".' }
        @{ Title = 'Admit a login role to a team instance'; Code = 'Grant-LaminSpaceAccess -Space all -User carol -Role Read'; Remarks = 'On PostgreSQL: carol may connect and sees the records of "all" (and of the spaces granted to her), but changes nothing.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminSpaceAccess'
    Links       = @('Revoke-LaminSpaceAccess', 'New-LaminSpace')
}
