#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Writes Lamin.<version>.nupkg from a built module folder with PSResourceGet's own Publish-PSResource.
.DESCRIPTION
    Copies the module folder to a staging folder, writes into the copy's manifest the release notes of its
    version (that version's "## <version>" section of CHANGELOG.md, when there is one) and, with -Version,
    another ModuleVersion (the repository's Lamin.psd1 is never changed), then publishes the copy to a
    temporary local file repository and copies the package from there to -OutputPath.

    PSResourceGet keeps its repository list in the user's profile (on Linux and macOS
    $XDG_DATA_HOME/PSResourceGet/PSResourceRepository.xml, ~/.local/share/... by default). So the publishing
    runs in a child pwsh whose HOME and XDG folders are a temporary folder: the user's list is neither read
    nor changed. On Windows, where that folder does not follow HOME, the temporary repository has a unique
    name and is unregistered again whatever happens.
.EXAMPLE
    dotnet pwsh -NoProfile -File tools/New-LaminPackage.ps1 -ModulePath out/Lamin -OutputPath out
#>
[CmdletBinding()]
param(
    # The built module folder (out/Lamin); its name is the module's name.
    [Parameter(Mandatory)] [string] $ModulePath,
    # The folder to write the .nupkg into (created when missing). A local file repository is such a folder.
    [Parameter(Mandatory)] [string] $OutputPath,
    # Package the module under this version instead of the manifest's ModuleVersion (tests of Update-PSResource).
    [version] $Version,
    # Where this version's release notes come from.
    [string] $ChangelogPath = (Join-Path (Split-Path $PSScriptRoot) 'CHANGELOG.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Get-Item -LiteralPath $ModulePath
$name = $module.Name
if (-not (Test-Path -LiteralPath (Join-Path $module.FullName "$name.psd1"))) {
    throw "$($module.FullName) holds no $name.psd1: build the module first (./build.ps1)."
}
$null = New-Item -ItemType Directory -Path $OutputPath -Force
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath

$work = Join-Path ([IO.Path]::GetTempPath()) ('lamin-package-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
try {
    $stage = Join-Path $work "stage/$name"
    $repo = Join-Path $work 'repository'
    $home_ = Join-Path $work 'home'
    $null = New-Item -ItemType Directory -Path $stage, $repo, $home_
    Copy-Item -Path (Join-Path $module.FullName '*') -Destination $stage -Recurse

    # The staged manifest: version (when asked) and release notes, edited as text so comments and layout stay.
    $manifestPath = Join-Path $stage "$name.psd1"
    $text = [IO.File]::ReadAllText($manifestPath)
    if ($Version) {
        $text = [regex]::Replace($text, "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$Version'")
    }
    $packageVersion = (Import-PowerShellDataFile -Path $manifestPath).ModuleVersion
    if ($Version) { $packageVersion = "$Version" }
    if (Test-Path -LiteralPath $ChangelogPath) {
        $section = [regex]::Match([IO.File]::ReadAllText($ChangelogPath),
            "(?ms)^## +$([regex]::Escape($packageVersion))\b[^\n]*\n(.*?)(?=^## |\z)")
        if ($section.Success -and $section.Groups[1].Value.Trim()) {
            $notes = "$name $packageVersion`n`n" + $section.Groups[1].Value.Trim()
            $quoted = "'" + ($notes -replace "'", "''") + "'"
            $text = [regex]::Replace($text, "(?m)^(\s*ReleaseNotes\s*=\s*)'(?:[^']|'')*'", { param($m) $m.Groups[1].Value + $quoted })
        }
    }
    [IO.File]::WriteAllText($manifestPath, $text, [Text.UTF8Encoding]::new($false))

    $repoName = 'LaminPackage' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $inner = @'
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module Microsoft.PowerShell.PSResourceGet
Register-PSResourceRepository -Name $env:LAMIN_PKG_REPO_NAME -Uri $env:LAMIN_PKG_REPO -Trusted
try {
    Publish-PSResource -Path $env:LAMIN_PKG_STAGE -Repository $env:LAMIN_PKG_REPO_NAME
}
finally {
    Unregister-PSResourceRepository -Name $env:LAMIN_PKG_REPO_NAME
}
'@
    # This process's own pwsh (pwsh, or `dotnet pwsh.dll` from the tool manifest).
    $exe = [Environment]::ProcessPath
    $psi = [Diagnostics.ProcessStartInfo]::new($exe)
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        $psi.ArgumentList.Add([Reflection.Assembly]::GetEntryAssembly().Location)
    }
    foreach ($a in '-NoProfile', '-NonInteractive', '-EncodedCommand', [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($inner))) {
        $psi.ArgumentList.Add($a)
    }
    $psi.UseShellExecute = $false
    $psi.Environment['LAMIN_PKG_REPO_NAME'] = $repoName
    $psi.Environment['LAMIN_PKG_REPO'] = $repo
    $psi.Environment['LAMIN_PKG_STAGE'] = $stage
    if (-not $IsWindows) {
        # The folders must exist: .NET answers GetFolderPath(LocalApplicationData) with '' for a missing one, and
        # PSResourceGet would then keep its repository list under the current directory.
        foreach ($xdg in @{ XDG_DATA_HOME = '.local/share'; XDG_CONFIG_HOME = '.config'; XDG_CACHE_HOME = '.cache' }.GetEnumerator()) {
            $psi.Environment[$xdg.Key] = (New-Item -ItemType Directory -Path (Join-Path $home_ $xdg.Value) -Force).FullName
        }
        $psi.Environment['HOME'] = $home_
    }
    $psi.WorkingDirectory = $home_
    $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $psi.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
    $child = [Diagnostics.Process]::Start($psi)
    $child.WaitForExit()
    if ($child.ExitCode -ne 0) { throw "Publish-PSResource failed (exit code $($child.ExitCode))." }

    $package = @(Get-ChildItem -LiteralPath $repo -Filter "$name.*.nupkg")
    if ($package.Count -ne 1) { throw "Publish-PSResource wrote $($package.Count) packages to $repo, expected 1." }
    $target = Join-Path $OutputPath $package[0].Name
    Copy-Item -LiteralPath $package[0].FullName -Destination $target -Force
    Get-Item -LiteralPath $target
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
