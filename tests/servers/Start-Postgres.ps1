<#
.SYNOPSIS
    Starts a throwaway PostgreSQL cluster on a free loopback port for a test run (team instances,
    SPEC §7), or uses the server that LAMIN_TEST_POSTGRES already names.
.DESCRIPTION
    - LAMIN_TEST_POSTGRES set (a connection string, URL or Npgsql keywords, with a role that may create
      databases): nothing is started; that server is used.
    - Otherwise (Linux): Debian's `postgresql` is installed when its server binaries are missing
      (`apt-get update` once, then `apt-get install`; needs root, as CI has), a cluster is created in a
      new temporary folder with `initdb` and started with `pg_ctl` on 127.0.0.1 and a free port. The
      server refuses to run as root: when this script runs as root, the cluster belongs to the system
      user `postgres` (created when missing) and every server command runs through `runuser`.
      The test role `lamin_test` is a superuser with a random password; TCP connections authenticate
      with scram-sha-256, so wrong passwords are refused as on a real server.
    Sets $env:LAMIN_TEST_POSTGRES for this process (and so for the processes it starts) and returns
    an object for Stop-Postgres.ps1: ConnectionString, Port, Directory, Started, Seconds (install,
    initdb, start). The cluster is for tests only: fsync is off (a killed server loses nothing, a
    killed machine would).
.EXAMPLE
    $pg = ./tests/servers/Start-Postgres.ps1; try { ... } finally { ./tests/servers/Stop-Postgres.ps1 -Server $pg }
#>
[CmdletBinding()]
param(
    # The superuser role the tests connect as.
    [string] $User = 'lamin_test'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

if ($env:LAMIN_TEST_POSTGRES) {
    Write-Host 'PostgreSQL for the tests: the server named by LAMIN_TEST_POSTGRES (nothing started).'
    return [pscustomobject]@{ ConnectionString = $env:LAMIN_TEST_POSTGRES; Port = $null; Directory = $null; Started = $false; Seconds = $null }
}
if (-not $IsLinux) {
    throw 'The test command starts a PostgreSQL server only on Linux. Elsewhere, set LAMIN_TEST_POSTGRES to a connection string of a server you run (a role that may create databases), e.g. Host=127.0.0.1;Port=5432;Database=postgres;Username=postgres;Password=...'
}

function Find-PostgresBin {
    # Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<major>/bin; the newest wins.
    $found = Get-ChildItem '/usr/lib/postgresql/*/bin/initdb' -ErrorAction SilentlyContinue |
        Sort-Object { [int]($_.Directory.Parent.Name -replace '\D', '') } -Descending | Select-Object -First 1
    if ($found) { return $found.DirectoryName }
    # Elsewhere: an initdb on PATH, followed through symlinks (one left dangling by a removed package does not count).
    foreach ($onPath in @(Get-Command initdb -CommandType Application -All -ErrorAction SilentlyContinue)) {
        $item = Get-Item -LiteralPath $onPath.Source
        $target = if ($item.LinkType) { $item.ResolveLinkTarget($true) } else { $item }
        if ($target -and $target.Exists -and (Test-Path (Join-Path $target.DirectoryName 'pg_ctl'))) { return $target.DirectoryName }
    }
    $null
}

function Invoke-Checked([string] $what, [string[]] $command) {
    $output = & $command[0] $command[1..($command.Length - 1)] 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$what failed (exit $LASTEXITCODE): $($output | Out-String)" }
    $output
}

$isRoot = (& id -u) -eq '0'
$seconds = [ordered]@{ install = 0.0; initdb = 0.0; start = 0.0 }
$watch = [Diagnostics.Stopwatch]::StartNew()

$bin = Find-PostgresBin
if (-not $bin) {
    if (-not $isRoot) {
        throw "PostgreSQL's server binaries (initdb, pg_ctl) are missing. Install Debian's 'postgresql' package (sudo apt-get install postgresql), or set LAMIN_TEST_POSTGRES to a server you run."
    }
    Write-Host "Installing Debian's postgresql package for the tests (once per machine)..."
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Checked 'apt-get update' @('apt-get', 'update', '-q') | Out-Null
    Invoke-Checked 'apt-get install postgresql' @('apt-get', 'install', '-y', '-q', '--no-install-recommends', 'postgresql') | Out-Null
    $bin = Find-PostgresBin
    if (-not $bin) { throw "apt-get installed 'postgresql' but no initdb was found under /usr/lib/postgresql/*/bin." }
    $seconds.install = [math]::Round($watch.Elapsed.TotalSeconds, 1)
}

# The server refuses to run as root: as root, the cluster belongs to the system user postgres.
$osUser = $null
if ($isRoot) {
    $osUser = 'postgres'
    & id -u $osUser *> $null
    if ($LASTEXITCODE -ne 0) {
        Invoke-Checked "creating the system user $osUser" @('useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', $osUser) | Out-Null
    }
}
function Invoke-AsServer([string] $what, [string[]] $command) {
    if ($osUser) { Invoke-Checked $what (@('runuser', '-u', $osUser, '--') + $command) }
    else { Invoke-Checked $what $command }
}

$dir = Join-Path ([IO.Path]::GetTempPath()) ('lamin-pg-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
$null = New-Item -ItemType Directory -Path $dir
$password = -join ((1..24) | ForEach-Object { '{0:x}' -f (Get-Random -Maximum 16) })
$pwFile = Join-Path $dir 'pw'
# A file the server's user can read (a process substitution would not be readable by that user).
Set-Content -Path $pwFile -Value $password -NoNewline
& chmod 600 $pwFile
& chmod 700 $dir
if ($osUser) { Invoke-Checked 'chown' @('chown', '-R', "${osUser}:", $dir) | Out-Null }

$data = Join-Path $dir 'data'
try {
    $watch.Restart()
    # C.UTF-8, not C: like most real servers, a collation where LIKE 'prefix%' needs a "C"/pattern index.
    Invoke-AsServer 'initdb' @((Join-Path $bin 'initdb'), '-D', $data, '-U', $User, '--pwfile', $pwFile,
        '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions') | Out-Null
    $seconds.initdb = [math]::Round($watch.Elapsed.TotalSeconds, 1)
    Remove-Item $pwFile

    $watch.Restart()
    $port = $null
    for ($try = 1; -not $port; $try++) {
        # A free port: the OS picks one for a listener that is closed at once (another process may take
        # it before the server binds; then try again).
        $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $l.Start(); $candidate = $l.LocalEndpoint.Port; $l.Stop()
        $options = "-p $candidate -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        $start = @((Join-Path $bin 'pg_ctl'), '-D', $data, '-o', $options, '-l', (Join-Path $dir 'log'), '-w', '-t', '60', 'start')
        if ($osUser) { $start = @('runuser', '-u', $osUser, '--') + $start }
        & $start[0] $start[1..($start.Length - 1)] *> $null
        if ($LASTEXITCODE -eq 0) { $port = $candidate }
        elseif ($try -ge 3) { throw "pg_ctl start failed (exit $LASTEXITCODE): $(Get-Content (Join-Path $dir 'log') -Raw -ErrorAction SilentlyContinue)" }
    }
    $seconds.start = [math]::Round($watch.Elapsed.TotalSeconds, 1)
}
catch {
    if (Test-Path (Join-Path $data 'postmaster.pid')) {
        Invoke-AsServer 'pg_ctl stop' @((Join-Path $bin 'pg_ctl'), '-D', $data, '-m', 'immediate', '-w', 'stop') | Out-Null
    }
    Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
    throw
}

$cs = "Host=127.0.0.1;Port=$port;Database=postgres;Username=$User;Password=$password"
$env:LAMIN_TEST_POSTGRES = $cs
Write-Host ("PostgreSQL for the tests: {0} on 127.0.0.1:{1} as {2}, data in {3} (install {4} s, initdb {5} s, start {6} s); LAMIN_TEST_POSTGRES is set." -f `
    (Split-Path (Split-Path $bin) -Leaf), $port, $User, $dir, $seconds.install, $seconds.initdb, $seconds.start)
[pscustomobject]@{
    ConnectionString = $cs
    Port             = $port
    Directory        = $dir
    BinDirectory     = $bin
    OsUser           = $osUser
    Started          = $true
    Seconds          = [pscustomobject]$seconds
}
