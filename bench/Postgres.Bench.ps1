<#
.SYNOPSIS
    Team instances on PostgreSQL (issue "Team instances on PostgreSQL", numbers):
    - Get-LaminArtifact -Key 'prefix*' (1,000 hits) over -Artifacts artifacts against a raw Npgsql query of
      the same rows in the same process (ratio; target <= 1.3);
    - adding one artifact into that registry against adding it into an empty one (ratio; target <= 1.2);
    - -Files files of 4 KiB through one pipeline into a PostgreSQL instance against the same into LiteDB
      (ratio; target <= 1.2);
    - Copy-LaminInstance of -CopyArtifacts artifacts: time, and the process's peak working set (flat in n).
    Uses the server LAMIN_TEST_POSTGRES names, else starts a throwaway one (tests/servers/Start-Postgres.ps1).
    The large registry is filled with SQL (generate_series), not through the cmdlets: it is the state measured.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Artifacts = 1000000,
    [int] $Files = 10000,
    [int] $CopyArtifacts = 100000,
    [int] $Runs = 5
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-pgbench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Seconds([scriptblock] $sb) { (Measure-Command $sb).TotalSeconds }

$started = $null
if (-not $env:LAMIN_TEST_POSTGRES) { $started = & (Join-Path $PSScriptRoot '../tests/servers/Start-Postgres.ps1') }
$env:LAMIN_TEST_MODULE = (Resolve-Path $ModulePath).Path
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # Invoke-TestPostgresSql, New-TestDatabase
$server = Get-TestPostgresServer
$env:PGPASSWORD = $server.Password
$env:LAMIN_USER = 'bench'
$results = [ordered]@{ Machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"; Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd') }
$databases = @()
try {
    # ---- a registry of $Artifacts artifacts, and an empty one -----------------------------------------
    $big = New-TestDatabase; $databases += $big
    $env:LAMIN_HOME = Join-Path $work 'home-big'
    $bigRoot = Join-Path $work 'big'
    $null = New-LaminInstance -Name big -Storage $bigRoot -Database $big.Url
    $st = Get-LaminStorage
    Write-Host "filling $Artifacts artifacts with SQL..."
    $null = Invoke-TestPostgresSql -Database $big.Name @"
INSERT INTO lamin.artifact (uid, key, suffix, size, hash, _hash_type, storage_id, storage_uid, _key_is_virtual, created_by)
SELECT lpad(to_hex(g), 16, '0') || '0000', lpad((g % 1000)::text, 3, '0') || '/f' || g || '.txt', '.txt', 4096,
       md5(g::text), 'md5', $($st.Id), '$($st.Uid)', true, 'bench'
FROM generate_series(1, $Artifacts) g;
ANALYZE lamin.artifact;
"@
    # '042/' holds $Artifacts / 1000 artifacts (1,000 for a million).
    $prefix = '042/'   # digits: -Key matches without regard to case, so the index seeks by the prefix up to the first letter
    $hits = @(Get-LaminArtifact -Key "$prefix*").Count
    $ours = @(); $raw = @()
    $cs = "Host=$($server.Host);Port=$($server.Port);Username=$($server.User);Password=$($server.Password);Database=$($big.Name)"
    $ds = [Npgsql.NpgsqlDataSource]::Create($cs)
    for ($r = 0; $r -lt $Runs; $r++) {
        $ours += Seconds { $null = Get-LaminArtifact -Key "$prefix*" }
        $raw += Seconds {
            $c = $ds.OpenConnection()
            try {
                $cmd = $c.CreateCommand()
                $cmd.CommandText = "SELECT * FROM lamin.artifact WHERE key LIKE '042/%' AND is_latest AND NOT is_trashed"
                $rd = $cmd.ExecuteReader(); $rows = [System.Collections.Generic.List[object[]]]::new()
                while ($rd.Read()) { $v = [object[]]::new($rd.FieldCount); $null = $rd.GetValues($v); $rows.Add($v) }
                $rd.Dispose()
            }
            finally { $c.Dispose() }
        }
    }
    $results.PrefixQuery = [ordered]@{ Hits = $hits; Ours = Median $ours; RawNpgsql = Median $raw; Ratio = (Median $ours) / (Median $raw) }

    $one = Join-Path $work 'one'; $null = New-Item -ItemType Directory $one
    $addBig = @(); for ($r = 0; $r -lt $Runs; $r++) {
        $f = Join-Path $one "big$r.txt"; Set-Content -LiteralPath $f -Value "big $r" -NoNewline
        $addBig += Seconds { $null = Add-LaminArtifact $f -Key "one/big$r.txt" }
    }
    $empty = New-TestDatabase; $databases += $empty
    $env:LAMIN_HOME = Join-Path $work 'home-empty'
    $null = New-LaminInstance -Name empty -Storage (Join-Path $work 'empty') -Database $empty.Url
    $addEmpty = @(); for ($r = 0; $r -lt $Runs; $r++) {
        $f = Join-Path $one "empty$r.txt"; Set-Content -LiteralPath $f -Value "empty $r" -NoNewline
        $addEmpty += Seconds { $null = Add-LaminArtifact $f -Key "one/empty$r.txt" }
    }
    $results.AddOne = [ordered]@{ IntoBig = Median $addBig; IntoEmpty = Median $addEmpty; Ratio = (Median $addBig) / (Median $addEmpty) }

    # ---- $Files files of 4 KiB through one pipeline: PostgreSQL against LiteDB --------------------------
    $many = Join-Path $work 'many'; $null = New-Item -ItemType Directory $many
    bash -c "cd '$many' && head -c $(4096 * $Files) /dev/urandom | split -b 4096 -a 5 -d - f"
    if ($LASTEXITCODE) { throw 'could not make the files' }
    $pg = New-TestDatabase; $databases += $pg
    $env:LAMIN_HOME = Join-Path $work 'home-pg'
    $null = New-LaminInstance -Name pg -Storage (Join-Path $work 'pg') -Database $pg.Url
    $pgTime = Seconds { $null = Add-LaminArtifact -Path (Join-Path $many '*') }
    $env:LAMIN_HOME = Join-Path $work 'home-lite'
    $null = New-LaminInstance -Name lite -Storage (Join-Path $work 'lite')
    $liteTime = Seconds { $null = Add-LaminArtifact -Path (Join-Path $many '*') }
    $results.Ingest = [ordered]@{ Files = $Files; PostgreSQL = $pgTime; LiteDB = $liteTime; Ratio = $pgTime / $liteTime }

    # ---- Copy-LaminInstance of $CopyArtifacts artifacts (a LiteDB registry filled through one pipeline) --
    $env:LAMIN_HOME = Join-Path $work 'home-copy'
    $null = New-LaminInstance -Name copy -Storage (Join-Path $work 'copy')
    $src = Join-Path $work 'copysrc'; $null = New-Item -ItemType Directory $src
    bash -c "cd '$src' && head -c $(16 * $CopyArtifacts) /dev/urandom | split -b 16 -a 6 -d - c"
    $null = Add-LaminArtifact -Path (Join-Path $src '*') -SkipHashLookup
    $dest = New-TestDatabase; $databases += $dest
    [GC]::Collect()
    $proc = Get-Process -Id $PID; $proc.Refresh(); $before = $proc.WorkingSet64
    $copyTime = Seconds { $null = Copy-LaminInstance -Destination $dest.Url -Confirm:$false }
    $proc.Refresh()
    $results.Copy = [ordered]@{ Artifacts = $CopyArtifacts; Seconds = $copyTime; PeakWorkingSetMiB = [math]::Round($proc.PeakWorkingSet64 / 1MB, 1); WorkingSetBeforeMiB = [math]::Round($before / 1MB, 1) }
    $results | ConvertTo-Json -Depth 4
}
finally {
    foreach ($d in $databases) { try { Remove-TestDatabase $d } catch { Write-Warning $_ } }
    if ($started) { & (Join-Path $PSScriptRoot '../tests/servers/Stop-Postgres.ps1') -Server $started }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
