@{
    RootModule           = 'lib/Lamin.PowerShell.dll'
    NestedModules        = @('Lamin.Loader.dll')
    TypesToProcess       = @('Lamin.Types.ps1xml')
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5b0f1c1e-6f0e-4a39-9d5e-3f4c1c2a7e11'
    Author               = 'Lamin for PowerShell contributors'
    CompanyName          = 'Lamin for PowerShell'
    Copyright            = '(c) Lamin for PowerShell contributors. MIT License.'
    Description          = 'Manage where data lives: a registry of storage locations (local folders, S3, GCS) after LaminDB''s Storage, with instances, spaces and typed pipeline objects.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('Lamin.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'New-LaminInstance', 'Connect-LaminInstance', 'Disconnect-LaminInstance', 'Get-LaminInstance', 'Remove-LaminInstance',
        'Get-LaminSetting', 'Set-LaminSetting',
        'New-LaminStorage', 'Get-LaminStorage', 'Search-LaminStorage', 'Set-LaminStorage', 'Remove-LaminStorage', 'Get-LaminLookup',
        'New-LaminSpace', 'Get-LaminSpace', 'Remove-LaminSpace', 'Grant-LaminSpaceAccess', 'Revoke-LaminSpaceAccess', 'Get-LaminSpaceAccess',
        'Add-LaminArtifact', 'Get-LaminArtifact', 'Search-LaminArtifact', 'Save-LaminArtifact', 'Remove-LaminArtifact',
        'Restore-LaminArtifact', 'Move-LaminArtifact', 'Set-LaminArtifact',
        'Test-LaminStorage', 'Get-LaminStorageUsage', 'Test-LaminArtifact', 'Clear-LaminStorage', 'Move-LaminStorage',
        'Copy-LaminInstance'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('lamindb', 'storage', 'data', 's3', 'gcs', 'registry', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # Placeholder addresses: the project has no public home yet; replace both before publishing to a gallery.
            ProjectUri   = 'https://example.org/lamin-powershell'
            LicenseUri   = 'https://example.org/lamin-powershell/LICENSE'
            # A pointer; ./build.ps1 -Task Package puts this version's section of CHANGELOG.md here in the package.
            ReleaseNotes = 'See CHANGELOG.md in the project repository.'
        }
        # No HelpInfoUri: the help ships inside the module (en-US) and is not updatable (no Update-Help source).
        # No RequiredModules: the dependencies are assemblies in lib/, loaded through the module's own load context
        # (NestedModules: Lamin.Loader.dll registers it before the cmdlets of the root module need Lamin.Core).
    }
}
