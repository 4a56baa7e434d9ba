<#
.SYNOPSIS
    Ingest benchmarks (issue: artifacts): one 1 GiB file, a 48 MiB file (md5 over every byte),
    10,000 files of 4 KiB (as one folder and as 10,000 artifacts), against cp / md5sum / cp -r of the
    same data on the same disk in the same run; peak memory of the 1 GiB ingest; and
    Get-LaminArtifact -Key 'prefix*' over 100,000 artifacts against a raw LiteDB query.
    Prints ratios (ours / baseline); medians of -Runs runs.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Runs = 3,
    [int] $ManyFiles = 10000,
    [int] $QueryArtifacts = 100000,
    # Only the Get-LaminArtifact -Key query over $QueryArtifacts artifacts (seconds instead of minutes).
    [switch] $QueryOnly,
    # Only the copies (1 GiB, 48 MiB, 10,000 x 4 KiB), without the memory probe and the key query.
    [switch] $CopyOnly,
    # Only the 1 GiB copy against `cp` + `sync` (rounds alternate which goes first).
    [switch] $BigOnly,
    # Only $ManyFiles x 4 KiB as $ManyFiles artifacts against `cp -r` + `sync`, each of ours in a fresh
    # process (warmed up on -WarmFiles other files first, untimed), plus the floor: the same pipeline into a
    # no-op binary cmdlet, and Get-ChildItem alone.
    [switch] $ManyOnly,
    # With -ManyOnly: a second build to time in the same rounds (interleaved: cp -r, this, that, floor).
    [string] $BeforeModulePath,
    # With -ManyOnly: the untimed warm-up of each fresh process, in files (300: a short session, where the JIT
    # is still promoting code; 10,000 or more: a long-lived session in its steady state).
    [int] $WarmFiles = 300,
    # With -ManyOnly: also time this build with the runtime's tiered compilation off (DOTNET_TieredCompilation=0,
    # a diagnostic, not a setting we ask of users): every method is compiled optimised once, so the run shows the
    # steady state a long-lived session reaches, without the thousands of tier-1 recompilations of a fresh one.
    [switch] $TieringOff
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-ingest-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
$env:LAMIN_HOME = Join-Path $work 'home'
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Seconds([scriptblock] $sb) { (Measure-Command $sb).TotalSeconds }
function Sh([string] $cmd) { bash -c $cmd; if ($LASTEXITCODE) { throw "failed: $cmd" } }
[string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
$exe = [Environment]::ProcessPath
$results = [ordered]@{ Machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"; Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd') }

try {
    if ($ManyOnly) {
        $data = Join-Path $work 'data'; $many = Join-Path $data 'many'; $warm = Join-Path $data 'warm'
        $null = New-Item -ItemType Directory $many, $warm
        Sh "cd '$many' && head -c $(4096 * $ManyFiles) /dev/urandom | split -b 4096 -a 5 -d - f"
        Sh "cd '$warm' && head -c $(4096 * $WarmFiles) /dev/urandom | split -b 4096 -a 5 -d - w"
        # One fresh process per timed run: import, create an instance, warm up (untimed), then
        # sync; time the pipeline; sync. Prints seconds. The copies stay until all runs are timed.
        $child = {
            param($module, $home_, $root, $mode)
            $ProgressPreference = 'SilentlyContinue'; $ErrorActionPreference = 'Stop'
            $env:LAMIN_HOME = $home_
            if ($mode -eq 'floor') {
                Add-Type -TypeDefinition @'
using System.Management.Automation;
[Cmdlet("Skip", "LaminBenchItem")]
public sealed class SkipLaminBenchItem : PSCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    public string[] LiteralPath { get; set; } = new string[0];
    protected override void ProcessRecord() { WriteObject(LiteralPath[0]); }
}
'@ -PassThru | ForEach-Object { Import-Module $_.Assembly }
                Get-ChildItem "$root/../data/warm" -File | Skip-LaminBenchItem | Out-Null
                bash -c sync
                $w = [Diagnostics.Stopwatch]::StartNew()
                Get-ChildItem "$root/../data/many" -File | Skip-LaminBenchItem | Out-Null
                $floor = $w.Elapsed.TotalSeconds
                $w.Restart(); Get-ChildItem "$root/../data/many" -File | Out-Null
                "$floor $($w.Elapsed.TotalSeconds)"
                return
            }
            Import-Module $module
            New-LaminInstance -Name ("b" + [guid]::NewGuid().ToString('N').Substring(0, 6)) -Storage $root | Out-Null
            Get-ChildItem "$root/../data/warm" -File | Add-LaminArtifact -SkipHashLookup | Out-Null
            bash -c sync
            $w = [Diagnostics.Stopwatch]::StartNew()
            Get-ChildItem "$root/../data/many" -File | Add-LaminArtifact -SkipHashLookup | Out-Null
            bash -c sync
            "$($w.Elapsed.TotalSeconds)"
        }
        function Child([string] $module, [string] $mode, [switch] $NoTiering) {
            $script:n++
            if ($NoTiering) { $env:DOTNET_TieredCompilation = '0' }
            try { $out = & $exe @pre -NoProfile -NonInteractive -Command $child -args $module, (Join-Path $work "home$script:n"), (Join-Path $work "inst$script:n"), $mode }
            finally { Remove-Item Env:DOTNET_TieredCompilation -ErrorAction SilentlyContinue }
            if ($LASTEXITCODE) { throw "child run failed: $out" }
            ($out | Select-Object -Last 1) -split ' ' | ForEach-Object { [double]$_ }
        }
        $n = 0
        $cpr = @(); $after = @(); $before = @(); $floor = @(); $gci = @(); $steady = @()
        for ($r = 0; $r -lt $Runs; $r++) {
            $dst = Join-Path $work "cpr$r"
            Sh 'sync'; $w = [Diagnostics.Stopwatch]::StartNew(); Sh "cp -r '$many' '$dst'"; Sh 'sync'; $cpr += $w.Elapsed.TotalSeconds
            $after += Child $ModulePath 'ours'
            if ($BeforeModulePath) { $before += Child $BeforeModulePath 'ours' }
            if ($TieringOff) { $steady += Child $ModulePath 'ours' -NoTiering }
            $f = Child '' 'floor'; $floor += $f[0]; $gci += $f[1]
        }
        $results.Load = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -join ''
        $results.Warm_up_files = $WarmFiles
        $results.Many_cp_r_sync_s = [math]::Round((Median $cpr), 3)
        $results.Many_as_artifacts_s = [math]::Round((Median $after), 3)
        $results.Many_as_artifacts_ratio = [math]::Round((Median $after) / (Median $cpr), 2)
        if ($BeforeModulePath) {
            $results.Many_before_s = [math]::Round((Median $before), 3)
            $results.Many_before_ratio = [math]::Round((Median $before) / (Median $cpr), 2)
        }
        if ($TieringOff) {
            $results.Many_tiering_off_s = [math]::Round((Median $steady), 3)
            $results.Many_tiering_off_ratio = [math]::Round((Median $steady) / (Median $cpr), 2)
        }
        $results.Floor_noop_cmdlet_s = [math]::Round((Median $floor), 3)
        $results.Floor_noop_ratio = [math]::Round((Median $floor) / (Median $cpr), 2)
        $results.Floor_gci_alone_s = [math]::Round((Median $gci), 3)
        $results.Many_runs = "cp -r+sync $(($cpr | ForEach-Object { [math]::Round($_, 2) }) -join ' / '); after $(($after | ForEach-Object { [math]::Round($_, 2) }) -join ' / ')" +
            $(if ($BeforeModulePath) { "; before $(($before | ForEach-Object { [math]::Round($_, 2) }) -join ' / ')" }) +
            $(if ($TieringOff) { "; tiering off $(($steady | ForEach-Object { [math]::Round($_, 2) }) -join ' / ')" }) +
            "; no-op cmdlet $(($floor | ForEach-Object { [math]::Round($_, 2) }) -join ' / ')"
        [pscustomobject]$results | Format-List
        return
    }
    Import-Module $ModulePath
    $data = Join-Path $work 'data'; $null = New-Item -ItemType Directory $data
    $n = 0
    function Fresh-Instance { $script:n++; $root = Join-Path $work "inst$script:n"; New-LaminInstance -Name "b$script:n" -Storage $root | Out-Null; $root }
    if ($QueryOnly) { Sh "head -c 50331648 /dev/urandom > '$data/mid.bin'" }
    else {
    Sh "head -c 1073741824 /dev/urandom > '$data/big.bin'; head -c 50331648 /dev/urandom > '$data/mid.bin'"
    $many = Join-Path $data 'many'; $null = New-Item -ItemType Directory $many
    Sh "cd '$many' && head -c $(4096 * $ManyFiles) /dev/urandom | split -b 4096 -a 5 -d - f"

    # Method (issue 15): a `sync` before every timed run, so no run pays for the write-back of the one
    # before; the baseline is `cp` followed by `sync` (our ingest is durable: one syncfs per registry
    # transaction), and ours is followed by the same `sync`; every copy (cp's and ours) is kept until all
    # runs are timed, so the file system can never skip writing a file deleted inside the timed region.
    function Timed([scriptblock] $body) { Sh 'sync'; $w = [Diagnostics.Stopwatch]::StartNew(); $null = & $body; Sh 'sync'; $w.Elapsed.TotalSeconds }

    # --- one 1 GiB file -------------------------------------------------------------------------
    # The virtual disk slows down after a few GiB of writes (its write-back is throttled), so whichever
    # copy runs second in a round is penalised: the order alternates, and each round gives its own ratio.
    $cp = @(); $md5 = @(); $ours = @(); $roundRatios = @()
    for ($r = 0; $r -lt $Runs; $r++) {
        $dst = Join-Path $work "cp$r"; $null = New-Item -ItemType Directory $dst
        $null = Fresh-Instance
        $copy = { Timed { Sh "cp '$data/big.bin' '$dst/'" } }
        $add = { Timed { $null = Add-LaminArtifact (Join-Path $data 'big.bin') } }
        if ($r % 2) { $o = & $add; $c = & $copy } else { $c = & $copy; $o = & $add }
        $cp += $c; $ours += $o; $roundRatios += $o / $c
        $md5 += Timed { Sh "md5sum '$data/big.bin' > /dev/null" }
    }
    $results.Big_cp_sync_s = [math]::Round((Median $cp), 3)
    $results.Big_md5sum_s = [math]::Round((Median $md5), 3)
    $results.Big_ours_s = [math]::Round((Median $ours), 3)
    $results.Big_ratio_to_cp_sync = [math]::Round((Median $ours) / (Median $cp), 2)
    $results.Big_round_ratios = ($roundRatios | ForEach-Object { [math]::Round($_, 2) }) -join ' / '
    $results.Big_median_round_ratio = [math]::Round((Median $roundRatios), 2)
    if ($BigOnly) { [pscustomobject]$results | Format-List; return }
    $results.Big_runs = "cp+sync $(($cp | ForEach-Object { [math]::Round($_, 2) }) -join ' / '); ours $(($ours | ForEach-Object { [math]::Round($_, 2) }) -join ' / ')"

    # --- one 48 MiB file: md5 over every byte, 10 ingests per run ---------------------------------
    $cp = @(); $md5 = @(); $ours = @()
    for ($r = 0; $r -lt $Runs; $r++) {
        $dst = Join-Path $work "cpm$r"; $null = New-Item -ItemType Directory $dst
        $cp += Timed { for ($i = 0; $i -lt 10; $i++) { Sh "cp '$data/mid.bin' '$dst/m$i'" } }
        $md5 += Timed { for ($i = 0; $i -lt 10; $i++) { Sh "md5sum '$data/mid.bin' > /dev/null" } }
        $null = Fresh-Instance
        $ours += Timed { for ($i = 0; $i -lt 10; $i++) { $null = Add-LaminArtifact (Join-Path $data 'mid.bin') -SkipHashLookup -Key "m$i.bin" } }
    }
    $results.Md5File_ratio_to_cp_plus_md5sum = [math]::Round((Median $ours) / ((Median $cp) + (Median $md5)), 2)

    # --- 10,000 files of 4 KiB ---------------------------------------------------------------------
    $cpr = @(); $folder = @(); $each = @()
    for ($r = 0; $r -lt $Runs; $r++) {
        $dst = Join-Path $work "cpr$r"
        $cpr += Timed { Sh "cp -r '$many' '$dst'" }
        $null = Fresh-Instance
        $folder += Timed { $null = Add-LaminArtifact $many -Key many }
        $null = Fresh-Instance
        $each += Timed { Get-ChildItem $many -File | Add-LaminArtifact -SkipHashLookup | Out-Null }
    }
    $results.Many_cp_r_sync_s = [math]::Round((Median $cpr), 3)
    $results.Many_as_folder_s = [math]::Round((Median $folder), 3)
    $results.Many_as_folder_ratio = [math]::Round((Median $folder) / (Median $cpr), 2)
    $results.Many_as_artifacts_s = [math]::Round((Median $each), 3)
    $results.Many_as_artifacts_ratio = [math]::Round((Median $each) / (Median $cpr), 2)
    $results.Many_runs = "cp -r+sync $(($cpr | ForEach-Object { [math]::Round($_, 2) }) -join ' / '); ours $(($each | ForEach-Object { [math]::Round($_, 2) }) -join ' / ')"
    # The copies are removed only now, after every timed run.
    Get-ChildItem $work -Directory | Where-Object Name -Match '^(cp|cpm|cpr|inst)\d+$' | Remove-Item -Recurse -Force
    Sh 'sync'
    if ($CopyOnly) { [pscustomobject]$results | Format-List; return }

    # --- peak memory of the 1 GiB ingest, in a fresh process -----------------------------------------
    $probe = @"
`$ProgressPreference = 'SilentlyContinue'
`$env:LAMIN_HOME = '$work/memhome'
Import-Module '$ModulePath'
New-LaminInstance -Storage '$work/mem' | Out-Null
`$null = Get-LaminStorage
[GC]::Collect()
`$before = [long]((Get-Content /proc/self/status | Select-String '^VmRSS') -replace '\D', '') * 1KB
`$null = Add-LaminArtifact '$data/big.bin'
`$peak = [long]((Get-Content /proc/self/status | Select-String '^VmHWM') -replace '\D', '') * 1KB
"`$before `$peak"
"@
    $mem = (& $exe @pre -NoProfile -NonInteractive -Command $probe) -split ' '
    $results.Big_rss_before_MiB = [math]::Round([long]$mem[0] / 1MB, 1)
    $results.Big_peak_rss_MiB = [math]::Round([long]$mem[1] / 1MB, 1)
    $results.Big_peak_above_baseline_MiB = [math]::Round(([long]$mem[1] - [long]$mem[0]) / 1MB, 1)
    }

    # --- Get-LaminArtifact -Key 'prefix*' over 100,000 artifacts --------------------------------------
    $null = Fresh-Instance
    $null = Add-LaminArtifact (Join-Path $data 'mid.bin') -Key 'seed/mid.bin'
    $alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin'
    $lite = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'LiteDB' }
    $dbType = $lite.GetType('LiteDB.LiteDatabase'); $mapperType = $lite.GetType('LiteDB.BsonMapper')
    $docType = $lite.GetType('LiteDB.BsonDocument'); $queryType = $lite.GetType('LiteDB.Query')
    $exprType = $lite.GetType('LiteDB.BsonExpression'); $valueType = $lite.GetType('LiteDB.BsonValue')
    # The fair raw baseline seeks the same index the registry keeps on the key (its first 200 characters);
    # Query.StartsWith('Key') has no index to use and reads every document (kept as a second figure).
    $likeArgs = [Array]::CreateInstance($valueType, 1); $likeArgs[0] = [Activator]::CreateInstance($valueType, @([string]'prefix-42/%'))
    $registry = (Get-LaminInstance "b$n").RegistryPath
    $open = { $dbType.GetConstructor([type[]]@([string], $mapperType)).Invoke(@("Filename=$registry;Connection=direct", $null)) }
    $db = & $open
    try {
        # The index's own expression as the file stores it (LiteDB seeks an index only for its exact text).
        $keyIndex = @($db.GetCollection('$indexes').FindAll()) | Where-Object { $_['collection'].AsString -eq 'artifact' -and $_['name'].AsString -eq 'key_prefix' }
        $seek = $exprType::Create($keyIndex['expression'].AsString + ' LIKE @0', $likeArgs)
        $col = $db.GetCollection('artifact')
        $template = [System.Linq.Enumerable]::First($col.FindAll())
        $docs = [System.Collections.Generic.List[object]]::new()
        for ($i = 0; $i -lt $QueryArtifacts; $i++) {
            $d = [Activator]::CreateInstance($docType)
            foreach ($k in $template.Keys) { $d[$k] = $template[$k] }
            $d['_id'] = $i + 10; $d['Uid'] = ('{0:D16}0000' -f $i); $d['Key'] = "prefix-$($i % 100)/file-$i.bin"; $d['Hash'] = "h$i"
            $docs.Add($d)
        }
        $typed = [System.Linq.Enumerable].GetMethod('Cast').MakeGenericMethod($docType).Invoke($null, @(, $docs))
        $null = $col.GetType().GetMethod('InsertBulk').Invoke($col, @($typed, 10000))
    }
    finally { $db.Dispose() }
    $ours = @(); $raw = @(); $scan = @(); $count = 0; $rawCount = 0
    for ($r = 0; $r -lt 15; $r++) {
        $ours += (Measure-Command { $x = Get-LaminArtifact -Key 'prefix-42/*'; $script:count = $x.Count }).TotalMilliseconds
        $raw += (Measure-Command {
                $db = & $open
                try { $x = [System.Linq.Enumerable]::ToList($db.GetCollection('artifact').Find($seek, 0, [int]::MaxValue)); $script:rawCount = $x.Count } finally { $db.Dispose() }
            }).TotalMilliseconds
        if ($r -lt 5) {
            $scan += (Measure-Command {
                    $db = & $open
                    try { $x = [System.Linq.Enumerable]::ToList($db.GetCollection('artifact').Find($queryType::StartsWith('Key', 'prefix-42/'), 0, [int]::MaxValue)) } finally { $db.Dispose() }
                }).TotalMilliseconds
        }
    }
    if ($rawCount -ne $count) { throw "the raw query found $rawCount, Get-LaminArtifact $count" }
    $results.Query_artifacts = $QueryArtifacts + 1
    $results.Query_matches = $count
    $results.Query_ours_ms = [math]::Round((Median $ours), 1)
    $results.Query_raw_ms = [math]::Round((Median $raw), 1)
    $results.Query_raw_scan_ms = [math]::Round((Median $scan), 1)
    $results.Query_ratio = [math]::Round((Median $ours) / (Median $raw), 2)
    [pscustomobject]$results | Format-List
}
finally {
    Remove-Module Lamin -ErrorAction SilentlyContinue
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
