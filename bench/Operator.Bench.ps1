<#
.SYNOPSIS
    Operator tools: Test-LaminArtifact -Hash over 10,000 files (1 GiB) against `md5sum -c` and
    `rclone check --checksum` of the same data; Move-LaminStorage of those 10,000 files local → local
    and local → the local S3 server against `rclone copy` + `rclone check` of the same data. Same run,
    same disk; ratios are ours / baseline.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Files = 10000,
    [int] $FileSize = 107374
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not (Get-Command rclone -ErrorAction SilentlyContinue)) {
    bash -c 'apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone >/dev/null'
}
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-opbench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
$env:LAMIN_HOME = Join-Path $work 'home'
function Seconds([scriptblock] $sb) { (Measure-Command $sb).TotalSeconds }
function Sh([string] $cmd) { bash -c $cmd; if ($LASTEXITCODE) { throw "failed: $cmd" } }
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/CloudServers.psm1')
$servers = Start-CloudServers
$results = [ordered]@{ Machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"; Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd'); Files = $Files; Bytes = $Files * $FileSize }
try {
    $env:RCLONE_CONFIG_LOCALS3_TYPE = 's3'; $env:RCLONE_CONFIG_LOCALS3_PROVIDER = 'Other'
    $env:RCLONE_CONFIG_LOCALS3_ENDPOINT = $servers.S3; $env:RCLONE_CONFIG_LOCALS3_ACCESS_KEY_ID = 'S3RVER'
    $env:RCLONE_CONFIG_LOCALS3_SECRET_ACCESS_KEY = 'S3RVER'; $env:RCLONE_CONFIG_LOCALS3_FORCE_PATH_STYLE = 'true'
    $rclone = 'env -u AWS_CA_BUNDLE rclone -q --transfers 4 --checkers 8'
    Import-Module $ModulePath
    $many = Join-Path $work 'many'; $null = New-Item -ItemType Directory $many
    Sh "cd '$many' && head -c $($Files * $FileSize) /dev/urandom | split -b $FileSize -a 5 -d - f"
    New-LaminInstance -Name op -Storage (Join-Path $work 'main') | Out-Null
    $src = New-LaminStorage (Join-Path $work 'src')
    $results.Setup_ingest_s = [math]::Round((Seconds { $null = Add-LaminArtifact -Path "$many/*" -Storage $src.Uid -SkipHashLookup }), 2)

    # --- integrity audit ---------------------------------------------------------------------------
    Sh "cd '$work/src/.lamindb' && find . -type f ! -name 'storage_uid.txt' -print0 | xargs -0 md5sum > '$work/sums.md5'"
    Sh "cp -r '$many' '$work/manycopy'"
    $results.Audit_md5sum_c_s = [math]::Round((Seconds { Sh "cd '$work/src/.lamindb' && md5sum -c --quiet '$work/sums.md5'" }), 2)
    $results.Audit_rclone_check_s = [math]::Round((Seconds { Sh "$rclone check --checksum '$many' '$work/manycopy'" }), 2)
    $results.Audit_ours_s = [math]::Round((Seconds { $script:checks = Test-LaminArtifact -Storage $src.Uid -Hash }), 2)
    if (@($script:checks | Where-Object Status -NE 'Match').Count) { throw 'audit found differences' }
    $results.Audit_ratio_to_md5sum_c = [math]::Round($results.Audit_ours_s / $results.Audit_md5sum_c_s, 2)

    # --- move local -> local ---------------------------------------------------------------------
    $results.MoveLocal_rclone_copy_check_s = [math]::Round((Seconds {
                Sh "$rclone copy '$work/src' '$work/rclone-local'"; Sh "$rclone check --checksum '$work/src' '$work/rclone-local'" }), 2)
    $results.MoveLocal_ours_s = [math]::Round((Seconds { $script:moved = Move-LaminStorage $src.Uid -Destination (Join-Path $work 'dest') -Confirm:$false }), 2)
    $results.MoveLocal_ratio = [math]::Round($results.MoveLocal_ours_s / $results.MoveLocal_rclone_copy_check_s, 2)

    # --- move local -> S3 --------------------------------------------------------------------------
    $results.MoveS3_rclone_copy_check_s = [math]::Round((Seconds {
                Sh "$rclone copy '$work/dest' localS3:lamin-test/rclone-move"; Sh "$rclone check --checksum '$work/dest' localS3:lamin-test/rclone-move" }), 2)
    $results.MoveS3_ours_s = [math]::Round((Seconds { $null = Move-LaminStorage $script:moved.Uid -Destination (Get-S3Root $servers -Prefix 'moved') -Confirm:$false }), 2)
    $results.MoveS3_ratio = [math]::Round($results.MoveS3_ours_s / $results.MoveS3_rclone_copy_check_s, 2)
    $bad = @(Test-LaminArtifact -Storage $script:moved.Uid | Where-Object Status -NE 'Match').Count
    $results.MoveS3_artifacts_not_matching_after = $bad
    [pscustomobject]$results | Format-List
}
finally {
    Stop-CloudServers $servers
    Remove-Module Lamin -ErrorAction SilentlyContinue
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
