<#
.SYNOPSIS
    Issue 28, a team's registry at size: -Sizes artifacts on PostgreSQL (filled with SQL: realistic keys
    project-<p>/run-<r>/sample-<n>.fastq.gz over 10 locations, one of them holding half the records), and
    -LiteSizes on LiteDB (filled with LiteDB's InsertBulk, bench/BulkFill.ps1).
    Per size, in this process (median of -Runs, `sync` before each run): a single add, an exact key, a key prefix
    (1,000 hits at every size), Get-LaminStorage -Statistics, one location's Get-LaminArtifact -Storage | Select
    -First 10. Their ratio to the smallest size is the target (<= 1.3).
    Per size, each bulk command in a fresh process (its peak resident memory above its resident memory just
    before the command, VmHWM - VmRSS; target <= 300 MiB, flat in the size): Test-LaminStorage, Get-LaminStorageUsage,
    Clear-LaminStorage -Orphaned -WhatIf, Get-LaminArtifact -Storage <the big location> | Measure-Object, and
    (LiteDB) Copy-LaminInstance into a fresh database. The records have no bytes behind them (the state measured
    is the registry's): Test-LaminStorage and Get-LaminStorageUsage report them missing, which they stream too.
    Uses the server LAMIN_TEST_POSTGRES names, else starts a throwaway one. Linux only (/proc, sync).
.EXAMPLE
    dotnet pwsh bench/TeamScale.Bench.ps1 -Sizes 10000,10000000 -LiteSizes 10000,1000000
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    # The issue's target is 10,000,000 (-Sizes 10000,10000000: about 6 GB of database); the default stays within a small disk.
    [long[]] $Sizes = @(10000, 1000000),
    [long[]] $LiteSizes = @(10000, 1000000),
    [int] $Runs = 5,
    [switch] $SkipBulk
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$started = $null
if (-not $env:LAMIN_TEST_POSTGRES) { $started = & (Join-Path $PSScriptRoot '../tests/servers/Start-Postgres.ps1') }
$env:LAMIN_TEST_MODULE = (Resolve-Path $ModulePath).Path
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')
Import-Module $env:LAMIN_TEST_MODULE
. (Join-Path $PSScriptRoot 'BulkFill.ps1')
$server = Get-TestPostgresServer
$env:PGPASSWORD = $server.Password
$env:LAMIN_USER = 'bench'
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-teamscale-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
function Median([double[]] $xs) { $s = @($xs | Sort-Object); $s[[int][math]::Floor($s.Count / 2)] }
function Ms([scriptblock] $sb) { & sync; (Measure-Command $sb).TotalMilliseconds }

# A bulk command in a fresh process: seconds, and peak resident memory above the resident memory just before it.
function Measure-Bulk([string] $HomePath, [string] $Command) {
    $body = @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; `$WarningPreference = 'SilentlyContinue'
function Status([string] `$field) { [long]((Get-Content /proc/self/status | Select-String "^`$field") -replace '\D', '') * 1KB }
Import-Module `$env:LAMIN_TEST_MODULE
`$env:LAMIN_HOME = '$HomePath'
`$null = Get-LaminStorage | Select-Object -First 1
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
`$before = Status VmRSS
`$s = (Measure-Command { $Command }).TotalSeconds
'{0}|{1}|{2}' -f `$s, (Status VmHWM), `$before
"@
    & sync
    $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $body))
    $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync(); $p.WaitForExit()
    if ($p.ExitCode -ne 0) { throw "bulk command failed ($($p.ExitCode)): $Command $($out.Result) $($err.Result)" }
    $secs, $peak, $before = (($out.Result.Trim() -split "`n")[-1]).Split('|')
    [pscustomobject]@{ Seconds = [math]::Round([double]$secs, 1); PeakAboveMiB = [math]::Round(([double]$peak - [double]$before) / 1MB, 0) }
}

$rows = [Collections.Generic.List[object]]::new()
$databases = @()
try {
    foreach ($engine in 'PostgreSQL', 'LiteDB') {
        $sizes = if ($engine -eq 'PostgreSQL') { $Sizes } else { $LiteSizes }
        foreach ($n in $sizes) {
            $homeDir = Join-Path $work "home-$engine-$n"
            $env:LAMIN_HOME = $homeDir
            $roots = 0..9 | ForEach-Object { Join-Path $work "$engine-$n-loc$_" }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            if ($engine -eq 'PostgreSQL') {
                $db = New-TestDatabase; $databases += $db
                $null = New-LaminInstance -Name "pg$n" -Storage $roots[0] -Database $db.Url
                $locs = @(Get-LaminStorage) + @(1..9 | ForEach-Object { New-LaminStorage $roots[$_] })
                # Half the records in location 0, the rest spread over the nine others; 1,000 under project-042/run-0042/ at every size.
                $null = Invoke-TestPostgresSql -Database $db.Name -TimeoutSeconds 0 @"
SET session_replication_role = replica;  -- the fill only: no per-row guard triggers (the rows are the bench's own, made valid here)
INSERT INTO lamin.artifact (uid, key, suffix, size, hash, _hash_type, storage_id, storage_uid, _key_is_virtual, created_by)
SELECT lpad(to_hex(g), 16, '0') || '0000',
       CASE WHEN g <= 1000 THEN 'project-042/run-0042/sample-' || g || '.fastq.gz'
            ELSE 'project-' || lpad((g % 97)::text, 3, '0') || '/run-' || lpad((g % 9973)::text, 4, '0') || '/sample-' || g || '.fastq.gz' END,
       '.fastq.gz', 4096 + g % 1000, md5(g::text), 'md5', l.ids[i.x], l.uids[i.x], true, 'bench'
FROM generate_series(1, $n) g
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids, array_agg(uid ORDER BY id) AS uids FROM lamin.storage) l
CROSS JOIN LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 1 ELSE 2 + (g / 2) % 9 END AS x) i
"@
                $null = Invoke-TestPostgresSql -Database $db.Name -TimeoutSeconds 0 'VACUUM ANALYZE lamin.artifact'
                $dbBytes = Invoke-TestPostgresSql -Database $db.Name "SELECT pg_database_size('$($db.Name)')"
            }
            else {
                $null = New-LaminInstance -Name "lite$n" -Storage $roots[0]
                $first = Join-Path $work "lite$n-first.txt"; Set-Content -LiteralPath $first -Value "first of $n" -NoNewline
                $null = Add-LaminArtifact $first -Key 'd0000/f0000000.txt'   # BulkFill clones it: keys d<nnnn>/f<nnnnnnn>.txt
                Invoke-BulkFill (Get-LaminInstance).RegistryPath $n
                $locs = @(Get-LaminStorage)
            }
            $fill = $watch.Elapsed.TotalSeconds
            $dbBytes = if ($engine -eq 'PostgreSQL') { $dbBytes } else { 0 }
            $big = $locs[0]
            $exact = if ($engine -eq 'PostgreSQL') { 'project-042/run-0042/sample-500.fastq.gz' } else { (Get-LaminArtifact -Storage $big.Uid | Select-Object -First 1).Key }
            $prefix = if ($engine -eq 'PostgreSQL') { 'project-042/run-0042/*' } else { 'd0005/*' }   # BulkFill: 1,000 keys per d<nnnn>/ folder
            $one = Join-Path $work "one-$engine-$n"; $null = New-Item -ItemType Directory $one
            $t = [ordered]@{ Add = @(); Exact = @(); Prefix = @(); Statistics = @(); First10 = @() }
            for ($r = 0; $r -le $Runs; $r++) {   # run 0 warms up
                $f = Join-Path $one "a$r.txt"; Set-Content -LiteralPath $f -Value "one $engine $n $r" -NoNewline
                $m = [ordered]@{
                    Add        = Ms { $null = Add-LaminArtifact $f -Key "one/a$r.txt" }
                    Exact      = Ms { $null = Get-LaminArtifact -Key $exact }
                    Prefix     = Ms { $null = Get-LaminArtifact -Key $prefix }
                    Statistics = Ms { $null = Get-LaminStorage -Statistics }
                    First10    = Ms { $null = Get-LaminArtifact -Storage $big.Uid | Select-Object -First 10 }
                }
                if ($r -gt 0) { foreach ($k in $m.Keys) { $t[$k] += $m[$k] } }
            }
            $row = [ordered]@{ Engine = $engine; Artifacts = $n; FillSeconds = [math]::Round($fill, 0)
                RegistryMiB = [math]::Round($(if ($engine -eq 'PostgreSQL') { $dbBytes } else { (Get-Item (Get-LaminInstance).RegistryPath).Length }) / 1MB, 0)
                PrefixHits = @(Get-LaminArtifact -Key $prefix).Count }
            foreach ($k in @($t.Keys)) { $row["${k}Ms"] = [math]::Round((Median $t[$k]), 1) }
            if (-not $SkipBulk) {
                $bulk = [ordered]@{
                    TestStorage   = 'Test-LaminStorage | Out-Null'
                    Usage         = 'Get-LaminStorageUsage | Out-Null'
                    Orphans       = 'Clear-LaminStorage -Orphaned -WhatIf | Out-Null'
                    StorageStream = "Get-LaminArtifact -Storage '$($big.Uid)' | Measure-Object | Out-Null"
                }
                if ($engine -eq 'LiteDB') {
                    $dest = New-TestDatabase; $databases += $dest
                    $bulk.Copy = "Copy-LaminInstance -Destination '$($dest.Url)' -Confirm:`$false | Out-Null"
                }
                foreach ($k in $bulk.Keys) {
                    $b = Measure-Bulk $homeDir $bulk[$k]
                    $row["${k}Seconds"] = $b.Seconds; $row["${k}PeakMiB"] = $b.PeakAboveMiB
                }
            }
            $rows.Add([pscustomobject]$row)
            Write-Host ([pscustomobject]$row | ConvertTo-Json -Compress)
        }
    }
}
finally {
    foreach ($d in $databases) { try { Remove-TestDatabase $d } catch { Write-Warning $_ } }
    if ($started) { & (Join-Path $PSScriptRoot '../tests/servers/Stop-Postgres.ps1') -Server $started }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
"`n| engine | artifacts | add ms | exact ms | prefix ms (hits) | -Statistics ms | -Storage first 10 ms |"
'|---|---|---|---|---|---|---|'
foreach ($r in $rows) { "| $($r.Engine) | $($r.Artifacts) | $($r.AddMs) | $($r.ExactMs) | $($r.PrefixMs) ($($r.PrefixHits)) | $($r.StatisticsMs) | $($r.First10Ms) |" }
if (-not $SkipBulk) {
    "`n| engine | artifacts | Test-LaminStorage s / MiB | Get-LaminStorageUsage s / MiB | Clear -Orphaned -WhatIf s / MiB | -Storage stream s / MiB | Copy-LaminInstance s / MiB |"
    '|---|---|---|---|---|---|---|'
    foreach ($r in $rows) {
        "| $($r.Engine) | $($r.Artifacts) | $($r.TestStorageSeconds) / $($r.TestStoragePeakMiB) | $($r.UsageSeconds) / $($r.UsagePeakMiB) | $($r.OrphansSeconds) / $($r.OrphansPeakMiB) | $($r.StorageStreamSeconds) / $($r.StorageStreamPeakMiB) | $(if ($r.PSObject.Properties['CopySeconds']) { "$($r.CopySeconds) / $($r.CopyPeakMiB)" } else { '' }) |"
    }
}
