# Data safety on local storage (SPEC §10, issue 9): no folder artifact swallows a .lamindb/, no delete takes
# another artifact's bytes, no write into a location that is not present here, no write or delete through a
# symlink that leads out of the root, keys that no file system takes, and what registering a root accepts.
# Every case checks that a refusal changed nothing: registry, artifacts and the files on disk.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -LiteralPath $Path -Force
    }
    function Get-ArtifactSnapshot { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }
    function Get-State([string] $Root) { (Get-RegistrySnapshot) + (Get-ArtifactSnapshot) + (Get-TreeSnapshot $Root) }
}

Describe 'Rule 2: a folder with a .lamindb/ below it is not an artifact (fault 1)' {
    BeforeEach { $t = New-TestInstance -StorageFolder 'data/projects/lab'; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'refuses a folder in place that holds the instance''s registry (InvalidPath naming it), and changes nothing' {
        $data = Join-Path $t.Root 'data'
        $null = New-LaminStorage $data -WarningAction SilentlyContinue
        New-File (Join-Path $data 'projects/notes.txt') 'notes' | Out-Null
        $state = Get-State $t.Root
        $err = { Add-LaminArtifact (Join-Path $data 'projects') } | Should -Throw -ErrorId "InvalidPath$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape((Join-Path $t.Storage '.lamindb')))
        Get-State $t.Root | Should -BeExactly $state
        Test-Path -LiteralPath $t.Registry | Should -BeTrue
    }

    It 'refuses a folder to copy with another location''s .lamindb/ deep inside, in any letter case (<Name>)' -ForEach @(
        @{ Name = '.lamindb' }, @{ Name = '.LAMINDB' }, @{ Name = '.LaminDb' }
    ) {
        $src = Join-Path $t.Work 'bundle'
        New-File (Join-Path $src 'a.txt') 'a' | Out-Null
        New-File (Join-Path $src "deep/er/$Name/storage_uid.txt") (New-ForeignMarkerText) | Out-Null
        $state = Get-State $t.Root
        $err = { Add-LaminArtifact $src -Key 'bundle' } | Should -Throw -ErrorId "InvalidPath$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape("deep/er/$Name"))
        Get-State $t.Root | Should -BeExactly $state
    }

    It 'refuses a path inside a .lamindb/ of another letter case' {
        $f = New-File (Join-Path $t.Work 'x/.LAMINDB/f.txt') 'f'
        { Add-LaminArtifact $f.FullName } | Should -Throw -ErrorId "InvalidPath$E"
    }

    It 'never deletes a folder artifact that a location registered inside it later (InvalidPath); the record stays' {
        $data = Join-Path $t.Root 'data'
        $null = New-LaminStorage $data -WarningAction SilentlyContinue
        New-File (Join-Path $data 'runs/r1.txt') 'r1' | Out-Null
        $folder = Add-LaminArtifact (Join-Path $data 'runs')
        $inner = New-LaminStorage (Join-Path $data 'runs/inner')
        $state = Get-State $t.Root
        $err = { Remove-LaminArtifact $folder.Uid -Permanent -DeleteFile -Confirm:$false } | Should -Throw -ErrorId "InvalidPath$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape((Join-Path $inner.Root '.lamindb')))
        Get-State $t.Root | Should -BeExactly $state
        Test-Path -LiteralPath (Get-MarkerPath $inner.Root) | Should -BeTrue
    }

    It 'still adds a folder beside a .lamindb/ (its siblings) and a folder holding a file named .lamindb-notes' {
        $data = Join-Path $t.Root 'data'
        $null = New-LaminStorage $data -WarningAction SilentlyContinue
        New-File (Join-Path $data 'projects/raw/r.txt') 'r' | Out-Null
        New-File (Join-Path $data 'projects/raw/.lamindb-notes') 'n' | Out-Null
        $a = Add-LaminArtifact (Join-Path $data 'projects/raw')
        $a.Key | Should -BeExactly 'projects/raw'
        $a.NFiles | Should -Be 2
    }
}

Describe 'Rule 1: a delete never takes bytes another live artifact holds (fault 2)' {
    BeforeEach {
        $t = New-TestInstance
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        $fa = New-File (Join-Path $loc.Root 'd/a.txt') 'a'
        New-File (Join-Path $loc.Root 'd/b.txt') 'b' | Out-Null
    }
    AfterEach { $t | Remove-TestInstance }

    It 'refuses -DeleteFile of an in-place file that a registered folder includes (ObjectInUse naming it); the record stays' {
        $file = Add-LaminArtifact $fa.FullName
        $folder = Add-LaminArtifact (Join-Path $loc.Root 'd')
        $state = Get-State $t.Root
        $err = { Remove-LaminArtifact $file.Uid -Permanent -DeleteFile -Confirm:$false } | Should -Throw -ErrorId "ObjectInUse$E" -PassThru
        $err.Exception.Message | Should -Match $folder.Uid
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        Get-State $t.Root | Should -BeExactly $state
        (Get-LaminArtifact -Identity $file.Uid).Uid | Should -BeExactly $file.Uid
        (Test-LaminArtifact -Identity $folder.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'refuses -DeleteFile of a folder that includes another registered artifact (ObjectInUse naming it)' {
        $file = Add-LaminArtifact $fa.FullName
        $folder = Add-LaminArtifact (Join-Path $loc.Root 'd')
        $state = Get-State $t.Root
        $err = { Remove-LaminArtifact $folder.Uid -Permanent -DeleteFile -Confirm:$false } | Should -Throw -ErrorId "ObjectInUse$E" -PassThru
        $err.Exception.Message | Should -Match $file.Uid
        Get-State $t.Root | Should -BeExactly $state
        (Test-LaminArtifact -Identity $file.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'counts a trashed artifact as live' {
        $file = Add-LaminArtifact $fa.FullName
        $folder = Add-LaminArtifact (Join-Path $loc.Root 'd')
        Remove-LaminArtifact $file.Uid -Confirm:$false
        { Remove-LaminArtifact $folder.Uid -Permanent -DeleteFile -Confirm:$false } | Should -Throw -ErrorId "ObjectInUse$E"
        Test-Path -LiteralPath $fa.FullName | Should -BeTrue
    }

    It 'deletes once the other artifact is gone, and a record-only removal needs no check' {
        $file = Add-LaminArtifact $fa.FullName
        $folder = Add-LaminArtifact (Join-Path $loc.Root 'd')
        Remove-LaminArtifact $file.Uid -Permanent -Confirm:$false      # the record only: the file stays
        Test-Path -LiteralPath $fa.FullName | Should -BeTrue
        Remove-LaminArtifact $folder.Uid -Permanent -DeleteFile -Confirm:$false
        Test-Path -LiteralPath (Join-Path $loc.Root 'd') | Should -BeFalse
    }

    It 'keeps the object that other versions share (folder versions, a reused real key) and removes only the record' {
        $src = Join-Path $t.Work 'f'
        New-File (Join-Path $src 'x.txt') 'one' | Out-Null
        $v1 = Add-LaminArtifact $src -Key 'folder'
        New-File (Join-Path $src 'x.txt') 'two' | Out-Null
        $v2 = Add-LaminArtifact $src -Key 'folder' -WarningAction SilentlyContinue
        Remove-LaminArtifact $v1.Uid -Permanent -Confirm:$false
        (Test-LaminArtifact -Identity $v2.Uid -Hash).Status | Should -Be 'Match'

        $r = Join-Path $t.Work 'r.csv'
        $r1 = Add-LaminArtifact (New-File $r 'r1').FullName -Key 'res/r.csv' -KeyIsVirtual $false
        $r2 = Add-LaminArtifact (New-File $r 'r2').FullName -Key 'res/r.csv' -KeyIsVirtual $false -WarningAction SilentlyContinue
        Remove-LaminArtifact $r1.Uid -Permanent -DeleteFile -Confirm:$false
        @(Get-LaminArtifact -Identity $r1.Uid -ErrorAction SilentlyContinue).Count | Should -Be 0
        (Test-LaminArtifact -Identity $r2.Uid -Hash).Status | Should -Be 'Match'
    }
}

Describe 'Rule 3: no write into a local location that is not present here (fault 3, write side)' {
    BeforeEach {
        $t = New-TestInstance
        $root = Join-Path $t.Work 'shared'
        $here = New-LaminStorage $root
        $lab2 = New-LaminStorage $root -Host 'lab2' -WarningAction SilentlyContinue
        $src = New-File (Join-Path $t.Work 'in.txt') 'payload'
        $srcDir = Join-Path $t.Work 'indir'
        New-File (Join-Path $srcDir 'm.txt') 'member' | Out-Null
    }
    AfterEach { $t | Remove-TestInstance }

    It 'the same root registered for another host: <Case> → StorageNotPresent, nothing written' -ForEach @(
        @{ Case = 'a copy'; Run = { Add-LaminArtifact $src.FullName -Storage $lab2.Uid } }
        @{ Case = 'a folder copy'; Run = { Add-LaminArtifact $srcDir -Key 'd' -Storage $lab2.Uid } }
        @{ Case = 'a real key'; Run = { Add-LaminArtifact $src.FullName -Key 'k/in.txt' -KeyIsVirtual $false -Storage $lab2.Uid } }
    ) {
        $lab2.Uid | Should -Not -Be $here.Uid
        $state = Get-State $t.Root
        $err = $Run | Should -Throw -ErrorId "StorageNotPresent$E" -PassThru
        $err.Exception.Message | Should -Match $lab2.Uid
        Get-State $t.Root | Should -BeExactly $state
        @(Get-ChildItem -LiteralPath (Join-Path $root '.lamindb') -Force).Name | Should -Be @('storage_uid.txt')
    }

    It 'a location whose marker is gone → StorageNotPresent; the present record still takes writes' {
        $other = New-LaminStorage (Join-Path $t.Work 'gone')
        Remove-Item -LiteralPath (Get-MarkerPath $other.Root)
        $state = Get-State $t.Root
        { Add-LaminArtifact $src.FullName -Storage $other.Uid } | Should -Throw -ErrorId "StorageNotPresent$E"
        Get-State $t.Root | Should -BeExactly $state
        (Add-LaminArtifact $src.FullName -Storage $here.Uid).Storage | Should -Be $root
    }

    # Issue 15: the marker is read in full once per call and then checked by one lstat per file; any change reads it again.
    It 'a marker that changes between two files of one pipeline stops the writes from that file on (<Case>)' -ForEach @(
        @{ Case = 'another location''s uid, same size'; Change = { param($m)
            $text = [IO.File]::ReadAllText($m)
            [IO.File]::WriteAllText($m, 'Other0000001' + $text.Substring(12))
            [IO.File]::SetLastWriteTimeUtc($m, [datetime]::UtcNow.AddMinutes(-5)) } }
        @{ Case = 'removed'; Change = { param($m) Remove-Item -LiteralPath $m } }
        @{ Case = 'a folder now'; Change = { param($m) Remove-Item -LiteralPath $m; $null = New-Item -ItemType Directory $m } }
    ) {
        $marker = Get-MarkerPath $root
        $first = New-File (Join-Path $t.Work 'run/first.txt') '1'
        $second = New-File (Join-Path $t.Work 'run/second.txt') '2'
        $out = @(& { $first; & $Change $marker; $second } | Add-LaminArtifact -Storage $here.Uid -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0].Description | Should -BeExactly 'first.txt'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Match '^(StorageNotPresent|MarkerInvalid),'
        @(Get-LaminArtifact -Storage $here.Uid).Count | Should -Be 1
        @(Get-ChildItem -LiteralPath (Join-Path $root '.lamindb') -Force -Filter '.lamin-tmp*').Count | Should -Be 0
    }
}

Describe 'Rule 6: no write or delete through a symlink out of the root (fault 6)' -Skip:($IsWindows) {
    BeforeEach {
        $t = New-TestInstance
        $outside = Join-Path $t.Work 'elsewhere'
        $null = New-Item -ItemType Directory $outside
        $src = New-File (Join-Path $t.Work 'x.txt') 'x'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'a real key through a link to outside → InvalidKey, nothing written there' {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $t.Storage 'link') -Target $outside
        $state = Get-State $t.Root
        $err = { Add-LaminArtifact $src.FullName -Key 'link/x.txt' -KeyIsVirtual $false } | Should -Throw -ErrorId "InvalidKey$E" -PassThru
        $err.Exception.Message | Should -Match 'symbolic link'
        Get-State $t.Root | Should -BeExactly $state
        @(Get-ChildItem -LiteralPath $outside -Force).Count | Should -Be 0
    }

    It 'a link deeper in the key, and .lamindb/ itself a link, are refused too' {
        $null = New-Item -ItemType Directory (Join-Path $t.Storage 'a')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $t.Storage 'a/b') -Target $outside
        { Add-LaminArtifact $src.FullName -Key 'a/b/c/x.txt' -KeyIsVirtual $false } | Should -Throw -ErrorId "InvalidKey$E"
        Test-Path -LiteralPath (Join-Path $outside 'c') | Should -BeFalse

        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        Move-Item -LiteralPath (Join-Path $loc.Root '.lamindb') -Destination (Join-Path $outside 'managed')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $loc.Root '.lamindb') -Target (Join-Path $outside 'managed')
        $before = Get-TreeSnapshot $outside
        { Add-LaminArtifact $src.FullName -Storage $loc.Uid } | Should -Throw -ErrorId "InvalidKey$E"
        Get-TreeSnapshot $outside | Should -BeExactly $before
    }

    It '-Permanent -DeleteFile of a real key whose folder became a link to outside → InvalidKey; the record and the outside file stay' {
        $a = Add-LaminArtifact $src.FullName -Key 'sub/x.txt' -KeyIsVirtual $false
        Move-Item -LiteralPath (Join-Path $t.Storage 'sub') -Destination (Join-Path $outside 'sub')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $t.Storage 'sub') -Target (Join-Path $outside 'sub')
        $state = Get-State $t.Root
        { Remove-LaminArtifact $a.Uid -Permanent -DeleteFile -Confirm:$false } | Should -Throw -ErrorId "InvalidKey$E"
        Get-State $t.Root | Should -BeExactly $state
        [IO.File]::ReadAllText((Join-Path $outside 'sub/x.txt')) | Should -BeExactly 'x'
    }

    It 'a link that stays inside the root is fine: write, check and delete through it' {
        $null = New-Item -ItemType Directory (Join-Path $t.Storage 'real')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $t.Storage 'inlink') -Target (Join-Path $t.Storage 'real')
        $a = Add-LaminArtifact $src.FullName -Key 'inlink/x.txt' -KeyIsVirtual $false
        [IO.File]::ReadAllText((Join-Path $t.Storage 'real/x.txt')) | Should -BeExactly 'x'
        (Test-LaminArtifact -Identity $a.Uid -Hash).Status | Should -Be 'Match'
        Remove-LaminArtifact $a.Uid -Permanent -DeleteFile -Confirm:$false
        Test-Path -LiteralPath (Join-Path $t.Storage 'real/x.txt') | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $t.Storage 'real') | Should -BeTrue
    }

    # Issue 15: a pipeline keeps the resolution of the folder its files come from while that folder is no link.
    It 'a source folder that becomes a link between two files of one pipeline is resolved again (registered in place through it)' {
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        New-File (Join-Path $loc.Root 'sub/second.txt') '2' | Out-Null
        $dir = Join-Path $t.Work 'from'
        $first = New-File (Join-Path $dir 'first.txt') '1'
        $out = @(& {
                $first
                Remove-Item -LiteralPath $dir -Recurse -Force
                $null = New-Item -ItemType SymbolicLink -Path $dir -Target (Join-Path $loc.Root 'sub')
                Get-Item -LiteralPath (Join-Path $dir 'second.txt')
            } | Add-LaminArtifact)
        $out.Count | Should -Be 2
        $out[0].Storage | Should -Be $t.Storage
        $out[1].Key | Should -BeExactly 'sub/second.txt'
        $out[1].Storage | Should -Be $loc.Root
    }

    It 'a file registered in place through a symlinked folder keeps working (key on disk, delete inside)' {
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        $f = New-File (Join-Path $loc.Root 'sub/f.txt') 'f'
        $alias = Join-Path $t.Work 'alias'
        $null = New-Item -ItemType SymbolicLink -Path $alias -Target (Join-Path $loc.Root 'sub')
        $a = Add-LaminArtifact (Join-Path $alias 'f.txt')
        $a.Key | Should -BeExactly 'sub/f.txt'
        $a.Storage | Should -Be $loc.Root
        (Test-LaminArtifact -Identity $a.Uid -Hash).Status | Should -Be 'Match'
        Remove-LaminArtifact $a.Uid -Permanent -DeleteFile -Confirm:$false
        Test-Path -LiteralPath $f.FullName | Should -BeFalse
    }
}

Describe 'Keys, roots and markers (fault 11)' {
    BeforeEach { $t = New-TestInstance; $src = New-File (Join-Path $t.Work 'x.txt') 'x' }
    AfterEach { $t | Remove-TestInstance }

    It 'a key segment over 255 bytes of UTF-8 → InvalidKey, and nothing is left behind (<Case>)' -ForEach @(
        @{ Case = 'a real key'; Virtual = $false }
        @{ Case = 'a virtual key'; Virtual = $true }
    ) {
        $long = ([string][char]0xE9) * 128 + '.txt'   # 132 characters, 260 bytes
        $state = Get-State $t.Root
        $err = { Add-LaminArtifact $src.FullName -Key "dir/$long" -KeyIsVirtual $Virtual } | Should -Throw -ErrorId "InvalidKey$E" -PassThru
        $err.Exception.Message | Should -Match '255'
        Get-State $t.Root | Should -BeExactly $state
        Test-Path -LiteralPath (Join-Path $t.Storage 'dir') | Should -BeFalse
    }

    It 'a segment of exactly 255 bytes is a valid key' {
        $name = ('k' * 251) + '.txt'
        $a = Add-LaminArtifact $src.FullName -Key "dir/$name" -KeyIsVirtual $false
        Test-Path -LiteralPath (Join-Path $t.Storage "dir/$name") | Should -BeTrue
        $a.Key | Should -BeExactly "dir/$name"
    }

    It 'a key naming the managed folder in any case → InvalidKey (<Key>)' -ForEach @(
        @{ Key = '.LAMINDB/x.txt' }, @{ Key = '.LaminDB/x.txt' }, @{ Key = 'a/.Lamindb/x.txt' }, @{ Key = 'a/.lamindb/x.txt' }
    ) {
        $state = Get-State $t.Root
        { Add-LaminArtifact $src.FullName -Key $Key } | Should -Throw -ErrorId "InvalidKey$E"
        { Add-LaminArtifact $src.FullName -Key $Key -KeyIsVirtual $false } | Should -Throw -ErrorId "InvalidKey$E"
        Get-State $t.Root | Should -BeExactly $state
    }

    It 'New-LaminStorage of a regular file → InvalidRoot (<Case>), nothing registered' -ForEach @(
        @{ Case = 'the file'; Rel = 'plain.txt' }
        @{ Case = 'below a file'; Rel = 'plain.txt/sub' }
    ) {
        New-File (Join-Path $t.Work 'plain.txt') 'p' | Out-Null
        $state = Get-State $t.Root
        { New-LaminStorage (Join-Path $t.Work $Rel) -WarningAction SilentlyContinue } | Should -Throw -ErrorId "InvalidRoot$E"
        Get-State $t.Root | Should -BeExactly $state
    }

    It 'a marker that starts with a UTF-8 BOM is read (not MarkerInvalid)' {
        $root = Join-Path $t.Work 'bom'
        $text = New-ForeignMarkerText -StorageUid 'B0mStorage12'
        $bytes = [byte[]](0xEF, 0xBB, 0xBF) + [Text.Encoding]::UTF8.GetBytes($text)
        Set-TestMarker -Root $root -Bytes $bytes | Out-Null
        $s = New-LaminStorage $root -WarningAction SilentlyContinue
        $s.Uid | Should -BeExactly 'B0mStorage12'
        $s.InstanceUid | Should -Not -Be $t.Instance.Uid
        [IO.File]::ReadAllBytes((Get-MarkerPath $root)) | Should -Be $bytes
    }
}
