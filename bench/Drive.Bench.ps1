<#
.SYNOPSIS
    The lamin: drive's numbers (issue 14): Get-ChildItem -Recurse lamin:\<uid> over 100,000 artifacts
    against Get-LaminArtifact -Storage <uid> (same registry, same run; goal ≤ 1.5×); the time of one Tab
    press (TabExpansion2) in a folder of 10,000 artifacts (goal < 300 ms); and the bytes requested by
    Get-Content -TotalCount 10 of a 1 GiB S3 object on the local S3 server (goal < 1 MiB).
    The 100,000 records are bulk-inserted into the registry (as bench/Ingest.Bench.ps1 does); each
    listing is timed cold (the drive's short-lived listing cache emptied first). Medians of -Runs runs.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Runs = 3,
    [int] $Artifacts = 100000,
    [int] $TabFolder = 10000,
    [long] $S3ObjectBytes = 1GB,
    # Skip the S3 part (no local S3 server, or no time for a 1 GiB upload).
    [switch] $NoS3
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-drive-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
$env:LAMIN_HOME = Join-Path $work 'home'
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
# Wall time and this process's CPU time (user + system, all threads, GC included) of one timed run: on a
# machine shared with other work the CPU time moves much less than the wall time.
$self = [Diagnostics.Process]::GetCurrentProcess()
function Measure-Run([scriptblock] $Work) {
    $self.Refresh(); $cpu = $self.TotalProcessorTime
    $wall = Measure-Command $Work
    $self.Refresh()
    [pscustomobject]@{ Wall = $wall.TotalMilliseconds; Cpu = ($self.TotalProcessorTime - $cpu).TotalMilliseconds }
}
# Before every timed run, baseline and ours alike: dirty pages written out, so neither pays for the other's writes.
$syncExe = Get-Command sync -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
function Invoke-Sync { if ($syncExe) { & $syncExe.Source } }
$results = [ordered]@{ Machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"; Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd') }
$servers = $null
try {
    Import-Module $ModulePath
    $alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin'
    $core = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'Lamin.Core' }
    $invalidate = $core.GetType('Lamin.Core.Services.DriveService').GetMethod('Invalidate')
    $ranged = $core.GetType('Lamin.Core.Storage.RangedReadStream').GetProperty('TotalBytesRequested')
    function Cold { $null = $invalidate.Invoke($null, @()) }

    # --- 100,000 artifacts in one location, 10,000 of them in one folder --------------------------------
    $root = Join-Path $work 'inst'
    New-LaminInstance -Name bench -Storage $root | Out-Null
    $seedFile = Join-Path $work 'seed.bin'; [IO.File]::WriteAllBytes($seedFile, [byte[]](1, 2, 3))
    $seed = Add-LaminArtifact $seedFile -Key 'seed/seed.bin'
    $uid = $seed.StorageUid
    $lite = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'LiteDB' }
    $dbType = $lite.GetType('LiteDB.LiteDatabase'); $mapperType = $lite.GetType('LiteDB.BsonMapper')
    $docType = $lite.GetType('LiteDB.BsonDocument')
    $registry = (Get-LaminInstance bench).RegistryPath
    $db = $dbType.GetConstructor([type[]]@([string], $mapperType)).Invoke(@("Filename=$registry;Connection=direct", $null))
    try {
        $col = $db.GetCollection('artifact')
        $template = [System.Linq.Enumerable]::First($col.FindAll())
        $docs = [System.Collections.Generic.List[object]]::new()
        for ($i = 0; $i -lt $Artifacts - 1; $i++) {
            $d = [Activator]::CreateInstance($docType)
            foreach ($k in $template.Keys) { $d[$k] = $template[$k] }
            $key = if ($i -lt $TabFolder) { "tab/file-$i.bin" } else { "dir-$($i % 100)/sub-$($i % 7)/file-$i.bin" }
            $d['_id'] = $i + 10; $d['Uid'] = ('{0:D16}0000' -f $i); $d['Key'] = $key; $d['Hash'] = "h$i"
            $docs.Add($d)
        }
        $typed = [System.Linq.Enumerable].GetMethod('Cast').MakeGenericMethod($docType).Invoke($null, @(, $docs))
        $null = $col.GetType().GetMethod('InsertBulk').Invoke($col, @($typed, 10000))
    }
    finally { $db.Dispose() }

    $ours = @(); $base = @(); $oursCpu = @(); $baseCpu = @(); $count = 0; $baseCount = 0
    for ($r = 0; $r -lt $Runs; $r++) {
        Invoke-Sync
        $m = Measure-Run { $script:baseCount = @(Get-LaminArtifact -Storage $uid).Count }
        $base += $m.Wall; $baseCpu += $m.Cpu
        Cold; Invoke-Sync
        $m = Measure-Run { $script:count = @(Get-ChildItem "lamin:\$uid" -Recurse).Count }   # consumed as the baseline is
        $ours += $m.Wall; $oursCpu += $m.Cpu
    }
    $results.Artifacts = $baseCount
    $results.Recurse_items = $count
    $results.GetLaminArtifact_Storage_ms = [math]::Round((Median $base), 0)
    $results.GetChildItem_Recurse_ms = [math]::Round((Median $ours), 0)
    $results.Recurse_ratio = [math]::Round((Median $ours) / (Median $base), 2)
    $results.Recurse_runs_ms = (0..($Runs - 1) | ForEach-Object { '{0:N0}/{1:N0}' -f $ours[$_], $base[$_] }) -join '  '
    $results.GetLaminArtifact_Storage_cpu_ms = [math]::Round((Median $baseCpu), 0)
    $results.GetChildItem_Recurse_cpu_ms = [math]::Round((Median $oursCpu), 0)
    $results.Recurse_cpu_ratio = [math]::Round((Median $oursCpu) / (Median $baseCpu), 2)

    # --- one Tab press in a folder of 10,000 artifacts ---------------------------------------------------
    $line = "Get-Item lamin:\$uid\tab\file-123"
    $null = TabExpansion2 -inputScript $line -cursorColumn $line.Length   # the completion machinery's own first-use cost
    $cold = @(); $warm = @(); $coldCpu = @(); $warmCpu = @(); $matches_ = 0
    for ($r = 0; $r -lt 5; $r++) {
        Cold; Invoke-Sync
        $m = Measure-Run { $script:matches_ = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.Count }
        $cold += $m.Wall; $coldCpu += $m.Cpu
        Invoke-Sync
        $m = Measure-Run { $null = TabExpansion2 -inputScript $line -cursorColumn $line.Length }
        $warm += $m.Wall; $warmCpu += $m.Cpu
    }
    $results.Tab_press_cold_cpu_ms = [math]::Round((Median $coldCpu), 0)
    $results.Tab_press_repeated_cpu_ms = [math]::Round((Median $warmCpu), 0)
    $results.Tab_folder_size = $TabFolder
    $results.Tab_matches = $matches_
    $results.Tab_press_cold_ms = [math]::Round((Median $cold), 0)
    $results.Tab_press_repeated_ms = [math]::Round((Median $warm), 0)

    # --- Get-Content -TotalCount 10 of a large S3 object -------------------------------------------------
    if (-not $NoS3) {
        Import-Module (Join-Path $PSScriptRoot '../tests/Pester/CloudServers.psm1')
        $servers = Start-CloudServers
        $s3 = New-LaminStorage "s3://lamin-test/bench$([guid]::NewGuid().ToString('N').Substring(0, 6))?endpoint_url=$($servers.S3)" -WarningAction SilentlyContinue
        $big = Join-Path $work 'big.txt'
        # Lines of text, so Get-Content has lines to count: 16 bytes each.
        $chunk = [Text.Encoding]::ASCII.GetBytes((-join (1..65536 | ForEach-Object { 'line {0:D10}' -f $_ + "`n" })))
        $fs = [IO.File]::Create($big)
        try { for ($w = 0L; $w -lt $S3ObjectBytes; $w += $chunk.Length) { $fs.Write($chunk, 0, [int][math]::Min($chunk.Length, $S3ObjectBytes - $w)) } }
        finally { $fs.Dispose() }
        $upload = Measure-Command { $null = Add-LaminArtifact $big -Key 'big/lines.txt' -Storage $s3.Uid }
        $before = $ranged.GetValue($null)
        Invoke-Sync
        $read = Measure-Command { $script:lines = @(Get-Content "lamin:\$($s3.Uid)\big\lines.txt" -TotalCount 10) }
        $results.S3_object_bytes = (Get-LaminArtifact -Key 'big/lines.txt').Size
        $results.S3_upload_s = [math]::Round($upload.TotalSeconds, 1)
        $results.S3_TotalCount10_lines = $lines.Count
        $results.S3_TotalCount10_bytes_requested = $ranged.GetValue($null) - $before
        $results.S3_TotalCount10_ms = [math]::Round($read.TotalMilliseconds, 0)
    }
    [pscustomobject]$results | Format-List
}
finally {
    if ($servers) { Stop-CloudServers $servers }
    Remove-Module Lamin -ErrorAction SilentlyContinue
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
