# Bad input to the artifact cmdlets (issue 3, "Bad input"): every item gets its error id, and the
# registry (storages, spaces, settings and every artifact, all versions and the trash) and the disk
# (every storage root and the source folder, byte for byte) are unchanged, with no temporary left
# under any .lamindb/.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'

    function Get-State {
        [pscustomobject]@{
            Registry  = Get-RegistrySnapshot
            Artifacts = Get-ArtifactSnapshot
            Disk      = Get-StorageTreeSnapshot -Path $t.Work
        }
    }

    function Assert-Unchanged($State) {
        Get-RegistrySnapshot | Should -BeExactly $State.Registry -Because 'bad input must not change the storage registry'
        Get-ArtifactSnapshot | Should -BeExactly $State.Artifacts -Because 'bad input must not register, change or drop an artifact'
        Get-StorageTreeSnapshot -Path $t.Work | Should -BeExactly $State.Disk -Because 'bad input must not touch the disk'
        Get-LaminTempLeftover -Path $t.Root | Should -BeNullOrEmpty -Because 'no temporary may be left after a failure'
    }

    function New-Fixture {
        $script:t = New-TestInstance -User 'alice'
        $script:src = New-TestFile (Join-Path $t.Work 'src/src.csv') -Text 'source'
        $script:dir = Join-Path $t.Work 'src/adir'
        New-TestFile (Join-Path $dir 'x') -Text 'x' | Out-Null
        $script:other = New-LaminStorage (Join-Path $t.Work 'other')
        $script:reg = New-LaminStorage (Join-Path $t.Work 'reg')
        $foreignRoot = Join-Path $t.Work 'foreign'
        Set-TestMarker -Root $foreignRoot -Text (New-ForeignMarkerText) | Out-Null
        $script:ro = New-LaminStorage $foreignRoot -WarningAction SilentlyContinue
        $null = New-LaminSpace 'elsewhere'
        $script:spaced = New-LaminStorage (Join-Path $t.Work 'spaced') -Space 'elsewhere'
        $script:art = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/mv.txt') -Text 'move me').FullName -Key 'mv.txt'
        $script:inPlace = Add-LaminArtifact (New-TestFile (Join-Path $reg.Root 'in.txt') -Text 'in place').FullName
        $script:roInPlace = Add-LaminArtifact (New-TestFile (Join-Path $ro.Root 'ro.txt') -Text 'read-only in place').FullName
        $fdir = Join-Path $t.Work 'src/fdir'
        New-TestFile (Join-Path $fdir 'm1') -Text 'member 1' | Out-Null
        New-TestFile (Join-Path $fdir 'm2') -Text 'member 2' | Out-Null
        $script:folderArt = Add-LaminArtifact $fdir -Key 'fdir'
        $script:trashed = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/trash.txt') -Text 'in the trash').FullName -Key 'trash.txt'
        Remove-LaminArtifact $trashed.Uid -Confirm:$false
        $vf = Join-Path $t.Work 'src/ver.csv'
        $null = Add-LaminArtifact (New-TestFile $vf -Text 'v1').FullName -Key 'ver.csv'
        $null = Add-LaminArtifact (New-TestFile $vf -Text 'v2').FullName -Key 'ver.csv' -WarningAction SilentlyContinue
        # Occupants: unregistered files where a write would land.
        New-TestFile (Join-Path $other.Root 'in.txt') -Text 'occupant in other' | Out-Null
        New-TestFile (Join-Path $t.Storage 'taken.csv') -Text 'occupant in default' | Out-Null
        $script:existingFile = New-TestFile (Join-Path $t.Work 'out/existing.txt') -Text 'mine, keep it'
        $script:existingDir = Join-Path $t.Work 'out/fdir'
        New-TestFile (Join-Path $existingDir 'own') -Text 'my own folder' | Out-Null
    }
}

Describe 'Bad input to the artifact cmdlets changes nothing' {
    BeforeAll { New-Fixture }
    AfterAll { $t | Remove-TestInstance }

    It '<Case> → <Id>' -ForEach @(
        # ---- Add-LaminArtifact: paths
        @{ Case = 'a missing path'; Id = 'PathNotFound'; Run = { Add-LaminArtifact (Join-Path $t.Work 'src/nope.csv') } }
        @{ Case = 'a missing -LiteralPath'; Id = 'PathNotFound'; Run = { Add-LaminArtifact -LiteralPath (Join-Path $t.Work 'src/nope[1].csv') } }
        @{ Case = 'a good path followed by a missing one (nothing of the call is kept)'; Id = 'PathNotFound'; Run = { Add-LaminArtifact $src.FullName, (Join-Path $t.Work 'src/nope.csv') -Key 'both.csv' } }
        @{ Case = 'the marker inside .lamindb/'; Id = 'InvalidPath'; Run = { Add-LaminArtifact (Get-MarkerPath $t.Storage) } }
        @{ Case = 'a stored object inside .lamindb/'; Id = 'InvalidPath'; Run = { Add-LaminArtifact $art.FullName } }
        @{ Case = 'the .lamindb/ folder of an unregistered folder'; Id = 'InvalidPath'; Run = { $p = Join-Path $t.Work 'src/.lamindb'; Add-LaminArtifact $p }; Before = { $null = New-Item -ItemType Directory (Join-Path $t.Work 'src/.lamindb') -Force } }
        @{ Case = 'the root of a storage location'; Id = 'InvalidPath'; Run = { Add-LaminArtifact $other.Root } }
        # ---- keys and suffixes
        @{ Case = 'a directory where -Key implies a file suffix'; Id = 'SuffixMismatch'; Run = { Add-LaminArtifact $dir -Key 'adir.csv' } }
        @{ Case = 'a suffix mismatch'; Id = 'SuffixMismatch'; Run = { Add-LaminArtifact $src.FullName -Key 'x.txt' }; Message = "The passed path's suffix '.csv' must match the passed key's suffix '.txt'." }
        @{ Case = 'a key with ..'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key '../x.csv' } }
        @{ Case = 'a key with .. in the middle'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key 'a/../../x.csv' } }
        @{ Case = 'a key with a . segment'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key './x.csv' } }
        @{ Case = 'a key with a backslash'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key 'a\b.csv' } }
        @{ Case = 'a key with a leading /'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key '/etc/x.csv' } }
        @{ Case = 'a key under .lamindb/'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key '.lamindb/x.csv' } }
        @{ Case = 'a key with a nested .lamindb/'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key 'sub/.lamindb/x.csv' } }
        @{ Case = 'a key over 1024 characters'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key (('k' * 1021) + '.csv') } }
        @{ Case = 'a key with an empty segment'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key 'a//b.csv' } }
        @{ Case = 'a key with a drive letter'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key 'C:/x.csv' } }
        @{ Case = 'a key hiding .. behind URL encoding'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key '%2e%2e/x.csv' } }
        @{ Case = 'a key with a control character'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key "a`tb.csv" } }
        @{ Case = 'an invalid key on an in-place file'; Id = 'InvalidKey'; Run = { Add-LaminArtifact (Join-Path $reg.Root 'in.txt') -Key '../in.txt' } }
        @{ Case = '-KeyIsVirtual $false without -Key'; Id = 'InvalidArgument'; Run = { Add-LaminArtifact $src.FullName -KeyIsVirtual $false } }
        @{ Case = 'an in-place file with another key and -KeyIsVirtual $false'; Id = 'InvalidArgument'; Run = { Add-LaminArtifact (Join-Path $reg.Root 'in.txt') -Key 'elsewhere.txt' -KeyIsVirtual $false } }
        @{ Case = 'an in-place file without key and -KeyIsVirtual $true'; Id = 'InvalidArgument'; Run = { Add-LaminArtifact (Join-Path $reg.Root 'in.txt') -KeyIsVirtual $true } }
        # ---- targets
        @{ Case = 'a read-only target (-Storage)'; Id = 'StorageReadOnly'; Run = { Add-LaminArtifact $src.FullName -Storage $ro.Uid }; Message = 'Cannot create an artifact in a storage location that is not managed by the current instance*' }
        @{ Case = 'an unknown -Storage'; Id = 'RecordNotFound'; Run = { Add-LaminArtifact $src.FullName -Storage (Join-Path $t.Work 'not-registered') } }
        @{ Case = '-Storage other than the location that holds the path'; Id = 'InvalidArgument'; Run = { Add-LaminArtifact (Join-Path $reg.Root 'in.txt') -Storage $other.Uid } }
        @{ Case = '-KeyIsVirtual $false onto an existing unregistered file'; Id = 'DestinationExists'; Run = { Add-LaminArtifact $src.FullName -Key 'taken.csv' -KeyIsVirtual $false } }
        @{ Case = 'a real key with a segment over 255 bytes (longer than a file system allows a name)'; Id = 'InvalidKey'; Run = { Add-LaminArtifact $src.FullName -Key (('k' * 996) + '.csv') -KeyIsVirtual $false } }
        # ---- Move-LaminArtifact
        @{ Case = 'a move into another space'; Id = 'NotInSpace'; Run = { Move-LaminArtifact $art.Uid -Storage $spaced.Uid -Confirm:$false }; Message = 'Cannot change the storage of an artifact to a storage location that is not in the same space*' }
        @{ Case = 'a move into a read-only location'; Id = 'StorageReadOnly'; Run = { Move-LaminArtifact $art.Uid -Storage $ro.Uid -Confirm:$false } }
        @{ Case = 'a move out of a read-only location'; Id = 'StorageReadOnly'; Run = { Move-LaminArtifact $roInPlace.Uid -Storage $other.Uid -Confirm:$false } }
        @{ Case = 'a move to the same location'; Id = 'InvalidArgument'; Run = { Move-LaminArtifact $art.Uid -Storage $t.Storage -Confirm:$false }; Message = '*Cannot move to the same path.' }
        @{ Case = 'a move onto an existing file'; Id = 'DestinationExists'; Run = { Move-LaminArtifact $inPlace.Uid -Storage $other.Uid -Confirm:$false } }
        @{ Case = 'a move of an unknown artifact'; Id = 'RecordNotFound'; Run = { Move-LaminArtifact 'NoSuchArtifactUid000' -Storage $other.Uid -Confirm:$false } }
        @{ Case = 'a move to an unknown location'; Id = 'RecordNotFound'; Run = { Move-LaminArtifact $art.Uid -Storage (Join-Path $t.Work 'nowhere') -Confirm:$false } }
        # ---- Save-LaminArtifact
        @{ Case = 'Save onto an existing file without -Force'; Id = 'DestinationExists'; Run = { Save-LaminArtifact $art.Uid -Destination $existingFile.FullName } }
        @{ Case = 'Save of a folder onto an existing folder without -Force'; Id = 'DestinationExists'; Run = { Save-LaminArtifact $folderArt.Uid -Destination $existingDir } }
        @{ Case = 'Save of an unknown artifact'; Id = 'RecordNotFound'; Run = { Save-LaminArtifact 'NoSuchArtifactUid000' -Destination (Join-Path $t.Work 'out/new.txt') } }
        # ---- Remove / Restore / Get / Search
        @{ Case = 'Remove of an unknown artifact'; Id = 'RecordNotFound'; Run = { Remove-LaminArtifact 'NoSuchArtifactUid000' -Confirm:$false } }
        @{ Case = 'Restore of an unknown artifact'; Id = 'RecordNotFound'; Run = { Restore-LaminArtifact 'NoSuchArtifactUid000' -Confirm:$false } }
        @{ Case = 'deleting the file of an artifact in a read-only location'; Id = 'StorageReadOnly'; Run = { Remove-LaminArtifact $roInPlace.Uid -Permanent -DeleteFile -Confirm:$false } }
        @{ Case = 'a stub matching several versions'; Id = 'MultipleRecordsFound'; Run = { $v = Get-LaminArtifact -Key 'ver.csv'; Remove-LaminArtifact $v.Uid.Substring(0, 17) -Confirm:$false } }
        @{ Case = 'Get-LaminArtifact -Filter on an unknown field'; Id = 'UnknownField'; Run = { Get-LaminArtifact -Filter @{ no_such_field = 1 } } }
        @{ Case = 'an empty search'; Id = 'InvalidSearchQuery'; Run = { Search-LaminArtifact '' } }
        @{ Case = 'Get-LaminArtifact -Key with a reversed range'; Id = 'InvalidArgument'; Run = { Get-LaminArtifact -Key 'data/[z-a]*' }; Message = "The wildcard pattern 'data/?z-a?*' is not valid: the range 'z-a' is in reverse order.*" }
    ) {
        if ($Before) { & $Before }
        $state = Get-State
        $err = $Run | Should -Throw -ErrorId "$Id$E" -PassThru
        $err.Exception.Message | Should -Not -BeNullOrEmpty
        if ($Message) { $err.Exception.Message | Should -BeLike $Message }
        Assert-Unchanged $state
    }

    It 'the fixture is what the cases assume (read-only, spaced, trashed, versioned, in place)' {
        # Guards against vacuous passes: each precondition the cases rely on.
        $ro.IsManaged | Should -BeFalse
        $ro.InstanceUid | Should -BeExactly '__unknown__'
        $spaced.Space | Should -BeExactly 'elsewhere'
        $art.Space | Should -BeExactly 'all'
        (Get-LaminArtifact -Trash).Uid | Should -Contain $trashed.Uid
        @(Get-LaminArtifact -Key 'ver.csv' -AllVersions) | Should -HaveCount 2
        $inPlace.KeyIsVirtual | Should -BeFalse
        $roInPlace.Storage | Should -Be $ro.Root
        Join-Path $other.Root 'in.txt' | Should -Exist
    }
}

Describe 'Space access: a user who may only read' {
    BeforeAll {
        New-Fixture
        $spacedArt = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/sp.txt') -Text 'in the space').FullName -Storage $spaced.Uid
        $spacedFile = New-TestFile (Join-Path $spaced.Root 'inside.txt') -Text 'inside the spaced root'
        Grant-LaminSpaceAccess -Space 'elsewhere' -User 'bob' -Role Read
    }
    AfterAll { $env:LAMIN_USER = 'alice'; $t | Remove-TestInstance }

    It 'is refused every write in that space (AccessDenied) and nothing changes' {
        $spacedArt.Space | Should -BeExactly 'elsewhere'
        $state = Get-State
        $env:LAMIN_USER = 'bob'
        try {
            (Get-LaminArtifact -Identity $spacedArt.Uid).Uid | Should -BeExactly $spacedArt.Uid   # bob may read
            { Add-LaminArtifact $src.FullName -Storage $spaced.Uid } | Should -Throw -ErrorId "AccessDenied$E"
            { Add-LaminArtifact $spacedFile.FullName } | Should -Throw -ErrorId "AccessDenied$E"
            { Remove-LaminArtifact $spacedArt.Uid -Confirm:$false } | Should -Throw -ErrorId "AccessDenied$E"
            { Move-LaminArtifact $spacedArt.Uid -Storage $other.Uid -Confirm:$false } | Should -Throw -ErrorId "AccessDenied$E"
            { Set-LaminArtifact $spacedArt.Uid -Description 'changed' } | Should -Throw -ErrorId "AccessDenied$E"
        }
        finally { $env:LAMIN_USER = 'alice' }
        Assert-Unchanged $state
    }
}

Describe 'A locked artifact refuses every change (RecordLocked) and nothing changes' {
    BeforeAll { New-Fixture }
    AfterAll { $t | Remove-TestInstance }

    It 'refuses trash, removal, moves, edits, a new version of its key and restoring, until -Unlock' {
        # Set-LaminArtifact -Lock is the cmdlet way to lock (beyond SPEC §4).
        $f = Join-Path $t.Work 'src/locked.csv'
        $locked = Add-LaminArtifact (New-TestFile $f -Text 'locked v1').FullName -Key 'locked.csv'
        $lockedTrash = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/lt.txt') -Text 'trashed, then locked').FullName -Key 'lt.txt'
        $locked.Key | Should -BeExactly 'locked.csv'   # a new artifact, not one returned by hash
        $lockedTrash.Key | Should -BeExactly 'lt.txt'
        Remove-LaminArtifact $lockedTrash.Uid -Confirm:$false
        Set-LaminArtifact $locked.Uid -Lock
        Set-LaminArtifact $lockedTrash.Uid -Lock
        (Get-LaminArtifact $locked.Uid).IsLocked | Should -BeTrue
        [IO.File]::WriteAllText($f, 'locked v2')
        $state = Get-State
        { Remove-LaminArtifact $locked.Uid -Confirm:$false } | Should -Throw -ErrorId "RecordLocked$E"
        { Remove-LaminArtifact $locked.Uid -Permanent -Confirm:$false } | Should -Throw -ErrorId "RecordLocked$E"
        { Move-LaminArtifact $locked.Uid -Storage $other.Uid -Confirm:$false } | Should -Throw -ErrorId "RecordLocked$E"
        { Set-LaminArtifact $locked.Uid -Description 'changed' } | Should -Throw -ErrorId "RecordLocked$E"
        { Add-LaminArtifact $f -Key 'locked.csv' } | Should -Throw -ErrorId "RecordLocked$E"
        { Restore-LaminArtifact $lockedTrash.Uid -Confirm:$false } | Should -Throw -ErrorId "RecordLocked$E"
        { Remove-LaminArtifact $lockedTrash.Uid -Permanent -Confirm:$false } | Should -Throw -ErrorId "RecordLocked$E"
        Assert-Unchanged $state
        # Reading is not a change.
        $copy = Save-LaminArtifact $locked.Uid -Destination (Join-Path $t.Root 'saved-locked.csv')
        [IO.File]::ReadAllText($copy.FullName) | Should -BeExactly 'locked v1'
        Set-LaminArtifact $locked.Uid -Unlock
        $v2 = Add-LaminArtifact $f -Key 'locked.csv' -WarningAction SilentlyContinue
        $v2.Version | Should -Be 2
    }
}

Describe 'Save-LaminArtifact of data that changed in storage' {
    BeforeAll { New-Fixture }
    AfterAll { $t | Remove-TestInstance }

    It 'refuses data that no longer matches its hash (HashMismatch): no new file, an existing one untouched even with -Force' {
        [IO.File]::WriteAllText($art.FullName, 'MOVE ME')   # same size, other bytes
        $state = Get-State
        $dest = Join-Path $t.Work 'out/fresh.txt'
        { Save-LaminArtifact $art.Uid -Destination $dest } | Should -Throw -ErrorId "HashMismatch$E"
        $dest | Should -Not -Exist
        { Save-LaminArtifact $art.Uid -Destination $existingFile.FullName -Force } | Should -Throw -ErrorId "HashMismatch$E"
        [IO.File]::ReadAllText($existingFile.FullName) | Should -BeExactly 'mine, keep it'
        Assert-Unchanged $state
    }

    It 'refuses a folder whose member changed (HashMismatch) and writes nothing' {
        [IO.File]::WriteAllText((Join-Path $folderArt.FullName 'm2'), 'member X')
        $state = Get-State
        { Save-LaminArtifact $folderArt.Uid -Destination (Join-Path $t.Work 'out/fcopy') } | Should -Throw -ErrorId "HashMismatch$E"
        Join-Path $t.Work 'out/fcopy' | Should -Not -Exist
        Assert-Unchanged $state
    }

    It 'refuses to move data that no longer matches its hash (HashMismatch); the artifact stays where it was' {
        $m = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/tampered-move.txt') -Text 'original bytes').FullName -Key 'tm.txt'
        [IO.File]::WriteAllText($m.FullName, 'ORIGINAL BYTES')
        $state = Get-State
        { Move-LaminArtifact $m.Uid -Storage $other.Uid -Confirm:$false } | Should -Throw -ErrorId "HashMismatch$E"
        Assert-Unchanged $state
        (Get-LaminArtifact -Identity $m.Uid).Storage | Should -Be $t.Storage
    }

    It 'reports data missing from storage as PathNotFound' {
        Remove-Item -LiteralPath $inPlace.FullName
        $state = Get-State
        { Save-LaminArtifact $inPlace.Uid -Destination (Join-Path $t.Work 'out/gone.txt') } | Should -Throw -ErrorId "PathNotFound$E"
        Join-Path $t.Work 'out/gone.txt' | Should -Not -Exist
        Assert-Unchanged $state
    }
}

Describe 'A file that changes size while it is added (FileChanged)' {
    AfterAll { $t | Remove-TestInstance }

    BeforeAll {
        New-Fixture
        function Start-Appender([string] $Path, [string] $Sentinel) {
            # A child pwsh appends to $Path until $Sentinel exists; it says APPENDING once the file has grown.
            $child = @"
`$fs = [IO.FileStream]::new('$($Path.Replace("'", "''"))', 'Append', 'Write', 'ReadWrite')
`$buf = [byte[]]::new(64)
`$fs.Write(`$buf, 0, 64); `$fs.Flush()
[Console]::Out.WriteLine('APPENDING'); [Console]::Out.Flush()
while (-not [IO.File]::Exists('$($Sentinel.Replace("'", "''"))')) { `$fs.Write(`$buf, 0, 64); `$fs.Flush() }
`$fs.Dispose()
[Console]::Out.WriteLine('STOPPED'); [Console]::Out.Flush()
"@
            $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $child))
            Read-LineOrFail -Process $p | Should -BeExactly 'APPENDING'
            $p
        }
        function Stop-Appender($Process, [string] $Sentinel) {
            [IO.File]::WriteAllText($Sentinel, 'stop')
            try { Read-LineOrFail -Process $Process | Should -BeExactly 'STOPPED' }
            finally { if (-not $Process.WaitForExit(10000)) { $Process.Kill() }; $Process.Dispose() }
        }
    }

    It 'refuses a copy of a file that grows while it is read; nothing registered, nothing stored' {
        $grow = Join-Path $t.Work 'growing/copy.bin'
        New-TestFile $grow -Size 32MB | Out-Null
        $sentinel = Join-Path $t.Work 'growing/stop-copy'
        $registry = Get-RegistrySnapshot
        $artifacts = Get-ArtifactSnapshot
        $storages = Get-StorageTreeSnapshot
        $p = Start-Appender $grow $sentinel
        try { $err = { Add-LaminArtifact $grow -Key 'grown.bin' } | Should -Throw -ErrorId "FileChanged$E" -PassThru }
        finally { Stop-Appender $p $sentinel }
        $err.Exception.Message | Should -Match 'nothing was registered'
        Get-ArtifactSnapshot | Should -BeExactly $artifacts
        Get-RegistrySnapshot | Should -BeExactly $registry
        Get-StorageTreeSnapshot | Should -BeExactly $storages
        Get-LaminTempLeftover -Path $t.Root | Should -BeNullOrEmpty
    }

    It 'refuses an in-place registration of a file that grows while it is hashed' {
        $grow = Join-Path $reg.Root 'growing.bin'
        New-TestFile $grow -Size 32MB | Out-Null
        $sentinel = Join-Path $t.Work 'stop-inplace'
        $artifacts = Get-ArtifactSnapshot
        $p = Start-Appender $grow $sentinel
        try { { Add-LaminArtifact $grow } | Should -Throw -ErrorId "FileChanged$E" }
        finally { Stop-Appender $p $sentinel }
        Get-ArtifactSnapshot | Should -BeExactly $artifacts
        Get-LaminTempLeftover -Path $t.Root | Should -BeNullOrEmpty
        Remove-Item -LiteralPath $grow
    }

    It 'refuses a FIFO, whose size never matches what is read' -Skip:($IsWindows) {
        $fifo = Join-Path $t.Work 'growing/pipe.bin'
        $null = New-Item -ItemType Directory (Split-Path $fifo) -Force
        & mkfifo $fifo
        $LASTEXITCODE | Should -Be 0
        $writer = Start-ThreadJob { param($p) [IO.File]::WriteAllBytes($p, [byte[]]::new(65536)) } -ArgumentList $fifo
        try {
            $artifacts = Get-ArtifactSnapshot
            $storages = Get-StorageTreeSnapshot
            { Add-LaminArtifact $fifo } | Should -Throw -ErrorId "FileChanged$E"
            Get-ArtifactSnapshot | Should -BeExactly $artifacts
            Get-StorageTreeSnapshot | Should -BeExactly $storages
            Get-LaminTempLeftover -Path $t.Root | Should -BeNullOrEmpty
        }
        finally {
            $null = $writer | Wait-Job -Timeout 30
            $writer | Remove-Job -Force -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $fifo -Force
        }
    }
}

Describe 'A disk that fills up mid-copy (InsufficientSpace)' {
    BeforeAll {
        New-Fixture
        # A 1 MiB tmpfs as a storage location (needs Linux and root; skipped otherwise).
        $small = Join-Path $t.Work 'small'
        $null = New-Item -ItemType Directory $small
        $mounted = $false
        if ($IsLinux -and (& id -u) -eq '0') {
            & mount -t tmpfs -o size=1m tmpfs $small 2>$null
            $mounted = $LASTEXITCODE -eq 0
        }
        if ($mounted) { $smallStore = New-LaminStorage $small }
        $bigSrc = New-TestFile (Join-Path $t.Work 'src/big.bin') -Size 3MB -Seed 5
        $bigDir = Join-Path $t.Work 'src/bigdir'
        1..4 | ForEach-Object { New-TestFile (Join-Path $bigDir "f$_") -Size 400KB -Seed $_ | Out-Null }
        $bigArt = Add-LaminArtifact $bigSrc.FullName -Key 'big.bin'
    }
    AfterAll {
        if ($mounted) { & umount $small }
        $t | Remove-TestInstance
    }

    It '<Case> → InsufficientSpace, nothing registered, nothing left behind' -ForEach @(
        @{ Case = 'a file copied into a full location'; Run = { Add-LaminArtifact $bigSrc.FullName -Storage $smallStore.Uid -Key 'full.bin' } }
        @{ Case = 'a folder copied into a full location'; Run = { Add-LaminArtifact $bigDir -Storage $smallStore.Uid } }
        @{ Case = 'a move into a full location (the artifact stays whole where it was)'; Run = { Move-LaminArtifact $bigArt.Uid -Storage $smallStore.Uid -Confirm:$false } }
    ) {
        if (-not $mounted) { Set-ItResult -Skipped -Because 'a small tmpfs can only be mounted by root on Linux'; return }
        $state = Get-State
        $err = $Run | Should -Throw -ErrorId "InsufficientSpace$E" -PassThru
        $err.Exception.Message | Should -Match 'Nothing was registered|out of space'
        Assert-Unchanged $state
        (Get-ExpectedLaminHash $bigArt.FullName).Hash | Should -BeExactly $bigArt.Hash
    }
}
