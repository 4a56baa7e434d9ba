using System.Management.Automation;

namespace Lamin.Loader;

/// <summary>
/// PowerShell's own hooks for a binary module (Lamin.Loader.dll is a nested module of Lamin.psd1, imported before the
/// cmdlets): Import-Module, -Force included, registers <see cref="LoadContext"/>'s handler, Remove-Module removes it.
/// No reflection into PowerShell: the cmdlet assembly is the manifest's root module, so PowerShell itself exports its
/// cmdlets on every import and registers its provider under the module Lamin.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => LoadContext.Register();

    public void OnRemove(PSModuleInfo psModuleInfo) => LoadContext.Unregister();
}
