# Issue 28, faults that land: a command stopped inside its write, just before its registry transaction commits
# (the test hook pg-commit: the child creates a file there and waits), and there either the server is killed and
# restarted (pg_ctl restart -m immediate) or the client process is killed. For a new version, a trash and
# Move-LaminArtifact on a team instance. Afterwards: nothing registered without its bytes, no bytes deleted that a
# record needs, the next command works, orphans (bytes published for a commit that did not happen) are cleared by
# Clear-LaminStorage -Orphaned, and a rerun completes the work. (The ingest batch, Move-LaminStorage and
# Copy-LaminInstance under a server restart are in TeamInstance.Tests.ps1; Copy-LaminInstance with the client
# killed in TeamScale.Copy.Tests.ps1.) A throwaway server of this file's own, so the shared one is never restarted.
BeforeDiscovery { $noServer = -not $env:LAMIN_TEST_POSTGRES -or -not $IsLinux }
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TeamWriters.psm1') -Force
    if ($env:LAMIN_TEST_POSTGRES -and $IsLinux) {
        $script:savedServer = $env:LAMIN_TEST_POSTGRES
        $env:LAMIN_TEST_POSTGRES = $null
        $script:own = & (Join-Path $PSScriptRoot '../servers/Start-Postgres.ps1')   # sets LAMIN_TEST_POSTGRES to it
        $script:ownServer = Get-TestPostgresServer
    }

    # Runs $Body in a child stopped at its first registry commit; there the server restarts (-Fault Server) or the
    # child is killed (-Fault Client). Returns the child's lines (none when it was killed).
    function Invoke-FaultAtCommit([ValidateSet('Server', 'Client')] [string] $Fault, [string] $Body) {
        $run = Start-PausedChild -Pause 'pg-commit#1' -Body $Body -Folder $t.Work -Environment @{ PGPASSWORD = $ownServer.Password }
        if ($Fault -eq 'Client') { Stop-PausedChild $run; return @() }
        Restart-TestPostgres -Server $own
        Complete-PausedChild $run
    }

    # Nothing registered without its bytes, no record's bytes changed; the orphans of the fault cleared; then every invariant.
    function Assert-Whole([string[]] $Keys = @(), [int] $PerKey = 0) {
        $bad = @(Test-LaminArtifact -Hash | Where-Object Status -in 'Missing', 'Differ', 'Error')
        $bad | Should -BeNullOrEmpty -Because (($bad | ForEach-Object { "$($_.Status) $($_.FullName)" }) -join '; ')
        Clear-LaminStorage -Orphaned -Confirm:$false -WarningAction SilentlyContinue
        $v = Get-TeamInvariantViolation -Keys $Keys -ExpectedPerKey $PerKey
        $v | Should -BeNullOrEmpty -Because ($v -join '; ')
    }
}
AfterAll {
    if ($own) {
        & (Join-Path $PSScriptRoot '../servers/Stop-Postgres.ps1') -Server $own
        $env:LAMIN_TEST_POSTGRES = $savedServer
    }
}

Describe 'A fault just before the commit of <Command> (<Fault>)' -Skip:$noServer -ForEach @(
    @{ Command = 'a new version'; Fault = 'Server' }, @{ Command = 'a new version'; Fault = 'Client' }
    @{ Command = 'a trash'; Fault = 'Server' }, @{ Command = 'a trash'; Fault = 'Client' }
    @{ Command = 'Move-LaminArtifact'; Fault = 'Server' }, @{ Command = 'Move-LaminArtifact'; Fault = 'Client' }
) {
    BeforeEach {
        $t = New-TestInstance -NoInstance
        $db = New-TestDatabase
        $env:PGPASSWORD = $ownServer.Password
        $null = New-LaminInstance -Name faults -Storage $t.Storage -Database $db.Url
        $other = New-LaminStorage (Join-Path $t.Work 'other')
        $v1 = New-TestFile (Join-Path $t.Work 'v1.txt') -Text 'first version'
        $v2 = New-TestFile (Join-Path $t.Work 'v2.txt') -Text 'second version'
        $first = Add-LaminArtifact $v1.FullName -Key 'k/data.txt'
        $bystander = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'b.txt') -Text 'not involved').FullName -Key 'k/b.txt'
    }
    AfterEach { $t | Remove-TestInstance; Remove-TestDatabase $db }

    It 'nothing registered without its bytes, nothing a record needs deleted; the next command works and a rerun completes' {
        switch ($Command) {
            'a new version' {
                $out = Invoke-FaultAtCommit $Fault "Add-LaminArtifact '$($v2.FullName)' -Key 'k/data.txt' | ForEach-Object Uid"
                if ($out) { $out[-1] | Should -Be 'done' }
                $n = @(Get-LaminArtifact -Key 'k/data.txt' -AllVersions).Count
                $n | Should -BeIn @(1, 2) -Because ($out -join ' ')
                Assert-Whole
                $null = Add-LaminArtifact $v2.FullName -Key 'k/data.txt' -WarningAction SilentlyContinue   # the rerun
                $all = @(Get-LaminArtifact -Key 'k/data.txt' -AllVersions)
                $all | Should -HaveCount 2
                (Get-LaminArtifact -Key 'k/data.txt').Hash | Should -Be (Get-ExpectedLaminHash -Path $v2.FullName).Hash
                Assert-Whole -Keys 'k/data.txt' -PerKey 2
            }
            'a trash' {
                $out = Invoke-FaultAtCommit $Fault "Remove-LaminArtifact '$($first.Uid)' -Confirm:`$false; 'removed'"
                if ($out) { $out[-1] | Should -Be 'done' }
                Assert-Whole
                if (-not (Get-LaminArtifact -Trash | Where-Object Uid -EQ $first.Uid)) { Remove-LaminArtifact $first.Uid -Confirm:$false }   # the rerun
                (Get-LaminArtifact -Trash).Uid | Should -Be $first.Uid
                $null = Restore-LaminArtifact $first.Uid
                Assert-Whole -Keys 'k/data.txt' -PerKey 1
            }
            'Move-LaminArtifact' {
                $out = Invoke-FaultAtCommit $Fault "Move-LaminArtifact '$($first.Uid)' -Storage '$($other.Uid)' -Confirm:`$false | ForEach-Object StorageUid"
                if ($out) { $out[-1] | Should -Be 'done' }
                (Get-LaminArtifact $first.Uid).StorageUid | Should -BeIn @((Get-LaminStorage -Identity 1).Uid, $other.Uid) -Because ($out -join ' ')
                Assert-Whole
                if ((Get-LaminArtifact $first.Uid).StorageUid -ne $other.Uid) { $null = Move-LaminArtifact $first.Uid -Storage $other.Uid -Confirm:$false }   # the rerun
                (Get-LaminArtifact $first.Uid).StorageUid | Should -Be $other.Uid
                Get-Content -LiteralPath (Get-LaminArtifact $first.Uid).FullName -Raw | Should -Be 'first version'
                Assert-Whole -Keys 'k/data.txt' -PerKey 1
            }
        }
        # The bystander was never touched.
        (Get-LaminArtifact $bystander.Uid).Hash | Should -Be $bystander.Hash
        Get-Content -LiteralPath (Get-LaminArtifact $bystander.Uid).FullName -Raw | Should -Be 'not involved'
    }
}

# The server's disk fills in the middle of an ingest: the registry's database writes its tables into a tablespace
# on a small file system (a tmpfs of its own, mounted for this test; needs root, as the test server does), almost
# filled before the ingest. The ingest stops with RegistryUnavailable saying the server has no space left, nothing is registered
# without its bytes, and once space is freed the next command works and a rerun registers every file.
Describe 'The server''s disk fills in the middle of an ingest' -Skip:$noServer {
    BeforeAll {
        $script:t = $null; $script:db = $null
        $canMount = $false
        if ($own.OsUser -or (& id -u) -eq '0') {
            $mount = Join-Path ([IO.Path]::GetTempPath()) ('lamin-full-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            $null = New-Item -ItemType Directory $mount
            & mount -t tmpfs -o size=16m tmpfs $mount 2>&1 | Out-Null
            $canMount = $LASTEXITCODE -eq 0
        }
    }
    AfterAll {
        if ($db) { Remove-TestDatabase $db }
        if ($canMount) {
            $null = Invoke-TestPostgresSql 'DROP TABLESPACE IF EXISTS lamin_small'
            & umount $mount 2>&1 | Out-Null
        }
        if ($mount) { Remove-Item -LiteralPath $mount -Recurse -Force -ErrorAction SilentlyContinue }
        if ($t) { $t | Remove-TestInstance }
    }

    It 'stops with RegistryUnavailable naming the full disk, registers nothing without its bytes, and a rerun after space is freed registers every file' {
        if (-not $canMount) { Set-ItResult -Skipped -Because 'this machine does not let the test mount a small file system (needs root)'; return }
        $space = Join-Path $mount 'ts'; $null = New-Item -ItemType Directory $space
        if ($own.OsUser) { & chown "$($own.OsUser):" $space }
        $null = Invoke-TestPostgresSql "CREATE TABLESPACE lamin_small LOCATION '$space'"
        $script:t = New-TestInstance -NoInstance
        $script:db = New-TestDatabase
        $null = Invoke-TestPostgresSql "ALTER DATABASE $($db.Name) SET default_tablespace = lamin_small"
        $env:PGPASSWORD = $ownServer.Password
        $null = New-LaminInstance -Name full -Storage $t.Storage -Database $db.Url
        (Invoke-TestPostgresSql "SELECT count(*) FROM pg_tables WHERE schemaname = 'lamin' AND tablespace = 'lamin_small'" -Database $db.Name) | Should -BeGreaterThan 0
        $src = Join-Path $t.Work 'src'; $null = New-Item -ItemType Directory $src
        1..400 | ForEach-Object { Set-Content -LiteralPath (Join-Path $src "f$_.txt") -Value ("record $_ " + ('y' * 200)) -NoNewline }
        # Leave about 64 KiB of the file system free.
        $free = [IO.DriveInfo]::new($mount).AvailableFreeSpace
        $filler = Join-Path $mount 'filler'
        & fallocate -l ($free - 64KB) $filler
        $LASTEXITCODE | Should -Be 0

        $added = [Collections.Generic.List[object]]::new()
        $err = { Add-LaminArtifact -Path "$src/*" -KeyPrefix 'full/' | ForEach-Object { $added.Add($_) } } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'RegistryUnavailable*'   # terminating: the registry takes no write now
        $err.Exception.Message | Should -Match 'no space left for the registry'
        $err.Exception.Message | Should -Match 'free space'
        $added.Count | Should -BeLessThan 400
        @(Get-LaminArtifact).Count | Should -Be $added.Count

        Remove-Item -LiteralPath $filler
        Assert-Whole
        $again = @(Add-LaminArtifact -Path "$src/*" -KeyPrefix 'full/' -WarningAction SilentlyContinue)
        $again | Should -HaveCount 400
        @(Get-LaminArtifact) | Should -HaveCount 400
        Assert-Whole
    }
}
