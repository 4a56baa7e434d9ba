#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks the Lamin module.
.DESCRIPTION
    Build (default) : builds out/Lamin (Import-Module ./out/Lamin).
    Test            : builds, then runs the xunit suite and every Pester file in a fresh `pwsh -NoProfile`
                      process; prints "N passed, N failed, N skipped" and exits non-zero on any failure.
    Demo            : builds, then runs demo/Demo.ps1 on a throw-away local instance.
    Bench           : builds, then runs the benchmarks in bench/ and prints their results.
    Package         : builds, then writes out/Lamin.<version>.nupkg with PSResourceGet's Publish-PSResource
                      (tools/New-LaminPackage.ps1); Install-PSResource installs it from a local file repository.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Pester files to run (default: all of tests/Pester); for a quick loop on one file.
    [string[]] $TestPath,
    # Pester tag filter, e.g. -Tag Cloud; tests tagged RealCloud run only when asked.
    [string[]] $Tag,
    # Package only: the package's version instead of Lamin.psd1's ModuleVersion (which is not changed).
    [version] $Version
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleDir = Join-Path $out 'Lamin'
$pesterVersion = '5.7.1'

function Invoke-Native([string] $what, [scriptblock] $command) {
    & $command
    if ($LASTEXITCODE -ne 0) { throw "$what failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $manifest = Import-PowerShellDataFile (Join-Path $root 'Lamin.psd1')
    $version = $manifest.ModuleVersion
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path (Join-Path $moduleDir 'lib')
    Invoke-Native 'dotnet build' { dotnet build (Join-Path $root 'lamin.sln') -c $Configuration -nologo -v:q "-p:Version=$version" }
    Invoke-Native 'dotnet publish (cmdlets)' {
        dotnet publish (Join-Path $root 'src/Lamin.PowerShell') -c $Configuration --no-build -nologo -v:q -o (Join-Path $moduleDir 'lib') "-p:Version=$version"
    }
    Invoke-Native 'dotnet publish (loader)' {
        dotnet publish (Join-Path $root 'src/Lamin.Loader') -c $Configuration --no-build -nologo -v:q -o (Join-Path $out 'loader') "-p:Version=$version"
    }
    Copy-Item (Join-Path $out 'loader/Lamin.Loader.dll') $moduleDir
    Get-ChildItem (Join-Path $moduleDir 'lib') -Include '*.pdb', '*.deps.json' -Recurse | Remove-Item
    Copy-Item (Join-Path $root 'Lamin.psd1'), (Join-Path $root 'src/Lamin.PowerShell/Lamin.Format.ps1xml'), (Join-Path $root 'src/Lamin.PowerShell/Lamin.Types.ps1xml'), (Join-Path $root 'LICENSE') $moduleDir
    $helpDir = Join-Path $moduleDir 'en-US'
    $null = New-Item -ItemType Directory -Path $helpDir -Force
    Copy-Item (Join-Path $root 'docs/en-US/*') $helpDir -ErrorAction SilentlyContinue
    $helpScript = Join-Path $root 'tools/New-LaminHelp.ps1'
    if (Test-Path $helpScript) {
        # In a child process: the module's assemblies stay out of this (build) process.
        Invoke-Native 'help generation' {
            dotnet pwsh -NoProfile -NonInteractive -File $helpScript -ModulePath (Join-Path $moduleDir 'Lamin.psd1') `
                -HelpSource (Join-Path $root 'docs/help') -OutFile (Join-Path $helpDir 'Lamin.PowerShell.dll-Help.xml')
        }
    }
    Write-Host "Built $moduleDir (version $version) in $([int]$watch.Elapsed.TotalSeconds) s."
}

function Get-PesterModule {
    $pester = Join-Path $root "tests/tools/packages/pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $pester)) {
        Invoke-Native 'Pester download' {
            dotnet restore (Join-Path $root 'tests/tools/pester.csproj') --packages (Join-Path $root 'tests/tools/packages') -nologo -v:q
        }
    }
    $pester
}

function Invoke-Test {
    $pester = Get-PesterModule
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $results
    $passed = 0; $failed = 0; $skipped = 0

    if (-not $TestPath) {
        Write-Host "`n== xunit: tests/Lamin.Core.Tests"
        $trx = Join-Path $results 'core.trx'
        dotnet test (Join-Path $root 'tests/Lamin.Core.Tests') -c $Configuration --no-build -nologo --blame `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
        $xunitExit = $LASTEXITCODE
        if (-not (Test-Path $trx)) { throw 'xunit produced no results file.' }
        $summary = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary
        $counters = $summary.Counters
        $passed += [int]$counters.passed; $failed += [int]$counters.failed + [int]$counters.error
        # A crashed test host ends the run early with nothing failed: it counts as a failure (the tests it never ran).
        if (($xunitExit -ne 0 -or $summary.outcome -notin 'Completed', 'Passed') -and [int]$counters.failed + [int]$counters.error -eq 0) {
            Write-Host "!! xunit: the run was aborted (outcome $($summary.outcome), exit $xunitExit); the test host crashed before every test ran." -ForegroundColor Red
            $failed += 1
        }
        $skipped += [int]$counters.notExecuted
        if ([int]$counters.total -eq 0) { throw 'xunit ran no test.' }
    }

    $files = if ($TestPath) { $TestPath | ForEach-Object { Get-Item $_ } } else {
        Get-ChildItem (Join-Path $root 'tests/Pester') -Filter '*.Tests.ps1' | Sort-Object Name
    }
    $runner = Join-Path $root 'tests/Pester/Invoke-PesterFile.ps1'
    # The test hooks (tests/Lamin.TestHooks, built with the solution, never in the module): TestHelpers.psm1 installs them.
    $env:LAMIN_TEST_HOOKS = Join-Path $root "tests/Lamin.TestHooks/bin/$Configuration/net8.0/Lamin.TestHooks.dll"
    # The real local S3/GCS servers (npm, cached in tests/servers/node_modules after the first run).
    Invoke-Native 'installing the local cloud servers' { dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/servers/Install-CloudServers.ps1') }
    # Each file runs in its own pwsh. Two lanes run at once (most of a file's time is spent waiting on
    # child processes, servers and the disk); the files that measure contention or crash processes on
    # purpose run alone afterwards. Longest (largest) files start first. Output is printed per file, whole.
    $alone = @('Concurrency.Tests.ps1', 'Reliability.Concurrency.Tests.ps1', 'Reliability.Crash.Tests.ps1')
    $lanes = if ($env:LAMIN_TEST_LANES) { [int]$env:LAMIN_TEST_LANES } else { 2 }
    $shared = @($files | Where-Object Name -notin $alone | Sort-Object Length -Descending)
    $queues = @(@{ Files = $shared; Lanes = $lanes }, @{ Files = @($files | Where-Object Name -in $alone); Lanes = 1 })
    foreach ($q in $queues) {
        $pending = [Collections.Generic.Queue[object]]::new([object[]]$q.Files)
        $running = [Collections.Generic.List[object]]::new()
        while ($pending.Count -gt 0 -or $running.Count -gt 0) {
            while ($pending.Count -gt 0 -and $running.Count -lt $q.Lanes) {
                $file = $pending.Dequeue()
                $json = Join-Path $results ($file.BaseName + '.json')
                $log = Join-Path $results ($file.BaseName + '.log')
                $runnerArgs = @('pwsh', '-NoProfile', '-NonInteractive', '-File', $runner, '-PesterPath', $pester, '-TestFile', $file.FullName,
                    '-ModulePath', (Join-Path $moduleDir 'Lamin.psd1'), '-ResultFile', $json)
                if ($Tag) { $runnerArgs += @('-Tag', ($Tag -join ',')) }
                $quoted = $runnerArgs | ForEach-Object { '"' + $_ + '"' }
                $p = Start-Process dotnet -ArgumentList $quoted -NoNewWindow -PassThru -RedirectStandardOutput $log -RedirectStandardError "$log.err"
                $running.Add([pscustomobject]@{ File = $file; Json = $json; Log = $log; Process = $p; Watch = [Diagnostics.Stopwatch]::StartNew() })
            }
            $done = @($running | Where-Object { $_.Process.HasExited })
            if ($done.Count -eq 0) { $null = $running[0].Process.WaitForExit(250); continue }
            foreach ($r in $done) {
                $null = $running.Remove($r)
                $r.Process.WaitForExit()
                Write-Host "`n== Pester: $($r.File.Name) ($([int]$r.Watch.Elapsed.TotalSeconds) s)"
                Get-Content -LiteralPath $r.Log, "$($r.Log).err" -ErrorAction SilentlyContinue | Write-Host
                if (-not (Test-Path $r.Json)) {
                    Write-Host "!! $($r.File.Name) crashed before reporting (exit $($r.Process.ExitCode))." -ForegroundColor Red
                    $failed += 1
                    continue
                }
                $res = Get-Content $r.Json -Raw | ConvertFrom-Json
                $passed += $res.Passed; $failed += $res.Failed; $skipped += $res.Skipped
                if ($res.Total -eq 0) { Write-Host "!! $($r.File.Name) ran no test." -ForegroundColor Red; $failed += 1 }
            }
        }
    }
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host ''
    Write-Host $line
    if ($failed -gt 0) { exit 1 }
}

# ---- PostgreSQL test server (team instances, SPEC §7) ----------------------------------------------
# Runs $run with a PostgreSQL server for the tests that need one (xunit, or a Pester file that reads
# LAMIN_TEST_POSTGRES): a throwaway cluster from tests/servers/Start-Postgres.ps1, stopped and deleted
# afterwards, or the server LAMIN_TEST_POSTGRES already names.
function Invoke-WithTestPostgres([scriptblock] $run) {
    $needed = -not $TestPath -or @($TestPath | Where-Object { Select-String -LiteralPath $_ -Pattern 'LAMIN_TEST_POSTGRES' -SimpleMatch -Quiet }).Count -gt 0
    if (-not $needed) { & $run; return }
    if (-not $env:LAMIN_TEST_POSTGRES -and -not $IsLinux) {
        Write-Warning 'No PostgreSQL server for the tests: set LAMIN_TEST_POSTGRES to a connection string (README); the PostgreSQL tests are skipped.'
        & $run; return
    }
    $server = & (Join-Path $root 'tests/servers/Start-Postgres.ps1')
    try { & $run }
    finally { & (Join-Path $root 'tests/servers/Stop-Postgres.ps1') -Server $server }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Build; Invoke-WithTestPostgres { Invoke-Test } }
    'Demo' {
        Invoke-Build
        Invoke-Native 'demo' { dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'demo/Demo.ps1') -ModulePath (Join-Path $moduleDir 'Lamin.psd1') }
    }
    'Package' {
        Invoke-Build
        $packageArgs = @{ ModulePath = $moduleDir; OutputPath = $out }
        if ($Version) { $packageArgs.Version = $Version }
        $package = & (Join-Path $root 'tools/New-LaminPackage.ps1') @packageArgs
        Write-Host "Packaged $($package.FullName) ($([math]::Round($package.Length / 1MB, 1)) MiB)."
    }
    'Bench' {
        Invoke-Build
        foreach ($b in Get-ChildItem (Join-Path $root 'bench') -Filter '*.Bench.ps1' | Sort-Object Name) {
            Write-Host "`n== $($b.Name)"
            Invoke-Native $b.Name { dotnet pwsh -NoProfile -NonInteractive -File $b.FullName -ModulePath (Join-Path $moduleDir 'Lamin.psd1') }
        }
    }
}
