# Lamin's root module: loads the cmdlets through a private AssemblyLoadContext (see Lamin.Loader),
# so Lamin's dependencies never clash with other modules' copies of the same assemblies.
if ($PSVersionTable.PSEdition -ne 'Core') {
    throw "Lamin needs PowerShell 7.4 or later (this is $($PSVersionTable.PSEdition) $($PSVersionTable.PSVersion))."
}
$isReload = $true
if (-not ('Lamin.Loader.LoadContext' -as [type])) {
    $isReload = $false
    # Assembly.LoadFrom, not Add-Type: Add-Type's first use costs ~100 ms of start-up.
    $null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Lamin.Loader.dll'))
}
$mainAssembly = [Lamin.Loader.LoadContext]::Initialize()
# Module-qualified (not Get-Command, whose first call costs ~30 ms of command discovery at import),
# so a proxy or override of Import-Module in the session is not used.
$innerModule = Microsoft.PowerShell.Core\Import-Module -Assembly $mainAssembly -PassThru:$isReload
if ($innerModule) {
    # On a re-import (-Force) pwsh reuses the cached assembly module and does not re-export its
    # cmdlets into this module's scope (PowerShell/PowerShell#20710); add them back by hand.
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
        'AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($cmd in $innerModule.ExportedCmdlets.Values) {
        $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmd))
    }
}
# The provider is the module's own (issue 26): Import-Module -Assembly puts it in a nested module named
# 'dynamic_code_module_Lamin.PowerShell, ...', so PSPaths would read '<that name>\Lamin::', 'Lamin\Lamin::'
# paths would fail and Get-Help would not find the provider's help (it looks in the module's folder).
# PowerShell has no public way to name an assembly module; ProviderInfo.SetModule is what it uses itself.
$setModule = [System.Management.Automation.ProviderInfo].GetMethod('SetModule', [System.Reflection.BindingFlags]'Instance, NonPublic')
foreach ($provider in $ExecutionContext.SessionState.Provider.GetAll()) {
    if ($setModule -and $provider.ImplementingType.Assembly -eq $mainAssembly) {
        $null = $setModule.Invoke($provider, [object[]]@($ExecutionContext.SessionState.Module))
    }
}
# SPEC §3: artifacts and storage records carry the drive's PSPath (one rule: LaminProvider.PSPathOf), so a record
# piped into Remove-Item, Move-Item, Rename-Item, Get-Content or Set-Content acts as the typed lamin: path does.
$psPathOf = $mainAssembly.GetType('Lamin.PowerShell.Drive.LaminProvider').GetMethod('PSPathOf')
foreach ($typeName in 'Lamin.Core.Model.LaminArtifact', 'Lamin.Core.Model.LaminStorage') {
    Microsoft.PowerShell.Utility\Update-TypeData -TypeName $typeName -MemberType CodeProperty -MemberName PSPath -Value $psPathOf -Force
}
