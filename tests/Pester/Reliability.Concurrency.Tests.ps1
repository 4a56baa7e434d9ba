# Reliability under load: several processes writing to one instance at once, one more reading all the
# while. Every artifact is registered exactly once with its complete file; no LiteDB error, no lost update.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    function Start-Child([string] $Body) {
        $command = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`nImport-Module -Name `$env:LAMIN_TEST_MODULE`n" +
            "[Console]::Out.WriteLine('READY'); [Console]::Out.Flush(); `$null = [Console]::In.ReadLine()`n" + $Body
        [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $command))
    }

    function Wait-Child([System.Diagnostics.Process] $P, [int] $Seconds = 180) {
        $out = $P.StandardOutput.ReadToEndAsync(); $err = $P.StandardError.ReadToEndAsync()
        if (-not $P.WaitForExit($Seconds * 1000)) { $P.Kill($true); throw "a child did not finish within $Seconds s" }
        [pscustomobject]@{ ExitCode = $P.ExitCode; Out = $out.Result; Err = $err.Result }
    }
}

Describe '4 writers and 1 reader on one instance' {
    BeforeAll {
        $t = New-TestInstance
        $env:LAMIN_REGISTRY_TIMEOUT = '120'
        $dirs = foreach ($w in 1..4) {
            $d = New-Item -ItemType Directory (Join-Path $t.Work "w$w")
            foreach ($i in 1..250) { [IO.File]::WriteAllText((Join-Path $d "f$i.txt"), "writer $w file $i") }
            $d.FullName
        }
        $writers = foreach ($d in $dirs) {
            Start-Child @"
try {
    `$added = @(Get-ChildItem '$d' -File | Add-LaminArtifact)
    [Console]::Out.WriteLine("ADDED=`$(`$added.Count)")
    exit 0
}
catch { [Console]::Out.WriteLine("ERR=`$(`$_.FullyQualifiedErrorId): `$(`$_.Exception.Message)"); exit 1 }
"@
        }
        # The reader runs until a stop file appears (Console.In.ReadLineAsync blocks on redirected input).
        $stopFile = Join-Path $t.Work 'stop-reading'
        $reader = Start-Child (@'
$rounds = 0
try {
    while ($rounds -eq 0 -or -not (Test-Path -LiteralPath $stopFile)) {
        $null = Get-LaminArtifact
        $null = Search-LaminArtifact 'file'
        $null = Get-LaminStorage -Statistics
        $rounds++
    }
    [Console]::Out.WriteLine("ROUNDS=$rounds")
    exit 0
}
catch { [Console]::Out.WriteLine("ERR=$($_.FullyQualifiedErrorId): $($_.Exception.Message)"); exit 1 }
'@).Replace('$stopFile', "'$stopFile'")
        $all = @($writers) + $reader
        foreach ($p in $all) { Read-LineOrFail -Process $p -TimeoutSeconds 90 | Should -BeExactly 'READY' }
        foreach ($p in $all) { $p.StandardInput.WriteLine('go'); $p.StandardInput.Flush() }
        $writerResults = foreach ($p in $writers) { Wait-Child $p }
        [IO.File]::WriteAllText($stopFile, 'stop')
        $readerResult = Wait-Child $reader
    }
    AfterAll {
        foreach ($p in @($writers) + $reader) { if ($p -and -not $p.HasExited) { $p.Kill($true) } }
        Remove-Item Env:LAMIN_REGISTRY_TIMEOUT -ErrorAction SilentlyContinue
        $t | Remove-TestInstance
    }

    It 'every writer finished without error and added its 250 files' {
        foreach ($r in $writerResults) {
            $r.ExitCode | Should -Be 0 -Because $r.Out
            $r.Out | Should -Match 'ADDED=250'
            $r.Err | Should -BeNullOrEmpty
        }
    }

    It 'the reader listed and searched all the while without error' {
        $readerResult.ExitCode | Should -Be 0 -Because $readerResult.Out
        [int]($readerResult.Out -replace '(?s).*ROUNDS=(\d+).*', '$1') | Should -BeGreaterThan 0
    }

    It 'registered every file exactly once: 1000 artifacts, 1000 uids, 1000 distinct hashes' {
        $arts = @(Get-LaminArtifact)
        $arts.Count | Should -Be 1000
        @($arts.Uid | Sort-Object -Unique).Count | Should -Be 1000
        @($arts.Hash | Sort-Object -Unique).Count | Should -Be 1000
    }

    It 'has every file complete with its recorded hash, and no temporary file left' {
        @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
        @(Get-ChildItem (Join-Path $t.Storage '.lamindb') -Force -Filter '.lamin-tmp-*').Count | Should -Be 0
    }
}

Describe '4 processes setting one record' {
    BeforeAll {
        $t = New-TestInstance
        $s = New-LaminStorage (Join-Path $t.Work 'contested')
        $procs = foreach ($w in 1..4) {
            Start-Child @"
try { 1..20 | ForEach-Object { Set-LaminStorage -Identity '$($s.Uid)' -Description "writer $w round `$_" }; exit 0 }
catch { [Console]::Out.WriteLine("ERR=`$(`$_.FullyQualifiedErrorId): `$(`$_.Exception.Message)"); exit 1 }
"@
        }
        foreach ($p in $procs) { Read-LineOrFail -Process $p -TimeoutSeconds 90 | Should -BeExactly 'READY' }
        foreach ($p in $procs) { $p.StandardInput.WriteLine('go'); $p.StandardInput.Flush() }
        $results = foreach ($p in $procs) { Wait-Child $p }
    }
    AfterAll { $t | Remove-TestInstance }

    It 'the last write wins and the record is whole' {
        foreach ($r in $results) { $r.ExitCode | Should -Be 0 -Because $r.Out }
        $final = Get-LaminStorage -Identity $s.Uid
        $final.Description | Should -Match '^writer [1-4] round 20$'
        $final.Root | Should -Be $s.Root
        $final.Uid | Should -BeExactly $s.Uid
        $final.UpdatedAt | Should -BeGreaterThan $s.UpdatedAt
    }
}

Describe '3 writers into one S3 location on the local server' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
        $servers = Start-CloudServers
        $t = New-TestInstance
        $env:LAMIN_REGISTRY_TIMEOUT = '120'
        $s3 = New-LaminStorage (Get-S3Root $servers -Prefix 'concurrent')
        $writers = foreach ($w in 1..3) {
            $d = New-Item -ItemType Directory (Join-Path $t.Work "s3w$w")
            foreach ($i in 1..60) { [IO.File]::WriteAllText((Join-Path $d "f$i.txt"), "s3 writer $w file $i") }
            # The child inherits the servers' endpoint and test credentials through the environment.
            Start-Child @"
`$env:AWS_ACCESS_KEY_ID = '$env:AWS_ACCESS_KEY_ID'; `$env:AWS_SECRET_ACCESS_KEY = '$env:AWS_SECRET_ACCESS_KEY'; `$env:AWS_REGION = 'us-east-1'
try { `$n = @(Get-ChildItem '$($d.FullName)' -File | Add-LaminArtifact -Storage '$($s3.Uid)').Count; [Console]::Out.WriteLine("ADDED=`$n"); exit 0 }
catch { [Console]::Out.WriteLine("ERR=`$(`$_.FullyQualifiedErrorId): `$(`$_.Exception.Message)"); exit 1 }
"@
        }
        foreach ($p in $writers) { Read-LineOrFail -Process $p -TimeoutSeconds 90 | Should -BeExactly 'READY' }
        foreach ($p in $writers) { $p.StandardInput.WriteLine('go'); $p.StandardInput.Flush() }
        $results = foreach ($p in $writers) { Wait-Child $p }
    }
    AfterAll {
        foreach ($p in $writers) { if ($p -and -not $p.HasExited) { $p.Kill($true) } }
        Remove-Item Env:LAMIN_REGISTRY_TIMEOUT -ErrorAction SilentlyContinue
        $t | Remove-TestInstance
        Stop-CloudServers $servers
    }

    It 'registers all 180 objects once, each downloadable with its recorded hash' {
        foreach ($r in $results) { $r.ExitCode | Should -Be 0 -Because $r.Out; $r.Out | Should -Match 'ADDED=60' }
        $arts = @(Get-LaminArtifact -Storage $s3.Uid)
        $arts.Count | Should -Be 180
        @($arts.Uid | Sort-Object -Unique).Count | Should -Be 180
        @(Test-LaminArtifact -Storage $s3.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }
}
