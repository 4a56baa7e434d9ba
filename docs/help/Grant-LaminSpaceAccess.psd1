@{
    Synopsis    = 'Grants a user Read, Write or Admin on a space.'
    Description = 'Read lets the user see the space''s records, Write also change them, Admin also grant and revoke. A new grant replaces the user''s earlier role on that space. Needs Admin on the space.'
    Parameters  = @{
        Space    = 'The space.'
        User     = 'The user handle (as in LAMIN_USER).'
        Role     = 'Read, Write or Admin.'
        PassThru = 'Returns the grant.'
    }
    Examples    = @(
        @{ Title = 'Let bob change records in a space'; Code = 'Grant-LaminSpaceAccess -Space imaging -User bob -Role Write'; Remarks = 'bob now sees and changes the locations in "imaging".' }
    )
    Outputs     = 'Lamin.Core.Model.LaminSpaceAccess'
    Links       = @('Revoke-LaminSpaceAccess', 'New-LaminSpace')
}
