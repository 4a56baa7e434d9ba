@{
    Synopsis    = 'Switches the default storage, the local storage, or keep-artifacts-local mode.'
    Description = @'
-Storage switches the instance's default write location (persisted). A root that is not registered yet is registered (and marked) first. A location this instance cannot write is refused: StorageNotManaged when no instance manages it, StorageManagedElsewhere when another instance does.

-KeepArtifactsLocal $true turns on keep-artifacts-local mode; -LocalStorage then chooses this machine's local storage location (creating it when needed). Setting -LocalStorage while the mode is off fails with KeepArtifactsLocalOff.
'@
    Parameters  = @{
        Storage            = 'A root or storage uid to become the default write location.'
        LocalStorage       = 'A local folder to become this machine''s local storage location.'
        KeepArtifactsLocal = 'Turns keep-artifacts-local mode on ($true) or off ($false).'
        PassThru           = 'Returns the settings after the change.'
    }
    Examples    = @(
        @{ Title = 'Switch the default storage'; Code = 'Set-LaminSetting -Storage /mnt/archive'; Remarks = 'Registers /mnt/archive if needed and makes it the default write location.' }
        @{ Title = 'Keep artifacts local on this machine'; Code = 'Set-LaminSetting -KeepArtifactsLocal $true -LocalStorage ~/lamin-local -PassThru'; Remarks = 'Turns the mode on and chooses the local storage in one call.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminSettings'
    Links       = @('Get-LaminSetting', 'New-LaminStorage')
}
