# Data safety of Move-LaminStorage's leftovers (issue 24, SPEC §10 rule 17: "Nothing is left behind that
# nothing reports"): a move refused after it copied objects into its (unregistered) destination leaves a
# journal there and a pointer in the source location's .lamindb/; Test-LaminStorage reports the copies once
# no move runs under the journal, and Clear-LaminStorage -Orphaned or the next move to that destination
# removes exactly them (a resumed move of the same location reuses them, rule 5), registered data untouched.
#
# The refusal is deterministic: one source file is given other bytes of the same size, so the move copies
# everything and then refuses with HashMismatch (nothing switched); the file is put back afterwards. A
# killed move is simulated by renaming its journal to a process that is not running (pid 999999).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -Force $Path
    }
    # Files under a root outside its .lamindb/ folder, as relative keys.
    function Get-DataKeys([string] $Root) {
        if (-not (Test-Path $Root)) { return @() }
        @(Get-ChildItem $Root -Recurse -File -Force | ForEach-Object { [IO.Path]::GetRelativePath($Root, $_.FullName).Replace('\', '/') } |
            Where-Object { $_ -notlike '.lamindb/_lease*' -and $_ -notlike '.lamindb/.lamin-move-*' } | Sort-Object)
    }
    function Get-Journals([string] $Root) {
        $m = Join-Path $Root '.lamindb'
        if (-not (Test-Path $m)) { return @() }
        @(Get-ChildItem $m -Force -File -Filter '.lamin-move-*')
    }
    # A move that copies every object and is then refused (HashMismatch): one source file changed, same size.
    function Invoke-RefusedMove($Artifact, [string] $Destination, [string] $Storage) {
        $saved = [IO.File]::ReadAllBytes($Artifact.FullName)
        $other = [byte[]]$saved.Clone(); $other[0] = $other[0] -bxor 1
        [IO.File]::WriteAllBytes($Artifact.FullName, $other)
        try { { Move-LaminStorage $Storage $Destination -Confirm:$false } | Should -Throw -ErrorId "HashMismatch$E" }
        finally { [IO.File]::WriteAllBytes($Artifact.FullName, $saved) }
    }
    # The process that wrote a journal is gone: rename it (destination and source pointer) to pid 999999.
    function Set-JournalDead([string[]] $Roots) {
        foreach ($r in $Roots) {
            foreach ($j in Get-Journals $r) { Rename-Item $j.FullName ($j.Name -replace '^\.lamin-move-\d+-', '.lamin-move-999999-') }
        }
    }
}

Describe 'Move-LaminStorage: a refused move''s copies are reported and cleared (rule 17)' {
    BeforeEach {
        $t = New-TestInstance
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        $f1 = Add-LaminArtifact (New-File (Join-Path $t.Work 'f1.txt') 'alpha data').FullName -Storage $loc.Uid
        $f2 = Add-LaminArtifact (New-File (Join-Path $t.Work 'f2.txt') 'bravo data').FullName -Storage $loc.Uid
        $null = New-File (Join-Path $loc.Root 'raw/m1.txt') 'member 1'; $null = New-File (Join-Path $loc.Root 'raw/m2.txt') 'member 2'
        $folder = Add-LaminArtifact (Join-Path $loc.Root 'raw')
        $dest = Join-Path $t.Work 'dest'
        $expected = @(Get-DataKeys $loc.Root | Where-Object { $_ -ne '.lamindb/storage_uid.txt' })
        $expected.Count | Should -Be 4
    }
    AfterEach { $t | Remove-TestInstance }

    It 'Test-LaminStorage names the destination and the copies; Clear-LaminStorage -Orphaned removes exactly them' {
        $reg = Get-RegistrySnapshot
        $srcBefore = Get-TreeSnapshot $loc.Root
        Invoke-RefusedMove $f2 $dest $loc.Uid
        Get-DataKeys $dest | Should -Be $expected -Because 'the refused move copied every object before it verified them'
        # The journal and its pointer are control files: no Unregistered object, no orphan of the location itself.
        @(Test-LaminArtifact -Storage $loc.Uid | Where-Object Status -EQ 'Unregistered').Count | Should -Be 0

        $h = Test-LaminStorage $loc.Uid
        $problem = @($h.Problems | Where-Object { $_ -like "*$dest*" })
        $problem.Count | Should -Be 1
        $problem[0] | Should -Match '4 object\(s\)'
        $problem[0] | Should -Match 'Clear-LaminStorage -Orphaned'

        # -OlderThan holds for them too: a journal written just now is younger than a day.
        @(Clear-LaminStorage $loc.Uid -Orphaned -OlderThan ([timespan]::FromDays(1)) -Confirm:$false -PassThru).Count | Should -Be 0
        Get-DataKeys $dest | Should -Be $expected
        $removed = Clear-LaminStorage $loc.Uid -Orphaned -Confirm:$false -PassThru
        @($removed | Sort-Object Key | ForEach-Object Key) | Should -Be $expected
        @($removed | Where-Object Storage -NE $dest).Count | Should -Be 0
        Get-DataKeys $dest | Should -Be @()
        Get-Journals $dest | Should -Be $null
        Get-Journals $loc.Root | Should -Be $null
        @((Test-LaminStorage $loc.Uid).Problems | Where-Object { $_ -like "*$dest*" }).Count | Should -Be 0
        # Nothing registered changed.
        Get-RegistrySnapshot | Should -BeExactly $reg
        Get-TreeSnapshot $loc.Root | Should -BeExactly $srcBefore
        @(Test-LaminArtifact -Storage $loc.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'Remove-LaminStorage keeps the only pointer to a stopped move''s copies: refused (StorageNotEmpty naming the journal) until they are cleared' {
        Invoke-RefusedMove $f2 $dest $loc.Uid
        foreach ($a in $f1, $f2, $folder) { Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false }
        $err = { Remove-LaminStorage $loc.Uid -Confirm:$false } | Should -Throw -ErrorId "StorageNotEmpty$E" -PassThru
        $err.Exception.Message | Should -Match '\.lamin-move-'
        Get-LaminStorage -Identity $loc.Uid | Should -Not -BeNullOrEmpty
        $null = Clear-LaminStorage $loc.Uid -Orphaned -Confirm:$false
        Get-DataKeys $dest | Should -Be @()
        Remove-LaminStorage $loc.Uid -Confirm:$false
        Get-LaminStorage | Where-Object Uid -EQ $loc.Uid | Should -BeNullOrEmpty
    }

    It 'a killed move (its process gone) is reported; the same move run again reuses its verified copies and leaves no journal' {
        Invoke-RefusedMove $f2 $dest $loc.Uid
        Set-JournalDead @($dest, $loc.Root)
        @(Get-Journals $dest | Where-Object Name -NotLike '*.copied').Count | Should -Be 1
        @(Get-Journals $dest | Where-Object Name -Like '*.copied').Count | Should -Be 1 -Because 'the move lists the copies it finished, by hash, beside its journal'
        $problem = @((Test-LaminStorage $loc.Uid).Problems | Where-Object { $_ -like "*$dest*" })
        $problem.Count | Should -Be 1
        $problem[0] | Should -Match 'process 999999'
        $kept = Join-Path $dest 'raw/m1.txt'
        (Get-Item $kept).LastWriteTimeUtc = [datetime]'2000-01-01'

        $moved = Move-LaminStorage $loc.Uid $dest -Confirm:$false
        $moved.Root | Should -Be $dest
        (Get-Item $kept).LastWriteTimeUtc | Should -Be ([datetime]'2000-01-01') -Because 'a resumed move verifies its own copies by hash and reuses them (rule 5)'
        Get-Journals $dest | Should -Be $null
        Get-Journals $loc.Root | Should -Be $null
        @((Test-LaminStorage $moved.Uid).Problems).Count | Should -Be 0
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'an object written later at a listed key, even of the same size, is never taken for the move''s copy: it stays, with the journal' {
        Invoke-RefusedMove $f2 $dest $loc.Uid
        $f1Key = @(Get-DataKeys $dest | Where-Object { $_ -like ".lamindb/$($f1.Uid)*" })[0]
        $theirs = Join-Path $dest $f1Key
        [IO.File]::WriteAllText($theirs, 'ALPHA DATA') # same size as the copy, other bytes: someone else's file
        $null = Clear-LaminStorage $loc.Uid -Orphaned -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        [IO.File]::ReadAllText($theirs) | Should -BeExactly 'ALPHA DATA'
        @(Get-DataKeys $dest) | Should -Be @($f1Key) -Because 'the three copies the move recorded are removed; the other object stays'
        ($w -join ' ') | Should -Match 'written by someone else'
        @(Get-Journals $loc.Root).Count | Should -Be 1 -Because 'the pointer stays while something listed is kept, so it is reported again'
        @((Test-LaminStorage $loc.Uid).Problems | Where-Object { $_ -like "*$dest*" }).Count | Should -Be 1
        # Once that object is gone, the next clearing retires the journals.
        Remove-Item $theirs
        $null = Clear-LaminStorage $loc.Uid -Orphaned -Confirm:$false
        Get-Journals $dest | Should -Be $null
        Get-Journals $loc.Root | Should -Be $null
        @(Test-LaminArtifact -Storage $loc.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'a move killed before it listed its copies: a copy counts as its own only while it holds the source''s bytes' {
        Invoke-RefusedMove $f2 $dest $loc.Uid # f2's copy holds other bytes than the source (put back after the move)
        Get-Journals $dest | Where-Object Name -Like '*.copied' | Remove-Item -Force
        Set-JournalDead @($dest, $loc.Root)
        $f2Key = @(Get-DataKeys $dest | Where-Object { $_ -like ".lamindb/$($f2.Uid)*" })[0]
        $null = Clear-LaminStorage $loc.Uid -Orphaned -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        @(Get-DataKeys $dest) | Should -Be @($f2Key)
        ($w -join ' ') | Should -Match ([regex]::Escape($f2Key))
        @(Get-Journals $loc.Root).Count | Should -Be 1
    }

    It 'another location''s move to that destination removes the leftovers first instead of refusing DestinationNotEmpty' {
        Invoke-RefusedMove $f2 $dest $loc.Uid
        Set-JournalDead @($dest, $loc.Root)
        $other = New-LaminStorage (Join-Path $t.Work 'other')
        $o1 = Add-LaminArtifact (New-File (Join-Path $t.Work 'o1.txt') 'other data').FullName -Storage $other.Uid
        $otherKeys = @(Get-DataKeys $other.Root | Where-Object { $_ -ne '.lamindb/storage_uid.txt' })

        $moved = Move-LaminStorage $other.Uid $dest -Confirm:$false -WarningAction SilentlyContinue
        $moved.Root | Should -Be $dest
        @(Get-DataKeys $dest | Where-Object { $_ -ne '.lamindb/storage_uid.txt' }) | Should -Be $otherKeys
        Get-Journals $dest | Should -Be $null
        Get-Journals $loc.Root | Should -Be $null
        @((Test-LaminStorage $loc.Uid).Problems).Count | Should -Be 0
        @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
        (Get-LaminStorage $loc.Uid).Root | Should -Be $loc.Root
    }
}

Describe 'Move-LaminStorage to S3: a refused move''s copies are reported and cleared (rule 17)' -Tag Cloud {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
        $script:servers = Start-CloudServers
    }
    AfterAll { if ($script:servers) { Stop-CloudServers $script:servers } }
    BeforeEach {
        $t = New-TestInstance
        $p = 'p' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        $f1 = Add-LaminArtifact (New-File (Join-Path $t.Work 'f1.txt') 'alpha data').FullName -Storage $loc.Uid
        $null = New-File (Join-Path $loc.Root 'raw/m1.txt') 'member 1'; $null = New-File (Join-Path $loc.Root 'raw/m2.txt') 'member 2'
        $folder = Add-LaminArtifact (Join-Path $loc.Root 'raw')
        $expected = @(Get-DataKeys $loc.Root | Where-Object { $_ -ne '.lamindb/storage_uid.txt' } | ForEach-Object { "$p/$_" })
    }
    AfterEach { $t | Remove-TestInstance }

    It 'local → S3: Test-LaminStorage names the copies, Clear-LaminStorage -Orphaned removes them, the registered data is untouched' {
        $reg = Get-RegistrySnapshot
        Invoke-RefusedMove $f1 "s3://lamin-test/$p`?endpoint_url=$($servers.S3)" $loc.Uid
        $there = @(Get-S3Keys $servers.S3 'lamin-test' $p)
        @($there | Where-Object { $_ -notlike "$p/.lamindb/.lamin-move-*" }) | Should -Be $expected
        @($there | Where-Object { $_ -like "$p/.lamindb/.lamin-move-*" -and $_ -notlike "*.copied" }).Count | Should -Be 1

        $problem = @((Test-LaminStorage $loc.Uid).Problems | Where-Object { $_ -like "*s3://lamin-test/$p*" })
        $problem.Count | Should -Be 1
        $problem[0] | Should -Match "$($expected.Count) object\(s\)"

        $removed = Clear-LaminStorage $loc.Uid -Orphaned -Confirm:$false -PassThru
        @($removed).Count | Should -Be $expected.Count
        @(Get-S3Keys $servers.S3 'lamin-test' $p | Where-Object { $_ -notlike "$p/.lamindb/_lease*" }) | Should -Be @()
        Get-Journals $loc.Root | Should -Be $null
        Get-RegistrySnapshot | Should -BeExactly $reg
        @(Test-LaminArtifact -Storage $loc.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }
}
