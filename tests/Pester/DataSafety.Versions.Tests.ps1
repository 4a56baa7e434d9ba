# Issue 24, SPEC §10 rules 16 and 17, §8: exactly one latest version per (key, location) after any order of
# add, trash, restore and drive writes; drive spool files a killed Set-Content left are reported and swept.
# Every test here failed on the code before the fix (see the issue's list of faults).
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function Get-ArtifactState { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }
    # The latest, non-trashed versions of a key, from the registry (all families).
    function Get-Latest([string] $Key) { @(Get-LaminArtifact -Key $Key -AllVersions | Where-Object IsLatest) }
}

Describe 'One latest version per key and location (<Backend>)' -ForEach $backends {
    BeforeEach {
        Use-TestBackend $Backend
        $t = New-TestInstance
        $src = Join-Path $t.Work 'src'
        $st = Get-LaminStorage -Root $t.Storage
    }
    AfterEach { $t | Remove-TestInstance; Use-TestBackend $null }

    It 'Restore-LaminArtifact of a version whose key has since got another family refuses (DestinationExists, naming it) and changes nothing' {
        $a = Add-LaminArtifact (New-TestFile "$src/a.txt" -Text 'first').FullName -Key 'k/a.txt'
        Remove-LaminArtifact $a.Uid -Confirm:$false
        $b = Add-LaminArtifact (New-TestFile "$src/b.txt" -Text 'second').FullName -Key 'k/a.txt'
        $before = Get-ArtifactState
        $err = { Restore-LaminArtifact $a.Uid -ErrorAction Stop } | Should -Throw -ErrorId "DestinationExists$E" -PassThru
        $err.Exception.Message | Should -BeLike "*$($b.Uid)*"
        Get-ArtifactState | Should -BeExactly $before
        (Get-Latest 'k/a.txt').Uid | Should -BeExactly $b.Uid
        # The drive writes the next version into the live family.
        Set-Content "lamin:\$($st.Uid)\k/a.txt" 'third' -WarningAction SilentlyContinue
        $latest = Get-Latest 'k/a.txt'
        $latest | Should -HaveCount 1
        $latest[0].Uid.Substring(0, 16) | Should -BeExactly $b.Uid.Substring(0, 16)
        # Once the other family is in the trash, the first comes back as the key's latest.
        Remove-LaminArtifact $latest[0].Uid -Confirm:$false
        @(Get-Latest 'k/a.txt') | Should -HaveCount 1   # b's first version is latest again (a virtual key keeps its bytes)
        Get-Latest 'k/a.txt' | ForEach-Object { Remove-LaminArtifact $_.Uid -Confirm:$false }
        (Restore-LaminArtifact $a.Uid -PassThru).IsLatest | Should -BeTrue
        (Get-Latest 'k/a.txt').Uid | Should -BeExactly $a.Uid
        Get-Content "lamin:\$($st.Uid)\k/a.txt" | Should -BeExactly 'first'
    }

    It 'removing the version whose bytes replaced older ones at a real key permanently is refused (ObjectInUse), so no older version is promoted with its bytes' {
        $file = Join-Path $t.Storage 'real/y.txt'
        $y1 = Add-LaminArtifact (New-TestFile $file -Text 'y1').FullName
        $null = New-TestFile $file -Text 'y2 is longer'
        $y2 = Add-LaminArtifact $file -WarningAction SilentlyContinue
        $before = Get-ArtifactState
        $err = { Remove-LaminArtifact $y2.Uid -Permanent -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "ObjectInUse$E" -PassThru
        $err.Exception.Message | Should -BeLike "*$($y1.Uid)*"
        Get-ArtifactState | Should -BeExactly $before
        (Get-LaminArtifact $y1.Uid | Test-LaminArtifact -Hash).Status | Should -Be 'Superseded'
        (Get-LaminArtifact $y2.Uid | Test-LaminArtifact -Hash).Status | Should -Be 'Match'
        # The older version first, then the newer: both go, and the file stays (in place, no -DeleteFile).
        Remove-LaminArtifact $y1.Uid -Permanent -Confirm:$false
        Remove-LaminArtifact $y2.Uid -Permanent -Confirm:$false
        Get-Content -LiteralPath $file -Raw | Should -BeExactly 'y2 is longer'
    }

    It 'trashing the latest version at a real key leaves the key without a latest; the older version (bytes gone) stays Superseded' {
        $file = Join-Path $t.Storage 'real/x.txt'
        $x1 = Add-LaminArtifact (New-TestFile $file -Text 'x1').FullName
        $null = New-TestFile $file -Text 'x2 is longer'
        $x2 = Add-LaminArtifact $file -WarningAction SilentlyContinue
        $x2.Version | Should -Be 2
        Remove-LaminArtifact $x2.Uid -Confirm:$false
        Get-Latest 'real/x.txt' | Should -BeNullOrEmpty
        (Get-LaminArtifact $x1.Uid).IsLatest | Should -BeFalse
        Test-Path "lamin:\$($st.Uid)\real/x.txt" | Should -BeFalse   # the drive serves no bytes under a version they are not
        (Get-LaminArtifact $x1.Uid | Test-LaminArtifact -Hash).Status | Should -Be 'Superseded'
        # Restoring the holder of the bytes makes it the latest again, and its bytes are right.
        (Restore-LaminArtifact $x2.Uid -PassThru).IsLatest | Should -BeTrue
        (Get-Latest 'real/x.txt').Uid | Should -BeExactly $x2.Uid
        $out = Save-LaminArtifact $x2.Uid -Destination (Join-Path $t.Work 'out.txt')
        Get-Content -LiteralPath (Join-Path $t.Work 'out.txt') -Raw | Should -BeExactly (Get-Content -LiteralPath $file -Raw)
    }

    It 'Set-Content on the drive back to an older content makes a new latest version that Get-Content reads' {
        $path = "lamin:\$($st.Uid)\d/v.txt"
        Set-Content $path 'one' -WarningAction SilentlyContinue
        Set-Content $path 'two' -WarningAction SilentlyContinue
        Set-Content $path 'one' -WarningAction SilentlyContinue
        Get-Content $path | Should -BeExactly 'one'
        $all = @(Get-LaminArtifact -Key 'd/v.txt' -AllVersions | Sort-Object Version)
        $all | Should -HaveCount 3
        $all[2].IsLatest | Should -BeTrue
        $all[2].Hash | Should -BeExactly $all[0].Hash
        # Writing what the key already reads adds nothing.
        Set-Content $path 'one' -WarningAction SilentlyContinue
        @(Get-LaminArtifact -Key 'd/v.txt' -AllVersions) | Should -HaveCount 3
    }
}

Describe 'A LiteDB registry that already holds two latest versions of one key' {
    BeforeAll {
        $t = New-TestInstance -Backend LiteDB
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'a.txt') -Text 'a').FullName -Key 'dup/a.txt'
        # Written as an older module (or a hand edit) could: the latest-key index dropped, a second family's row at the key.
        Invoke-TestLiteDb $t.Registry @"
`$c = `$db.GetCollection('artifact', [LiteDB.BsonAutoId]::Int32)
`$null = `$c.DropIndex('latest_key')
`$d = `$c.FindById([LiteDB.BsonValue]::new($($a.Id)))
`$null = `$d.Remove('_id')
`$d['Uid'] = [LiteDB.BsonValue]::new('TwinTwinTwinTwin0000')
`$null = `$c.Insert(`$d)
"@
    }
    AfterAll { $t | Remove-TestInstance }

    It 'is reported by Test-LaminStorage, naming the key and both versions, and still opens for writes' {
        @(Get-LaminArtifact -Key 'dup/a.txt') | Should -HaveCount 2
        $h = Test-LaminStorage -Identity $t.Storage
        $h.Healthy | Should -BeFalse
        ($h.Problems -join "`n") | Should -BeLike "*'dup/a.txt' has 2 latest versions*$($a.Uid)*TwinTwinTwinTwin0000*"
        (Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'b.txt') -Text 'b').FullName -Key 'other/b.txt').Key | Should -BeExactly 'other/b.txt'
        # Trashing one family repairs it (the other one is not promoted over it).
        Remove-LaminArtifact 'TwinTwinTwinTwin0000' -Confirm:$false
        (Test-LaminStorage -Identity $t.Storage).Healthy | Should -BeTrue
        (Get-LaminArtifact -Key 'dup/a.txt').Uid | Should -BeExactly $a.Uid
    }
}

Describe 'Drive spool files (SPEC §10 rule 17)' {
    BeforeEach {
        $t = New-TestInstance -Backend LiteDB
        $st = Get-LaminStorage -Root $t.Storage
        # Spool folders are named spool-<pid>-<start, ms since 1970 in base 36>-<host>-<32 hex> (ProcessIdentity.TemporaryName).
        $hostName = [Environment]::MachineName -replace '[^A-Za-z0-9._-]', '_'
        # A process that is certainly gone: this pid with another start time ("1000000" = 36^6 ms, January 1970),
        # so the pid now belongs to a later process.
        $gone = "$PID-1000000-$hostName"
        # This process, alive (start time "0": not recorded, the pid alone says it runs).
        $me = "$PID-0-$hostName"
        function New-Spool([string] $Token) {
            $folder = Join-Path $env:LAMIN_HOME "spool/$($st.Uid)/spool-$Token-$([guid]::NewGuid().ToString('N'))"
            $null = New-Item -ItemType Directory -Path $folder
            [System.IO.File]::WriteAllBytes((Join-Path $folder 'content.txt'), [byte[]]::new(4096))
            $folder
        }
        $dead = New-Spool $gone
        $live = New-Spool $me
    }
    AfterEach { $t | Remove-TestInstance }

    It 'reports the spool of a dead process in Test-LaminStorage and leaves a live one unreported' {
        $h = Test-LaminStorage -Identity $st.Uid
        $h.Healthy | Should -BeFalse
        $text = $h.Problems -join "`n"
        $text | Should -BeLike '*1 drive spool folder(s) hold 4096 bytes*'
        $text | Should -BeLike "*$dead*"
        $text | Should -Not -BeLike "*$live*"
    }

    It 'Clear-LaminStorage -Orphaned removes the dead spool and keeps the live one' {
        $null = Clear-LaminStorage -Orphaned -WhatIf
        $dead | Should -Exist
        $removed = @(Clear-LaminStorage -Orphaned -Confirm:$false -PassThru)
        $removed.FullName | Should -Contain $dead
        $removed.FullName | Should -Not -Contain $live
        $dead | Should -Not -Exist
        $live | Should -Exist
        (Test-LaminStorage -Identity $st.Uid).Healthy | Should -BeTrue
    }

    It 'the next Set-Content on the drive removes the dead spool, keeps the live one and leaves none of its own' {
        Set-Content "lamin:\$($st.Uid)\s.txt" 'spooled'
        Get-Content "lamin:\$($st.Uid)\s.txt" | Should -BeExactly 'spooled'
        $dead | Should -Not -Exist
        $live | Should -Exist
        @(Get-ChildItem (Join-Path $env:LAMIN_HOME "spool/$($st.Uid)") -Directory).FullName | Should -BeExactly @($live)
    }
}
