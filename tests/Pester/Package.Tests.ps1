# Installing the module (SPEC §9): the package that ./build.ps1 -Task Package writes, installed with
# PSResourceGet from a local file repository into an isolated HOME, then used in a fresh pwsh.
# Packages the module under test (out/Lamin, already built by the test command) with the same script as the
# Package task; nothing is rebuilt. The user's PSResourceGet repository list and module folders are never
# touched: every PSResourceGet call runs in a child pwsh whose HOME and XDG folders are temporary.
BeforeDiscovery {
    # On Windows the user-scope module folder (Documents) and PSResourceGet's settings do not follow HOME.
    $script:notIsolatable = $IsWindows
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $script:repoRoot = Split-Path (Split-Path $PSScriptRoot)
    $script:moduleDir = Split-Path $env:LAMIN_TEST_MODULE
    $script:manifest = Import-PowerShellDataFile $env:LAMIN_TEST_MODULE
    $script:version = [version] $manifest.ModuleVersion
    $script:work = New-TestFolder -Prefix 'lamin-package'
    $script:repository = Join-Path $work 'repository'
    $script:isolatedHome = Join-Path $work 'home'
    $script:userModules = Join-Path $isolatedHome '.local/share/powershell/Modules'
    $script:laminHome = Join-Path $work 'lamin-home'
    # The XDG folders must exist: .NET answers GetFolderPath(LocalApplicationData) with '' for a missing one, and
    # PSResourceGet would then keep its repository list under the current directory.
    $null = New-Item -ItemType Directory -Path $laminHome, (Join-Path $isolatedHome '.local/share'), (Join-Path $isolatedHome '.config'), (Join-Path $isolatedHome '.cache')

    # The user's own PSResourceGet repository list, as it is before this file runs (it must stay so).
    $script:userRepositoryList = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
    $script:userRepositoryListBefore = if (Test-Path -LiteralPath $userRepositoryList) { Get-Content -LiteralPath $userRepositoryList -Raw } else { $null }

    function Invoke-IsolatedPwsh {
        <# Runs a command in a fresh pwsh whose HOME (and so its user module folder and PSResourceGet settings) is
           the test's temporary home and whose module path is only that home's module folder. Returns stdout;
           throws with stderr when the child fails. #>
        param([Parameter(Mandatory)] [string] $Command)
        $psi = Get-PwshStartInfo -Command ("`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`n" +
            "try {`n$Command`n} catch { [Console]::Error.WriteLine((`$_ | Out-String -Width 200)); exit 1 }")
        $psi.RedirectStandardInput = $false
        $psi.Environment['HOME'] = $isolatedHome
        $psi.Environment['XDG_DATA_HOME'] = Join-Path $isolatedHome '.local/share'
        $psi.Environment['XDG_CONFIG_HOME'] = Join-Path $isolatedHome '.config'
        $psi.Environment['XDG_CACHE_HOME'] = Join-Path $isolatedHome '.cache'
        $psi.Environment['PSModulePath'] = $userModules
        $psi.Environment['LAMIN_HOME'] = $laminHome
        $psi.Environment['LAMIN_USER'] = 'alice'
        $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
        $psi.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
        $null = $psi.Environment.Remove('LAMIN_TEST_MODULE')
        $psi.WorkingDirectory = $isolatedHome
        $p = [System.Diagnostics.Process]::Start($psi)
        $stderr = $p.StandardError.ReadToEndAsync()
        $stdout = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        if ($p.ExitCode -ne 0) { throw "child pwsh failed (exit $($p.ExitCode)):`n$stdout`n$($stderr.Result)" }
        $stdout
    }

    function Get-ZipEntries([string] $Path) {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $entries = @{}
            foreach ($e in $zip.Entries) {
                $reader = [System.IO.StreamReader]::new($e.Open())
                try { $entries[$e.FullName] = if ($e.FullName -match '\.(nuspec|psd1|txt)$|^LICENSE$') { $reader.ReadToEnd() } else { $e.Length } }
                finally { $reader.Dispose() }
            }
            $entries
        }
        finally { $zip.Dispose() }
    }

    # The package, exactly as the Package task writes it (same script), into the temporary file repository.
    # Run from an empty folder, which must stay empty (PSResourceGet and NuGet fall back to the current
    # directory for their settings when the profile folders are missing).
    $script:cwd = Join-Path $work 'cwd'
    $null = New-Item -ItemType Directory -Path $cwd
    Push-Location -LiteralPath $cwd
    try { $script:package = & (Join-Path $repoRoot 'tools/New-LaminPackage.ps1') -ModulePath $moduleDir -OutputPath $repository }
    finally { Pop-Location }
}

AfterAll {
    Remove-TestFolder -Path $work
}

Describe 'The package (./build.ps1 -Task Package)' {
    BeforeAll { $script:entries = Get-ZipEntries $package.FullName }

    It 'is named Lamin.(ModuleVersion).nupkg and holds the module, its libraries, its help and the LICENSE' {
        $package.Name | Should -Be "Lamin.$version.nupkg"
        foreach ($f in 'Lamin.psd1', 'Lamin.Types.ps1xml', 'Lamin.Format.ps1xml', 'Lamin.Loader.dll', 'LICENSE',
            'lib/Lamin.PowerShell.dll', 'lib/Lamin.Core.dll', 'lib/LiteDB.dll', 'en-US/Lamin.PowerShell.dll-Help.xml', 'en-US/about_Lamin.help.txt') {
            $entries.Keys | Should -Contain $f
        }
        $entries['LICENSE'] | Should -BeExactly (Get-Content -LiteralPath (Join-Path $repoRoot 'LICENSE') -Raw)
        $entries.Keys | Where-Object { $_ -like '*.pdb' -or $_ -like '*.deps.json' } | Should -BeNullOrEmpty
    }

    It 'is written without leaving anything in the current directory or in the user''s profile' {
        @(Get-ChildItem -LiteralPath $cwd -Force -Recurse).FullName | Should -BeNullOrEmpty
    }

    It 'carries the gallery metadata of the manifest (SPEC §9) and this version''s CHANGELOG section' {
        $nuspec = ([xml] $entries['Lamin.nuspec']).package.metadata
        $nuspec.id | Should -BeExactly 'Lamin'
        $nuspec.version | Should -Be "$version"
        $nuspec.projectUrl | Should -Be $manifest.PrivateData.PSData.ProjectUri
        $nuspec.licenseUrl | Should -Be $manifest.PrivateData.PSData.LicenseUri
        $nuspec.tags -split ' ' | Should -Contain 'PSModule'
        foreach ($tag in $manifest.PrivateData.PSData.Tags) { $nuspec.tags -split ' ' | Should -Contain $tag }
        $packaged = [scriptblock]::Create($entries['Lamin.psd1']).InvokeReturnAsIs()
        $packaged.CompatiblePSEditions | Should -Be @('Core')
        $packaged.PowerShellVersion | Should -Be '7.4'
        $packaged.ModuleVersion | Should -Be "$version"
        # The release notes are this version's section of CHANGELOG.md, not the repository's pointer.
        $changelog = Get-Content -LiteralPath (Join-Path $repoRoot 'CHANGELOG.md') -Raw
        $firstEntry = ([regex]::Match($changelog, "(?ms)^## +$([regex]::Escape("$version"))\b[^\n]*\n.*?^(- [^\n]+)")).Groups[1].Value
        $firstEntry | Should -Not -BeNullOrEmpty
        $nuspec.releaseNotes.Contains($firstEntry) | Should -BeTrue -Because "the notes hold $firstEntry"
        $packaged.PrivateData.PSData.ReleaseNotes | Should -Be $nuspec.releaseNotes
    }
}

Describe 'Install-PSResource from a local file repository, then a fresh pwsh' -Skip:$notIsolatable {
    BeforeAll {
        $script:installed = Invoke-IsolatedPwsh @"
Register-PSResourceRepository -Name LaminTest -Uri '$repository' -Trusted
Install-PSResource -Name Lamin -Repository LaminTest -TrustRepository -Scope CurrentUser
Get-InstalledPSResource -Name Lamin | ForEach-Object { "`$(`$_.Version)|`$(`$_.InstalledLocation)" }
"@
        $data = Join-Path $work 'data'
        $second = Join-Path $work 'second'
        $script:session = Invoke-IsolatedPwsh @"
Import-Module Lamin
`$m = Get-Module Lamin
`$instance = New-LaminInstance -Storage '$data' -Confirm:`$false -WarningAction SilentlyContinue
`$location = New-LaminStorage -Root '$second' -Confirm:`$false
[pscustomobject]@{
    ModuleBase = `$m.ModuleBase
    Version    = "`$(`$m.Version)"
    Commands   = @(Get-Command -Module Lamin | ForEach-Object Name)
    Synopsis   = (Get-Help New-LaminStorage).Synopsis
    Roots      = @(Get-LaminStorage | ForEach-Object Root)
    Registry   = `$instance.RegistryPath
    Paths      = @(`$env:PSModulePath -split [IO.Path]::PathSeparator)
} | ConvertTo-Json -Depth 3
"@ | ConvertFrom-Json
        $script:data = $data; $script:second = $second
    }

    It 'installs Lamin (the manifest''s version) into the isolated HOME''s user module folder, not the user''s' {
        $installed.Trim() | Should -Be "$version|$userModules"
        Test-Path -LiteralPath (Join-Path $userModules "Lamin/$version/Lamin.psd1") | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $userModules "Lamin/$version/LICENSE") | Should -BeTrue
    }

    It 'imports by name from that folder, with no other copy of Lamin on the module path' {
        $session.ModuleBase | Should -Be (Join-Path $userModules "Lamin/$version")
        $session.Version | Should -Be "$version"
        $session.Paths | Should -Not -Contain $moduleDir
        $session.Paths | Should -Not -Contain (Split-Path $moduleDir)
    }

    It 'exports every cmdlet of the built module' {
        ($session.Commands | Sort-Object) | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'has its help: Get-Help New-LaminStorage gives the synopsis of docs/help' {
        $expected = (Import-PowerShellDataFile (Join-Path $repoRoot 'docs/help/New-LaminStorage.psd1')).Synopsis
        $session.Synopsis | Should -Be $expected
    }

    It 'creates a local instance and a second location (LAMIN_HOME in a temporary folder)' {
        Test-Path -LiteralPath $session.Registry | Should -BeTrue
        $session.Registry | Should -BeLike "$(Resolve-RealPath $data)*"
        $session.Roots | Should -Contain (Resolve-RealPath $data)
        $session.Roots | Should -Contain (Resolve-RealPath $second)
        @(Get-ChildItem -LiteralPath $laminHome -Force).Count | Should -BeGreaterThan 0
    }

    Context 'Update-PSResource from a package with a higher version' {
        BeforeAll {
            $script:next = [version]::new($version.Major, $version.Minor, [math]::Max($version.Build, 0) + 1)
            $script:nextPackage = & (Join-Path $repoRoot 'tools/New-LaminPackage.ps1') -ModulePath $moduleDir -OutputPath $repository -Version $next
            $script:updated = Invoke-IsolatedPwsh @"
Update-PSResource -Name Lamin -Repository LaminTest -TrustRepository -Scope CurrentUser
Get-InstalledPSResource -Name Lamin | ForEach-Object { "`$(`$_.Version)" }
"@
            $script:afterUpdate = Invoke-IsolatedPwsh @"
Import-Module Lamin
[pscustomobject]@{
    Version  = "`$((Get-Module Lamin).Version)"
    Commands = @(Get-Command -Module Lamin | ForEach-Object Name)
    Roots    = @(Get-LaminStorage | ForEach-Object Root)
} | ConvertTo-Json
"@ | ConvertFrom-Json
        }

        It 'the second package carries the bumped version; the repository''s Lamin.psd1 keeps its own' {
            $nextPackage.Name | Should -Be "Lamin.$next.nupkg"
            ([xml] (Get-ZipEntries $nextPackage.FullName)['Lamin.nuspec']).package.metadata.version | Should -Be "$next"
            (Import-PowerShellDataFile (Join-Path $repoRoot 'Lamin.psd1')).ModuleVersion | Should -Be "$version"
            (Import-PowerShellDataFile $env:LAMIN_TEST_MODULE).ModuleVersion | Should -Be "$version"
        }

        It 'installs the higher version next to the first' {
            @($updated.Trim() -split '\r?\n' | Sort-Object { [version] $_ }) | Should -Be @("$version", "$next")
        }

        It 'a fresh pwsh imports the higher version, with every cmdlet, and reads the registry made before' {
            $afterUpdate.Version | Should -Be "$next"
            ($afterUpdate.Commands | Sort-Object) | Should -Be ($manifest.CmdletsToExport | Sort-Object)
            $afterUpdate.Roots | Should -Contain (Resolve-RealPath $second)
        }
    }
}

Describe 'The user''s own PSResourceGet settings' {
    It 'are as they were: packaging and installing used only temporary repositories' {
        $now = if (Test-Path -LiteralPath $userRepositoryList) { Get-Content -LiteralPath $userRepositoryList -Raw } else { $null }
        $now | Should -Be $userRepositoryListBefore
        if ($now) { $now | Should -Not -Match 'LaminTest|LaminPackage' }
    }
}
