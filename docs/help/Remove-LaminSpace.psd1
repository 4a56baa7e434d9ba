@{
    Synopsis    = 'Removes an empty space and its grants.'
    Description = 'Needs Admin on the space. Fails with SpaceNotEmpty while storage locations or artifacts are in it, and with SpaceIsBuiltIn for "all". High impact: asks for confirmation.'
    Parameters  = @{
        Force = 'Skips the confirmation (as in Az and AWS.Tools); never skips a refusal. -WhatIf and an explicit -Confirm still apply.'
        Name = 'The space to remove. Takes a space from the pipeline.'
    }
    Examples    = @(
        @{ Title = 'Remove a space'; Code = 'Remove-LaminSpace imaging -Confirm:$false'; Remarks = 'Refused while locations are still in it.' }
    )
    Links       = @('New-LaminSpace')
}
