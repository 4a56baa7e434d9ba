# Issue 28: Copy-LaminInstance under a team's conditions. Two machines copying their instances into one
# database at once: one wins, the other gets InstanceExists, nothing of the two is mixed, and the loser's
# instance stays current and writable. A client killed in the middle of the copy: the database stays empty,
# the source current, and the copy runs again from clean. The retired source, written from a second machine
# afterwards: InstanceMoved for every kind of write, nothing written there. Needs the server named by
# LAMIN_TEST_POSTGRES (build.ps1 -Task Test starts one). Races are made deterministic with the test hooks
# (the child stops at a named point and waits) and by waiting for the server to report a lock wait.
BeforeDiscovery { $noServer = -not $env:LAMIN_TEST_POSTGRES }
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'

    # A machine: its own LAMIN_HOME with a LiteDB instance holding -Count artifacts.
    function New-Machine([string] $Name, [int] $Count) {
        $m = New-TestInstance -Backend LiteDB -Name $Name
        $src = Join-Path $m.Work 'src'; $null = New-Item -ItemType Directory $src
        1..$Count | ForEach-Object { Set-Content -LiteralPath (Join-Path $src "$Name-$_.txt") -Value "$Name record $_" -NoNewline }
        $m | Add-Member -PassThru Artifacts @(Add-LaminArtifact -Path "$src/*")
    }
    function Use-Machine($m) { $env:LAMIN_HOME = $m.Home }
    function Get-Uids { @(Get-LaminArtifact -AllVersions | ForEach-Object Uid | Sort-Object) }
}

Describe 'Copy-LaminInstance: two machines copying into one database at once' -Skip:$noServer {
    BeforeAll {
        $env:PGPASSWORD = (Get-TestPostgresServer).Password
        $db = New-TestDatabase
        $a = New-Machine -Name first -Count 12
        $b = New-Machine -Name second -Count 7
        # The first copy stops just before its commit, holding the registry's write lock; the second starts then.
        Use-Machine $a
        $runA = Start-PausedChild -Pause 'pg-commit' -Body "Copy-LaminInstance -Destination '$($db.Url)' -Confirm:`$false | ForEach-Object Uid" `
            -Folder $a.Work -Environment @{ PGPASSWORD = $env:PGPASSWORD }
        Use-Machine $b
        $runB = Start-PausedChild -Pause 'never-reached' -Body "Copy-LaminInstance -Destination '$($db.Url)' -Confirm:`$false | ForEach-Object Uid" `
            -Folder $b.Work -Environment @{ PGPASSWORD = $env:PGPASSWORD } -NoWait
        # The second copy waits for the lock the first holds: the server says so (a condition, not a delay).
        $watch = [Diagnostics.Stopwatch]::StartNew()
        do {
            $waiting = Invoke-TestPostgresSql "SELECT count(*) FROM pg_stat_activity WHERE datname = '$($db.Name)' AND wait_event_type = 'Lock'"
        } until ($waiting -gt 0 -or $runB.Process.HasExited -or $runB.Process.WaitForExit(100) -or $watch.Elapsed.TotalSeconds -gt 180)
        $waitedForLock = $waiting -gt 0
        $outA = Complete-PausedChild $runA
        $outB = Complete-PausedChild $runB
    }
    AfterAll {
        Remove-TestDatabase $db
        $b | Remove-TestInstance
        $a | Remove-TestInstance
    }

    It 'the second copy waited for the first one''s lock, then was refused with InstanceExists; the first copied' {
        $waitedForLock | Should -BeTrue -Because "the second copy should wait on the registry's lock ($($outB -join ' '))"
        $outA[-1] | Should -Be 'done'
        $outA[0] | Should -BeExactly $a.Instance.Uid -Because ($outA -join ' ')
        $outB[0] | Should -BeLike 'error: InstanceExists*' -Because ($outB -join ' ')
    }

    It 'the database holds the first instance only: its records, none of the second''s' {
        Invoke-TestPostgresSql 'SELECT instance_uid FROM lamin.instance' -Database $db.Name | Should -BeExactly $a.Instance.Uid
        $inDb = @(Invoke-TestPostgresSql 'SELECT uid FROM lamin.artifact ORDER BY uid' -Database $db.Name)
        @($inDb | Sort-Object) | Should -Be @($a.Artifacts.Uid | Sort-Object)
        foreach ($u in $b.Artifacts.Uid) { $inDb | Should -Not -Contain $u }
    }

    It 'the second machine''s instance stays current, LiteDB and writable, and is not left marked as moving' {
        Use-Machine $b
        (Get-LaminInstance | Where-Object IsCurrent).Backend | Should -BeExactly 'LiteDB'
        Get-Uids | Should -Be @($b.Artifacts.Uid | Sort-Object)
        $f = Join-Path $b.Work 'later.txt'; Set-Content -LiteralPath $f -Value 'written after the refused copy' -NoNewline
        $later = Add-LaminArtifact $f
        (Get-LaminArtifact $later.Uid).Uid | Should -BeExactly $later.Uid
        # A fresh process (another command on this machine) writes there too: nothing settles a move into the first's database.
        $psi = Get-PwshStartInfo -Command "Import-Module `$env:LAMIN_TEST_MODULE; New-LaminSpace -Name after-copy -ErrorAction Stop | ForEach-Object Name"
        $p = [Diagnostics.Process]::Start($psi); $o = $p.StandardOutput.ReadToEnd(); $null = $p.WaitForExit(120000)
        $o.Trim() | Should -Be 'after-copy'
        (Get-LaminInstance | Where-Object IsCurrent).Backend | Should -BeExactly 'LiteDB'
    }
}

Describe 'Copy-LaminInstance: the client killed in the middle of the copy' -Skip:$noServer {
    BeforeAll {
        $env:PGPASSWORD = (Get-TestPostgresServer).Password
        $db = New-TestDatabase
        $m = New-Machine -Name killed -Count 9
        Use-Machine $m
        $run = Start-PausedChild -Pause 'pg-commit' -Body "Copy-LaminInstance -Destination '$($db.Url)' -Confirm:`$false | ForEach-Object Uid" `
            -Folder $m.Work -Environment @{ PGPASSWORD = $env:PGPASSWORD }
        Stop-PausedChild $run
    }
    AfterAll { Remove-TestDatabase $db; $m | Remove-TestInstance }

    It 'leaves the database without a registry and the source current; the copy then runs again from clean' {
        $count = Invoke-TestPostgresSql "SELECT count(*) FROM pg_tables WHERE schemaname = 'lamin' AND tablename = 'instance'" -Database $db.Name
        if ($count -gt 0) { Invoke-TestPostgresSql 'SELECT count(*) FROM lamin.instance' -Database $db.Name | Should -Be 0 }
        (Get-LaminInstance | Where-Object IsCurrent).Backend | Should -BeExactly 'LiteDB'
        $copied = Copy-LaminInstance -Destination $db.Url -Confirm:$false
        $copied.Backend | Should -BeExactly 'PostgreSQL'
        Get-Uids | Should -Be @($m.Artifacts.Uid | Sort-Object)
        @(Test-LaminArtifact -Hash | Where-Object { $_.Status -ne 'Match' -and $_.FullName -notmatch 'lamin\.db(\.lock)?$' }) | Should -BeNullOrEmpty
    }
}

Describe 'Copy-LaminInstance: the retired source, written from a second machine afterwards' -Skip:$noServer {
    BeforeAll {
        $env:PGPASSWORD = (Get-TestPostgresServer).Password
        $db = New-TestDatabase
        $m = New-Machine -Name retired -Count 3
        $null = New-LaminSpace -Name lab
        $other = New-LaminStorage (Join-Path $m.Work 'other')
        $null = Copy-LaminInstance -Destination $db.Url -Confirm:$false
        # The second machine joins the retired LiteDB registry by its path.
        $env:LAMIN_HOME = Join-Path $m.Root 'home-second'
        $null = Connect-LaminInstance -Path $m.Storage
        $target = Get-LaminArtifact $m.Artifacts[0].Uid
        $f = Join-Path $m.Work 'new.txt'; Set-Content -LiteralPath $f -Value 'never registered' -NoNewline
        function Get-Files { (@((Get-TreeSnapshot -Path $m.Storage) -split "`n") | Where-Object { $_ -notmatch '^\.lamindb/lamin(\.db|-log\.db|\.db\.lock)( |$)' }) -join "`n" }
        $before = Get-Files
        $otherBefore = Get-TreeSnapshot -Path $other.Root
    }
    AfterAll { Remove-TestDatabase $db; $m | Remove-TestInstance }

    It '<Name> is InstanceMoved; the registry and the files stay as they were' -ForEach @(
        @{ Name = 'Add-LaminArtifact'; Do = { Add-LaminArtifact $f -ErrorAction Stop } }
        @{ Name = 'Set-LaminArtifact'; Do = { Set-LaminArtifact $target.Uid -Description 'changed' -ErrorAction Stop } }
        @{ Name = 'Remove-LaminArtifact'; Do = { Remove-LaminArtifact $target.Uid -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Remove-LaminArtifact -Permanent'; Do = { Remove-LaminArtifact $target.Uid -Permanent -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Move-LaminArtifact'; Do = { Move-LaminArtifact $target.Uid -Storage $other.Uid -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'New-LaminStorage'; Do = { New-LaminStorage (Join-Path $m.Work 'third') -ErrorAction Stop } }
        @{ Name = 'Set-LaminStorage'; Do = { Set-LaminStorage -Identity 1 -Description 'changed' -ErrorAction Stop } }
        @{ Name = 'Set-LaminSetting'; Do = { Set-LaminSetting -Storage $other.Uid -ErrorAction Stop } }
        @{ Name = 'New-LaminSpace'; Do = { New-LaminSpace -Name later -ErrorAction Stop } }
        @{ Name = 'Remove-LaminSpace'; Do = { Remove-LaminSpace -Name lab -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Grant-LaminSpaceAccess'; Do = { Grant-LaminSpaceAccess -Space lab -User someone -Role Read -ErrorAction Stop } }
        @{ Name = 'Clear-LaminStorage -Orphaned'; Do = { Clear-LaminStorage -Identity 1 -Orphaned -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Move-LaminStorage'; Do = { Move-LaminStorage -Identity $other.Uid -Destination (Join-Path $m.Work 'moved') -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'drive Set-Content'; Do = { Set-Content "lamin:\$($target.StorageUid)\written.txt" -Value 'x' -ErrorAction Stop } }
    ) {
        $snapshot = (Get-RegistrySnapshot) + (Get-ArtifactSnapshot)
        $err = { & $Do } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InstanceMoved*' -Because $err.Exception.Message
        (Get-RegistrySnapshot) + (Get-ArtifactSnapshot) | Should -BeExactly $snapshot
        Get-Files | Should -BeExactly $before
        Get-TreeSnapshot -Path $other.Root | Should -BeExactly $otherBefore
        Test-Path -LiteralPath (Join-Path $m.Work 'third') | Should -BeFalse
    }
}
