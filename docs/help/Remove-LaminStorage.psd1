@{
    Synopsis    = 'Removes a storage location from the registry and frees its marker.'
    Description = @'
Checks, in this order: -Permanent $false fails with SoftDeleteNotSupported (storage has no trash); a location that holds artifacts (trashed ones too) fails with StorageHasArtifacts; a read-only location only loses its record (no file or bucket is touched); a managed location with objects under .lamindb/ other than the marker and the instance's registry fails with StorageNotEmpty, listing them; the instance's default storage fails with StorageIsDefault. Otherwise the marker is removed, freeing the location for other instances, then the record. Files outside .lamindb/ are never touched. High impact: asks for confirmation.
'@
    Parameters  = @{
        Force = 'Skips the confirmation (as in Az and AWS.Tools); never skips a refusal. -WhatIf and an explicit -Confirm still apply.'
        InputObject = 'LaminStorage records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots.'
        Permanent = 'For LaminDB compatibility: $false is refused (storage has no trash); $true or omitted removes permanently.'
    }
    Examples    = @(
        @{ Title = 'Remove a location by uid'; Code = 'Remove-LaminStorage -Identity 3fT2aB9xYz01 -Confirm:$false'; Remarks = 'Removes the marker and the record.' }
        @{ Title = 'See what would happen'; Code = 'Get-LaminStorage -Root ''*/scratch*'' | Remove-LaminStorage -WhatIf'; Remarks = 'Lists the locations that would be removed; nothing changes.' }
    )
    Links       = @('New-LaminStorage', 'Get-LaminStorage')
}
