# Writers fenced against relocation, and per-item outcomes of a batch (SPEC §10 rules 14 and 15, issue 24).
# A location carries a generation that Move-LaminStorage bumps in the transaction that switches its root; a
# writer commits only against the root and generation it staged into (else StorageMoved: its staged bytes
# removed, nothing registered elsewhere). The races are made deterministic: a pipeline whose upstream runs
# Move-LaminStorage between two items, or a child process stopped at a test hook (it creates a file there and
# waits until the test deletes it). Runs on LiteDB, and on PostgreSQL when LAMIN_TEST_POSTGRES names a server.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -LiteralPath $Path -Force
    }
    # Every registered artifact hashes right where its record says (a record without its bytes is Missing).
    function Assert-AllMatch {
        $checks = @(Test-LaminArtifact -Hash -ErrorAction Stop | Where-Object Status -NE 'Unregistered')
        @($checks | Where-Object Status -NE 'Match' | ForEach-Object { "$($_.Status) $($_.FullName)" }) | Should -BeNullOrEmpty
    }

    # Runs $Body in a child (this LAMIN_HOME) that stops at the test hook $Pause; runs $Meanwhile here while it
    # waits, lets it go on, and returns what it printed ('error: <FullyQualifiedErrorId>' for a failure, then 'done').
    function Invoke-PausedAt([string] $Pause, [string] $Body, [scriptblock] $Meanwhile) {
        Invoke-PausedChild -Pause $Pause -Body $Body -Meanwhile $Meanwhile -Folder $t.Work
    }
}

Describe 'Rule 14: Add-LaminArtifact racing Move-LaminStorage (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach {
        $t = New-TestInstance
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        $old = $loc.Root
        $dest = Join-Path $t.Work 'moved'
        $a = New-File (Join-Path $t.Work 'src/a.txt') 'first file, staged before the relocation'
        $b = New-File (Join-Path $t.Work 'src/b.txt') 'second file, planned against the old root'
        Push-Location $t.Work
    }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'a batch staged before the switch is refused (StorageMoved), nothing is registered without its bytes, nothing is left at the old root' {
        $kept = Add-LaminArtifact (New-File (Join-Path $t.Work 'src/kept.txt') 'registered before').FullName -Storage $loc.Uid
        $errs = $null
        $added = @(& {
                Get-Item -LiteralPath $a.FullName
                Move-LaminStorage $loc.Uid -Destination $dest -Confirm:$false | Out-Null
                Get-Item -LiteralPath $b.FullName
            } | Add-LaminArtifact -Storage $loc.Uid -ErrorVariable errs -ErrorAction SilentlyContinue)

        $moved = Get-LaminStorage -Identity $loc.Uid
        $moved.Root | Should -Be $dest
        # No record without its bytes (the fault: a.txt registered at the new root, its bytes at the old one: Missing).
        Assert-AllMatch
        # Both refused with StorageMoved, each naming its own path; none registered.
        $added | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 2
        foreach ($err in $errs) { $err.FullyQualifiedErrorId | Should -BeLike "StorageMoved$E" }
        @($errs | ForEach-Object { $_.TargetObject } | Sort-Object) | Should -Be @($a.FullName, $b.FullName)
        @(Get-LaminArtifact -Storage $loc.Uid).Uid | Should -Be @($kept.Uid)
        $moved.Generation | Should -Be ($loc.Generation + 1)
        # The staged copy went with the refusal: nothing at the old root but what the move left (its objects).
        Get-LaminTempLeftover -Path $old, $dest | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath (Join-Path $old '.lamindb') -File -Force | Where-Object Name -NE ((Split-Path $kept.FullName -Leaf))).Name | Should -BeNullOrEmpty

        # Added again, they go to the new root.
        $again = @(Add-LaminArtifact $a.FullName, $b.FullName -Storage $loc.Uid)
        $again | Should -HaveCount 2
        foreach ($x in $again) { $x.FullName | Should -BeLike "$dest*" }
        Assert-AllMatch
    }

    It 'a file registered in place whose location moves before the commit is refused (StorageMoved), not registered at the new root' {
        $inside = New-File (Join-Path $old 'raw/in-place.txt') 'registered where it lies'
        $errs = $null
        $added = @(& {
                Get-Item -LiteralPath $inside.FullName
                Move-LaminStorage $loc.Uid -Destination $dest -Confirm:$false | Out-Null
            } | Add-LaminArtifact -ErrorVariable errs -ErrorAction SilentlyContinue)
        $added | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "StorageMoved$E"
        @(Get-LaminArtifact -Storage $loc.Uid) | Should -BeNullOrEmpty
        Assert-AllMatch
    }
}

Describe 'Rule 14: Move-LaminArtifact racing Move-LaminStorage (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach {
        $t = New-TestInstance
        $from = New-LaminStorage (Join-Path $t.Work 'from')
        $to = New-LaminStorage (Join-Path $t.Work 'to')
        $f = New-File (Join-Path $t.Work 'src/moving.txt') 'the only copy of these bytes'
        $art = Add-LaminArtifact $f.FullName -Storage $from.Uid
        Remove-Item -LiteralPath $f.FullName   # the registry's copy is the only one
    }
    AfterEach { $t | Remove-TestInstance }

    It 'the target relocated between the copy and the commit: StorageMoved, the copy removed, the source kept and registered' {
        $relocated = Join-Path $t.Work 'to-moved'
        $out = Invoke-PausedAt -Pause 'move-artifact-commit' -Body "Move-LaminArtifact '$($art.Uid)' -Storage '$($to.Uid)' -PassThru | ForEach-Object FullName" -Meanwhile {
            $null = Move-LaminStorage $to.Uid -Destination $relocated -Confirm:$false
        }
        $out[-1] | Should -Be 'done'
        $out[0] | Should -BeLike "error: StorageMoved$E" -Because ($out -join "`n")
        $now = Get-LaminArtifact -Identity $art.Uid
        $now.Storage | Should -Be $from.Root
        $now.FullName | Should -Be $art.FullName
        Test-Path -LiteralPath $art.FullName | Should -BeTrue
        Assert-AllMatch
        # The copy this move made at the old target root went again; nothing stranded anywhere.
        Test-Path -LiteralPath (Join-Path $to.Root ($art.FullName.Substring($from.Root.Length))) | Should -BeFalse
        Get-LaminTempLeftover -Path $to.Root, $relocated, $from.Root | Should -BeNullOrEmpty
        # Run again, it moves.
        $done = Move-LaminArtifact $art.Uid -Storage $to.Uid -PassThru
        $done.FullName | Should -BeLike "$relocated*"
        Assert-AllMatch
    }

    It 'the source relocated between the copy and the commit: StorageMoved, nothing moved, nothing deleted' {
        $relocated = Join-Path $t.Work 'from-moved'
        $out = Invoke-PausedAt -Pause 'move-artifact-commit' -Body "Move-LaminArtifact '$($art.Uid)' -Storage '$($to.Uid)' -PassThru | ForEach-Object FullName" -Meanwhile {
            $null = Move-LaminStorage $from.Uid -Destination $relocated -Confirm:$false
        }
        $out[0] | Should -BeLike "error: StorageMoved$E" -Because ($out -join "`n")
        $now = Get-LaminArtifact -Identity $art.Uid
        $now.Storage | Should -Be $relocated
        Test-Path -LiteralPath $now.FullName | Should -BeTrue
        @(Get-ChildItem -LiteralPath $to.Root -Recurse -File -Force | Where-Object Name -NE 'storage_uid.txt') | Should -BeNullOrEmpty
        Assert-AllMatch
    }
}

Describe 'Rule 15: a storage error publishing one item refuses that item only (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'three files under real keys, the middle one''s final path can''t be renamed over: it is refused with its own error, the others are registered' {
        $src = Join-Path $t.Work 'src'
        # b.txt has a version at the real key k/b.txt; its file there has become a folder, so the new version's
        # rename onto it fails (as a file held open without delete sharing refuses it on Windows).
        $v1 = Add-LaminArtifact (New-File (Join-Path $t.Work 'old/b.txt') 'b, version 1').FullName -Key 'k/b.txt' -KeyIsVirtual $false
        $final = $v1.FullName
        Remove-Item -LiteralPath $final
        New-File (Join-Path $final 'blocker.txt') 'a folder where the file was' | Out-Null
        $files = 'a', 'b', 'c' | ForEach-Object { New-File (Join-Path $src "$_.txt") "file $_ of one batch" }
        $uid = (Get-LaminStorage).Uid
        $errs = $null
        $added = @($files | Add-LaminArtifact -Destination "lamin:\$uid\k\" -KeyIsVirtual $false -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)

        @($added.Key | Sort-Object) | Should -Be @('k/a.txt', 'k/c.txt')
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "StorageIoError$E"
        $errs[0].TargetObject | Should -Be $files[1].FullName
        $errs[0].Exception.Message | Should -Match ([regex]::Escape($final))
        # a and c are there and hash right; b's version 1 stays the latest; nothing staged is left.
        foreach ($x in $added) {
            (Test-LaminArtifact -Identity $x.Uid -Hash).Status | Should -Be 'Match'
        }
        (Get-LaminArtifact -Key 'k/b.txt').Uid | Should -Be $v1.Uid
        @(Get-LaminArtifact -Key 'k/b.txt' -AllVersions) | Should -HaveCount 1
        Get-LaminTempLeftover | Should -BeNullOrEmpty
        Test-Path -LiteralPath (Join-Path $final 'blocker.txt') | Should -BeTrue
    }
}
