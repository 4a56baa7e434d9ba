<#
.SYNOPSIS
    Scale benchmark (issue 15): registries of 1,000 / 100,000 / 200,000 / 1,000,000 artifacts.
.DESCRIPTION
    For each size, one fresh pwsh process:
      1. fills a new instance through ONE pipeline, `Get-ChildItem -File <folders> | Add-LaminArtifact`,
         registering small files (a few bytes each, distinct contents) in place in a registered location;
         the process's resident memory is read before the pipeline (VmRSS) and its peak after it (VmHWM);
      2. then, in the same process, times single operations (median of -Runs, `sync` before each run):
         Add-LaminArtifact of a new 4 KiB file (copied into the default location), Get-LaminArtifact -Key
         <exact key>, Get-LaminArtifact -Key '<folder>/*' (1,000 hits), Remove-LaminArtifact (to the trash).
    The files are made once (1,000 per folder) and shared by the sizes: size N registers the first N/1000 folders.

    -OpsOnly <LAMIN_HOME>: step 2 only, on the instances a previous run kept (-Keep): to time another build
    (e.g. the code before a change) on the very same registries without filling them again.
    Linux only (VmRSS/VmHWM from /proc, sync).
.EXAMPLE
    dotnet pwsh ./bench/Scale.Bench.ps1 -Sizes 1000,100000 -Runs 5
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    # e.g. 1000,100000 (also as one string "1000,100000" from pwsh -File)
    [string[]] $Sizes = @('1000', '100000', '200000', '1000000'),
    [int] $Runs = 5,
    [string] $Work,
    [switch] $Keep,
    [string] $OpsOnly,
    # Pipeline: the files are made and registered through one Add-LaminArtifact pipeline (memory measured).
    # Bulk: the registry is filled with N artifact records by LiteDB's InsertBulk (one real artifact added
    # through the module is the template; keys, uids and hashes made distinct): minutes instead of hours
    # for 1,000,000 on a shared machine. The single operations are the same; no pipeline memory is measured.
    [ValidateSet('Pipeline', 'Bulk')] [string] $Fill = 'Pipeline',
    # internal: one size in this process
    [int] $Child = 0,
    [string] $ChildHome,
    [string] $Files,
    [switch] $SkipFill
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Status([string] $field) { [long]((Get-Content /proc/self/status | Select-String "^$field") -replace '\D', '') * 1KB }
function Timed([scriptblock] $sb) { & sync; (Measure-Command $sb).TotalMilliseconds }

if ($Child -gt 0) {
    # ------------------------------------------------------------------ one size, in its own process
    $env:LAMIN_HOME = $ChildHome
    Import-Module $ModulePath
    $folders = 0..([math]::Ceiling($Child / 1000) - 1) | ForEach-Object { Join-Path $Files ('d{0:D4}' -f $_) }
    $r = [ordered]@{ Size = $Child }
    if (-not $SkipFill -and $Fill -eq 'Bulk') {
        $null = New-LaminInstance -Name "scale$Child" -Storage (Join-Path $ChildHome 'managed')
        $null = New-LaminStorage -Root $Files
        $template0 = Add-LaminArtifact (Join-Path $Files 'd0000/f0000000.txt')
        . (Join-Path $PSScriptRoot 'BulkFill.ps1')
        $registry = (Get-LaminInstance).RegistryPath
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Invoke-BulkFill $registry $Child
        $r.Fill = 'bulk'
        $r.Fill_s = [math]::Round($watch.Elapsed.TotalSeconds, 1)
    }
    elseif (-not $SkipFill) {
        $null = New-LaminInstance -Name "scale$Child" -Storage (Join-Path $ChildHome 'managed')
        $null = New-LaminStorage -Root $Files
        $r.Fill = 'pipeline'
        $null = Get-LaminStorage
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $before = Status 'VmRSS'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Get-ChildItem -File -LiteralPath $folders | Add-LaminArtifact -WarningAction SilentlyContinue | Out-Null
        $watch.Stop()
        $peak = Status 'VmHWM'
        $r.Fill_s = [math]::Round($watch.Elapsed.TotalSeconds, 1)
        $r.Fill_us_per_artifact = [math]::Round($watch.Elapsed.TotalMilliseconds * 1000 / $Child, 0)
        $r.Rss_before_MiB = [math]::Round($before / 1MB, 1)
        $r.Peak_rss_MiB = [math]::Round($peak / 1MB, 1)
        $r.Peak_above_start_MiB = [math]::Round(($peak - $before) / 1MB, 1)
    }
    else { $null = Connect-LaminInstance -Name "scale$Child" }
    $reg = (Get-LaminInstance).RegistryPath
    $r.Registry_MiB = [math]::Round((Get-Item $reg).Length / 1MB, 1)
    # A new file for each timed add (and one for the untimed warm-up: JIT, and the first write of this process).
    $adds = Join-Path $ChildHome ("adds-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
    $null = New-Item -ItemType Directory $adds
    0..$Runs | ForEach-Object { [IO.File]::WriteAllBytes((Join-Path $adds "a$_.bin"), [byte[]](1..4096 | ForEach-Object { Get-Random -Maximum 256 })) }
    $null = Add-LaminArtifact (Join-Path $adds 'a0.bin') -Key "single/warm-$(Split-Path $adds -Leaf).bin"
    $null = Get-LaminArtifact -Key 'd0000/f0000001.txt'
    $add = @(); $exact = @(); $prefix = @(); $remove = @(); $hits = 0
    $victims = @(Get-LaminArtifact -Key 'd0000/f00001*')
    for ($i = 1; $i -le $Runs; $i++) {
        $f = Join-Path $adds "a$i.bin"
        $add += Timed { $null = Add-LaminArtifact $f -Key "single/$(Split-Path $adds -Leaf)-$i.bin" }
        $exact += Timed { $null = Get-LaminArtifact -Key ('d0000/f{0:D7}.txt' -f (100 + $i)) }
        $prefix += Timed { $x = Get-LaminArtifact -Key 'd0000/*'; $script:hits = $x.Count }
        $v = $victims[$i].Uid
        $remove += Timed { Remove-LaminArtifact -Identity $v -Confirm:$false }
    }
    $r.Add_ms = [math]::Round((Median $add), 1)
    $r.Exact_key_ms = [math]::Round((Median $exact), 1)
    $r.Prefix_ms = [math]::Round((Median $prefix), 1)
    $r.Prefix_hits = $hits
    $r.Remove_ms = [math]::Round((Median $remove), 1)
    $r.Add_all_ms = ($add | ForEach-Object { [math]::Round($_, 1) }) -join ' '
    [pscustomobject]$r | ConvertTo-Json -Compress
    return
}

# ---------------------------------------------------------------------- driver
[string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
$exe = [Environment]::ProcessPath
$ModulePath = (Resolve-Path $ModulePath).Path
if ($OpsOnly) { $Work = $OpsOnly }
if (-not $Work) { $Work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-scale-" + [guid]::NewGuid().ToString('N').Substring(0, 8)) }
$files = Join-Path $Work 'files'
[int[]] $Sizes = @($Sizes -split ',' | Where-Object { $_ } | ForEach-Object { [int]$_ })
$max = ($Sizes | Measure-Object -Maximum).Maximum
try {
    if (-not $OpsOnly -and $Fill -eq 'Bulk') { $null = New-Item -ItemType Directory -Force (Join-Path $files 'd0000'); [IO.File]::WriteAllText((Join-Path $files 'd0000/f0000000.txt'), "file 0`n") }
    elseif (-not $OpsOnly) {
        $null = New-Item -ItemType Directory -Force $files
        # Distinct contents (each file's own name), so no two artifacts share a hash.
        $made = [Diagnostics.Stopwatch]::StartNew()
        for ($d = 0; $d -lt [math]::Ceiling($max / 1000); $d++) {
            $dir = Join-Path $files ('d{0:D4}' -f $d)
            if (Test-Path $dir) { continue }
            $null = [IO.Directory]::CreateDirectory($dir)
            for ($k = 0; $k -lt 1000; $k++) {
                $n = $d * 1000 + $k
                [IO.File]::WriteAllText((Join-Path $dir ('f{0:D7}.txt' -f $n)), "file $n`n")
            }
        }
        Write-Host "made $max files in $([math]::Round($made.Elapsed.TotalSeconds)) s"
    }
    $rows = foreach ($size in $Sizes) {
        $homeDir = Join-Path $Work "home-$size"
        $null = New-Item -ItemType Directory -Force $homeDir
        $childArgs = @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-ModulePath', $ModulePath, '-Child', $size,
            '-ChildHome', $homeDir, '-Files', $files, '-Runs', $Runs, '-Fill', $Fill)
        if ($OpsOnly) { $childArgs += '-SkipFill' }
        $out = & $exe @pre @childArgs
        if ($LASTEXITCODE) { throw "size $size failed: $out" }
        $row = ($out | Select-Object -Last 1) | ConvertFrom-Json
        Write-Host ($row | ConvertTo-Json -Compress)
        $row
    }
    $rows | Format-Table -AutoSize | Out-String -Width 250
    $first = $rows | Select-Object -First 1
    foreach ($row in $rows | Select-Object -Skip 1) {
        Write-Host ("{0,9} vs {1}: add {2:0.00}x, exact key {3:0.00}x, prefix {4:0.00}x, remove {5:0.00}x" -f $row.Size, $first.Size,
            ($row.Add_ms / $first.Add_ms), ($row.Exact_key_ms / $first.Exact_key_ms), ($row.Prefix_ms / $first.Prefix_ms), ($row.Remove_ms / $first.Remove_ms))
    }
}
finally {
    if (-not $Keep -and -not $OpsOnly) { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }
    elseif (-not $OpsOnly) { Write-Host "kept: $Work (time another build on it with -OpsOnly $Work -Sizes $($Sizes -join ','))" }
}
