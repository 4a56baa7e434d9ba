<#
.SYNOPSIS
    Upload and download of one 256 MiB file and of 1,000 files of 64 KiB to the local S3 server
    (s3rver), through Lamin and through `rclone copy` of the same data to the same server in the same
    run; peak memory of our 256 MiB upload. Prints ratios (ours / rclone); medians of -Runs runs.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Runs = 3,
    [int] $SmallFiles = 1000,
    # Only the S3 same-endpoint move of -MoveMiB (server-side copy against download + upload) and the upload's peak memory; no rclone.
    [switch] $MoveOnly,
    [int] $MoveMiB = 1024
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $MoveOnly -and -not (Get-Command rclone -ErrorAction SilentlyContinue)) {
    Write-Host 'Installing rclone (Debian package) for the baseline...'
    bash -c 'apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone >/dev/null'
    if ($LASTEXITCODE) { throw 'could not install rclone' }
}
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-cloudbench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
$env:LAMIN_HOME = Join-Path $work 'home'
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Seconds([scriptblock] $sb) { (Measure-Command $sb).TotalSeconds }
function Sh([string] $cmd) { bash -c $cmd; if ($LASTEXITCODE) { throw "failed: $cmd" } }
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/CloudServers.psm1')
$servers = Start-CloudServers
$results = [ordered]@{ Machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"; Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd') }
try {
    # rclone: an environment-only remote for the local server (rclone needs AWS_CA_BUNDLE unset for plain HTTP)
    $env:RCLONE_CONFIG_LOCALS3_TYPE = 's3'; $env:RCLONE_CONFIG_LOCALS3_PROVIDER = 'Other'
    $env:RCLONE_CONFIG_LOCALS3_ENDPOINT = $servers.S3; $env:RCLONE_CONFIG_LOCALS3_ACCESS_KEY_ID = 'S3RVER'
    $env:RCLONE_CONFIG_LOCALS3_SECRET_ACCESS_KEY = 'S3RVER'; $env:RCLONE_CONFIG_LOCALS3_FORCE_PATH_STYLE = 'true'
    $rclone = 'env -u AWS_CA_BUNDLE rclone --transfers 4 --checkers 8'

    Import-Module $ModulePath
    $data = Join-Path $work 'data'; $small = Join-Path $data 'small'
    $null = New-Item -ItemType Directory $small
    Sh "head -c 268435456 /dev/urandom > '$data/big.bin'"
    if (-not $MoveOnly) { Sh "cd '$small' && head -c $(65536 * $SmallFiles) /dev/urandom | split -b 65536 -a 4 -d - s" }
    New-LaminInstance -Name cb -Storage (Join-Path $work 'local') | Out-Null

    # --- issue 15: a move between two prefixes of one S3 endpoint: CopyObject (server-side) against
    # today's download + upload (server-side copies turned off), the same artifact moved back and forth.
    $core = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin').Assemblies | Where-Object { $_.GetName().Name -eq 'Lamin.Core' }
    $serverSide = $core.GetType('Lamin.Core.Storage.CopyOnCommitWriter').GetField('ServerSideCopies', [Reflection.BindingFlags]'Static,NonPublic')
    Sh "head -c $($MoveMiB * 1MB) /dev/urandom > '$data/move.bin'"
    $ma = New-LaminStorage (Get-S3Root $servers -Prefix 'move-a'); $mb = New-LaminStorage (Get-S3Root $servers -Prefix 'move-b')
    $moving = Add-LaminArtifact (Join-Path $data 'move.bin') -Storage $ma.Uid -SkipHashLookup -Key 'move.bin'
    $copyMoves = @(); $streamMoves = @()
    try {
        for ($r = 0; $r -lt $Runs; $r++) {
            $serverSide.SetValue($null, $true)
            $copyMoves += Seconds { $null = Move-LaminArtifact $moving.Uid -Storage $mb.Uid -Confirm:$false }
            $serverSide.SetValue($null, $false)
            $streamMoves += Seconds { $null = Move-LaminArtifact $moving.Uid -Storage $ma.Uid -Confirm:$false }
        }
    }
    finally { $serverSide.SetValue($null, $true) }
    if ((Test-LaminArtifact -Identity $moving.Uid -Hash).Status -ne 'Match') { throw 'the moved artifact does not match' }
    $results.Move_MiB = $MoveMiB
    $results.Move_server_side_s = [math]::Round((Median $copyMoves), 2)
    $results.Move_download_upload_s = [math]::Round((Median $streamMoves), 2)
    $results.Move_speedup = [math]::Round((Median $streamMoves) / (Median $copyMoves), 1)
    $results.Move_runs = "server-side $(($copyMoves | ForEach-Object { [math]::Round($_, 2) }) -join ' / '); download+upload $(($streamMoves | ForEach-Object { [math]::Round($_, 2) }) -join ' / ')"
    Remove-LaminArtifact -Identity $moving.Uid -Permanent -DeleteFile -Confirm:$false -ErrorAction SilentlyContinue
    Remove-Item (Join-Path $data 'move.bin')

    if (-not $MoveOnly) {
    $upBig = @(); $upBigR = @(); $downBig = @(); $downBigR = @(); $upSmall = @(); $upSmallR = @(); $downSmall = @(); $downSmallR = @()
    for ($r = 0; $r -lt $Runs; $r++) {
        $s3 = New-LaminStorage (Get-S3Root $servers -Prefix "lamin$r")
        $upBigR += Seconds { Sh "$rclone copy '$data/big.bin' localS3:lamin-test/rclone$r/" }
        $upBig += Seconds { $script:bigArtifact = Add-LaminArtifact (Join-Path $data 'big.bin') -Storage $s3.Uid -SkipHashLookup -Key "big$r.bin" }
        $downBigR += Seconds { Sh "$rclone copy localS3:lamin-test/rclone$r/big.bin '$work/rdown$r/'" }
        $downBig += Seconds { $null = Save-LaminArtifact $script:bigArtifact.Uid -Destination (Join-Path $work "down$r.bin") }
        if ((Get-FileHash (Join-Path $work "down$r.bin")).Hash -ne (Get-FileHash (Join-Path $data 'big.bin')).Hash) { throw 'download differs' }

        $upSmallR += Seconds { Sh "$rclone copy '$small' localS3:lamin-test/rclone-small$r/" }
        $upSmall += Seconds { $script:smallArtifacts = Add-LaminArtifact -Path "$small/*" -Storage $s3.Uid -SkipHashLookup }
        $downSmallR += Seconds { Sh "$rclone copy localS3:lamin-test/rclone-small$r '$work/rsmall$r/'" }
        $dest = Join-Path $work "small$r"; $null = New-Item -ItemType Directory $dest
        $downSmall += Seconds { $script:smallArtifacts | Save-LaminArtifact -Destination "$dest/" | Out-Null }
        Remove-Item (Join-Path $work "down$r.bin"), "$work/rdown$r", "$work/rsmall$r", $dest -Recurse -Force
    }
    $results.UploadBig_rclone_s = [math]::Round((Median $upBigR), 2)
    $results.UploadBig_ours_s = [math]::Round((Median $upBig), 2)
    $results.UploadBig_ratio = [math]::Round((Median $upBig) / (Median $upBigR), 2)
    $results.DownloadBig_rclone_s = [math]::Round((Median $downBigR), 2)
    $results.DownloadBig_ours_s = [math]::Round((Median $downBig), 2)
    $results.DownloadBig_ratio = [math]::Round((Median $downBig) / (Median $downBigR), 2)
    $results.UploadSmall_rclone_s = [math]::Round((Median $upSmallR), 2)
    $results.UploadSmall_ours_s = [math]::Round((Median $upSmall), 2)
    $results.UploadSmall_ratio = [math]::Round((Median $upSmall) / (Median $upSmallR), 2)
    $results.DownloadSmall_rclone_s = [math]::Round((Median $downSmallR), 2)
    $results.DownloadSmall_ours_s = [math]::Round((Median $downSmall), 2)
    $results.DownloadSmall_ratio = [math]::Round((Median $downSmall) / (Median $downSmallR), 2)
    }
    else { $s3 = New-LaminStorage (Get-S3Root $servers -Prefix 'mem') }

    # peak memory of a 256 MiB upload in a fresh process
    [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
    $probe = @"
`$ProgressPreference = 'SilentlyContinue'
Import-Module '$ModulePath'
`$null = Get-LaminStorage
[GC]::Collect()
`$before = [long]((Get-Content /proc/self/status | Select-String '^VmRSS') -replace '\D', '') * 1KB
`$null = Add-LaminArtifact '$data/big.bin' -Storage '$((Get-LaminStorage -Type s3 | Select-Object -First 1).Uid)' -SkipHashLookup -Key mem.bin
`$peak = [long]((Get-Content /proc/self/status | Select-String '^VmHWM') -replace '\D', '') * 1KB
"`$before `$peak"
"@
    $mem = (& ([Environment]::ProcessPath) @pre -NoProfile -NonInteractive -Command $probe) -split ' '
    $results.Upload_peak_rss_MiB = [math]::Round([long]$mem[1] / 1MB, 1)
    $results.Upload_peak_above_baseline_MiB = [math]::Round(([long]$mem[1] - [long]$mem[0]) / 1MB, 1)
    [pscustomobject]$results | Format-List
}
finally {
    Stop-CloudServers $servers
    Remove-Module Lamin -ErrorAction SilentlyContinue
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
