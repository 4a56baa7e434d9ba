# The private AssemblyLoadContext (issue: "importing Lamin next to modules that ship other versions of
# its dependencies never fails, in either import order"). A fixture assembly named LiteDB with version
# 4.0.0.0 stands in for another module's copy of one of Lamin's dependencies.
BeforeAll {
    $script:module = $env:LAMIN_TEST_MODULE
    $fixture = Join-Path $PSScriptRoot 'fixtures/ConflictingLiteDB'
    $script:fakeDir = Join-Path $TestDrive 'fake'
    $out = dotnet build $fixture -c Release -o $fakeDir -nologo -v:q 2>&1
    if ($LASTEXITCODE) { throw "fixture build failed: $out" }
    $script:fake = Join-Path $fakeDir 'LiteDB.dll'

    # Runs a script in a fresh pwsh with its own LAMIN_HOME; returns its output lines (JSON last).
    function Invoke-Fresh([string] $Script) {
        $home_ = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory $home_
        $exe = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
        $env:LAMIN_HOME = Join-Path $home_ 'settings'
        try {
            $full = "`$ErrorActionPreference = 'Stop'; `$module = '$module'; `$fake = '$fake'; `$work = '$home_'`n" + $Script
            $lines = & $exe @pre -NoProfile -NonInteractive -Command $full 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($lines | Out-String) }
        }
        finally { Remove-Item Env:LAMIN_HOME }
    }

    $script:useLamin = @'
New-LaminInstance -Name iso -Storage (Join-Path $work 'root') | Out-Null
$s = New-LaminStorage -Root (Join-Path $work 'second')
'@ + "`n" + @'
$listed = @(Get-LaminStorage).Count
$alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Lamin'
$ours = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'LiteDB' }
'@
}

Describe 'Lamin loads its dependencies in a private load context' {
    It 'works when a conflicting LiteDB is loaded BEFORE Import-Module' {
        $r = Invoke-Fresh (@'
Add-Type -Path $fake
Import-Module $module
'@ + "`n" + $useLamin + "`n" + @'
"RESULT " + (@{ listed = $listed; fake = [LiteDB.FakeMarker]::Version; ours = $ours.GetName().Version.ToString() } | ConvertTo-Json -Compress)
'@)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $json = ($r.Output -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', '' | ConvertFrom-Json
        $json.listed | Should -Be 2
        $json.fake | Should -Be '4.0.0.0'
        $json.ours | Should -BeLike '5.0.*'
    }

    It 'works when a conflicting LiteDB is loaded AFTER Import-Module and Lamin keeps working' {
        $r = Invoke-Fresh (@'
Import-Module $module
'@ + "`n" + $useLamin + "`n" + @'
Add-Type -Path $fake
$after = @(Get-LaminStorage).Count
$third = New-LaminStorage -Root (Join-Path $work 'third')
"RESULT " + (@{ listed = $listed; after = @(Get-LaminStorage).Count; fake = [LiteDB.FakeMarker]::Version } | ConvertTo-Json -Compress)
'@)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $json = ($r.Output -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', '' | ConvertFrom-Json
        $json.listed | Should -Be 2
        $json.after | Should -Be 3
        $json.fake | Should -Be '4.0.0.0'
    }

    It 'keeps LiteDB 5 in the load context named Lamin, not in the default one' {
        $r = Invoke-Fresh (@'
Import-Module $module
'@ + "`n" + $useLamin + "`n" + @'
$default = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { $_.GetName().Name -in 'LiteDB', 'AWSSDK.Core', 'Lamin.Core' }
"RESULT " + (@{ inLamin = [bool]$ours; inDefault = @($default).Count } | ConvertTo-Json -Compress)
'@)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $json = ($r.Output -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', '' | ConvertFrom-Json
        $json.inLamin | Should -BeTrue
        $json.inDefault | Should -Be 0
    }

    It 'ships no System.Management.Automation of its own (PowerShell provides it)' {
        $lib = Join-Path (Split-Path $module) 'lib'
        Join-Path $lib 'System.Management.Automation.dll' | Should -Not -Exist
        Join-Path $lib 'LiteDB.dll' | Should -Exist
    }

    It 'serves the lamin: drive with a conflicting LiteDB loaded first, and after Import-Module -Force' {
        $r = Invoke-Fresh (@'
Add-Type -Path $fake
Import-Module $module
'@ + "`n" + $useLamin + "`n" + @'
Set-Content -Path (Join-Path $work 'f.txt') -Value 'drive'
$a = Add-LaminArtifact (Join-Path $work 'f.txt') -Key 'd/f.txt'
$before = @(Get-ChildItem lamin:\ -Name).Count
Import-Module $module -Force
$text = Get-Content "lamin:\$($a.StorageUid)\d\f.txt"
"RESULT " + (@{ before = $before; after = @(Get-ChildItem lamin:\ -Name).Count; text = $text; fake = [LiteDB.FakeMarker]::Version } | ConvertTo-Json -Compress)
'@)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $json = ($r.Output -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', '' | ConvertFrom-Json
        $json.before | Should -Be 2
        $json.after | Should -Be 2
        $json.text | Should -BeExactly 'drive'
        $json.fake | Should -Be '4.0.0.0'
    }

    It 'survives Import-Module -Force in the same session with every cmdlet still there' {
        $r = Invoke-Fresh (@'
Import-Module $module
$before = (Get-Command -Module Lamin).Count
Import-Module $module -Force
$after = (Get-Command -Module Lamin).Count
'@ + "`n" + $useLamin + "`n" + @'
"RESULT " + (@{ before = $before; after = $after; listed = $listed } | ConvertTo-Json -Compress)
'@)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $json = ($r.Output -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', '' | ConvertFrom-Json
        $json.after | Should -Be $json.before
        $json.before | Should -BeGreaterThan 20
        $json.listed | Should -Be 2
    }

    It 'imports again after Remove-Module and Import-Module -Force as one module Lamin: cmdlets, drive, PSPath (issue 27)' {
        # The cmdlet assembly is the manifest's root module (no module script re-exporting cmdlets or re-homing the
        # provider by reflection): Get-Module shows Lamin and its loader after every import.
        $r = Invoke-Fresh (@'
Import-Module $module
'@ + "`n" + $useLamin + "`n" + @'
Set-Content -Path (Join-Path $work 'f.txt') -Value 'again'
$a = Add-LaminArtifact (Join-Path $work 'f.txt') -Key 'f.txt'
$first = @((Get-Module Lamin).NestedModules.Name)
Remove-Module Lamin
$removed = @(Get-Command -Module Lamin -ErrorAction SilentlyContinue).Count
Import-Module $module
$again = @((Get-Module Lamin).NestedModules.Name)
Import-Module $module -Force
$m = Get-Module Lamin
"RESULT " + (@{ removed = $removed; commands = @(Get-Command -Module Lamin).Count; exported = $m.ExportedCmdlets.Count
    nested = @($first; '|'; $again; '|'; $m.NestedModules.Name) -join ','; provider = (Get-PSProvider Lamin).ModuleName; pspath = (Get-LaminArtifact $a.Uid).PSPath
    text = Get-Content "Lamin\Lamin::$($a.StorageUid)\f.txt"; listed = @(Get-LaminStorage).Count } | ConvertTo-Json -Compress)
'@)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $json = ($r.Output -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', '' | ConvertFrom-Json
        $expected = (Import-PowerShellDataFile $module).CmdletsToExport.Count
        $json.removed | Should -Be 0
        $json.commands | Should -Be $expected
        $json.exported | Should -Be $expected
        # The same module after each import (the old module script showed a dynamic_code_module, and none after -Force).
        $json.nested | Should -BeExactly 'Lamin.Loader,|,Lamin.Loader,|,Lamin.Loader'
        $json.provider | Should -BeExactly 'Lamin'
        $json.pspath | Should -BeLike 'Lamin\Lamin::*'
        $json.text | Should -BeExactly 'again'
        $json.listed | Should -Be 2
    }

    It 'fails without the private context (negative control: the test can see the problem)' {
        # Loading the cmdlet assembly straight into the default context after the conflicting LiteDB:
        # the first registry call must fail to bind LiteDB 5.
        $r = Invoke-Fresh (@'
Add-Type -Path $fake
Import-Module (Join-Path (Split-Path $module) 'lib/Lamin.PowerShell.dll')
New-LaminInstance -Name neg -Storage (Join-Path $work 'root') | Out-Null
"RESULT ok"
'@)
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match 'LiteDB'
    }
}
