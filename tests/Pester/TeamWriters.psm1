# A team of writers on one instance (issue 28): each writer is a process of its own with its own LAMIN_HOME
# (a machine of its own), connected to one registry (PostgreSQL, or one LiteDB file), doing what a team
# member does: one ingest of its own files, new versions of keys every writer shares, trashing and
# restoring. Used by tests/Pester/TeamScale.Tests.ps1 (invariants, small) and bench/TeamWriters.Bench.ps1
# (throughput, large). Needs TestHelpers.psm1 (Get-PwshStartInfo, Read-LineOrFail) and LAMIN_TEST_MODULE.

function New-TeamWriterFiles {
    <# -Count files of distinct content (about -Size bytes each) in -Folder, named f<n>.txt. #>
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [int] $Count, [string] $Tag = '', [int] $Size = 64)
    $null = New-Item -ItemType Directory -Force -Path $Folder
    $pad = 'x' * [Math]::Max(0, $Size - 40)
    for ($i = 1; $i -le $Count; $i++) {
        [IO.File]::WriteAllText((Join-Path $Folder "f$i.txt"), "$Tag file $i $pad")
    }
}

function Start-TeamWriter {
    <#
    Starts writer -Index: connects (-Database URL, else -Registry path of a LiteDB instance), prints READY and
    waits for a line on its standard input; then adds every file of -Folder under the key prefix w<Index>/ in
    one command, adds -Rounds new versions of each of the -SharedKeys keys shared/k<j>.txt (one command each,
    content unique to the writer and round), trashes -Trash of its artifacts and restores them. Prints one
    line RESULT=<json>: Writer, Added, Versions, Trashed, Restored, Errors (FullyQualifiedErrorId: message of
    every error, terminating or not), Seconds (from the go line to the end), IngestSeconds.
    #>
    param(
        [Parameter(Mandatory)] [int] $Index,
        [Parameter(Mandatory)] [string] $Folder,
        [Parameter(Mandatory)] [string] $HomePath,
        [string] $Database,
        [string] $Registry,
        [int] $SharedKeys = 20,
        [int] $Rounds = 2,
        [int] $Trash = 10
    )
    $connect = if ($Database) { "Connect-LaminInstance -Database '$Database'" } else { "Connect-LaminInstance -Path '$Registry'" }
    $shared = Join-Path (Split-Path $Folder) "shared-w$Index"
    $body = @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; `$WarningPreference = 'SilentlyContinue'
Import-Module -Name `$env:LAMIN_TEST_MODULE
`$env:LAMIN_HOME = '$HomePath'
`$null = $connect
`$null = New-Item -ItemType Directory -Force -Path '$shared'
[Console]::Out.WriteLine('READY'); [Console]::Out.Flush(); `$null = [Console]::In.ReadLine()
`$errors = [Collections.Generic.List[string]]::new()
function Add-Errors(`$list) { foreach (`$e in @(`$list)) { if (`$e -is [Management.Automation.ErrorRecord]) { `$errors.Add("`$(`$e.FullyQualifiedErrorId): `$(`$e.Exception.Message)") } } }
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$added = @(); `$versions = 0; `$trashed = 0; `$restored = 0
try {
    `$added = @(Add-LaminArtifact -Path '$Folder/*' -KeyPrefix 'w$Index/' -ErrorAction Continue -ErrorVariable ev); Add-Errors `$ev
} catch { Add-Errors `$_ }
`$ingest = `$watch.Elapsed.TotalSeconds
for (`$r = 1; `$r -le $Rounds; `$r++) {
    for (`$j = 1; `$j -le $SharedKeys; `$j++) {
        `$f = Join-Path '$shared' "k`$j-r`$r.txt"
        [IO.File]::WriteAllText(`$f, "writer $Index round `$r key `$j")
        try { `$v = Add-LaminArtifact `$f -Key "shared/k`$j.txt" -ErrorAction Continue -ErrorVariable ev; Add-Errors `$ev; if (`$v) { `$versions++ } } catch { Add-Errors `$_ }
    }
}
`$victims = @(`$added | Select-Object -First $Trash)
try { `$victims | Remove-LaminArtifact -Confirm:`$false -ErrorAction Continue -ErrorVariable ev; Add-Errors `$ev; `$trashed = `$victims.Count } catch { Add-Errors `$_ }
try { if (`$victims) { `$null = Restore-LaminArtifact -Identity `$victims.Uid -ErrorAction Continue -ErrorVariable ev; Add-Errors `$ev; `$restored = `$victims.Count } } catch { Add-Errors `$_ }
`$result = [ordered]@{ Writer = $Index; Added = `$added.Count; Versions = `$versions; Trashed = `$trashed; Restored = `$restored
    Errors = @(`$errors); Seconds = `$watch.Elapsed.TotalSeconds; IngestSeconds = `$ingest }
[Console]::Out.WriteLine('RESULT=' + (ConvertTo-Json -InputObject `$result -Compress -Depth 3))
"@
    $psi = Get-PwshStartInfo -Command $body
    $psi.Environment['LAMIN_USER'] = "writer$Index"
    if (-not $psi.Environment.ContainsKey('LAMIN_REGISTRY_TIMEOUT')) { $psi.Environment['LAMIN_REGISTRY_TIMEOUT'] = '300' }
    [System.Diagnostics.Process]::Start($psi)
}

function Invoke-TeamWriters {
    <#
    Runs -Count writers at once (Start-TeamWriter with the other parameters) and returns their results plus
    WallSeconds: from the moment every writer was ready and got its go line to the last one's end.
    Writer w's files are in <Work>/w<w> (New-TeamWriterFiles makes them first); its home is <Work>/home-w<w>.
    #>
    param(
        [Parameter(Mandatory)] [int] $Count,
        [Parameter(Mandatory)] [string] $Work,
        [string] $Database,
        [string] $Registry,
        [int] $SharedKeys = 20,
        [int] $Rounds = 2,
        [int] $Trash = 10,
        [int] $TimeoutSeconds = 1800
    )
    $procs = foreach ($w in 1..$Count) {
        Start-TeamWriter -Index $w -Folder (Join-Path $Work "w$w") -HomePath (Join-Path $Work "home-w$w") -Database $Database -Registry $Registry `
            -SharedKeys $SharedKeys -Rounds $Rounds -Trash $Trash
    }
    try {
        foreach ($p in $procs) {
            $line = Read-LineOrFail -Process $p -TimeoutSeconds 300
            if ($line -ne 'READY') { throw "a writer did not get ready: $line $($p.StandardError.ReadToEnd())" }
        }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        foreach ($p in $procs) { $p.StandardInput.WriteLine('go'); $p.StandardInput.Flush() }
        $reads = foreach ($p in $procs) { [pscustomobject]@{ P = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() } }
        foreach ($r in $reads) {
            if (-not $r.P.WaitForExit($TimeoutSeconds * 1000)) { throw "a writer did not finish within $TimeoutSeconds s" }
        }
        $wall = $watch.Elapsed.TotalSeconds
        $results = foreach ($r in $reads) {
            $line = @($r.Out.Result -split "`r?`n" | Where-Object { $_ -like 'RESULT=*' }) | Select-Object -Last 1
            if (-not $line) { throw "a writer printed no result (exit $($r.P.ExitCode)): $($r.Out.Result) $($r.Err.Result)" }
            $line.Substring(7) | ConvertFrom-Json
        }
        [pscustomobject]@{ Results = @($results); WallSeconds = $wall }
    }
    finally {
        foreach ($p in $procs) { if (-not $p.HasExited) { $p.Kill($true) }; $p.Dispose() }
    }
}

function Get-TeamInvariantViolation {
    <#
    What is wrong with the current instance after a team's work, as one string per violation (none: all
    invariants hold): per key exactly one latest version among the records not in the trash; each version
    family numbered 1..n without gap or repeat; every record's bytes present with the recorded hash and no
    unregistered object in any .lamindb (Test-LaminArtifact -Hash); no temporary left (.lamin-tmp-*,
    .lamin-save-*); -ExpectedPerKey versions of each key in -Keys; -ExpectedTotal records in all.
    #>
    param([string[]] $Keys, [int] $ExpectedPerKey, [int] $ExpectedTotal)
    $all = @(@(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id -Unique)
    $out = [Collections.Generic.List[string]]::new()
    if ($ExpectedTotal -and $all.Count -ne $ExpectedTotal) { $out.Add("$($all.Count) records, expected $ExpectedTotal") }
    foreach ($g in $all | Where-Object Key | Group-Object StorageUid, Key) {
        $live = @($g.Group | Where-Object { -not $_.IsTrashed })
        $latest = @($live | Where-Object IsLatest)
        if ($live.Count -gt 0 -and $latest.Count -ne 1) { $out.Add("key $($g.Name): $($latest.Count) latest versions") }
    }
    foreach ($g in $all | Group-Object Stem) {
        $v = @($g.Group | ForEach-Object Version | Sort-Object)
        $want = @(1..$g.Count)
        if (($v -join ',') -ne ($want -join ',')) { $out.Add("family $($g.Name): versions $($v -join ',')") }
    }
    foreach ($k in $Keys) {
        $n = @($all | Where-Object Key -CEQ $k).Count
        if ($n -ne $ExpectedPerKey) { $out.Add("key ${k}: $n versions, expected $ExpectedPerKey") }
    }
    foreach ($c in @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match')) { $out.Add("$($c.Status): $($c.FullName) $($c.Reason)") }
    foreach ($t in @(Get-LaminTempLeftover)) { $out.Add("temporary left: $t") }
    , $out.ToArray()
}

Export-ModuleMember -Function New-TeamWriterFiles, Start-TeamWriter, Invoke-TeamWriters, Get-TeamInvariantViolation
