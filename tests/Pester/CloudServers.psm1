# Starts and stops the real local S3 (s3rver) and GCS (Firebase storage emulator) servers for a test
# file, and points the SDKs at them through the standard environment variables.

function Start-CloudServers {
    <#
    .SYNOPSIS
        Starts tests/servers/cloud-servers.js; returns @{ S3; Gcs; Process }. The servers stop when
        Stop-CloudServers closes their standard input (or when this process dies).
    #>
    $script_ = Join-Path $PSScriptRoot '../servers/cloud-servers.js'
    if (-not (Test-Path (Join-Path $PSScriptRoot '../servers/node_modules/s3rver'))) {
        & (Join-Path $PSScriptRoot '../servers/Install-CloudServers.ps1')
    }
    # s3rver's ListObjectsV2 continuation tokens use DES, which Node's OpenSSL 3 only offers with the legacy provider.
    $psi = [System.Diagnostics.ProcessStartInfo]::new('node', "--openssl-legacy-provider `"$script_`"")
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $line = $p.StandardOutput.ReadLine()   # the servers print one line once both listen
    if (-not $line) { throw "The local cloud servers did not start: $($p.StandardError.ReadToEnd())" }
    $urls = $line | ConvertFrom-Json
    $env:AWS_ACCESS_KEY_ID = 'S3RVER'
    $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'
    $env:AWS_REGION = 'us-east-1'
    $env:STORAGE_EMULATOR_HOST = ([uri]$urls.gcs).Authority
    [pscustomobject]@{ S3 = $urls.s3; Gcs = $urls.gcs; Process = $p }
}

function Stop-CloudServers {
    param([Parameter(Mandatory)] $Servers)
    if (-not $Servers -or -not $Servers.Process) { return }
    try { $Servers.Process.StandardInput.Close() } catch { }
    if (-not $Servers.Process.WaitForExit(10000)) { $Servers.Process.Kill($true) }
    Remove-Item Env:STORAGE_EMULATOR_HOST -ErrorAction SilentlyContinue
}

function Get-S3Root {
    <# .SYNOPSIS An s3:// root on the local server: s3://<bucket>[/<prefix>]?endpoint_url=<url>. #>
    param([Parameter(Mandatory)] $Servers, [string] $Bucket = 'lamin-test', [string] $Prefix)
    $path = if ($Prefix) { "$Bucket/$Prefix" } else { $Bucket }
    "s3://$path`?endpoint_url=$($Servers.S3)"
}

Export-ModuleMember -Function Start-CloudServers, Stop-CloudServers, Get-S3Root
