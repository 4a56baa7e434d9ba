<#
.SYNOPSIS
    Get-LaminStorage over 10,000 registered locations against a raw LiteDB query of the same file,
    in the same process (a ratio), plus cold import and first-call times in fresh processes.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [int] $Count = 10000,
    [int] $Runs = 7
)
$ErrorActionPreference = 'Stop'
$work = Join-Path ([IO.Path]::GetTempPath()) ("lamin-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
$env:LAMIN_HOME = Join-Path $work 'home'
function Median([double[]] $xs) { $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }

try {
    # --- cold import and first call, each in a fresh process (median of 5) -------------------
    # pwsh runs as a dotnet tool: start children as "<dotnet> <pwsh.dll>" (or the pwsh executable itself).
    $exe = [Environment]::ProcessPath
    [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
    $probe = @'
$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '{0}'; $i = $sw.Elapsed.TotalMilliseconds
$sw.Restart(); $null = Get-LaminStorage; $f = $sw.Elapsed.TotalMilliseconds
"$i $f"
'@ -f $ModulePath
    Import-Module $ModulePath
    New-LaminInstance -Name bench -Storage (Join-Path $work 'root') | Out-Null
    $cold = 1..5 | ForEach-Object { , ((& $exe @pre -NoProfile -NonInteractive -Command $probe) -split ' ') }
    $importMs = Median ($cold | ForEach-Object { [double]$_[0] })
    $firstMs = Median ($cold | ForEach-Object { [double]$_[1] })

    # --- fill the registry with $Count locations, straight through LiteDB -------------------
    $alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin'
    $lite = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'LiteDB' }
    $dbType = $lite.GetType('LiteDB.LiteDatabase'); $mapperType = $lite.GetType('LiteDB.BsonMapper')
    $docType = $lite.GetType('LiteDB.BsonDocument')
    $registry = (Get-LaminInstance bench).RegistryPath
    $connection = "Filename=$registry;Connection=direct"
    $open = { $dbType.GetConstructor([type[]]@([string], $mapperType)).Invoke(@($connection, $null)) }
    $db = & $open
    try {
        $col = $db.GetCollection('storage')
        $now = [datetime]::UtcNow
        $uid = (Get-LaminSetting).InstanceUid
        $alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
        $rng = [Random]::new(1)
        $docs = [System.Collections.Generic.List[object]]::new()
        for ($i = 0; $i -lt $Count; $i++) {
            $d = [Activator]::CreateInstance($docType)
            $d['_id'] = $i + 100
            $d['Uid'] = -join (1..12 | ForEach-Object { $alphabet[$rng.Next(62)] })
            $d['Root'] = "s3://bench-bucket/prefix-$i"
            $d['Description'] = "bench location $i"
            $d['Type'] = 's3'; $d['Region'] = 'us-east-1'; $d['Host'] = $null; $d['InstanceUid'] = $uid
            $d['SpaceId'] = 1; $d['IsLocked'] = $false; $d['CreatedAt'] = $now; $d['UpdatedAt'] = $now; $d['CreatedBy'] = 'bench'
            $docs.Add($d)
        }
        $enumerableType = [System.Collections.Generic.IEnumerable`1].MakeGenericType($docType)
        $typed = [System.Linq.Enumerable].GetMethod('Cast').MakeGenericMethod($docType).Invoke($null, @(, $docs))
        $null = $col.GetType().GetMethod('InsertBulk').Invoke($col, @($typed, 5000))
    }
    finally { $db.Dispose() }
    $total = (Get-LaminStorage).Count
    if ($total -ne $Count + 1) { throw "expected $($Count + 1) locations, found $total" }

    # --- measure: cmdlet vs raw query, interleaved, same process ----------------------------
    $ours = @(); $raw = @(); $byUid = @(); $byRoot = @()
    $someUid = (Get-LaminStorage | Select-Object -Last 1).Uid
    for ($r = 0; $r -lt $Runs; $r++) {
        $ours += (Measure-Command { $x = Get-LaminStorage }).TotalMilliseconds
        $raw += (Measure-Command {
                $db = & $open
                try { $x = [System.Linq.Enumerable]::ToList($db.GetCollection('storage').FindAll()) } finally { $db.Dispose() }
            }).TotalMilliseconds
        $byUid += (Measure-Command { $x = Get-LaminStorage -Identity $someUid }).TotalMilliseconds
        $byRoot += (Measure-Command { $x = Get-LaminStorage -Root 's3://bench-bucket/prefix-99*' }).TotalMilliseconds
    }
    $result = [ordered]@{
        Machine              = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"
        Date                 = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd')
        Locations            = $Count + 1
        GetAllMedianMs       = [math]::Round((Median $ours), 1)
        RawLiteDbMedianMs    = [math]::Round((Median $raw), 1)
        Ratio                = [math]::Round((Median $ours) / (Median $raw), 2)
        ByUidMedianMs        = [math]::Round((Median $byUid), 1)
        ByRootWildcardMs     = [math]::Round((Median $byRoot), 1)
        ColdImportMedianMs   = [math]::Round($importMs, 1)
        FirstCallMedianMs    = [math]::Round($firstMs, 1)
    }
    [pscustomobject]$result | Format-List
}
finally {
    Remove-Module Lamin -ErrorAction SilentlyContinue
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
