@{
    Synopsis    = 'Makes an instance current, by name or by the location of its registry.'
    Description = @'
With -Name, connects to an instance known in this settings folder. With -Path, opens the registry at a storage root (<root>/.lamindb/lamin.db) or at a registry file, remembers the instance in the settings folder and connects to it: this is how a colleague's instance on a shared folder is joined. A missing or damaged registry is reported (RegistryNotFound, RegistryCorrupt) and never re-created.
'@
    Parameters  = @{
        Name     = 'The name of an instance known here (see Get-LaminInstance).'
        Path     = 'A storage root that holds .lamindb/lamin.db, or the path of a registry file.'
        PassThru = 'Returns the instance that is now current.'
    }
    Examples    = @(
        @{ Title = 'Switch to another instance'; Code = 'Connect-LaminInstance imaging'; Remarks = 'Later commands work on the instance "imaging".' }
        @{ Title = 'Join an instance on a shared folder'; Code = 'Connect-LaminInstance -Path /mnt/shared/project -PassThru'; Remarks = 'Reads /mnt/shared/project/.lamindb/lamin.db and connects.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminInstance'
    Links       = @('Disconnect-LaminInstance', 'Get-LaminInstance', 'New-LaminInstance')
}
