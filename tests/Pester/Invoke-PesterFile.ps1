# Runs one Pester file in this (fresh) process and writes its counts as JSON for build.ps1.
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $TestFile,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultFile,
    [string[]] $Tag
)
$ErrorActionPreference = 'Stop'
Import-Module (Resolve-Path -LiteralPath $PesterPath).ProviderPath
$env:LAMIN_TEST_MODULE = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
if (-not $env:LAMIN_TEST_HOOKS) { $env:LAMIN_TEST_HOOKS = Join-Path $PSScriptRoot '../Lamin.TestHooks/bin/Release/net8.0/Lamin.TestHooks.dll' }
$config = New-PesterConfiguration
$config.Run.Path = $TestFile
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.StackTraceVerbosity = 'Filtered'
if ($Tag) { $config.Filter.Tag = @($Tag -split ',') } else { $config.Filter.ExcludeTag = @('RealCloud') }
$result = Invoke-Pester -Configuration $config
[pscustomobject]@{
    File    = $TestFile
    Total   = $result.TotalCount
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -Path $ResultFile
