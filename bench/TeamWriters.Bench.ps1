<#
.SYNOPSIS
    Issue 28, ten writers: -Writers processes at once (each its own LAMIN_HOME, as separate machines) on one
    registry, each adding -Files files of 4 KiB in one command, -Rounds new versions of each of -SharedKeys keys
    every writer shares (one command each), trashing and restoring -Trash of its artifacts; on PostgreSQL and on
    one LiteDB file. Reports the aggregate rate (artifacts registered per second of wall time, from the moment
    every writer was ready to the last one's end) for each number of writers, its ratio to one writer's rate
    in the same run, each writer's own ingest time (median and max: a writer that queued behind another's
    whole batch shows as a max near the sum), and checks every invariant afterwards (TeamWriters.psm1).
    Uses the server LAMIN_TEST_POSTGRES names, else starts a throwaway one.
.EXAMPLE
    dotnet pwsh bench/TeamWriters.Bench.ps1 -Writers 1,2,5,10 -Files 1000
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int[]] $Writers = @(1, 2, 5, 10),
    [int] $Files = 1000,
    [int] $SharedKeys = 20,
    [int] $Rounds = 1,
    [int] $Trash = 10,
    [ValidateSet('PostgreSQL', 'LiteDB')] [string[]] $Engine = @('PostgreSQL', 'LiteDB')
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$started = $null
if ('PostgreSQL' -in $Engine -and -not $env:LAMIN_TEST_POSTGRES) { $started = & (Join-Path $PSScriptRoot '../tests/servers/Start-Postgres.ps1') }
$env:LAMIN_TEST_MODULE = (Resolve-Path $ModulePath).Path
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TeamWriters.psm1')
Import-Module $env:LAMIN_TEST_MODULE
function Median([double[]] $xs) { $s = @($xs | Sort-Object); $s[[int][math]::Floor($s.Count / 2)] }

$rows = [Collections.Generic.List[object]]::new()
try {
    foreach ($e in $Engine) {
        $single = $null
        foreach ($n in $Writers) {
            $t = New-TestInstance -Backend $e
            try {
                foreach ($w in 1..$n) { New-TeamWriterFiles -Folder (Join-Path $t.Work "w$w") -Count $Files -Tag "writer $w" -Size 4096 }
                & sync
                $connect = if ($e -eq 'PostgreSQL') { @{ Database = $t.Database.Url } } else { @{ Registry = $t.Storage } }
                $run = Invoke-TeamWriters -Count $n -Work $t.Work -SharedKeys $SharedKeys -Rounds $Rounds -Trash $Trash @connect
                $records = $n * ($Files + $SharedKeys * $Rounds)
                $rate = $records / $run.WallSeconds
                if ($n -eq 1) { $single = $rate }
                $errors = @($run.Results | ForEach-Object Errors | Where-Object { $_ })
                $violations = (Get-TeamInvariantViolation -Keys (1..$SharedKeys | ForEach-Object { "shared/k$_.txt" }) -ExpectedPerKey ($n * $Rounds) -ExpectedTotal $records)   # one array (empty when every invariant holds)
                $row = [pscustomobject]@{
                    Engine = $e; Writers = $n; Records = $records; WallSeconds = [math]::Round($run.WallSeconds, 1)
                    PerSecond = [math]::Round($rate, 0); VersusOne = if ($single) { [math]::Round($rate / $single, 2) } else { $null }
                    IngestMedian = [math]::Round((Median ($run.Results | ForEach-Object IngestSeconds)), 1)
                    IngestMax = [math]::Round(($run.Results | Measure-Object IngestSeconds -Maximum).Maximum, 1)
                    Errors = $errors.Count; Violations = $violations.Count
                }
                $rows.Add($row)
                $row | Format-Table -AutoSize | Out-String | Write-Host
                if ($errors) { Write-Host ($errors | Select-Object -First 5 | Out-String) }
                if ($violations) { Write-Host ($violations | Select-Object -First 5 | Out-String) }
            }
            finally { $t | Remove-TestInstance }
        }
    }
}
finally {
    if ($started) { & (Join-Path $PSScriptRoot '../tests/servers/Stop-Postgres.ps1') -Server $started }
}
"`n| engine | writers | records | wall s | records/s | vs 1 writer | ingest s median / max | errors | invariant violations |"
'|---|---|---|---|---|---|---|---|---|'
foreach ($r in $rows) { "| $($r.Engine) | $($r.Writers) | $($r.Records) | $($r.WallSeconds) | $($r.PerSecond) | $($r.VersusOne) | $($r.IngestMedian) / $($r.IngestMax) | $($r.Errors) | $($r.Violations) |" }
