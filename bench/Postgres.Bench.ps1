<#
.SYNOPSIS
    Team instances on PostgreSQL (issues "Team instances on PostgreSQL" and "Access enforced by PostgreSQL", numbers):
    - prefix: Get-LaminArtifact -Key 'prefix*' (1,000 hits) over -Artifacts artifacts against a raw Npgsql
      query of the same rows in the same process (ratio; target <= 1.3);
    - add: adding one artifact into that registry against adding it into an empty one (ratio; target <= 1.2);
    - ingest: -Files files of 4 KiB through one pipeline into a PostgreSQL instance against the same into
      LiteDB (ratio; target <= 1.2);
    - copy: Copy-LaminInstance of each of -CopySizes artifacts (a LiteDB registry filled with LiteDB's
      InsertBulk, as bench/Scale.Bench.ps1 -Fill Bulk does), each copy in a fresh process: time, and that
      process's peak resident memory above its resident memory just before the copy (flat in n: the copy streams);
    - concurrency: -Machines processes (their own LAMIN_HOME) adding -PerMachine files each through one
      pipeline into one instance at once, against one machine alone: aggregate rate, lost and duplicated.
    Medians of -Runs runs; `sync` before every timed run (ours and the baseline alike). Uses the server
    LAMIN_TEST_POSTGRES names, else starts a throwaway one (tests/servers/Start-Postgres.ps1).
    The large registry is filled with SQL (generate_series), not through the cmdlets: it is the state measured.
.EXAMPLE
    dotnet pwsh bench/Postgres.Bench.ps1 -Only prefix,add -Artifacts 100000
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Artifacts = 1000000,
    [int] $Files = 10000,
    [int[]] $CopySizes = @(2000, 20000, 100000),
    [int] $Machines = 4,
    [int] $PerMachine = 2500,
    [int] $Runs = 3,
    # prefix: samples (ours and the raw query alternating), each timing -CallsPerSample calls
    [int] $PrefixSamples = 15,
    [int] $CallsPerSample = 5,
    [ValidateSet('prefix', 'add', 'ingest', 'copy', 'concurrency')] [string[]] $Only = @('prefix', 'add', 'ingest', 'copy', 'concurrency')
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-pgbench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Seconds([scriptblock] $sb) { & sync; (Measure-Command $sb).TotalSeconds }
function New-Files([string] $Folder, [int] $Count, [int] $Size, [string] $Prefix) {
    $null = New-Item -ItemType Directory $Folder -Force
    bash -c "cd '$Folder' && head -c $($Size * $Count) /dev/urandom | split -b $Size -a 6 -d - $Prefix"
    if ($LASTEXITCODE) { throw "could not make the files in $Folder" }
}

$started = $null
if (-not $env:LAMIN_TEST_POSTGRES) { $started = & (Join-Path $PSScriptRoot '../tests/servers/Start-Postgres.ps1') }
$env:LAMIN_TEST_MODULE = (Resolve-Path $ModulePath).Path
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # New-TestDatabase, Get-PwshStartInfo
Import-Module $env:LAMIN_TEST_MODULE
$server = Get-TestPostgresServer
$env:PGPASSWORD = $server.Password
$env:LAMIN_USER = 'bench'
if (-not ('Npgsql.NpgsqlConnection' -as [type])) { $null = [Reflection.Assembly]::LoadFrom((Join-Path (Split-Path $env:LAMIN_TEST_MODULE) 'lib/Npgsql.dll')) }
function Get-DataSource([string] $Database) {
    $b = [Npgsql.NpgsqlConnectionStringBuilder]::new()
    $b.Host = $server.Host; $b.Port = $server.Port; $b.Username = $server.User; $b.Password = $server.Password; $b.Database = $Database
    $b.CommandTimeout = 0
    [Npgsql.NpgsqlDataSource]::Create($b.ConnectionString)
}
function Invoke-Sql($DataSource, [string] $Sql) {
    $c = $DataSource.OpenConnection()
    try {
        $cmd = $c.CreateCommand(); $cmd.CommandText = $Sql; $cmd.CommandTimeout = 0
        $r = $cmd.ExecuteReader()
        try { while ($r.Read()) { $row = [object[]]::new($r.FieldCount); $null = $r.GetValues($row); if ($row.Count -eq 1) { $row[0] } else { , $row } } }
        finally { $r.Dispose() }
    }
    finally { $c.Dispose() }
}
# A child pwsh (its own process: its own peak working set, its own LAMIN_HOME) running $Command; returns its last output line.
function Invoke-Child([string] $Command) {
    $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $Command))
    $out = $p.StandardOutput.ReadToEnd(); $err = $p.StandardError.ReadToEnd(); $p.WaitForExit()
    if ($p.ExitCode -ne 0) { throw "child failed ($($p.ExitCode)): $out $err" }
    ($out.Trim() -split "`n")[-1]
}

$results = [ordered]@{
    Machine = "$([Environment]::ProcessorCount) cores ($(nproc --all) online), $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription), PostgreSQL $((Invoke-Sql (Get-DataSource $server.Database) 'SHOW server_version'))"
    Date    = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'
    Runs    = $Runs
}
$databases = @()
try {
    if ('prefix' -in $Only -or 'add' -in $Only) {
        # ---- a registry of $Artifacts artifacts, and an empty one -----------------------------------------
        $big = New-TestDatabase; $databases += $big
        $bigDs = Get-DataSource $big.Name
        $env:LAMIN_HOME = Join-Path $work 'home-big'
        $null = New-LaminInstance -Name big -Storage (Join-Path $work 'big') -Database $big.Url
        $st = Get-LaminStorage
        Write-Host "filling $Artifacts artifacts with SQL..."
        $null = Invoke-Sql $bigDs @"
INSERT INTO lamin.artifact (uid, key, suffix, size, hash, _hash_type, storage_id, storage_uid, _key_is_virtual, created_by)
SELECT lpad(to_hex(g), 16, '0') || '0000', lpad((g % 1000)::text, 3, '0') || '/f' || g || '.txt', '.txt', 4096,
       md5(g::text), 'md5', $($st.Id), '$($st.Uid)', true, 'bench'
FROM generate_series(1, $Artifacts) g
"@
        $null = Invoke-Sql $bigDs 'VACUUM ANALYZE lamin.artifact'
    }
    if ('prefix' -in $Only) {
        # '042/' holds $Artifacts / 1000 artifacts (1,000 for a million).
        $prefix = '042/'   # digits: -Key matches without regard to case, so the index seeks by the prefix up to the first letter
        $hits = @(Get-LaminArtifact -Key "$prefix*").Count
        $results.PrefixPlan = @(Invoke-Sql $bigDs "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM lamin.artifact t WHERE (_key_head >= left('042/', 500) AND _key_head < '0420' AND key >= '042/' AND key < '0420')") -join ' | '
        function Get-Raw {
            $c = $bigDs.OpenConnection()
            try {
                $cmd = $c.CreateCommand()
                $cmd.CommandText = "SELECT * FROM lamin.artifact WHERE _key_head >= '042/' AND _key_head < '0420' AND key LIKE '042/%' AND is_latest AND NOT is_trashed"
                $rd = $cmd.ExecuteReader(); $rows = [System.Collections.Generic.List[object[]]]::new()
                while ($rd.Read()) { $v = [object[]]::new($rd.FieldCount); $null = $rd.GetValues($v); $rows.Add($v) }
                $rd.Dispose()
            }
            finally { $c.Dispose() }
        }
        # A sample times -CallsPerSample calls (single calls of 10-30 ms are mostly noise on a busy machine);
        # ours and the raw query alternate, `sync` before every sample; the first pair warms up (pool, plans, JIT).
        $ours = @(); $raw = @()
        for ($r = 0; $r -lt $PrefixSamples + 1; $r++) {
            $o = (Seconds { for ($i = 0; $i -lt $CallsPerSample; $i++) { $null = Get-LaminArtifact -Key "$prefix*" } }) / $CallsPerSample
            $w = (Seconds { for ($i = 0; $i -lt $CallsPerSample; $i++) { Get-Raw } }) / $CallsPerSample
            if ($r -gt 0) { $ours += $o; $raw += $w }
        }
        $results.PrefixQuery = [ordered]@{ Artifacts = $Artifacts; Hits = $hits; Samples = $PrefixSamples; CallsPerSample = $CallsPerSample; Ours = Median $ours; RawNpgsql = Median $raw; Ratio = (Median $ours) / (Median $raw); OursAll = $ours; RawAll = $raw }
        Write-Host "PrefixQuery: $($results.PrefixQuery | ConvertTo-Json -Compress)"
    }
    if ('add' -in $Only) {
        $one = Join-Path $work 'one'; $null = New-Item -ItemType Directory $one -Force
        $empty = New-TestDatabase; $databases += $empty
        $null = & { $env:LAMIN_HOME = Join-Path $work 'home-empty'; New-LaminInstance -Name empty -Storage (Join-Path $work 'empty') -Database $empty.Url }
        # Alternating big and empty, so both see the same machine load; the first pair warms up and is not counted.
        $addBig = @(); $addEmpty = @()
        for ($r = 0; $r -lt $Runs + 1; $r++) {
            foreach ($which in 'big', 'empty') {
                $env:LAMIN_HOME = Join-Path $work "home-$which"
                $f = Join-Path $one "$which$r.txt"; Set-Content -LiteralPath $f -Value "$which $r" -NoNewline
                $s = Seconds { $null = Add-LaminArtifact $f -Key "one/$which$r.txt" }
                if ($r -gt 0) { if ($which -eq 'big') { $addBig += $s } else { $addEmpty += $s } }
            }
        }
        $results.AddOne = [ordered]@{ IntoBig = Median $addBig; IntoEmpty = Median $addEmpty; Ratio = (Median $addBig) / (Median $addEmpty); BigAll = $addBig; EmptyAll = $addEmpty }
        Write-Host "AddOne: $($results.AddOne | ConvertTo-Json -Compress)"
    }
    if ($bigDs) { $bigDs.Dispose() }

    if ('ingest' -in $Only) {
        # ---- $Files files of 4 KiB through one pipeline: PostgreSQL against LiteDB, alternating ----------
        $many = Join-Path $work 'many'
        New-Files $many $Files 4096 'f'
        $pgTimes = @(); $liteTimes = @()
        for ($r = 0; $r -lt $Runs; $r++) {
            $pg = New-TestDatabase; $databases += $pg
            $env:LAMIN_HOME = Join-Path $work "home-pg$r"
            $null = New-LaminInstance -Name "pg$r" -Storage (Join-Path $work "pg$r") -Database $pg.Url
            $pgTimes += Seconds { $null = Add-LaminArtifact -Path (Join-Path $many '*') }
            if (@(Get-LaminArtifact).Count -ne $Files) { throw "PostgreSQL registered $(@(Get-LaminArtifact).Count) of $Files" }
            $env:LAMIN_HOME = Join-Path $work "home-lite$r"
            $null = New-LaminInstance -Name "lite$r" -Storage (Join-Path $work "lite$r")
            $liteTimes += Seconds { $null = Add-LaminArtifact -Path (Join-Path $many '*') }
            if (@(Get-LaminArtifact).Count -ne $Files) { throw "LiteDB registered $(@(Get-LaminArtifact).Count) of $Files" }
            # the copies stay until every run is timed
        }
        $results.Ingest = [ordered]@{ Files = $Files; PostgreSQL = Median $pgTimes; LiteDB = Median $liteTimes; Ratio = (Median $pgTimes) / (Median $liteTimes); PostgreSQLAll = $pgTimes; LiteDBAll = $liteTimes }
        Write-Host "Ingest: $($results.Ingest | ConvertTo-Json -Compress)"
    }

    if ('copy' -in $Only) {
        # ---- Copy-LaminInstance of n artifacts, each in a fresh process -------------------------------------
        # The LiteDB source: one real artifact, then n-1 records cloned from it with LiteDB's InsertBulk
        # (distinct ids, uids, keys and hashes), as bench/Scale.Bench.ps1 -Fill Bulk fills its registries.
        . (Join-Path $PSScriptRoot 'BulkFill.ps1')
        $results.Copy = @()
        foreach ($n in $CopySizes) {
            $homeDir = Join-Path $work "home-copy$n"
            $env:LAMIN_HOME = $homeDir
            $null = New-LaminInstance -Name "copy$n" -Storage (Join-Path $work "copy$n")
            $first = Join-Path $work "copy$n-first.txt"; Set-Content -LiteralPath $first -Value "first of $n" -NoNewline
            $null = Add-LaminArtifact $first -Key 'd0000/f0000000.txt'
            Write-Host "filling $n artifacts into LiteDB for the copy..."
            Invoke-BulkFill (Get-LaminInstance).RegistryPath $n
            $dest = New-TestDatabase; $databases += $dest
            & sync
            $line = Invoke-Child @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'
function Status([string] `$field) { [long]((Get-Content /proc/self/status | Select-String "^`$field") -replace '\D', '') * 1KB }
Import-Module '$($env:LAMIN_TEST_MODULE)'
`$env:LAMIN_HOME = '$homeDir'; `$env:PGPASSWORD = '$($server.Password)'
`$null = Get-LaminInstance
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
`$before = Status VmRSS
`$s = (Measure-Command { `$null = Copy-LaminInstance -Destination '$($dest.Url)' -Confirm:`$false }).TotalSeconds
'{0}|{1}|{2}|{3}' -f `$s, (Status VmHWM), `$before, [GC]::GetTotalMemory(`$true)
"@
            $secs, $peak, $before, $heap = $line.Split('|')
            $count = Invoke-Sql (Get-DataSource $dest.Name) 'SELECT count(*) FROM lamin.artifact'
            if ($count -ne $n) { throw "the copy holds $count of $n artifacts" }
            $results.Copy += [ordered]@{ Artifacts = $n; Seconds = [math]::Round([double]$secs, 1); PeakAboveStartMiB = [math]::Round(([double]$peak - [double]$before) / 1MB, 1)
                RssBeforeMiB = [math]::Round([double]$before / 1MB, 1); PeakRssMiB = [math]::Round([double]$peak / 1MB, 1); GcHeapAfterMiB = [math]::Round([double]$heap / 1MB, 1) }
            Write-Host "Copy: $($results.Copy[-1] | ConvertTo-Json -Compress)"
            Remove-Item -Recurse -Force $homeDir, (Join-Path $work "copy$n") -ErrorAction SilentlyContinue
        }
    }

    if ('concurrency' -in $Only) {
        # ---- $Machines machines x $PerMachine files through one pipeline each, at once, against one machine alone --
        function Invoke-Machines([int] $Count, [string] $Tag) {
            $db = New-TestDatabase; $script:databases += $db
            $env:LAMIN_HOME = Join-Path $work "home-$Tag-0"
            $null = New-LaminInstance -Name $Tag -Storage (Join-Path $work "store-$Tag") -Database $db.Url
            $procs = foreach ($m in 1..$Count) {
                $src = Join-Path $work "src-$Tag-$m"
                New-Files $src $PerMachine 4096 "m${m}_"
                $child = @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'
Import-Module '$($env:LAMIN_TEST_MODULE)'
`$env:LAMIN_HOME = '$(Join-Path $work "home-$Tag-$m")'; `$env:PGPASSWORD = '$($server.Password)'
`$null = Connect-LaminInstance -Database '$($db.Url)'
[Console]::Out.WriteLine('ready'); [Console]::Out.Flush()
`$null = [Console]::In.ReadLine()
`$n = @(Add-LaminArtifact -Path '$src/*').Count
[Console]::Out.WriteLine("added `$n"); [Console]::Out.Flush()
"@
                $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $child))
                if (($l = $p.StandardOutput.ReadLine()) -ne 'ready') { throw "machine $m did not start: $l $($p.StandardError.ReadToEnd())" }
                $p
            }
            & sync
            $watch = [Diagnostics.Stopwatch]::StartNew()
            foreach ($p in $procs) { $p.StandardInput.WriteLine('go') }
            $added = foreach ($p in $procs) { $line = $p.StandardOutput.ReadLine(); $p.WaitForExit(); if ($line -notmatch '^added (\d+)$') { throw "machine failed: $line $($p.StandardError.ReadToEnd())" }; [int]$Matches[1] }
            $seconds = $watch.Elapsed.TotalSeconds
            $ds = Get-DataSource $db.Name
            $rows = Invoke-Sql $ds 'SELECT count(*), count(DISTINCT hash), count(DISTINCT uid) FROM lamin.artifact'
            $ds.Dispose()
            [ordered]@{ Machines = $Count; PerMachine = $PerMachine; Seconds = $seconds; Reported = ($added | Measure-Object -Sum).Sum
                Registered = $rows[0]; DistinctHashes = $rows[1]; Lost = $Count * $PerMachine - $rows[1]; Duplicated = $rows[0] - $rows[1]
                PerSecond = $rows[0] / $seconds }
        }
        $alone = @(); $together = @()
        for ($r = 0; $r -lt $Runs; $r++) {
            $alone += Invoke-Machines 1 "alone$r"
            $together += Invoke-Machines $Machines "together$r"
        }
        $a = Median ($alone | ForEach-Object PerSecond); $t = Median ($together | ForEach-Object PerSecond)
        $results.Concurrency = [ordered]@{ Alone = $alone; Together = $together; AloneMedianPerSecond = $a; TogetherMedianPerSecond = $t; Speedup = $t / $a
            Lost = ($together | ForEach-Object { $_.Lost } | Measure-Object -Sum).Sum; Duplicated = ($together | ForEach-Object { $_.Duplicated } | Measure-Object -Sum).Sum }
    }
    $results | ConvertTo-Json -Depth 5
}
finally {
    foreach ($d in $databases) { try { Remove-TestDatabase $d } catch { Write-Warning $_ } }
    if ($started) { & (Join-Path $PSScriptRoot '../tests/servers/Stop-Postgres.ps1') -Server $started }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
