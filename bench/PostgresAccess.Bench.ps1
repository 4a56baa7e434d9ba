<#
.SYNOPSIS
    The cost of row-level security (issue "Access enforced by PostgreSQL", numbers):
    Get-LaminArtifact -Key 'prefix*' over -Artifacts artifacts as a restricted role (admitted with Read on
    "all" and one more space, while a tenth of the registry is in a space it is not granted) against the
    same command by a role PostgreSQL does not restrict (the instance's creator, a superuser here: row-level
    security is off for it), in the same process, alternating, medians of -Runs samples of -Repeat calls each
    (target: ratio <= 1.2).
    Both roles get the same 1,000 rows, so the difference is the policies' cost alone.
    Also the module's SQL alone (Npgsql, same two roles), and the plan the restricted role gets, to show
    the key index is used under the policies.
    Uses the server LAMIN_TEST_POSTGRES names, else starts a throwaway one (tests/servers/Start-Postgres.ps1).
    The registry is filled with SQL (generate_series), not through the cmdlets: it is the state measured.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Artifacts = 1000000,
    [int] $Runs = 9,
    # Each timed sample runs the command this many times (the SQL query 10 times as many): on a shared, busy
    # machine single calls of a few milliseconds are mostly noise.
    [int] $Repeat = 5
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-rlsbench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Seconds([scriptblock] $sb) { & sync; (Measure-Command $sb).TotalSeconds }

$started = $null
if (-not $env:LAMIN_TEST_POSTGRES) { $started = & (Join-Path $PSScriptRoot '../tests/servers/Start-Postgres.ps1') }
$env:LAMIN_TEST_MODULE = (Resolve-Path $ModulePath).Path
Import-Module $env:LAMIN_TEST_MODULE
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # Invoke-TestPostgresSql, New-TestDatabase, New-TestRole
$server = Get-TestPostgresServer
$env:PGPASSWORD = $server.Password
$results = [ordered]@{ Machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"; Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC' }
$db = $null; $reader = $null
try {
    $db = New-TestDatabase
    $reader = New-TestRole -Prefix 'benchreader'
    $env:LAMIN_HOME = Join-Path $work 'home-owner'
    $null = New-LaminInstance -Name big -Storage (Join-Path $work 'big') -Database $db.Url
    $null = New-LaminSpace -Name lab
    $null = New-LaminSpace -Name closed
    $st = Get-LaminStorage
    $null = Grant-LaminSpaceAccess -Space all -User $reader.Name -Role Read
    $null = Grant-LaminSpaceAccess -Space lab -User $reader.Name -Role Read
    $lab = Invoke-TestPostgresSql "SELECT id FROM lamin.space WHERE name = 'lab'" -Database $db.Name
    $closed = Invoke-TestPostgresSql "SELECT id FROM lamin.space WHERE name = 'closed'" -Database $db.Name
    Write-Host "filling $Artifacts artifacts with SQL..."
    # Keys NNN/f<g>.txt over 1,000 prefixes; every tenth artifact is in 'closed' (hidden from the reader) with
    # a key under 'x' instead, every other one of the rest in 'lab': the prefix queried returns the same rows to both roles.
    # The guard trigger is off for the fill only (it is state, not what is measured).
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $null = Invoke-TestPostgresSql 'ALTER TABLE lamin.artifact DISABLE TRIGGER artifact_guard' -Database $db.Name
    $batch = 100000   # one statement per batch: each stays well inside the client's command timeout on a busy machine
    for ($from = 1; $from -le $Artifacts; $from += $batch) {
        $to = [math]::Min($from + $batch - 1, $Artifacts)
        $null = Invoke-TestPostgresSql -Database $db.Name @"
INSERT INTO lamin.artifact (uid, key, suffix, size, hash, _hash_type, storage_id, storage_uid, _key_is_virtual, created_by, space_id)
SELECT lpad(to_hex(g), 16, '0') || '0000',
       CASE WHEN g % 10 = 0 THEN 'x' ELSE '' END || lpad((g % 1000)::text, 3, '0') || '/f' || g || '.txt', '.txt', 4096,
       md5(g::text), 'md5', $($st.Id), '$($st.Uid)', true, 'bench',
       CASE WHEN g % 10 = 0 THEN $closed WHEN g % 2 = 0 THEN $lab ELSE 1 END
FROM generate_series($from, $to) g
"@
    }
    $null = Invoke-TestPostgresSql 'ALTER TABLE lamin.artifact ENABLE TRIGGER artifact_guard; ANALYZE lamin.artifact' -Database $db.Name
    $results.FillSeconds = [math]::Round($watch.Elapsed.TotalSeconds, 1)
    $prefix = '043/'   # digits: -Key matches without regard to case, so the index seeks by the prefix up to the first letter

    $env:LAMIN_HOME = Join-Path $work 'home-reader'
    $null = Connect-LaminInstance -Database ($db.Url -replace [regex]::Escape("$([Uri]::EscapeDataString($server.User))@"), "$($reader.Name)@") -Credential $reader.Credential
    $readerHits = @(Get-LaminArtifact -Key "$prefix*").Count
    $env:LAMIN_HOME = Join-Path $work 'home-owner'
    $ownerHits = @(Get-LaminArtifact -Key "$prefix*").Count
    if ($readerHits -ne $ownerHits -or $readerHits -eq 0) { throw "the two roles got different rows: $readerHits vs $ownerHits" }
    # The reader sees nothing of 'closed'.
    $env:LAMIN_HOME = Join-Path $work 'home-reader'
    if (@(Get-LaminArtifact -Key 'x04*').Count -ne 0) { throw 'the reader sees artifacts of a space it is not granted' }

    $restricted = @(); $unrestricted = @()
    for ($r = 0; $r -lt $Runs; $r++) {
        $env:LAMIN_HOME = Join-Path $work 'home-reader'
        $restricted += (Seconds { for ($k = 0; $k -lt $Repeat; $k++) { $null = Get-LaminArtifact -Key "$prefix*" } }) / $Repeat
        $env:LAMIN_HOME = Join-Path $work 'home-owner'
        $unrestricted += (Seconds { for ($k = 0; $k -lt $Repeat; $k++) { $null = Get-LaminArtifact -Key "$prefix*" } }) / $Repeat
    }
    $results.Cmdlet = [ordered]@{
        Artifacts = $Artifacts; Hits = $readerHits; RestrictedRole = Median $restricted; RlsOff = Median $unrestricted
        Ratio = [math]::Round((Median $restricted) / (Median $unrestricted), 3)
        RestrictedRuns = $restricted; RlsOffRuns = $unrestricted
    }

    # ---- the module's query alone, through Npgsql as each role ------------------------------------------
    $base = "Host=$($server.Host);Port=$($server.Port);Database=$($db.Name);Pooling=true"
    $sources = [ordered]@{
        RestrictedRole = [Npgsql.NpgsqlDataSource]::Create("$base;Username=$($reader.Name);Password=$($reader.Password)")
        RlsOff = [Npgsql.NpgsqlDataSource]::Create("$base;Username=$($server.User);Password=$($server.Password)")
    }
    # The condition PostgresSession.KeyPrefixCondition sends (schema 3: the index holds each key's first 500 characters).
    $range = "SELECT * FROM lamin.artifact t WHERE _key_head >= left('$prefix', 500) AND _key_head < '0430' AND key >= '$prefix' AND key < '0430' AND key LIKE '043/%' ORDER BY id"
    $likeOnly = "SELECT * FROM lamin.artifact t WHERE key LIKE '043/%' ORDER BY id"
    function Invoke-Query($source, [string] $sql) {
        $c = $source.OpenConnection()
        try {
            $cmd = $c.CreateCommand(); $cmd.CommandText = $sql
            $rd = $cmd.ExecuteReader(); $n = 0
            while ($rd.Read()) { $n++ }
            $rd.Dispose(); $n
        }
        finally { $c.Dispose() }
    }
    function Get-Plan($source, [string] $sql) {
        $c = $source.OpenConnection()
        try {
            $cmd = $c.CreateCommand(); $cmd.CommandText = "EXPLAIN $sql"
            $rd = $cmd.ExecuteReader(); $lines = while ($rd.Read()) { $rd.GetString(0) }
            $rd.Dispose(); $lines -join "`n"
        }
        finally { $c.Dispose() }
    }
    foreach ($s in $sources.Values) { $null = Invoke-Query $s $range }   # warm the pools
    $sql = [ordered]@{ RestrictedRole = @(); RlsOff = @(); RestrictedLikeOnly = @() }
    for ($r = 0; $r -lt $Runs; $r++) {
        $n = 10 * $Repeat
        $sql.RestrictedRole += (Seconds { for ($k = 0; $k -lt $n; $k++) { $null = Invoke-Query $sources.RestrictedRole $range } }) / $n
        $sql.RlsOff += (Seconds { for ($k = 0; $k -lt $n; $k++) { $null = Invoke-Query $sources.RlsOff $range } }) / $n
        $sql.RestrictedLikeOnly += Seconds { $null = Invoke-Query $sources.RestrictedRole $likeOnly }
    }
    $results.Sql = [ordered]@{
        RestrictedRole = Median $sql.RestrictedRole; RlsOff = Median $sql.RlsOff
        Ratio = [math]::Round((Median $sql.RestrictedRole) / (Median $sql.RlsOff), 3)
        RestrictedLikeOnly = Median $sql.RestrictedLikeOnly
        PlanRestricted = Get-Plan $sources.RestrictedRole $range
        PlanRestrictedLikeOnly = Get-Plan $sources.RestrictedRole $likeOnly
        PlanRlsOff = Get-Plan $sources.RlsOff $range
    }
    foreach ($s in $sources.Values) { $s.Dispose() }
    $results | ConvertTo-Json -Depth 4
}
finally {
    if ($db) { try { Remove-TestDatabase $db } catch { Write-Warning $_ } }
    if ($reader) { try { $reader | Remove-TestRole } catch { Write-Warning $_ } }
    if ($started) { & (Join-Path $PSScriptRoot '../tests/servers/Stop-Postgres.ps1') -Server $started }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
