# The operator tools beyond LaminDB: Test-LaminStorage, Get-LaminStorageUsage, Test-LaminArtifact,
# Clear-LaminStorage -Orphaned, Move-LaminStorage, and the lease that guards the bulk operations.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) { [IO.File]::WriteAllText($Path, $Text); Get-Item -Force $Path }
    function Get-ArtifactSnapshot { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }
    function New-Populated($t, [string] $Name = 'loc', [int] $Count = 3) {
        $loc = New-LaminStorage (Join-Path $t.Work $Name)
        $arts = 1..$Count | ForEach-Object { Add-LaminArtifact (New-File (Join-Path $t.Work "$Name-$_.txt") "content $Name $_").FullName -Storage $loc.Uid }
        [pscustomobject]@{ Storage = $loc; Artifacts = @($arts) }
    }
    function Set-Lease([string] $Root, [int] $ProcessId, [string] $User = 'somebody', [datetime] $Until = (Get-Date).ToUniversalTime().AddMinutes(10)) {
        $lease = @{ User = $User; Host = [Environment]::MachineName; Pid = $ProcessId; Since = (Get-Date).ToUniversalTime(); Until = $Until; Operation = 'Move-LaminStorage'; Token = 'x' } | ConvertTo-Json
        [IO.File]::WriteAllText((Join-Path $Root '.lamindb/_lease.json'), $lease)
    }
}

Describe 'Test-LaminStorage (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance; $p = New-Populated $t }
    AfterEach { $t | Remove-TestInstance }

    It 'reports a healthy location: reachable, writable by a marker round-trip, marker matching' {
        $before = Get-TreeSnapshot $p.Storage.Root
        $h = Test-LaminStorage -Identity $p.Storage.Uid
        $h.Reachable | Should -BeTrue
        $h.Writable | Should -BeTrue
        $h.MarkerUid | Should -BeExactly $p.Storage.Uid
        $h.MarkerMatches | Should -BeTrue
        $h.Problems | Should -BeNullOrEmpty
        $h.LatencyMs | Should -BeGreaterOrEqual 0
        Get-TreeSnapshot $p.Storage.Root | Should -BeExactly $before   # no stray file, marker bytes unchanged
        Test-LaminStorage -Quiet | Should -BeExactly $true
    }

    It 'reports a marker deleted by hand and never re-creates it' {
        Remove-Item (Get-MarkerPath $p.Storage.Root)
        $h = Test-LaminStorage -Identity $p.Storage.Uid
        $h.Healthy | Should -BeFalse
        "$($h.Problems)" | Should -Match 'missing'
        Get-MarkerPath $p.Storage.Root | Should -Not -Exist
        Test-LaminStorage -Quiet | Should -BeExactly $false
    }

    It 'exports Problems to CSV as text, not as a type name' {
        Remove-Item (Get-MarkerPath $p.Storage.Root)
        $csv = Join-Path $t.Work 'health.csv'
        Test-LaminStorage -Identity $p.Storage.Uid | Export-Csv -LiteralPath $csv
        $row = Import-Csv -LiteralPath $csv
        $row.Problems | Should -Match 'missing'
        $row.Problems | Should -Not -Match 'System\.'
        $row.Healthy | Should -BeExactly 'False'
        (Test-LaminStorage -Identity $p.Storage.Uid | ConvertTo-Json | ConvertFrom-Json).Problems.Count | Should -Be 1
    }

    It 'reports a marker replaced by hand' {
        Set-TestMarker -Root $p.Storage.Root -Text (New-ForeignMarkerText) | Out-Null
        $h = Test-LaminStorage -Identity $p.Storage.Uid
        $h.MarkerMatches | Should -BeFalse
        $h.MarkerUid | Should -BeExactly 'F0reignStor1'
        "$($h.Problems)" | Should -Match 'F0reignStor1'
    }

    It 'reports a location whose folder is gone as not reachable' {
        Remove-Item $p.Storage.Root -Recurse -Force
        $h = Test-LaminStorage -Identity $p.Storage.Uid
        $h.Reachable | Should -BeFalse
        $h.Healthy | Should -BeFalse
    }
}

Describe 'Get-LaminStorageUsage and Test-LaminArtifact' {
    BeforeEach { $t = New-TestInstance; $p = New-Populated $t -Count 4 }
    AfterEach { $t | Remove-TestInstance }

    It 'matches the registry when nothing drifted' {
        $u = Get-LaminStorageUsage -Identity $p.Storage.Uid
        $u.RegisteredArtifacts | Should -Be 4
        $u.StoredObjects | Should -Be 4
        $u.RegisteredBytes | Should -Be $u.StoredBytes
        $u.Unregistered + $u.Missing + $u.SizeMismatch | Should -Be 0
        @(Test-LaminArtifact -Storage $p.Storage.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'finds each kind of drift: Differ by size, Differ by hash only with -Hash, Missing, Unregistered' {
        $a = $p.Artifacts
        [IO.File]::WriteAllText($a[0].FullName, 'a different length')
        $same = [IO.File]::ReadAllText($a[1].FullName); [IO.File]::WriteAllText($a[1].FullName, ($same.Substring(0, $same.Length - 1) + 'X'))
        Remove-Item $a[2].FullName
        New-File (Join-Path $p.Storage.Root '.lamindb/stray.bin') 'stray' | Out-Null
        $quick = Test-LaminArtifact -Storage $p.Storage.Uid
        ($quick | Where-Object Uid -EQ $a[0].Uid).Status | Should -Be 'Differ'
        ($quick | Where-Object Uid -EQ $a[1].Uid).Status | Should -Be 'Match'     # same size: only a hash tells
        ($quick | Where-Object Uid -EQ $a[2].Uid).Status | Should -Be 'Missing'
        ($quick | Where-Object Status -EQ 'Unregistered').FullName | Should -Be (Join-Path $p.Storage.Root '.lamindb/stray.bin')
        $deep = Test-LaminArtifact -Storage $p.Storage.Uid -Hash
        ($deep | Where-Object Uid -EQ $a[1].Uid).Status | Should -Be 'Differ'
        ($deep | Where-Object Uid -EQ $a[1].Uid).Reason | Should -Match 'hash'
        ($deep | Where-Object Uid -EQ $a[3].Uid).Status | Should -Be 'Match'
        $u = Get-LaminStorageUsage -Identity $p.Storage.Uid
        $u.Unregistered | Should -Be 1
        $u.Missing | Should -Be 1
        $u.SizeMismatch | Should -Be 1
        $csv = Join-Path $t.Work 'audit.csv'
        $deep | Export-Csv $csv
        @(Import-Csv $csv).Count | Should -Be @($deep).Count
    }
}

Describe 'Clear-LaminStorage -Orphaned (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance; $p = New-Populated $t }
    AfterEach { $t | Remove-TestInstance }

    It 'lists exactly the orphans under -WhatIf and removes nothing' {
        New-File (Join-Path $p.Storage.Root '.lamindb/orphan.bin') 'o' | Out-Null
        New-File (Join-Path $p.Storage.Root 'outside.txt') 'user data' | Out-Null
        $before = Get-TreeSnapshot $p.Storage.Root
        # -WhatIf messages go to the host: read them from a child process's output.
        $exe = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
        $out = & $exe @pre -NoProfile -NonInteractive -Command "Import-Module '$env:LAMIN_TEST_MODULE'; Clear-LaminStorage '$($p.Storage.Uid)' -Orphaned -WhatIf" | Out-String
        $whatIf = @($out -split "`n" | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 1
        $whatIf[0] | Should -Match ([regex]::Escape((Join-Path $p.Storage.Root '.lamindb/orphan.bin')))
        $whatIf[0] | Should -Match 'not registered'
        Get-TreeSnapshot $p.Storage.Root | Should -BeExactly $before
    }

    It 'removes orphans and temporaries of dead transfers, keeps artifacts, control files, live temporaries and everything outside .lamindb' {
        $m = Join-Path $p.Storage.Root '.lamindb'
        New-File (Join-Path $m 'orphan.bin') 'o' | Out-Null
        New-File (Join-Path $m '.lamin-tmp-999999-deadbeef') 'dead transfer' | Out-Null
        New-File (Join-Path $m ".lamin-tmp-$PID-0123456789") 'live transfer (this very process)' | Out-Null
        New-File (Join-Path $p.Storage.Root 'outside.txt') 'user data' | Out-Null
        $removed = Clear-LaminStorage $p.Storage.Uid -Orphaned -Confirm:$false -PassThru
        ($removed.Key | Sort-Object) | Should -Be @('.lamindb/.lamin-tmp-999999-deadbeef', '.lamindb/orphan.bin')
        Join-Path $m 'orphan.bin' | Should -Not -Exist
        Join-Path $m ".lamin-tmp-$PID-0123456789" | Should -Exist
        Join-Path $p.Storage.Root 'outside.txt' | Should -Exist
        Get-MarkerPath $p.Storage.Root | Should -Exist
        foreach ($a in $p.Artifacts) { $a.FullName | Should -Exist }
        @(Test-LaminArtifact -Storage $p.Storage.Uid -Hash | Where-Object { $_.Status -notin 'Match', 'Unregistered' }).Count | Should -Be 0
    }

    It 'honours -OlderThan' {
        $f = New-File (Join-Path $p.Storage.Root '.lamindb/fresh.bin') 'fresh'
        @(Clear-LaminStorage $p.Storage.Uid -Orphaned -OlderThan (New-TimeSpan -Hours 1) -Confirm:$false -PassThru).Count | Should -Be 0
        $f.FullName | Should -Exist
        $f.LastWriteTimeUtc = (Get-Date).ToUniversalTime().AddHours(-2)
        @(Clear-LaminStorage $p.Storage.Uid -Orphaned -OlderThan (New-TimeSpan -Hours 1) -Confirm:$false -PassThru).Count | Should -Be 1
    }

    It 'refuses while another live holder leases the location (StorageLeased naming the holder), and takes over a stale lease' {
        New-File (Join-Path $p.Storage.Root '.lamindb/orphan.bin') 'o' | Out-Null
        Set-Lease $p.Storage.Root -ProcessId $PID -User 'carol'
        $err = { Clear-LaminStorage $p.Storage.Uid -Orphaned -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageLeased$E" -PassThru
        $err.Exception.Message | Should -Match 'carol'
        Join-Path $p.Storage.Root '.lamindb/orphan.bin' | Should -Exist
        Set-Lease $p.Storage.Root -ProcessId 999999 -User 'gone'   # a holder that no longer runs
        Clear-LaminStorage $p.Storage.Uid -Orphaned -Confirm:$false
        Join-Path $p.Storage.Root '.lamindb/orphan.bin' | Should -Not -Exist
        Join-Path $p.Storage.Root '.lamindb/_lease.json' | Should -Not -Exist
    }
}

Describe 'Move-LaminStorage' {
    BeforeEach { $t = New-TestInstance; $p = New-Populated $t -Count 5 }
    AfterEach { $t | Remove-TestInstance }

    It 'prints the plan under -WhatIf and changes nothing' {
        $dest = Join-Path $t.Work 'dest'
        $reg = Get-RegistrySnapshot; $arts = Get-ArtifactSnapshot
        Move-LaminStorage $p.Storage.Uid -Destination $dest -WhatIf
        $dest | Should -Not -Exist
        Get-RegistrySnapshot | Should -BeExactly $reg
        Get-ArtifactSnapshot | Should -BeExactly $arts
    }

    It 'relocates: same storage uid, artifact uids and keys, the new root, marker moved, source kept without -RemoveSource' {
        $null = New-Item -ItemType Directory (Join-Path $p.Storage.Root 'raw')
        $inPlace = Add-LaminArtifact (New-File (Join-Path $p.Storage.Root 'raw/ip.txt') 'in place').FullName
        $dest = Join-Path $t.Work 'dest'
        $moved = Move-LaminStorage $p.Storage.Uid -Destination $dest -Confirm:$false
        $moved.Uid | Should -BeExactly $p.Storage.Uid
        $moved.Root | Should -Be $dest
        (Get-Content (Get-MarkerPath $dest) -First 1) | Should -BeExactly $p.Storage.Uid
        Get-MarkerPath $p.Storage.Root | Should -Not -Exist
        (Get-LaminArtifact -Identity $inPlace.Uid).FullName | Should -Be (Join-Path $dest 'raw/ip.txt')
        (Get-LaminArtifact -Identity $inPlace.Uid).Key | Should -BeExactly 'raw/ip.txt'
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
        foreach ($a in $p.Artifacts) { $a.FullName | Should -Exist }   # the source stays without -RemoveSource
    }

    It 'refuses <Case> (<Id>) and changes nothing' -ForEach @(
        @{ Case = 'a non-empty destination'; Id = 'DestinationNotEmpty'; Prepare = { $d = Join-Path $t.Work 'full'; $null = New-Item -ItemType Directory (Join-Path $d '.lamindb') -Force; New-File (Join-Path $d '.lamindb/other.bin') 'x' | Out-Null; $d } }
        @{ Case = 'a registered destination'; Id = 'DestinationRegistered'; Prepare = { (New-LaminStorage (Join-Path $t.Work 'taken')).Root } }
        @{ Case = 'a destination marked by another instance'; Id = 'StorageManagedElsewhere'; Prepare = { $d = Join-Path $t.Work 'theirs'; Set-TestMarker -Root $d -Text (New-ForeignMarkerText) | Out-Null; $d } }
        @{ Case = 'the location itself'; Id = 'InvalidDestination'; Prepare = { $p.Storage.Root } }
        @{ Case = 'a sub-folder of itself'; Id = 'InvalidDestination'; Prepare = { Join-Path $p.Storage.Root 'sub' } }
    ) {
        $dest = & $Prepare
        $reg = Get-RegistrySnapshot; $arts = Get-ArtifactSnapshot; $src = Get-TreeSnapshot $p.Storage.Root
        { Move-LaminStorage $p.Storage.Uid -Destination $dest -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "$Id$E"
        Get-RegistrySnapshot | Should -BeExactly $reg
        Get-ArtifactSnapshot | Should -BeExactly $arts
        Get-TreeSnapshot $p.Storage.Root | Should -BeExactly $src
    }

    It 'refuses an object changed under the move (HashMismatch): nothing switched' {
        $a = $p.Artifacts[2]
        $text = [IO.File]::ReadAllText($a.FullName); [IO.File]::WriteAllText($a.FullName, $text.Substring(0, $text.Length - 1) + 'Z')
        $reg = Get-RegistrySnapshot
        $err = { Move-LaminStorage $p.Storage.Uid -Destination (Join-Path $t.Work 'dest') -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "HashMismatch$E" -PassThru
        $err.Exception.Message | Should -Match $a.Uid
        Get-RegistrySnapshot | Should -BeExactly $reg
        Get-MarkerPath $p.Storage.Root | Should -Exist
    }

    It 'resumes after a destination failed mid-copy, without copying again what was verified' {
        $dest = Join-Path $t.Work 'dest'
        # An obstacle at the destination where the fourth object goes: a folder where a file must be written.
        $victim = $p.Artifacts | Sort-Object { $_.FullName } | Select-Object -Last 1
        $null = New-Item -ItemType Directory (Join-Path $dest ".lamindb/$(Split-Path $victim.FullName -Leaf)/blocker") -Force
        $reg = Get-RegistrySnapshot
        { Move-LaminStorage $p.Storage.Uid -Destination $dest -Confirm:$false -ErrorAction Stop } | Should -Throw
        Get-RegistrySnapshot | Should -BeExactly $reg          # the source stays the truth
        Get-MarkerPath $p.Storage.Root | Should -Exist
        $copied = Get-ChildItem (Join-Path $dest '.lamindb') -File | Where-Object Name -NotLike '.lamin-tmp-*'
        $stamps = @{}; foreach ($f in $copied) { $f.LastWriteTimeUtc = [datetime]'2000-01-01'; $stamps[$f.Name] = $f.LastWriteTimeUtc }
        Remove-Item (Join-Path $dest ".lamindb/$(Split-Path $victim.FullName -Leaf)") -Recurse -Force
        $moved = Move-LaminStorage $p.Storage.Uid -Destination $dest -Confirm:$false
        $moved.Root | Should -Be $dest
        foreach ($name in $stamps.Keys) { (Get-Item (Join-Path $dest ".lamindb/$name")).LastWriteTimeUtc | Should -Be $stamps[$name] -Because "$name was verified, not copied again" }
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'removes the source with -RemoveSource' {
        $moved = Move-LaminStorage $p.Storage.Uid -Destination (Join-Path $t.Work 'dest') -RemoveSource -Confirm:$false
        foreach ($a in $p.Artifacts) { $a.FullName | Should -Not -Exist }
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'refuses while the location is leased by a live holder (StorageLeased)' {
        Set-Lease $p.Storage.Root -ProcessId $PID -User 'dave'
        { Move-LaminStorage $p.Storage.Uid -Destination (Join-Path $t.Work 'dest') -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageLeased$E"
        Join-Path $t.Work 'dest' | Should -Not -Exist
    }
}
