# Artifacts in storage locations (SPEC rules 8, 10-12, 19-24): ingest, in place, hashes, versions,
# trash, save, move, and the bad inputs of the issue, each leaving registry and disk as they were.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) { [IO.File]::WriteAllText($Path, $Text); Get-Item $Path }
    function Get-ArtifactSnapshot { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }
    function Get-State([string] $Root) { (Get-RegistrySnapshot) + (Get-ArtifactSnapshot) + (Get-TreeSnapshot $Root) }
}

Describe 'Add-LaminArtifact: copies (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'copies a file into .lamindb/<uid><suffix> with LaminDB''s md5 (vector "a")' {
        $f = New-File (Join-Path $t.Work 'a.txt') 'a'
        $a = Add-LaminArtifact $f.FullName
        $a.Uid | Should -MatchExactly '^[0-9A-Za-z]{16}0000$'
        $a.Hash | Should -BeExactly 'DMF1ucDxtqgxw5niaXcmYQ'
        $a.HashType | Should -BeExactly 'md5'
        $a.Size | Should -Be 1
        $a.Key | Should -BeNullOrEmpty
        $a.KeyIsVirtual | Should -BeTrue
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid).txt")
        [IO.File]::ReadAllText($a.FullName) | Should -BeExactly 'a'
        $a.Storage | Should -Be $t.Storage
        $a.Version | Should -Be 1
        $a.IsLatest | Should -BeTrue
    }

    It 'adds and finds a key whose 200th UTF-16 unit starts an emoji (the LiteDB key index holds 200 units)' {
        $key = ('a' * 199) + [char]::ConvertFromUtf32(0x1F600) + 'tail.txt'
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'emoji.txt') 'emoji').FullName -Key $key
        $b = Add-LaminArtifact (New-File (Join-Path $t.Work 'plain.txt') 'plain').FullName -Key (('a' * 199) + 'b.txt')
        (Get-LaminArtifact -Key $key).Uid | Should -BeExactly $a.Uid
        @(Get-LaminArtifact -Key (('a' * 199) + '*')).Uid | Should -BeExactly @($a.Uid, $b.Uid)
        @(Get-LaminArtifact -Key (('a' * 199) + [char]::ConvertFromUtf32(0x1F600) + '*')).Uid | Should -BeExactly @($a.Uid)   # a prefix ending in an emoji
    }

    It 'keeps compound suffixes (.csv.gz, .tar.gz) and stores unknown ones without extension' {
        (Add-LaminArtifact (New-File (Join-Path $t.Work 't.csv.gz') 'x1').FullName).Suffix | Should -BeExactly '.csv.gz'
        (Add-LaminArtifact (New-File (Join-Path $t.Work 'b.tar.gz') 'x2').FullName).Suffix | Should -BeExactly '.tar.gz'
        $u = Add-LaminArtifact (New-File (Join-Path $t.Work 'test.xyz') 'x3').FullName
        $u.Suffix | Should -BeExactly ''
        $u.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($u.Uid)")
    }

    It 'stores at <root>/<key> with -KeyIsVirtual $false' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'r.csv') 'real').FullName -Key 'results/r.csv' -KeyIsVirtual $false
        $a.KeyIsVirtual | Should -BeFalse
        $a.FullName | Should -Be (Join-Path $t.Storage 'results/r.csv')
        [IO.File]::ReadAllText($a.FullName) | Should -BeExactly 'real'
    }

    It 'returns the existing artifact for content already registered, with a warning' {
        $first = Add-LaminArtifact (New-File (Join-Path $t.Work 'x.txt') 'same').FullName
        $second = Add-LaminArtifact (New-File (Join-Path $t.Work 'y.txt') 'same').FullName -WarningVariable w -WarningAction SilentlyContinue
        $second.Uid | Should -BeExactly $first.Uid
        "$w" | Should -Match 'same hash'
        @(Get-LaminArtifact).Count | Should -Be 1
    }

    It 'never deduplicates empty files' {
        $e1 = Add-LaminArtifact (New-File (Join-Path $t.Work 'e1.txt') '').FullName -Key 'e1.txt'
        $e2 = Add-LaminArtifact (New-File (Join-Path $t.Work 'e2.txt') '').FullName -Key 'e2.txt'
        $e1.Uid | Should -Not -Be $e2.Uid
        $e1.Hash | Should -BeExactly $e2.Hash
    }

    It 'versions by key: same stem, next suffix, IsLatest moves' {
        $f = Join-Path $t.Work 'v.csv'
        $v1 = Add-LaminArtifact (New-File $f 'one').FullName -Key 'data/v.csv'
        $v2 = Add-LaminArtifact (New-File $f 'two').FullName -Key 'data/v.csv' -WarningAction SilentlyContinue
        $v2.Uid.Substring(0, 16) | Should -BeExactly $v1.Uid.Substring(0, 16)
        $v2.Uid.Substring(16) | Should -BeExactly '0001'
        $v2.Version | Should -Be 2
        (Get-LaminArtifact -Identity $v1.Uid).IsLatest | Should -BeFalse
        (Get-LaminArtifact -Key 'data/v.csv').Uid | Should -BeExactly $v2.Uid
        @(Get-LaminArtifact -Key 'data/v.csv' -AllVersions).Count | Should -Be 2
        Get-LaminArtifact -Identity $v2.Uid.Substring(0, 10) | ForEach-Object Uid | Should -BeExactly $v2.Uid   # a stub prefers the latest
    }

    It 'adds a folder as one artifact: md5-d over its files ("0","0","1" vector), NFiles, .lamindb/<uid16>' {
        $d = New-Item -ItemType Directory (Join-Path $t.Work 'dir')
        New-File (Join-Path $d 'a') '0' | Out-Null; New-File (Join-Path $d 'b') '0' | Out-Null; New-File (Join-Path $d 'c') '1' | Out-Null
        $a = Add-LaminArtifact $d.FullName -Key 'folder'
        $a.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'
        $a.HashType | Should -BeExactly 'md5-d'
        $a.NFiles | Should -Be 3
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid.Substring(0, 16))")
        (Get-ChildItem $a.FullName).Count | Should -Be 3
    }

    It 'takes Get-ChildItem output: 1200 files in more than one batch, each registered once' {
        $many = New-Item -ItemType Directory (Join-Path $t.Work 'many')
        1..1200 | ForEach-Object { [IO.File]::WriteAllText((Join-Path $many "f$_.txt"), "content $_") }
        $added = Get-ChildItem $many -File | Add-LaminArtifact
        @($added).Count | Should -Be 1200
        @($added.Uid | Sort-Object -Unique).Count | Should -Be 1200
        @(Get-LaminArtifact).Count | Should -Be 1200
        @(Get-ChildItem (Join-Path $t.Storage '.lamindb') -Filter '.lamin-tmp-*' -Force).Count | Should -Be 0
    }

    It 'writes nothing under -WhatIf' {
        $f = New-File (Join-Path $t.Work 'w.txt') 'whatif'
        $state = Get-State $t.Storage
        Add-LaminArtifact $f.FullName -WhatIf | Should -BeNullOrEmpty
        Get-State $t.Storage | Should -BeExactly $state
    }

    It 'sends new artifacts to the local storage in keep-artifacts-local mode, and to -Storage when given' {
        Set-LaminSetting -KeepArtifactsLocal $true -LocalStorage (Join-Path $t.Work 'local') -WarningAction SilentlyContinue
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'k.txt') 'keep local').FullName
        $a.Storage | Should -Be (Join-Path $t.Work 'local')
        $other = New-LaminStorage (Join-Path $t.Work 'other')
        (Add-LaminArtifact (New-File (Join-Path $t.Work 'o.txt') 'to other').FullName -Storage $other.Uid).Storage | Should -Be $other.Root
    }

    It 'shows progress for a long copy and none when $ProgressPreference is SilentlyContinue' {
        $big = Join-Path $t.Work 'big.bin'
        $fs = [IO.File]::Create($big); $fs.SetLength(64MB); $fs.Dispose()
        # LAMIN_TEST_PROGRESS_AFTER_MS=0 removes the one-second quiet period, so the result does not depend on the machine's speed.
        $ps = [powershell]::Create()
        $null = $ps.AddScript("`$env:LAMIN_TEST_PROGRESS_AFTER_MS = '0'; `$env:LAMIN_HOME = '$env:LAMIN_HOME'; `$env:LAMIN_USER = '$env:LAMIN_USER'; Import-Module '$env:LAMIN_TEST_MODULE'; `$ProgressPreference = 'Continue'; Add-LaminArtifact '$big' -Key big1.bin | Out-Null")
        $ps.Invoke() | Out-Null
        $ps.HadErrors | Should -BeFalse
        $records = @($ps.Streams.Progress)
        $ps.Dispose()
        $records.Count | Should -BeGreaterThan 0
        $records[0].StatusDescription | Should -Match 'MiB'
        ($records | Where-Object RecordType -EQ 'Completed') | Should -Not -BeNullOrEmpty
        $env:LAMIN_TEST_PROGRESS_AFTER_MS = '0'
        try {
            $ProgressPreference = 'SilentlyContinue'
            $silent = Add-LaminArtifact $big -Key big2.bin -SkipHashLookup *>&1 | Where-Object { $_ -is [System.Management.Automation.ProgressRecord] }
            @($silent).Count | Should -Be 0
        }
        finally { Remove-Item Env:LAMIN_TEST_PROGRESS_AFTER_MS }
    }
}

Describe 'Add-LaminArtifact: in place (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance; $reg = New-LaminStorage (Join-Path $t.Work 'data') }
    AfterEach { $t | Remove-TestInstance }

    It 'registers a file under a registered root by its relative key, without copying' {
        $null = New-Item -ItemType Directory (Join-Path $reg.Root 'raw')
        $f = New-File (Join-Path $reg.Root 'raw/s1.csv') 'abc'
        $before = Get-TreeSnapshot (Join-Path $reg.Root '.lamindb')
        $a = Add-LaminArtifact $f.FullName
        $a.Key | Should -BeExactly 'raw/s1.csv'
        $a.KeyIsVirtual | Should -BeFalse
        $a.FullName | Should -Be $f.FullName
        $a.Storage | Should -Be $reg.Root
        $a.Hash | Should -BeExactly 'kAFQmDzST7DWlj99KOF_cg'
        $after = (Get-TreeSnapshot (Join-Path $reg.Root '.lamindb')) -split "`n" | Where-Object { $_ -notlike 'lamin*' }
        $after -join "`n" | Should -BeExactly (($before -split "`n" | Where-Object { $_ -notlike 'lamin*' }) -join "`n")
    }

    It 'prefers the deepest registered root' {
        $inner = New-LaminStorage (Join-Path $reg.Root 'inner')
        $a = Add-LaminArtifact (New-File (Join-Path $inner.Root 'x.txt') 'deep').FullName
        $a.Storage | Should -Be $inner.Root
        $a.Key | Should -BeExactly 'x.txt'
    }

    It 'keeps the data in place under a different virtual key' {
        $f = New-File (Join-Path $reg.Root 'orig.txt') 'v'
        $a = Add-LaminArtifact $f.FullName -Key 'nice/name.txt'
        $a.Key | Should -BeExactly 'nice/name.txt'
        $a.KeyIsVirtual | Should -BeTrue
        $a.FullName | Should -Be $f.FullName
    }

    It 'refuses the incompatible key combinations with LaminDB''s messages' {
        $f = New-File (Join-Path $reg.Root 'c.txt') 'c'
        { Add-LaminArtifact $f.FullName -Key 'other.txt' -KeyIsVirtual $false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidArgument$E" -ExpectedMessage '*virtual key and key_is_virtual=False is incompatible*'
        { Add-LaminArtifact $f.FullName -KeyIsVirtual $true -ErrorAction Stop } | Should -Throw -ErrorId "InvalidArgument$E" -ExpectedMessage '*without a virtual key and key_is_virtual=True is incompatible*'
    }

    It 'does not look up the hash in place unless -SkipHashLookup:$false' {
        $copy = Add-LaminArtifact (New-File (Join-Path $t.Work 'dup.txt') 'dup').FullName
        $f = New-File (Join-Path $reg.Root 'dup.txt') 'dup'
        $inPlace = Add-LaminArtifact $f.FullName
        $inPlace.Uid | Should -Not -Be $copy.Uid
        $again = Add-LaminArtifact $f.FullName -SkipHashLookup:$false -WarningAction SilentlyContinue
        $again.Uid | Should -BeIn @($copy.Uid, $inPlace.Uid)
    }
}

Describe 'Artifact lifecycle (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'trashes, restores and deletes permanently (the .lamindb object goes with -Permanent)' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'l.txt') 'life').FullName
        Remove-LaminArtifact $a.Uid -Confirm:$false
        Get-LaminArtifact | Should -BeNullOrEmpty
        (Get-LaminArtifact -Trash).Uid | Should -BeExactly $a.Uid
        $a.FullName | Should -Exist
        Get-LaminArtifact -Trash | Restore-LaminArtifact
        (Get-LaminArtifact).Uid | Should -BeExactly $a.Uid
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Get-LaminArtifact -AllVersions | Should -BeNullOrEmpty
        $a.FullName | Should -Not -Exist
    }

    It 'keeps a file registered in place unless -DeleteFile' {
        $reg = New-LaminStorage (Join-Path $t.Work 'inplace')
        $f1 = New-File (Join-Path $reg.Root 'keep.txt') 'keep'
        $f2 = New-File (Join-Path $reg.Root 'drop.txt') 'drop'
        Add-LaminArtifact $f1.FullName | Remove-LaminArtifact -Permanent -Confirm:$false
        $f1.FullName | Should -Exist
        Add-LaminArtifact $f2.FullName | Remove-LaminArtifact -Permanent -DeleteFile -Confirm:$false
        $f2.FullName | Should -Not -Exist
    }

    It 'promotes the previous version when the latest is trashed' {
        $f = Join-Path $t.Work 'p.csv'
        $v1 = Add-LaminArtifact (New-File $f 'p1').FullName -Key 'p.csv'
        $v2 = Add-LaminArtifact (New-File $f 'p2').FullName -Key 'p.csv' -WarningAction SilentlyContinue
        Remove-LaminArtifact $v2.Uid -Confirm:$false
        (Get-LaminArtifact -Key 'p.csv').Uid | Should -BeExactly $v1.Uid
    }

    It 'saves a file and a folder with their bytes, refusing an existing destination without -Force' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 's.csv') 'saved bytes').FullName -Key 'out/s.csv'
        $out = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'copy.csv')
        $out | Should -BeOfType [System.IO.FileInfo]
        [IO.File]::ReadAllText($out.FullName) | Should -BeExactly 'saved bytes'
        [IO.File]::WriteAllText($out.FullName, 'mine')
        { Save-LaminArtifact $a.Uid -Destination $out.FullName -ErrorAction Stop } | Should -Throw -ErrorId "DestinationExists$E"
        [IO.File]::ReadAllText($out.FullName) | Should -BeExactly 'mine'
        (Save-LaminArtifact $a.Uid -Destination $out.FullName -Force) | Out-Null
        [IO.File]::ReadAllText($out.FullName) | Should -BeExactly 'saved bytes'
        $d = New-Item -ItemType Directory (Join-Path $t.Work 'sd'); New-File (Join-Path $d 'm.txt') 'member' | Out-Null
        $fa = Add-LaminArtifact $d.FullName -Key 'sd'
        $dir = Save-LaminArtifact $fa.Uid -Destination (Join-Path $t.Work 'sd-copy')
        $dir | Should -BeOfType [System.IO.DirectoryInfo]
        [IO.File]::ReadAllText((Join-Path $dir.FullName 'm.txt')) | Should -BeExactly 'member'
    }

    It 'refuses to save data that no longer matches its hash (HashMismatch) and writes nothing' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'h.txt') 'hhhh').FullName
        [IO.File]::WriteAllText($a.FullName, 'HHHH')
        $dest = Join-Path $t.Work 'h-copy.txt'
        { Save-LaminArtifact $a.Uid -Destination $dest -ErrorAction Stop } | Should -Throw -ErrorId "HashMismatch$E"
        $dest | Should -Not -Exist
    }

    It 'moves an artifact to another managed location: bytes, uid and key kept, source removed' {
        $other = New-LaminStorage (Join-Path $t.Work 'target')
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'm.txt') 'moving').FullName -Key 'm.txt'
        $m = Move-LaminArtifact $a.Uid -Storage $other.Uid -Confirm:$false -PassThru
        $m.Uid | Should -BeExactly $a.Uid
        $m.Key | Should -BeExactly 'm.txt'
        $m.Storage | Should -Be $other.Root
        [IO.File]::ReadAllText($m.FullName) | Should -BeExactly 'moving'
        $a.FullName | Should -Not -Exist
        { Move-LaminArtifact $a.Uid -Storage $other.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidArgument$E"
    }

    It 'Remove-LaminStorage refuses while any artifact, trashed too, is in the location (StorageHasArtifacts)' {
        $loc = New-LaminStorage (Join-Path $t.Work 'busy')
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'b.txt') 'busy').FullName -Storage $loc.Uid
        Remove-LaminArtifact $a.Uid -Confirm:$false
        { Remove-LaminStorage $loc.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageHasArtifacts$E"
        (Get-LaminStorage -Identity $loc.Uid -Statistics).ArtifactCount | Should -Be 1
    }
}

Describe 'Add-LaminArtifact: bad input changes nothing (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeAll {
        $t = New-TestInstance
        $src = New-File (Join-Path $t.Work 'src.csv') 'source'
        $dir = New-Item -ItemType Directory (Join-Path $t.Work 'adir'); New-File (Join-Path $dir 'x') 'x' | Out-Null
        $foreign = Join-Path $t.Work 'foreign'
        Set-TestMarker -Root $foreign -Text (New-ForeignMarkerText) | Out-Null
        $ro = New-LaminStorage $foreign -WarningAction SilentlyContinue
        $null = New-LaminSpace 'elsewhere'
        $inSpace = New-LaminStorage (Join-Path $t.Work 'spaced') -Space 'elsewhere'
        $moveMe = Add-LaminArtifact (New-File (Join-Path $t.Work 'mv.txt') 'mv').FullName
    }
    AfterAll { $t | Remove-TestInstance }

    It '<Case> → <Id>' -ForEach @(
        @{ Case = 'a missing path'; Id = 'PathNotFound'; Run = { Add-LaminArtifact (Join-Path $t.Work 'nope.csv') } }
        @{ Case = 'a path inside .lamindb/'; Id = 'InvalidPath'; Run = { Add-LaminArtifact (Get-MarkerPath $t.Storage) } }
        @{ Case = 'a folder where -Key implies a file suffix'; Id = 'SuffixMismatch'; Run = { Add-LaminArtifact $dir.FullName -Key 'x.csv' } }
        @{ Case = 'a key with ..'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key '../x.csv' } }
        @{ Case = 'a key with a backslash'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key 'a\b.csv' } }
        @{ Case = 'a key under .lamindb/'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key '.lamindb/x.csv' } }
        @{ Case = 'a key over 1024 characters'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key (('k' * 1030) + '.csv') } }
        @{ Case = 'a suffix mismatch'; Id = 'SuffixMismatch'; Run = { Add-LaminArtifact $src.FullName -Key 'x.txt' } }
        @{ Case = 'a read-only target'; Id = 'StorageReadOnly'; Run = { Add-LaminArtifact $src.FullName -Storage $ro.Uid } }
        @{ Case = 'a move into another space'; Id = 'NotInSpace'; Run = { Move-LaminArtifact $moveMe.Uid -Storage $inSpace.Uid -Confirm:$false } }
        @{ Case = 'a move into a read-only location'; Id = 'StorageReadOnly'; Run = { Move-LaminArtifact $moveMe.Uid -Storage $ro.Uid -Confirm:$false } }
    ) {
        $state = Get-State $t.Root
        { $ErrorActionPreference = 'Stop'; & $Run } | Should -Throw -ErrorId "$Id$E"   # refusals are non-terminating (SPEC §4)
        Get-State $t.Root | Should -BeExactly $state
    }

    It 'refuses every change to a locked artifact (RecordLocked) and changes nothing, until -Unlock' {
        $f = Join-Path $t.Work 'locked.csv'
        $locked = Add-LaminArtifact (New-File $f 'v1').FullName -Key 'locked.csv'
        $other = New-LaminStorage (Join-Path $t.Work 'lock-target')
        Set-LaminArtifact $locked.Uid -Lock
        [IO.File]::WriteAllText($f, 'v2')
        $state = Get-State $t.Root
        { Remove-LaminArtifact $locked.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        { Remove-LaminArtifact $locked.Uid -Permanent -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        { Move-LaminArtifact $locked.Uid -Storage $other.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        { Set-LaminArtifact $locked.Uid -Description 'changed' -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        { Add-LaminArtifact $f -Key 'locked.csv' -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        Get-State $t.Root | Should -BeExactly $state
        Set-LaminArtifact $locked.Uid -Unlock
        Remove-LaminArtifact $locked.Uid -Confirm:$false
        (Get-LaminArtifact -Trash).Uid | Should -Contain $locked.Uid
    }

    It 'refuses a file that changes size while it is added (FileChanged) and registers nothing' {
        # A FIFO is a file that keeps growing as it is read: its size (0) never matches what is read.
        $fifo = Join-Path $t.Work 'growing.bin'
        & mkfifo $fifo
        $writer = Start-ThreadJob { param($p) [IO.File]::WriteAllBytes($p, [byte[]]::new(4096)) } -ArgumentList $fifo
        try {
            $state = Get-ArtifactSnapshot
            { Add-LaminArtifact $fifo -ErrorAction Stop } | Should -Throw -ErrorId "FileChanged$E"
            Get-ArtifactSnapshot | Should -BeExactly $state
            @(Get-ChildItem (Join-Path $t.Storage '.lamindb') -Filter '.lamin-tmp-*' -Force).Count | Should -Be 0
        }
        finally { $writer | Wait-Job -Timeout 10 | Remove-Job -Force -ErrorAction SilentlyContinue; Remove-Item $fifo -Force }
    } -Skip:($IsWindows)
}
