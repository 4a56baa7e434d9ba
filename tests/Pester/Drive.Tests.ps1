# The lamin: drive (SPEC §8, issue 14) through PowerShell's own item cmdlets as users type them:
# navigation, listings, both separators, wildcard-character keys, completion, content, Set-Content,
# Remove-Item to the trash, Move-Item between locations, the refused item cmdlets, piping into the
# Lamin cmdlets, a locked artifact, a read-only location, and no I/O at import.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    function Get-ArtifactState { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }

    # One location with a small key tree, a key-less artifact, a wildcard-character key, a key that is
    # also a folder, a trashed artifact and an older version; a second, empty location.
    function New-DriveFixture {
        $t = New-TestInstance
        $src = Join-Path $t.Work 'src'
        $s = Get-LaminStorage -Root $t.Storage
        $a = @{}
        $a.top = Add-LaminArtifact (New-TestFile "$src/a.csv" -Text "l1`nl2`nl3`n").FullName -Key 'a.csv'
        $a.b = Add-LaminArtifact (New-TestFile "$src/b.txt" -Text 'bee').FullName -Key 'raw/b.txt'
        $a.c = Add-LaminArtifact (New-TestFile "$src/c.TXT" -Text 'sea').FullName -Key 'raw/sub/c.TXT'
        $a.keyless = Add-LaminArtifact (New-TestFile "$src/n.json" -Text '{}').FullName
        $a.odd = Add-LaminArtifact (New-TestFile "$src/odd.txt" -Text 'odd').FullName -Key 'odd/a[1]*.txt'
        $a.both = Add-LaminArtifact (New-TestFile "$src/both" -Text 'key and folder').FullName -Key 'both'
        $a.below = Add-LaminArtifact (New-TestFile "$src/in.txt" -Text 'below both').FullName -Key 'both/in.txt'
        $trash = Add-LaminArtifact (New-TestFile "$src/gone.txt" -Text 'trashed').FullName -Key 'raw/gone.txt'
        Remove-LaminArtifact $trash.Uid -Confirm:$false
        $null = Add-LaminArtifact (New-TestFile "$src/v.txt" -Text 'v1').FullName -Key 'raw/v.txt'
        $a.v2 = Add-LaminArtifact (New-TestFile "$src/v.txt" -Text 'v2').FullName -Key 'raw/v.txt' -WarningAction SilentlyContinue
        $second = New-LaminStorage (Join-Path $t.Work 'second')
        [pscustomobject]@{ T = $t; S = $s; U = $s.Uid; A = $a; Trashed = $trash; Second = $second; Src = $src }
    }
}

Describe 'The provider and its drive (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend; $f = New-DriveFixture }
    AfterAll { $f.T | Remove-TestInstance; Use-TestBackend $null }

    It 'registers the provider Lamin (Filter, ShouldProcess, content) and the drive lamin: at import' {
        $p = Get-PSProvider Lamin
        "$($p.Capabilities)" | Should -BeExactly 'Filter, ShouldProcess'
        $p.ImplementingType.GetInterfaces().Name | Should -Contain 'IContentCmdletProvider'
        (Get-PSDrive lamin).Provider.Name | Should -BeExactly 'Lamin'
    }

    It 'lists the storage locations at lamin:\ as the same LaminStorage records' {
        $listed = @(Get-ChildItem lamin:\)
        $listed | ForEach-Object { $_ | Should -BeOfType ([type]((Get-LaminStorage)[0].GetType())) }
        ($listed.Uid | Sort-Object) | Should -Be (@(Get-LaminStorage).Uid | Sort-Object)
        ($listed | Where-Object Uid -eq $f.U).Root | Should -BeExactly $f.S.Root
        (Get-ChildItem lamin:\ -Name | Sort-Object) | Should -Be (@(Get-LaminStorage).Uid | Sort-Object)
    }

    It 'lists folders (LaminKeyFolder) and the latest, non-trashed artifacts of a location, key-less ones as <uid><suffix>' {
        $items = @(Get-ChildItem "lamin:\$($f.U)")
        $names = $items | ForEach-Object PSChildName
        $names | Should -Be @('a.csv', 'both', 'odd', 'raw', "$($f.A.keyless.Uid).json")
        $raw = $items | Where-Object PSChildName -eq 'raw'
        $raw.GetType().Name | Should -BeExactly 'LaminKeyFolder'
        $raw.Name | Should -BeExactly 'raw'; $raw.Key | Should -BeExactly 'raw'; $raw.StorageUid | Should -BeExactly $f.U
        $raw.PSIsContainer | Should -BeTrue
        $top = $items | Where-Object PSChildName -eq 'a.csv'
        $top.PSIsContainer | Should -BeFalse
        ($top | ConvertTo-Json -Depth 2 -Compress | ConvertFrom-Json).Uid | Should -BeExactly $f.A.top.Uid
        $top.FullName | Should -BeExactly (Get-LaminArtifact $f.A.top.Uid).FullName
        (Get-ChildItem "lamin:\$($f.U)\raw" -Name) | Should -Be @('b.txt', 'sub', 'v.txt')   # not gone.txt (trashed), v.txt once (latest)
        (Get-Item "lamin:\$($f.U)\raw\v.txt").Uid | Should -BeExactly $f.A.v2.Uid
    }

    It 'recurses (streamed, every latest artifact once), with -Depth and -Filter matched case-insensitively' {
        $all = @(Get-ChildItem "lamin:\$($f.U)" -Recurse)
        $arts = @($all | Where-Object { $_.PSObject.Properties['Uid'] })
        ($arts.Uid | Sort-Object) | Should -Be (@(Get-LaminArtifact -Storage $f.U).Uid | Sort-Object)
        @($all | Where-Object { $_.GetType().Name -eq 'LaminKeyFolder' }).Key | Sort-Object | Should -Be @('odd', 'raw', 'raw/sub')
        (Get-ChildItem "lamin:\$($f.U)" -Recurse -Depth 0 -Name) | Should -Be @('a.csv', 'both', 'odd', 'raw', "$($f.A.keyless.Uid).json")
        (Get-ChildItem "lamin:\$($f.U)\raw" -Recurse -Depth 0 -Name) | Should -Not -Contain ('sub' + [IO.Path]::DirectorySeparatorChar + 'c.TXT')
        $sep = [IO.Path]::DirectorySeparatorChar
        (Get-ChildItem "lamin:\$($f.U)" -Recurse -Filter '*.txt' -Name | Sort-Object) | Should -Be @("both${sep}in.txt", "odd${sep}a[1]*.txt", "raw${sep}b.txt", "raw${sep}sub${sep}c.TXT", "raw${sep}v.txt")
        @(Get-ChildItem lamin:\ -Recurse | Where-Object { $_.PSObject.Properties['Uid'] -and $_.GetType().Name -eq 'LaminArtifact' }).Count | Should -Be $arts.Count
    }

    It 'takes / and \ as separators, mixed too, and shows the engine''s own separator' {
        $u = $f.U
        foreach ($p in "lamin:\$u\raw\sub\c.TXT", "lamin:/$u/raw/sub/c.TXT", "lamin:\$u/raw\sub/c.TXT") {
            (Get-Item $p).Uid | Should -BeExactly $f.A.c.Uid -Because $p
            Test-Path $p | Should -BeTrue
        }
        $sep = [IO.Path]::DirectorySeparatorChar
        (Resolve-Path "lamin:/$u/raw/sub/*").Path | Should -BeExactly "lamin:$sep$u${sep}raw${sep}sub${sep}c.TXT"
    }

    It 'navigates with Set-Location, Push-Location and relative paths' {
        Push-Location "lamin:\$($f.U)\raw"
        try {
            $sep = [IO.Path]::DirectorySeparatorChar
            (Get-Location).Path | Should -BeExactly "lamin:$sep$($f.U)${sep}raw"
            (Get-Item .\b.txt).Uid | Should -BeExactly $f.A.b.Uid
            (Get-ChildItem sub -Name) | Should -Be 'c.TXT'
            Set-Location ..
            (Get-Item ./a.csv).Uid | Should -BeExactly $f.A.top.Uid
            { Set-Location a.csv -ErrorAction Stop } | Should -Throw   # an artifact is no container
            Set-Location lamin:/
            (Get-Location).Path | Should -BeExactly "lamin:$sep"
        }
        finally { Pop-Location }
        (Get-Location).Provider.Name | Should -BeExactly 'FileSystem'
    }

    It 'tests paths: artifacts and folders exist, trashed and unknown ones do not' {
        $u = $f.U
        Test-Path "lamin:\$u\raw" -PathType Container | Should -BeTrue
        Test-Path "lamin:\$u\raw\b.txt" -PathType Leaf | Should -BeTrue
        Test-Path "lamin:\$u\raw\gone.txt" | Should -BeFalse
        Test-Path "lamin:\$u\nothing" | Should -BeFalse
        Test-Path "lamin:\NoSuchUid123" | Should -BeFalse
        Test-Path "lamin:\$u\RAW\b.txt" | Should -BeFalse   # a literal segment matches exactly
        @(Resolve-Path "lamin:\$u\RAW\*.TXT" -ErrorAction SilentlyContinue).Count | Should -Be 0
        @(Resolve-Path "lamin:\$u\R*\*.TXT").Count | Should -Be 2   # wildcards match case-insensitively
    }

    It 'reaches keys with wildcard characters through -LiteralPath' {
        $p = "lamin:\$($f.U)\odd\a[1]*.txt"
        (Get-Item -LiteralPath $p).Uid | Should -BeExactly $f.A.odd.Uid
        Test-Path -LiteralPath $p | Should -BeTrue
        Get-Content -LiteralPath $p | Should -BeExactly 'odd'
        # Piped items carry their path literally (PSPath binds to -LiteralPath).
        Get-ChildItem "lamin:\$($f.U)\odd" | Get-Content | Should -BeExactly 'odd'
    }

    It 'treats a key that is also a folder prefix as a container that is the artifact' {
        $p = "lamin:\$($f.U)\both"
        $item = Get-Item $p
        $item.Uid | Should -BeExactly $f.A.both.Uid
        $item.PSIsContainer | Should -BeTrue
        (Get-ChildItem $p -Name) | Should -Be 'in.txt'
        Get-Content $p | Should -BeExactly 'key and folder'
    }

    It 'completes paths with Tab (TabExpansion2): locations, folders and keys' {
        $sep = [IO.Path]::DirectorySeparatorChar
        $line = 'Get-ChildItem lamin:\'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain "lamin:$sep$($f.U)"
        $line = "Get-Content lamin:\$($f.U)\raw\s"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @("lamin:$sep$($f.U)${sep}raw${sep}sub")
        $line = "Get-Content lamin:/$($f.U)/raw/sub/"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @("lamin:$sep$($f.U)${sep}raw${sep}sub${sep}c.TXT")
    }

    It 'makes a drive for one location with New-PSDrive -Root (a uid or a root)' {
        $null = New-PSDrive -Name dataA -PSProvider Lamin -Root $f.U
        $null = New-PSDrive -Name dataB -PSProvider Lamin -Root $f.S.Root
        try {
            (Get-PSDrive dataB).Root | Should -BeExactly $f.U
            (Get-ChildItem dataA:\ -Name) | Should -Be @('a.csv', 'both', 'odd', 'raw', "$($f.A.keyless.Uid).json")
            (Get-ChildItem dataB:\raw -Name) | Should -Be @('b.txt', 'sub', 'v.txt')
            Get-Content dataB:/a.csv -TotalCount 1 | Should -BeExactly 'l1'
            (Get-ChildItem dataA:\raw\sub | Get-Content) | Should -BeExactly 'sea'
        }
        finally { Remove-PSDrive dataA, dataB }
        { New-PSDrive -Name dataC -PSProvider Lamin -Root 'NoSuchUid123' -ErrorAction Stop } | Should -Throw
    }

    It 'finds a key-less artifact by its name at the top of its location with a fresh read (Get-Item, Test-Path, -Filter)' {
        # The write makes the next read fresh (the listing cache is keyed on the write generation), so the
        # name is sought on its own, not answered from a listing of the whole location.
        $k = Add-LaminArtifact (New-TestFile "$($f.Src)/fresh.tsv" -Text 'k').FullName
        try {
            $name = "$($k.Uid).tsv"
            (Get-Item "lamin:\$($f.U)\$name").Uid | Should -BeExactly $k.Uid
            Test-Path "lamin:\$($f.U)\$name" | Should -BeTrue
            (Get-ChildItem "lamin:\$($f.U)" -Filter "$($k.Uid.Substring(0, 3))*" -Name) | Should -Contain $name
        }
        finally { Remove-LaminArtifact $k.Uid -Confirm:$false }
    }

    It 'gives every listed item the PSPath, PSParentPath and PSChildName that Get-Item gives its path (<Drive>)' -ForEach @(
        @{ Drive = 'lamin:' }, @{ Drive = 'one location (New-PSDrive -Root)' }
    ) {
        # A listing writes parent paths and names it already knows; they must be what the engine computes from the path.
        $sep = [IO.Path]::DirectorySeparatorChar
        if ($Drive -eq 'lamin:') { $start = "lamin:\$($f.U)" } else { $null = New-PSDrive -Name dataP -PSProvider Lamin -Root $f.U; $start = 'dataP:\' }
        try {
            $listed = @(Get-ChildItem $start -Recurse) + @(Get-ChildItem lamin:\)
            $listed.Count | Should -BeGreaterThan 10
            foreach ($i in $listed) {
                $one = Get-Item -LiteralPath $i.PSPath
                $i.PSPath | Should -BeExactly $one.PSPath
                $i.PSParentPath | Should -BeExactly $one.PSParentPath
                $i.PSChildName | Should -BeExactly $one.PSChildName
                $i.PSIsContainer | Should -Be $one.PSIsContainer
            }
            $c = $listed | Where-Object { $_.PSObject.Properties['Key'] -and $_.Key -eq 'raw/sub/c.TXT' }
            $c.PSChildName | Should -BeExactly 'c.TXT'
            $location = (Get-Item "lamin:\$($f.U)").PSPath   # <provider>::<uid>
            $location | Should -BeLike "*::$($f.U)"
            $c.PSParentPath | Should -BeExactly "$location${sep}raw${sep}sub"
            $c.PSPath | Should -BeExactly "$location${sep}raw${sep}sub${sep}c.TXT"
            ($listed | Where-Object PSChildName -eq 'raw' | Select-Object -First 1).PSParentPath | Should -BeExactly $location
            ($listed | Where-Object { $_.PSObject.Properties['Root'] } | Select-Object -First 1).PSParentPath | Should -BeExactly ''
        }
        finally { if ($Drive -ne 'lamin:') { Remove-PSDrive dataP } }
    }
}

Describe 'Content on the drive (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $f = New-DriveFixture }
    AfterEach { $f.T | Remove-TestInstance }

    It 'reads lines, -TotalCount, -Raw and -AsByteStream (dynamic parameters of the provider)' {
        $p = "lamin:\$($f.U)\a.csv"
        Get-Content $p | Should -Be @('l1', 'l2', 'l3')
        Get-Content $p -TotalCount 2 | Should -Be @('l1', 'l2')
        Get-Content $p -Raw | Should -BeExactly "l1`nl2`nl3`n"
        $bytes = Get-Content $p -AsByteStream -Raw
        $bytes | Should -Be ([IO.File]::ReadAllBytes($f.A.top.FullName))
        (Get-Content $p -AsByteStream -TotalCount 2) | Should -Be @([byte][char]'l', [byte][char]'1')
        $dyn = (Get-Command Get-Content -ArgumentList $p).Parameters.Keys
        $dyn | Should -Contain 'Raw'; $dyn | Should -Contain 'AsByteStream'
    }

    It 'writes a new artifact with Set-Content, then a new version of that key' {
        $p = "lamin:\$($f.U)\out\new.txt"
        'hello', 'world' | Set-Content $p
        $v1 = Get-LaminArtifact -Key 'out/new.txt'
        $v1.StorageUid | Should -BeExactly $f.U
        [IO.File]::ReadAllText($v1.FullName) | Should -BeExactly ("hello" + [Environment]::NewLine + "world" + [Environment]::NewLine)
        Get-Content $p | Should -Be @('hello', 'world')
        'again' | Set-Content $p -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match 'new artifact version'
        $all = @(Get-LaminArtifact -Key 'out/new.txt' -AllVersions | Sort-Object Version)
        $all.Count | Should -Be 2
        $all[1].Uid.Substring(0, 16) | Should -BeExactly $v1.Uid.Substring(0, 16)
        $all[1].IsLatest | Should -BeTrue; $all[0].IsLatest | Should -BeFalse
        Get-Content $p | Should -BeExactly 'again'
        [byte[]] (1, 2, 250) | Set-Content "lamin:\$($f.U)\out\b.bin" -AsByteStream
        [IO.File]::ReadAllBytes((Get-LaminArtifact -Key 'out/b.bin').FullName) | Should -Be @(1, 2, 250)
        @(Get-ChildItem (Join-Path $f.T.Home 'spool') -Recurse -File -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'refuses Set-Content and Add-LaminArtifact -Destination into a read-only location (StorageReadOnly), writing nothing' {
        $foreign = Join-Path $f.T.Work 'foreign'
        Set-TestMarker -Root $foreign -Text (New-ForeignMarkerText) | Out-Null
        $ro = New-LaminStorage $foreign -WarningAction SilentlyContinue
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $foreign)
        'x' | Set-Content "lamin:\$($ro.Uid)\k.txt" -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'StorageReadOnly*'
        Add-LaminArtifact (Join-Path $f.Src 'b.txt') -Destination "lamin:\$($ro.Uid)\in\" -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'StorageReadOnly*'
        (Get-ArtifactState) + (Get-TreeSnapshot $foreign) | Should -BeExactly $before
    }

    It 'refuses a new version of a locked artifact (RecordLocked), changing nothing' {
        Set-LaminArtifact $f.A.top.Uid -Lock
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage)
        'changed' | Set-Content "lamin:\$($f.U)\a.csv" -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RecordLocked*'
        (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage) | Should -BeExactly $before
    }

    It 'refuses Get-Content on a key folder and on a location' {
        Get-Content "lamin:\$($f.U)\raw" -ErrorVariable e -ErrorAction SilentlyContinue
        "$($e[0].FullyQualifiedErrorId)$($e[0].Exception.Message)" | Should -Match 'InvalidPath|not an artifact|folder'
    }

    It 'adds files with Add-LaminArtifact -Destination: a folder path appends the file name, else it is the key' {
        $a1 = Add-LaminArtifact (Join-Path $f.Src 'b.txt') -Destination "lamin:\$($f.U)\in\" -SkipHashLookup
        $a1.Key | Should -BeExactly 'in/b.txt'; $a1.StorageUid | Should -BeExactly $f.U
        $a2 = Add-LaminArtifact (Join-Path $f.Src 'c.TXT') -Destination "lamin:/$($f.Second.Uid)/x/renamed.TXT" -SkipHashLookup
        $a2.Key | Should -BeExactly 'x/renamed.TXT'; $a2.StorageUid | Should -BeExactly $f.Second.Uid
        $a3 = Add-LaminArtifact (Join-Path $f.Src 'a.csv') -Destination "lamin:\$($f.U)\raw" -SkipHashLookup   # an existing key folder
        $a3.Key | Should -BeExactly 'raw/a.csv'
        { Add-LaminArtifact (Join-Path $f.Src 'a.csv') -Destination (Join-Path $f.T.Work 'x') } | Should -Throw -ErrorId 'InvalidPath*'
    }
}

Describe 'Changing things through the drive (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $f = New-DriveFixture }
    AfterEach { $f.T | Remove-TestInstance }

    It 'moves an artifact to the trash with Remove-Item (not under -WhatIf), keeping its file' {
        $p = "lamin:\$($f.U)\raw\b.txt"
        $before = Get-ArtifactState
        Remove-Item $p -WhatIf
        Get-ArtifactState | Should -BeExactly $before
        Remove-Item $p
        Test-Path $p | Should -BeFalse
        (Get-LaminArtifact -Trash).Uid | Should -Contain $f.A.b.Uid
        Test-Path -LiteralPath $f.A.b.FullName | Should -BeTrue
        Restore-LaminArtifact $f.A.b.Uid | Out-Null
        Test-Path $p | Should -BeTrue
    }

    It 'trashes a folder with -Recurse; a locked artifact in it refuses with RecordLocked and stays' {
        Set-LaminArtifact $f.A.c.Uid -Lock
        Remove-Item "lamin:\$($f.U)\raw" -Recurse -ErrorVariable e -ErrorAction SilentlyContinue
        $e.FullyQualifiedErrorId | Should -BeLike 'RecordLocked*'
        (Get-LaminArtifact -Trash).Uid | Should -Contain $f.A.b.Uid
        (Get-LaminArtifact -Trash).Uid | Should -Contain $f.A.v2.Uid
        # The latest version went to the trash, so the one before it is the latest now (SPEC §8: Remove-Item acts on the latest version).
        (Get-ChildItem "lamin:\$($f.U)\raw" -Recurse -Name | Sort-Object) | Should -Be @('sub', ('sub' + [IO.Path]::DirectorySeparatorChar + 'c.TXT'), 'v.txt')
        (Get-Item "lamin:\$($f.U)\raw\v.txt").Version | Should -Be 1
    }

    It 'moves an artifact with its versions to another location with Move-Item (= Move-LaminArtifact)' {
        Move-Item "lamin:\$($f.U)\raw\v.txt" "lamin:\$($f.Second.Uid)" -WarningAction SilentlyContinue
        $moved = @(Get-LaminArtifact -Key 'raw/v.txt' -AllVersions)
        $moved.Count | Should -Be 2
        $moved.StorageUid | Sort-Object -Unique | Should -BeExactly $f.Second.Uid
        Get-Content "lamin:\$($f.Second.Uid)\raw\v.txt" | Should -BeExactly 'v2'
        Test-Path "lamin:\$($f.U)\raw\v.txt" | Should -BeFalse
        Move-Item "lamin:\$($f.Second.Uid)\raw\v.txt" "lamin:\$($f.U)\raw\other.txt" -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
    }

    It 'refuses <Cmd> with an error naming the Lamin cmdlet to use, changing nothing' -ForEach @(
        @{ Cmd = 'Copy-Item'; Run = { Copy-Item "lamin:\$($f.U)\a.csv" "lamin:\$($f.U)\copy.csv" }; Names = 'Add-LaminArtifact' }
        @{ Cmd = 'Rename-Item'; Run = { Rename-Item "lamin:\$($f.U)\a.csv" 'b.csv' }; Names = 'Add-LaminArtifact -Destination' }
        @{ Cmd = 'New-Item'; Run = { New-Item "lamin:\$($f.U)\newdir" -ItemType Directory }; Names = 'Set-Content' }
        @{ Cmd = 'Clear-Content'; Run = { Clear-Content "lamin:\$($f.U)\a.csv" }; Names = 'Set-Content' }
    ) {
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage)
        $e = @(& { $ErrorActionPreference = 'Continue'; & $Run } 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $e.Count | Should -BeGreaterThan 0
        $e[0].Exception.Message | Should -Match ([regex]::Escape($Names))
        (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage) | Should -BeExactly $before
    }

    It 'pipes drive items into the Lamin cmdlets (Save-LaminArtifact, Get-LaminArtifact, Remove-LaminArtifact)' {
        $out = Join-Path $f.T.Work 'out'
        $null = New-Item -ItemType Directory $out
        $saved = Get-ChildItem "lamin:\$($f.U)\raw" | Where-Object { -not $_.PSIsContainer } | Save-LaminArtifact -Destination $out
        ($saved.Name | Sort-Object) | Should -Be @('b.txt', 'v.txt')
        Get-Content (Join-Path $out 'v.txt') | Should -BeExactly 'v2'
        (Get-Item "lamin:\$($f.U)" | Get-LaminArtifact).Count | Should -Be @(Get-LaminArtifact -Storage $f.U).Count
        Get-Item "lamin:\$($f.U)\a.csv" | Remove-LaminArtifact -Confirm:$false
        (Get-LaminArtifact -Trash).Uid | Should -Contain $f.A.top.Uid
    }

    It 'follows Connect-LaminInstance: lamin: always shows the current instance' {
        $otherRoot = Join-Path $f.T.Work 'other-instance'
        $null = New-LaminInstance -Name other -Storage $otherRoot -WarningAction SilentlyContinue
        $otherUid = (Get-LaminStorage -Root $otherRoot).Uid
        (Get-ChildItem lamin:\ -Name) | Should -Be @($otherUid)
        Connect-LaminInstance -Name $f.T.Instance.Name | Out-Null
        (Get-ChildItem lamin:\ -Name) | Should -Contain $f.U
        (Get-ChildItem lamin:\ -Name) | Should -Not -Contain $otherUid
    }
}

Describe 'Key folders piped into the Lamin cmdlets (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $f = New-DriveFixture }
    AfterEach { $f.T | Remove-TestInstance }

    It 'saves a listing with its folders (Get-ChildItem of a folder piped into Save-LaminArtifact, destination a new folder)' {
        $out = Join-Path $f.T.Work 'out'   # does not exist yet: several artifacts make it a folder
        $saved = @(Get-ChildItem "lamin:\$($f.U)\raw" | Save-LaminArtifact -Destination $out -ErrorVariable e)
        $e.Count | Should -Be 0
        $sep = [IO.Path]::DirectorySeparatorChar
        ($saved.FullName | ForEach-Object { $_.Substring($out.Length + 1) } | Sort-Object) | Should -Be @('b.txt', "sub${sep}c.TXT", 'v.txt')
        Get-Content (Join-Path $out 'sub' 'c.TXT') | Should -BeExactly 'sea'
        Get-Content (Join-Path $out 'v.txt') | Should -BeExactly 'v2'   # the latest version
    }

    It 'trashes what a recursive listing holds, each artifact once: Get-ChildItem -Recurse | Remove-LaminArtifact' {
        Get-ChildItem "lamin:\$($f.U)\raw" -Recurse | Remove-LaminArtifact -Confirm:$false -ErrorVariable e
        $e.Count | Should -Be 0
        (@(Get-LaminArtifact -Trash).Uid | Sort-Object) | Should -Be (@($f.Trashed.Uid, $f.A.b.Uid, $f.A.c.Uid, $f.A.v2.Uid) | Sort-Object)
        Test-Path "lamin:\$($f.U)\raw\sub" | Should -BeFalse   # its only artifact is in the trash
        (Get-LaminArtifact -Trash).Count | Should -Be 4   # nothing else; v.txt's older version is the latest now
        (Get-ChildItem "lamin:\$($f.U)\raw" -Recurse -Name) | Should -Be 'v.txt'
    }

    It 'acts once on an artifact piped before its own folder (Test-LaminArtifact, Get-LaminArtifact)' {
        $expected = @($f.A.b.Uid, $f.A.c.Uid, $f.A.v2.Uid) | Sort-Object
        $items = @((Get-Item "lamin:\$($f.U)\raw\sub\c.TXT"), (Get-Item "lamin:\$($f.U)\raw\b.txt"), (Get-Item "lamin:\$($f.U)\raw"))
        (@($items | Test-LaminArtifact).Uid | Sort-Object) | Should -Be $expected
        (@($items | Get-LaminArtifact).Uid | Sort-Object) | Should -Be $expected
    }

    It 'moves, tests and lists a key folder''s artifacts (Move-, Test-, Get-LaminArtifact)' {
        $expected = @($f.A.b.Uid, $f.A.c.Uid, $f.A.v2.Uid) | Sort-Object
        (@(Get-Item "lamin:\$($f.U)\raw" | Get-LaminArtifact).Uid | Sort-Object) | Should -Be $expected
        $checks = @(Get-Item "lamin:\$($f.U)\raw" | Test-LaminArtifact)
        ($checks.Uid | Sort-Object) | Should -Be $expected
        $checks.Status | Sort-Object -Unique | Should -Be 'Match'
        Get-Item "lamin:\$($f.U)\raw\sub" | Move-LaminArtifact -Storage $f.Second.Uid -Confirm:$false -WarningAction SilentlyContinue
        (Get-LaminArtifact $f.A.c.Uid).StorageUid | Should -BeExactly $f.Second.Uid
        (Get-LaminArtifact $f.A.b.Uid).StorageUid | Should -BeExactly $f.U
        Get-Content "lamin:\$($f.Second.Uid)\raw\sub\c.TXT" | Should -BeExactly 'sea'
    }

    It 'refuses a key folder where the cmdlet has no use for it (Restore-LaminArtifact), naming what it takes' {
        $before = Get-ArtifactState
        Get-Item "lamin:\$($f.U)\raw" | Restore-LaminArtifact -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
        $e[0].Exception.Message | Should -Match 'LaminKeyFolder'
        Get-ArtifactState | Should -BeExactly $before
    }
}

Describe 'Listing options and the listing cache (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $f = New-DriveFixture }
    AfterEach { $f.T | Remove-TestInstance }

    It 'filters with -Filter, -Include and -Exclude as the FileSystem drive does (case-insensitively)' {
        $raw = "lamin:\$($f.U)\raw"
        $sep = [IO.Path]::DirectorySeparatorChar
        (Get-ChildItem $raw -Filter '*.TXT' -Name) | Should -Be @('b.txt', 'v.txt')
        (Get-ChildItem $raw -Exclude 'b*' -Name) | Should -Be @('sub', 'v.txt')
        (Get-ChildItem "$raw\*" -Include '*.txt').Uid | Should -Be @($f.A.b.Uid, $f.A.v2.Uid)
        (Get-ChildItem $raw -Recurse -Include '*.txt' -Name | Sort-Object) | Should -Be @('b.txt', "sub${sep}c.TXT", 'v.txt')
        (Get-ChildItem "lamin:\$($f.U)" -Recurse -Exclude '*.txt', '*.json' -Name | Sort-Object) | Should -Be @('a.csv', 'both', 'odd', 'raw', "raw${sep}sub")
        # As on FileSystem, -Include without a wildcard path or -Recurse matches the folder itself, not its items.
        @(Get-ChildItem $raw -Include '*.txt').Count | Should -Be 0
    }

    It 'shows this process''s own writes through any cmdlet at once (cache keyed on the write generation)' {
        $raw = "lamin:\$($f.U)\raw"
        (Get-ChildItem $raw -Name) | Should -Be @('b.txt', 'sub', 'v.txt')   # listed (and cached)
        Test-Path "$raw\new.txt" | Should -BeFalse
        $new = Add-LaminArtifact (New-TestFile (Join-Path $f.Src 'new.txt') -Text 'new').FullName -Key 'raw/new.txt'
        (Get-ChildItem $raw -Name) | Should -Be @('b.txt', 'new.txt', 'sub', 'v.txt')
        Test-Path "$raw\new.txt" | Should -BeTrue
        Remove-LaminArtifact $new.Uid -Confirm:$false
        (Get-ChildItem $raw -Name) | Should -Be @('b.txt', 'sub', 'v.txt')
        Test-Path "$raw\new.txt" | Should -BeFalse
        Set-LaminArtifact $f.A.b.Uid -Description 'changed' -Confirm:$false
        (Get-Item "$raw\b.txt").Description | Should -BeExactly 'changed'
    }

    It 'shows another process''s writes at the next command' {
        $raw = "lamin:\$($f.U)\raw"
        (Get-ChildItem $raw -Name) | Should -Be @('b.txt', 'sub', 'v.txt')   # listed (and cached, where a cache may be kept)
        $file = (New-TestFile (Join-Path $f.Src 'other.txt') -Text 'from another process').FullName
        $psi = Get-PwshStartInfo -Command "Import-Module `$env:LAMIN_TEST_MODULE; `$null = Add-LaminArtifact '$file' -Key 'raw/other.txt' -ErrorAction Stop; 'added'"
        $p = [Diagnostics.Process]::Start($psi); $p.StandardInput.Close()
        $text = $p.StandardOutput.ReadToEnd() + $p.StandardError.ReadToEnd(); $p.WaitForExit()
        $text | Should -Match 'added'
        (Get-ChildItem $raw -Name) | Should -Be @('b.txt', 'other.txt', 'sub', 'v.txt')
        Get-Content "$raw\other.txt" | Should -BeExactly 'from another process'
    }
}

Describe 'Remove-Item on a folder without -Recurse (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $f = New-DriveFixture }
    AfterEach { $f.T | Remove-TestInstance }

    It 'asks, as for a FileSystem folder; where nobody can answer (-NonInteractive) it fails and trashes nothing (<Path>)' -ForEach @(
        @{ Path = 'raw' }, @{ Path = 'both' }
    ) {
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage)
        $psi = Get-PwshStartInfo -Command "Import-Module `$env:LAMIN_TEST_MODULE; try { Remove-Item 'lamin:\$($f.U)\$Path' -Confirm:`$false -ErrorAction Stop; 'removed' } catch { 'error=' + `$_.FullyQualifiedErrorId }"
        $p = [Diagnostics.Process]::Start($psi); $p.StandardInput.Close()
        $text = $p.StandardOutput.ReadToEnd(); $p.WaitForExit()
        $text | Should -Match 'error=InvalidOperation'   # the engine's prompt for a folder with children, refused without a user
        $text | Should -Not -Match 'removed'
        (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage) | Should -BeExactly $before
    }
}

Describe 'Import and instances' {
    It 'reads no registry at import: a damaged registry is only reported when the drive is used (RegistryCorrupt)' {
        $t = New-TestInstance
        try {
            [IO.File]::WriteAllBytes($t.Registry, [byte[]]::new(100))
            $psi = Get-PwshStartInfo -Command @'
$ErrorActionPreference = 'Stop'
Import-Module $env:LAMIN_TEST_MODULE
"drive=" + (Get-PSDrive lamin).Provider.Name
try { Get-ChildItem lamin:\ | Out-Null; 'listed' } catch { 'error=' + $_.FullyQualifiedErrorId }
'@
            $p = [Diagnostics.Process]::Start($psi)
            $p.StandardInput.Close()
            $text = $p.StandardOutput.ReadToEnd(); $p.WaitForExit()
            $text | Should -Match 'drive=Lamin'
            $text | Should -Match 'error=RegistryCorrupt'
        }
        finally { $t | Remove-TestInstance }
    }

    It 'ships the help topic about_Lamin_Drive' {
        $help = Get-Help about_Lamin_Drive | Out-String
        $help | Should -Match 'lamin:\\ holds one container per storage location'
        $help | Should -Match 'Add-LaminArtifact'
    }

    It 'says NoCurrentInstance (terminating) at every path when no instance is connected: <Name>' -ForEach @(
        @{ Name = 'Get-ChildItem lamin:\'; Run = { Get-ChildItem lamin:\ } }
        @{ Name = 'Get-ChildItem <uid>'; Run = { Get-ChildItem lamin:\Abc123Abc123 } }
        @{ Name = 'Get-ChildItem <uid>\<folder> -Recurse'; Run = { Get-ChildItem lamin:\Abc123Abc123\raw -Recurse } }
        @{ Name = 'Get-Item'; Run = { Get-Item lamin:\Abc123Abc123\raw\b.txt } }
        @{ Name = 'Get-Content'; Run = { Get-Content lamin:\Abc123Abc123\raw\b.txt } }
        @{ Name = 'Set-Content'; Run = { 'x' | Set-Content lamin:\Abc123Abc123\raw\b.txt } }
        @{ Name = 'Remove-Item'; Run = { Remove-Item lamin:\Abc123Abc123\raw\b.txt } }
        @{ Name = 'Set-Location'; Run = { Set-Location lamin:\Abc123Abc123\raw } }
        @{ Name = 'Resolve-Path with a wildcard'; Run = { Resolve-Path lamin:\Abc123Abc123\r* } }
    ) {
        $t = New-TestInstance -NoInstance
        try {
            $err = $null
            try { & { $ErrorActionPreference = 'Continue'; & $Run } 2>$null; $err = 'not terminating' }
            catch { $err = $_.FullyQualifiedErrorId }
            $err | Should -BeLike 'NoCurrentInstance*'
        }
        finally { $t | Remove-TestInstance }
    }

    It 'says NoCurrentInstance from <Name> of a literal path, and resolves nothing' -ForEach @(
        @{ Name = 'Resolve-Path'; Run = { Resolve-Path lamin:\x -ErrorVariable e -ErrorAction SilentlyContinue; $e } }
        @{ Name = 'Resolve-Path -LiteralPath'; Run = { Resolve-Path -LiteralPath lamin:\Abc123Abc123\raw -ErrorVariable e -ErrorAction SilentlyContinue; $e } }
        @{ Name = 'Convert-Path'; Run = { Convert-Path lamin:\Abc123Abc123\raw -ErrorVariable e -ErrorAction SilentlyContinue; $e } }
    ) {
        # The engine drops what ItemExists throws (it is all these commands ask), so the error is written, not terminating.
        $t = New-TestInstance -NoInstance
        try {
            $out = @(& $Run)
            @($out | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }) | Should -HaveCount 0
            $errors = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errors.Count | Should -BeGreaterThan 0
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'NoCurrentInstance*'
        }
        finally { $t | Remove-TestInstance }
    }

    It 'says NoCurrentInstance from Test-Path, and False' {
        $t = New-TestInstance -NoInstance
        try {
            Test-Path lamin:\Abc123Abc123\raw -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeFalse
            $e[0].FullyQualifiedErrorId | Should -BeLike 'NoCurrentInstance*'
        }
        finally { $t | Remove-TestInstance }
    }

    It 'keeps the drive working after Import-Module -Force' {
        $t = New-TestInstance
        try {
            $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'f.txt') -Text 'force').FullName -Key 'f.txt'
            Import-Module $env:LAMIN_TEST_MODULE -Force -Global
            (Get-PSDrive lamin).Provider.Name | Should -BeExactly 'Lamin'
            Get-Content "lamin:\$($a.StorageUid)\f.txt" | Should -BeExactly 'force'
            (Get-Item "lamin:\$($a.StorageUid)\f.txt").Uid | Should -BeExactly $a.Uid
        }
        finally { $t | Remove-TestInstance }
    }
}
