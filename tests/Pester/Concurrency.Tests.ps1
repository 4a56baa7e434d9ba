# Several processes racing on one registry (SPEC rule 3: idempotent creation "also when several processes race").
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    function Invoke-Racers {
        <#
        Starts one pwsh per root; each imports the module, says READY and waits; once all are ready they
        are released together (a line on stdin each) and run New-LaminStorage. Returns per process its
        exit code, stdout lines and stderr.
        #>
        param([Parameter(Mandatory)] [string[]] $Roots)
        $procs = foreach ($root in $Roots) {
            $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module -Name `$env:LAMIN_TEST_MODULE
[Console]::Out.WriteLine('READY'); [Console]::Out.Flush()
`$null = [Console]::In.ReadLine()
try {
    `$s = New-LaminStorage -Root '$($root.Replace("'", "''"))' -WarningAction SilentlyContinue
    [Console]::Out.WriteLine("UID=`$(`$s.Uid)")
    exit 0
}
catch {
    [Console]::Out.WriteLine("ERR=`$(`$_.FullyQualifiedErrorId): `$(`$_.Exception.Message)")
    exit 1
}
"@
            [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $child))
        }
        try {
            foreach ($p in $procs) { Read-LineOrFail -Process $p | Should -BeExactly 'READY' }
            foreach ($p in $procs) { $p.StandardInput.WriteLine('go'); $p.StandardInput.Flush() }
            $reads = foreach ($p in $procs) { [pscustomobject]@{ P = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() } }
            foreach ($r in $reads) {
                if (-not $r.P.WaitForExit(60000)) { throw 'a racer did not finish within 60 s' }
                [pscustomobject]@{
                    ExitCode = $r.P.ExitCode
                    Lines    = @($r.Out.Result -split "`r?`n" | Where-Object { $_ })
                    Stderr   = $r.Err.Result
                }
            }
        }
        finally {
            foreach ($p in $procs) { if (-not $p.HasExited) { $p.Kill() }; $p.Dispose() }
        }
    }
}

Describe 'Racing New-LaminStorage' {
    BeforeEach { $t = New-TestInstance -User 'alice' }
    AfterEach { $t | Remove-TestInstance }

    It '4 processes on one root: exactly one record, all print the same uid, no error' {
        $root = Join-Path $t.Work 'contested'
        $results = Invoke-Racers -Roots (1..4 | ForEach-Object { $root })

        $results | Should -HaveCount 4
        foreach ($r in $results) {
            $r.Stderr | Should -BeNullOrEmpty
            ($r.Lines -join "`n") | Should -Not -Match 'ERR='
            $r.ExitCode | Should -Be 0
        }
        $uids = $results | ForEach-Object { ($_.Lines | Where-Object { $_ -like 'UID=*' }) -replace '^UID=' }
        $uids | Should -HaveCount 4
        @($uids | Select-Object -Unique) | Should -HaveCount 1

        $records = @(Get-LaminStorage -Root $root)
        $records | Should -HaveCount 1
        $records[0].Uid | Should -BeExactly $uids[0]
        $records[0].IsManaged | Should -BeTrue
        (Get-Content -LiteralPath (Get-MarkerPath $root) -TotalCount 1) | Should -BeExactly $uids[0]
        @(Get-LaminStorage) | Should -HaveCount 2   # the default and the contested one
    }

    It '4 processes on 4 roots: 4 records, none lost' {
        $roots = 1..4 | ForEach-Object { Join-Path $t.Work "own-$_" }
        $results = Invoke-Racers -Roots $roots

        foreach ($r in $results) { $r.ExitCode | Should -Be 0; $r.Stderr | Should -BeNullOrEmpty }
        $uids = $results | ForEach-Object { ($_.Lines | Where-Object { $_ -like 'UID=*' }) -replace '^UID=' }
        @($uids | Select-Object -Unique) | Should -HaveCount 4
        foreach ($root in $roots) {
            $rec = Get-LaminStorage -Root $root
            $rec | Should -HaveCount 1
            $uids | Should -Contain $rec.Uid
            (Get-Content -LiteralPath (Get-MarkerPath $root) -TotalCount 1) | Should -BeExactly $rec.Uid
        }
    }
}
