<#
.SYNOPSIS
    Stops and deletes the throwaway cluster that Start-Postgres.ps1 started (nothing when it used the
    server named by LAMIN_TEST_POSTGRES), and clears LAMIN_TEST_POSTGRES if it set it.
.EXAMPLE
    ./tests/servers/Stop-Postgres.ps1 -Server $pg
.EXAMPLE
    ./tests/servers/Stop-Postgres.ps1 -Directory /tmp/lamin-pg-0123456789ab
#>
[CmdletBinding(DefaultParameterSetName = 'Server')]
param(
    # What Start-Postgres.ps1 returned.
    [Parameter(Mandatory, ParameterSetName = 'Server')] $Server,
    # The cluster's folder, when the object is gone (a server started from another shell).
    [Parameter(Mandatory, ParameterSetName = 'Directory')] [string] $Directory
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

if ($PSCmdlet.ParameterSetName -eq 'Server') {
    if (-not $Server -or -not $Server.Started) { return }
    $Directory = $Server.Directory
    if ($env:LAMIN_TEST_POSTGRES -eq $Server.ConnectionString) { Remove-Item Env:LAMIN_TEST_POSTGRES }
}
$data = Join-Path $Directory 'data'
if (-not (Test-Path (Join-Path $data 'PG_VERSION'))) { throw "'$Directory' holds no cluster started by Start-Postgres.ps1." }

if (Test-Path (Join-Path $data 'postmaster.pid')) {
    $major = (Get-Content (Join-Path $data 'PG_VERSION') -Raw).Trim()
    $pgCtl = "/usr/lib/postgresql/$major/bin/pg_ctl"
    if (-not (Test-Path $pgCtl)) { $pgCtl = (Get-Command pg_ctl -CommandType Application).Source }
    $stop = @($pgCtl, '-D', $data, '-m', 'immediate', '-w', 'stop')
    if ((& id -u) -eq '0') {
        $owner = (& stat -c '%U' $data)
        $stop = @('runuser', '-u', $owner, '--') + $stop
    }
    $output = & $stop[0] $stop[1..($stop.Length - 1)] 2>&1
    if ($LASTEXITCODE -ne 0) { Write-Warning "pg_ctl stop failed (exit $LASTEXITCODE): $($output | Out-String)" }
}
Remove-Item $Directory -Recurse -Force
