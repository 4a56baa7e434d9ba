# Add-LaminArtifact (issue 3; SPEC rules 8, 19-22 and §3 LaminArtifact; LAMINDB.md 4.1-4.3 and cases 39-49):
# copies into a storage, in-place registration, keys and suffixes, hashes, deduplication, versions,
# folders, pipeline batches, -WhatIf, targets (keep-artifacts-local, -Storage) and progress.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'   # FullyQualifiedErrorId = "<Id>,Lamin.PowerShell.Commands.<Verb><Noun>Command"
    $script:EmptyMd5 = '1B2M2Y8AsgTpgAmY7PhCfg'   # md5 of no bytes

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }

    # What .lamindb/ of a root holds, without the instance's registry files.
    function Get-ManagedObjects([string] $Root) {
        $dir = Join-Path $Root '.lamindb'
        if (-not (Test-Path -LiteralPath $dir)) { return @() }
        @(Get-ChildItem -LiteralPath $dir -Force | Where-Object { $_.Name -notmatch '^lamin(\.db|-log\.db|\.db\.lock)$' -and $_.Name -ne 'storage_uid.txt' } |
            ForEach-Object Name | Sort-Object -CaseSensitive)
    }
}

Describe 'Add-LaminArtifact: a copy into the default storage' {
    BeforeEach { $t = New-TestInstance -User 'alice'; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'stores "a" at ROOT/.lamindb/UID+SUFFIX with a virtual key, LaminDB''s md5 vector and every §3 property' {
        $src = New-TestFile (Join-Path $t.Work 'a.txt') -Text 'a'
        $a = Add-LaminArtifact $src.FullName
        $a | Should -HaveCount 1
        $a.GetType().Name | Should -BeExactly 'LaminArtifact'
        $a.Uid | Should -MatchExactly '^[0-9A-Za-z]{16}0000$'
        $a.Hash | Should -BeExactly 'DMF1ucDxtqgxw5niaXcmYQ'
        $a.HashType | Should -BeExactly 'md5'
        $a.Size | Should -Be 1
        $a.Size | Should -BeOfType [long]
        $a.Suffix | Should -BeExactly '.txt'
        $a.Key | Should -BeNullOrEmpty
        $a.KeyIsVirtual | Should -BeTrue
        $a.NFiles | Should -BeNullOrEmpty
        $a.Storage | Should -Be $t.Storage
        $a.StorageUid | Should -BeExactly (Get-LaminSetting).Storage.Uid
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid).txt")
        $a.Version | Should -Be 1
        $a.IsLatest | Should -BeTrue
        $a.IsTrashed | Should -BeFalse
        $a.CreatedBy | Should -BeExactly 'alice'
        $a.Space | Should -BeExactly 'all'
        $a.CreatedAt.Kind | Should -Be 'Utc'
        $a.Id | Should -BeGreaterThan 0
        # The stored bytes are the source's; the source itself stays where it was.
        [IO.File]::ReadAllBytes($a.FullName) | Should -Be ([byte[]][char[]]'a')
        $src.FullName | Should -Exist
        Get-ManagedObjects $t.Storage | Should -BeExactly @("$($a.Uid).txt")
        # The registry holds what was returned (LaminDB: Artifact.get(path=artifact.path) == artifact).
        $g = Get-LaminArtifact -Identity $a.Uid
        $g.FullName | Should -Be $a.FullName
        $g.Hash | Should -BeExactly $a.Hash
        $g.Id | Should -Be $a.Id
    }

    It 'hashes "abc" as kAFQmDzST7DWlj99KOF_cg and stores random binary content byte for byte' {
        (Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'abc.txt') -Text 'abc').FullName).Hash | Should -BeExactly 'kAFQmDzST7DWlj99KOF_cg'
        $bin = New-TestFile (Join-Path $t.Work 'random.bin') -Size 3MB -Seed 7
        $a = Add-LaminArtifact $bin.FullName
        $a.Size | Should -Be 3MB
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid).bin")
        Get-Sha256 $a.FullName | Should -BeExactly (Get-Sha256 $bin.FullName)
        $a.Hash | Should -BeExactly (Get-ExpectedLaminHash $bin.FullName).Hash
    }

    It 'uses md5 up to 50 MiB and sha1-fl above, with and without overlap of the two chunks (<Case>)' -ForEach @(
        @{ Case = 'empty'; Size = 0; Type = 'md5' }
        @{ Case = 'exactly 50 MiB'; Size = 50MB; Type = 'md5' }
        @{ Case = '50 MiB + 1 (chunks overlap)'; Size = 50MB + 1; Type = 'sha1-fl' }
        @{ Case = '100 MiB + 7 (no overlap)'; Size = 100MB + 7; Type = 'sha1-fl' }
    ) {
        $f = New-TestFile (Join-Path $t.Work "h$Size.bin") -Size $Size -Seed ([int]($Size % 1000) + 3)
        $expected = Get-ExpectedLaminHash $f.FullName
        $a = Add-LaminArtifact $f.FullName -Key "sizes/h$Size.bin"
        $a.HashType | Should -BeExactly $Type
        $expected.HashType | Should -BeExactly $Type
        $a.Hash | Should -BeExactly $expected.Hash
        $a.Hash.Length | Should -Be 22
        $a.Size | Should -Be $Size
        if ($Size -eq 0) { $a.Hash | Should -BeExactly $EmptyMd5 }
        (Get-Item -LiteralPath $a.FullName).Length | Should -Be $Size
    }

    It 'keeps -Key and -Description in the registry; the object still lives at .lamindb/UID+SUFFIX' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'local-name.csv') -Text 'x,y').FullName -Key 'project/tables/t.csv' -Description 'a table'
        $a.Key | Should -BeExactly 'project/tables/t.csv'
        $a.Description | Should -BeExactly 'a table'
        $a.KeyIsVirtual | Should -BeTrue
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid).csv")
        Join-Path $t.Storage 'project' | Should -Not -Exist
        (Get-LaminArtifact -Key 'project/tables/t.csv').Uid | Should -BeExactly $a.Uid
    }

    It 'stores at ROOT/KEY with -KeyIsVirtual $false -Key, and nothing under .lamindb/' {
        $src = New-TestFile (Join-Path $t.Work 'r.csv') -Text 'real key'
        $a = Add-LaminArtifact $src.FullName -Key 'results/2024/r.csv' -KeyIsVirtual $false
        $a.KeyIsVirtual | Should -BeFalse
        $a.Key | Should -BeExactly 'results/2024/r.csv'
        $a.FullName | Should -Be (Join-Path $t.Storage 'results/2024/r.csv')
        [IO.File]::ReadAllText($a.FullName) | Should -BeExactly 'real key'
        Get-ManagedObjects $t.Storage | Should -BeNullOrEmpty
        # Registering that same file in place afterwards finds the same (storage, key, hash).
        $again = Add-LaminArtifact $a.FullName -WarningVariable w -WarningAction SilentlyContinue
        $again.Uid | Should -BeExactly $a.Uid
        "$w" | Should -Match 'same storage, key and hash'
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 1
    }

    It 'resolves a relative path against the current PowerShell location' {
        $null = New-TestFile (Join-Path $t.Work 'rel/relative.txt') -Text 'relative'
        Set-Location (Join-Path $t.Work 'rel')
        [Environment]::CurrentDirectory | Should -Not -Be (Join-Path $t.Work 'rel')
        $a = Add-LaminArtifact 'relative.txt'
        $a.Hash | Should -BeExactly (Get-ExpectedLaminHash (Join-Path $t.Work 'rel/relative.txt')).Hash
        (Add-LaminArtifact -LiteralPath './relative.txt' -WarningAction SilentlyContinue).Uid | Should -BeExactly $a.Uid
    }

    It 'accepts a key of exactly 1024 characters (SPEC rule 20: at most 1024, 255 bytes per segment)' {
        $key = ((1..4 | ForEach-Object { 'k' * 200 }) -join '/') + '/' + ('k' * 216) + '.csv'
        $key.Length | Should -Be 1024
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'long.csv') -Text 'long key').FullName -Key $key
        $a.Key | Should -BeExactly $key
        (Get-LaminArtifact -Key $key).Uid | Should -BeExactly $a.Uid
        $a.FullName | Should -Exist
        # A second version under the same long key finds the first one (versions by key).
        $v2 = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'long.csv') -Text 'long key 2').FullName -Key $key -WarningAction SilentlyContinue
        $v2.Version | Should -Be 2
        @(Get-LaminArtifact -Key $key -AllVersions) | Should -HaveCount 2
    }

    It 'stores a long key in a registry written before the key-prefix indexes (its whole-key indexes are replaced on the next write)' {
        # An older registry: the artifact indexes on the whole key, which LiteDB limits to 1023 bytes.
        Invoke-TestLiteDb $t.Registry @"
`$c = `$db.GetCollection('artifact')
foreach (`$n in 'key_prefix', 'real_key_prefix') { `$null = `$c.DropIndex(`$n) }
`$null = `$c.EnsureIndex('key', '`$.Key')
`$null = `$c.EnsureIndex('real_key', '`$.RealKey')
"@
        $key = ((1..4 | ForEach-Object { 'o' * 200 }) -join '/') + '/' + ('o' * 216) + '.csv'
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'old.csv') -Text 'old registry').FullName -Key $key
        $a.Key | Should -BeExactly $key
        (Get-LaminArtifact -Key $key).Uid | Should -BeExactly $a.Uid
    }

    It 'accepts a 1024-character key of multi-byte characters (about 3 KB in UTF-8) and tells it from a key sharing its first 200 characters' {
        $seg = [string]::new([char]0x20AC, 85)   # 85 x 3 bytes = 255 bytes
        $head = ((1..11 | ForEach-Object { $seg }) -join '/') + '/'
        $key = $head + ([string]::new([char]0x20AC, 74)) + '.csv'
        $key.Length | Should -Be 1024
        $twin = $head + 'twin.csv'
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'u1.csv') -Text 'euro 1').FullName -Key $key
        $b = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'u2.csv') -Text 'euro 2').FullName -Key $twin
        $a.Key | Should -BeExactly $key
        (Get-LaminArtifact -Key $key).Uid | Should -BeExactly $a.Uid
        (Get-LaminArtifact -Key $twin).Uid | Should -BeExactly $b.Uid
        $b.Version | Should -Be 1
        $a.FullName | Should -Exist
    }
}

Describe 'Add-LaminArtifact: in place under a registered root' {
    BeforeEach {
        $t = New-TestInstance -User 'alice'
        $reg = New-LaminStorage (Join-Path $t.Work 'registered')
    }
    AfterEach { $t | Remove-TestInstance }

    It 'registers the file with Key = its relative path, KeyIsVirtual $false, FullName = the file, copying nothing' {
        $f = New-TestFile (Join-Path $reg.Root 'raw/2024/s1.csv') -Text 'abc'
        $before = Get-StorageTreeSnapshot -Path $t.Work -ExcludeRegistry
        $a = Add-LaminArtifact $f.FullName
        $a.Key | Should -BeExactly 'raw/2024/s1.csv'
        $a.KeyIsVirtual | Should -BeFalse
        $a.FullName | Should -Be $f.FullName
        $a.Storage | Should -Be $reg.Root
        $a.StorageUid | Should -BeExactly $reg.Uid
        $a.Hash | Should -BeExactly 'kAFQmDzST7DWlj99KOF_cg'
        $a.Size | Should -Be 3
        $a.Suffix | Should -BeExactly '.csv'
        # Nothing was copied anywhere: no new object in either .lamindb/, every file as it was.
        Get-ManagedObjects $reg.Root | Should -BeNullOrEmpty
        Get-ManagedObjects $t.Storage | Should -BeNullOrEmpty
        Get-StorageTreeSnapshot -Path $t.Work -ExcludeRegistry | Should -BeExactly $before
    }

    It 'registers a file inside the default storage root (outside .lamindb/) in place too' {
        $f = New-TestFile (Join-Path $t.Storage 'mine/notes.txt') -Text 'in the default root'
        $a = Add-LaminArtifact $f.FullName
        $a.Storage | Should -Be $t.Storage
        $a.Key | Should -BeExactly 'mine/notes.txt'
        $a.FullName | Should -Be $f.FullName
        Get-ManagedObjects $t.Storage | Should -BeNullOrEmpty
    }

    It 'chooses the deepest registered root when roots nest' {
        $inner = New-LaminStorage (Join-Path $reg.Root 'level1/inner')
        $deep = New-TestFile (Join-Path $inner.Root 'sub/x.txt') -Text 'deep'
        $shallow = New-TestFile (Join-Path $reg.Root 'level1/y.txt') -Text 'shallow'
        $a = Add-LaminArtifact $deep.FullName
        $a.Storage | Should -Be $inner.Root
        $a.Key | Should -BeExactly 'sub/x.txt'
        $b = Add-LaminArtifact $shallow.FullName
        $b.Storage | Should -Be $reg.Root
        $b.Key | Should -BeExactly 'level1/y.txt'
    }

    It 'keeps the data in place under a different -Key: virtual key, RealKey = the relative path' {
        $f = New-TestFile (Join-Path $reg.Root 'orig/data.txt') -Text 'stay here'
        $a = Add-LaminArtifact $f.FullName -Key 'nice/name.txt'
        $a.Key | Should -BeExactly 'nice/name.txt'
        $a.KeyIsVirtual | Should -BeTrue
        $a.RealKey | Should -BeExactly 'orig/data.txt'
        $a.FullName | Should -Be $f.FullName
        $a.Storage | Should -Be $reg.Root
        Get-ManagedObjects $reg.Root | Should -BeNullOrEmpty
        Join-Path $reg.Root 'nice' | Should -Not -Exist
        [IO.File]::ReadAllText($f.FullName) | Should -BeExactly 'stay here'
    }

    It 'accepts -KeyIsVirtual $false with the relative path as -Key (the same real key)' {
        $f = New-TestFile (Join-Path $reg.Root 'same.txt') -Text 'same'
        $a = Add-LaminArtifact $f.FullName -Key 'same.txt' -KeyIsVirtual $false
        $a.KeyIsVirtual | Should -BeFalse
        $a.FullName | Should -Be $f.FullName
    }

    It 'refuses LaminDB''s incompatible combinations with its exact messages (case 47) for a <Kind>' -ForEach @(
        @{ Kind = 'file' }, @{ Kind = 'folder' }
    ) {
        $p = if ($Kind -eq 'file') { (New-TestFile (Join-Path $reg.Root 'c.txt') -Text 'c').FullName }
        else { $d = Join-Path $reg.Root 'cdir'; 0..2 | ForEach-Object { New-TestFile (Join-Path $d "f$_") -Text "$_" } | Out-Null; $d }
        $other = if ($Kind -eq 'file') { 'other.txt' } else { 'otherdir' }
        { Add-LaminArtifact $p -Key $other -KeyIsVirtual $false } |
            Should -Throw -ErrorId "InvalidArgument$E" -ExpectedMessage 'Passing a path in an existing storage with a virtual key and key_is_virtual=False is incompatible.'
        { Add-LaminArtifact $p -KeyIsVirtual $true } |
            Should -Throw -ErrorId "InvalidArgument$E" -ExpectedMessage 'Passing a path in an existing storage without a virtual key and key_is_virtual=True is incompatible.'
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 0
    }

    It 'registers a folder in place with an explicit key: RealKey set, NFiles 3, the "0","0","1" vector (case 47)' {
        $d = Join-Path $reg.Root 'my_dir'
        New-TestFile (Join-Path $d 'a') -Text '0' | Out-Null
        New-TestFile (Join-Path $d 'b') -Text '0' | Out-Null
        New-TestFile (Join-Path $d 'c') -Text '1' | Out-Null
        $a = Add-LaminArtifact $d -Key 'renamed_dir'
        $a.NFiles | Should -Be 3
        $a.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'
        $a.HashType | Should -BeExactly 'md5-d'
        $a.RealKey | Should -BeExactly 'my_dir'
        $a.KeyIsVirtual | Should -BeTrue
        $a.FullName | Should -Be $d
        Get-ManagedObjects $reg.Root | Should -BeNullOrEmpty
    }

    It 'skips the hash lookup in place (two equal files → two artifacts) unless -SkipHashLookup:$false' {
        $copy = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'dup.txt') -Text 'dup').FullName
        $f1 = New-TestFile (Join-Path $reg.Root 'one/dup.txt') -Text 'dup'
        $f2 = New-TestFile (Join-Path $reg.Root 'two/dup.txt') -Text 'dup'
        # Asked to look up: the existing artifact with that hash is returned (case 45), nothing new.
        $found = Add-LaminArtifact $f1.FullName -SkipHashLookup:$false -WarningVariable w -WarningAction SilentlyContinue
        $found.Uid | Should -BeExactly $copy.Uid
        "$w" | Should -Match 'same hash'
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 1
        # By default: two in-place files with the same content are two artifacts (case 42), same hash, own keys.
        $a1 = Add-LaminArtifact $f1.FullName -WarningVariable w1
        $a2 = Add-LaminArtifact $f2.FullName
        $w1 | Should -BeNullOrEmpty
        @($copy.Uid, $a1.Uid, $a2.Uid | Sort-Object -Unique) | Should -HaveCount 3
        $a1.Hash | Should -BeExactly $copy.Hash
        $a2.Hash | Should -BeExactly $copy.Hash
        $a1.Key | Should -BeExactly 'one/dup.txt'
        $a2.Key | Should -BeExactly 'two/dup.txt'
        # The same in-place file again: (storage, key, hash) is unique, the existing record comes back.
        (Add-LaminArtifact $f1.FullName -WarningAction SilentlyContinue).Uid | Should -BeExactly $a1.Uid
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 3
    }
}

Describe 'Add-LaminArtifact: suffixes' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'refuses test.xyz with key uploads/test (SuffixMismatch, LaminDB''s message); uploads/test.xyz stores without extension (case 44)' {
        $f = New-TestFile (Join-Path $t.Work 'test.xyz') -Text 'xyz'
        { Add-LaminArtifact $f.FullName -Key 'uploads/test' } |
            Should -Throw -ErrorId "SuffixMismatch$E" -ExpectedMessage "The passed path's suffix '.xyz' must match the passed key's suffix ''."
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 0
        $a = Add-LaminArtifact $f.FullName -Key 'uploads/test.xyz'
        $a.Suffix | Should -BeExactly ''
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid)")
    }

    It 'canonical suffix of <Name> is "<Suffix>" (compound, lower-cased, unknown → none)' -ForEach @(
        @{ Name = 'table.csv.gz'; Suffix = '.csv.gz' }
        @{ Name = 'bundle.tar.gz'; Suffix = '.tar.gz' }
        @{ Name = 'obj.h5ad.tar.xz'; Suffix = '.h5ad.tar.xz' }
        @{ Name = 'UPPER.CSV'; Suffix = '.csv' }
        @{ Name = 'noext'; Suffix = '' }
    ) {
        $f = New-TestFile (Join-Path $t.Work $Name) -Text "content of $Name"
        $a = Add-LaminArtifact $f.FullName -Key "k/$Name"
        $a.Suffix | Should -BeExactly $Suffix
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid)$Suffix")
        $a.FullName | Should -Exist
    }

    It 'compares the raw suffix of key and path, compound included' {
        $f = New-TestFile (Join-Path $t.Work 'table.csv.gz') -Text 'gz'
        { Add-LaminArtifact $f.FullName -Key 'table.csv' } |
            Should -Throw -ErrorId "SuffixMismatch$E" -ExpectedMessage "The passed path's suffix '.csv.gz' must match the passed key's suffix '.csv'."
        $u = New-TestFile (Join-Path $t.Work 'DATA.CSV') -Text 'upper'
        { Add-LaminArtifact $u.FullName -Key 'data.csv' } | Should -Throw -ErrorId "SuffixMismatch$E"
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 0
    }

    It 'stores a folder named *.ome.zarr at .lamindb/UID16.ome.zarr' {
        $d = Join-Path $t.Work 'image.ome.zarr'
        New-TestFile (Join-Path $d '.zattrs') -Text '{}' | Out-Null
        New-TestFile (Join-Path $d '0/0.0') -Size 1000 | Out-Null
        $a = Add-LaminArtifact $d -Key 'images/image.ome.zarr'
        $a.Suffix | Should -BeExactly '.ome.zarr'
        $a.NFiles | Should -Be 2
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid.Substring(0, 16)).ome.zarr")
        Join-Path $a.FullName '0/0.0' | Should -Exist
    }
}

Describe 'Add-LaminArtifact: deduplication and versions' {
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'returns the existing artifact for content already registered, with a warning, and stores nothing new' {
        $first = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'x.txt') -Text 'same').FullName -Key 'first.txt'
        $second = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'y.txt') -Text 'same').FullName -WarningVariable w -WarningAction SilentlyContinue
        $second.Uid | Should -BeExactly $first.Uid
        $second.Id | Should -Be $first.Id
        $second.Key | Should -BeExactly 'first.txt'
        "$w" | Should -Match ([regex]::Escape("returning artifact with same hash: $($first.Uid)"))
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 1
        Get-ManagedObjects $t.Storage | Should -BeExactly @("$($first.Uid).txt")
    }

    It 'deduplicates two equal files given in one call (one artifact, one object)' {
        $f1 = New-TestFile (Join-Path $t.Work 's1.txt') -Text 'twins'
        $f2 = New-TestFile (Join-Path $t.Work 's2.txt') -Text 'twins'
        $r = @(Add-LaminArtifact $f1.FullName, $f2.FullName -WarningAction SilentlyContinue)
        $r | Should -HaveCount 2
        $r[1].Uid | Should -BeExactly $r[0].Uid
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 1
        @(Get-ManagedObjects $t.Storage) | Should -HaveCount 1
        Get-LaminTempLeftover | Should -BeNullOrEmpty
    }

    It 'does not return a trashed artifact for the same content' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 't.txt') -Text 'trash me').FullName
        Remove-LaminArtifact $a.Uid -Confirm:$false
        $b = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 't2.txt') -Text 'trash me').FullName -Key 't2.txt'
        $b.Uid | Should -Not -Be $a.Uid
        $b.IsTrashed | Should -BeFalse
    }

    It 'never deduplicates empty files: two empty files → two artifacts, same hash (case 41)' {
        $e1 = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'e1.txt')).FullName -Key 'e1.txt' -WarningVariable w1
        $e2 = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'e2.txt')).FullName -Key 'e2.txt' -WarningVariable w2
        $e1.Uid | Should -Not -Be $e2.Uid
        $e1.Hash | Should -BeExactly $EmptyMd5
        $e2.Hash | Should -BeExactly $EmptyMd5
        $e1.Size | Should -Be 0
        $w1 | Should -BeNullOrEmpty
        $w2 | Should -BeNullOrEmpty
        $e1.FullName | Should -Exist
        $e2.FullName | Should -Exist
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 2
    }

    It '-SkipHashLookup: a different key → a new artifact; the same key → the existing row (case 46)' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'k.txt') -Text 'skip').FullName -Key 'k1.txt'
        $b = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'k2.txt') -Text 'skip').FullName -Key 'k2.txt' -SkipHashLookup
        $b.Uid | Should -Not -Be $a.Uid
        $b.Hash | Should -BeExactly $a.Hash
        $c = Add-LaminArtifact (Join-Path $t.Work 'k.txt') -Key 'k1.txt' -SkipHashLookup -WarningAction SilentlyContinue
        $c.Uid | Should -BeExactly $a.Uid
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 2
    }

    It 'versions by key: same stem, 0000 → 0001 → 0002, Version 1 → 3, IsLatest moves, each version keeps its object' {
        $f = Join-Path $t.Work 'v.csv'
        $v1 = Add-LaminArtifact (New-TestFile $f -Text 'one').FullName -Key 'data/v.csv'
        $v2 = Add-LaminArtifact (New-TestFile $f -Text 'two').FullName -Key 'data/v.csv' -WarningVariable w -WarningAction SilentlyContinue
        $v3 = Add-LaminArtifact (New-TestFile $f -Text 'three').FullName -Key 'data/v.csv' -WarningAction SilentlyContinue
        "$w" | Should -Match ([regex]::Escape("creating new artifact version for key 'data/v.csv' in storage '$($t.Storage)'"))
        $v1.Uid.Substring(16) | Should -BeExactly '0000'
        $v2.Uid | Should -BeExactly ($v1.Uid.Substring(0, 16) + '0001')
        $v3.Uid | Should -BeExactly ($v1.Uid.Substring(0, 16) + '0002')
        $v2.Version | Should -Be 2
        $v3.Version | Should -Be 3
        (Get-LaminArtifact -Identity $v1.Uid).IsLatest | Should -BeFalse
        (Get-LaminArtifact -Identity $v2.Uid).IsLatest | Should -BeFalse
        (Get-LaminArtifact -Identity $v3.Uid).IsLatest | Should -BeTrue
        (Get-LaminArtifact -Key 'data/v.csv').Uid | Should -BeExactly $v3.Uid
        @(Get-LaminArtifact -Key 'data/v.csv' -AllVersions) | Should -HaveCount 3
        # File versions each keep their own object (overwrite_versions is for folders).
        [IO.File]::ReadAllText((Get-LaminArtifact -Identity $v1.Uid).FullName) | Should -BeExactly 'one'
        [IO.File]::ReadAllText($v3.FullName) | Should -BeExactly 'three'
        $v1.FullName | Should -Not -Be $v3.FullName
    }

    It 'returns the existing version for a known key with the same content (no new version)' {
        $f = Join-Path $t.Work 'same.csv'
        $v1 = Add-LaminArtifact (New-TestFile $f -Text 'unchanged').FullName -Key 'same.csv'
        $again = Add-LaminArtifact $f -Key 'same.csv' -WarningAction SilentlyContinue
        $again.Uid | Should -BeExactly $v1.Uid
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 1
    }

    It 'two paths with one -Key in one call: the second is refused (DuplicateKey, SPEC §4), never a version of the first' {
        $p1 = New-TestFile (Join-Path $t.Work 'p1.csv') -Text 'first'
        $p2 = New-TestFile (Join-Path $t.Work 'p2.csv') -Text 'second'
        $r = @(Add-LaminArtifact $p1.FullName, $p2.FullName -Key 'both.csv' -ErrorVariable err -ErrorAction SilentlyContinue)
        $r | Should -HaveCount 1
        $r[0].Version | Should -Be 1
        $r[0].IsLatest | Should -BeTrue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike "DuplicateKey$E"
        $err[0].TargetObject | Should -BeExactly $p2.FullName
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 1
        @(Get-ManagedObjects $t.Storage) | Should -BeExactly @("$($r[0].Uid).csv")
    }

    It 'versions a folder: NFiles 3 → 4, a new hash, the same path as v1 (case 47, overwrite_versions)' {
        $d = Join-Path $t.Work 'fv'
        New-TestFile (Join-Path $d 'a') -Text '0' | Out-Null
        New-TestFile (Join-Path $d 'b') -Text '0' | Out-Null
        New-TestFile (Join-Path $d 'c') -Text '1' | Out-Null
        $v1 = Add-LaminArtifact $d -Key 'folders/fv'
        New-TestFile (Join-Path $d 'sub/d') -Text 'new' | Out-Null
        $v2 = Add-LaminArtifact $d -Key 'folders/fv' -WarningAction SilentlyContinue
        $v1.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'
        $v2.NFiles | Should -Be 4
        $v2.Hash | Should -Not -Be $v1.Hash
        $v2.Hash | Should -BeExactly (Get-ExpectedLaminHash $d).Hash
        $v2.Uid | Should -BeExactly ($v1.Uid.Substring(0, 16) + '0001')
        $v2.FullName | Should -Be $v1.FullName
        $v2.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($v1.Uid.Substring(0, 16))")
        Join-Path $v2.FullName 'sub/d' | Should -Exist
        @(Get-ChildItem -LiteralPath $v2.FullName -Recurse -File) | Should -HaveCount 4
        Get-LaminTempLeftover | Should -BeNullOrEmpty
    }
}

Describe 'Add-LaminArtifact: folders' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'adds the "0","0","1" folder as one artifact: iGtHiFEBV3r1_TFovdQCgw, md5-d, NFiles 3, at .lamindb/UID16' {
        $d = Join-Path $t.Work 'dir'
        New-TestFile (Join-Path $d 'a') -Text '0' | Out-Null
        New-TestFile (Join-Path $d 'b') -Text '0' | Out-Null
        New-TestFile (Join-Path $d 'c') -Text '1' | Out-Null
        $a = Add-LaminArtifact $d
        $a.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'
        $a.HashType | Should -BeExactly 'md5-d'
        $a.NFiles | Should -Be 3
        $a.Size | Should -Be 3
        $a.Suffix | Should -BeExactly ''
        $a.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($a.Uid.Substring(0, 16))")
        Get-TreeSnapshot $a.FullName | Should -BeExactly (Get-TreeSnapshot $d)
        Get-ManagedObjects $t.Storage | Should -BeExactly @($a.Uid.Substring(0, 16))
    }

    It 'keeps nested members byte for byte and hashes them as SPEC rule 21 says' {
        $d = Join-Path $t.Work 'nested'
        New-TestFile (Join-Path $d 'top.bin') -Size 70000 -Seed 1 | Out-Null
        New-TestFile (Join-Path $d 'x/y/deep.bin') -Size 123457 -Seed 2 | Out-Null
        New-TestFile (Join-Path $d 'x/empty.txt') | Out-Null
        New-TestFile (Join-Path $d 'x/Z.txt') -Text 'upper case name' | Out-Null
        $expected = Get-ExpectedLaminHash $d
        $a = Add-LaminArtifact $d -Key 'nested'
        $a.Hash | Should -BeExactly $expected.Hash
        $a.NFiles | Should -Be 4
        $a.Size | Should -Be $expected.Size
        Get-TreeSnapshot $a.FullName | Should -BeExactly (Get-TreeSnapshot $d)
    }
}

Describe 'Add-LaminArtifact: pipeline input' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'takes 1200 files from Get-ChildItem (more than one batch of 500): 1200 artifacts, each once, each object complete' {
        $many = Join-Path $t.Work 'many'
        $null = New-Item -ItemType Directory $many
        1..1200 | ForEach-Object { [IO.File]::WriteAllText((Join-Path $many "f$_.txt"), "content $_") }
        $added = @(Get-ChildItem -LiteralPath $many -File | Add-LaminArtifact)
        $added | Should -HaveCount 1200
        @($added.Uid | Sort-Object -Unique) | Should -HaveCount 1200
        $registered = @(Get-LaminArtifact)
        $registered | Should -HaveCount 1200
        @(Get-ManagedObjects $t.Storage) | Should -HaveCount 1200
        Get-LaminTempLeftover | Should -BeNullOrEmpty
        # Every registered object holds the bytes of its source (content n ↔ hash of "content n").
        $md5 = [System.Security.Cryptography.MD5]
        $expected = @(1..1200 | ForEach-Object { ConvertTo-LaminB64 ($md5::HashData([Text.Encoding]::UTF8.GetBytes("content $_"))) } | Sort-Object -CaseSensitive)
        @($registered.Hash | Sort-Object -CaseSensitive) | Should -Be $expected
        $bad = @($registered | Where-Object { (Get-ExpectedLaminHash $_.FullName).Hash -cne $_.Hash })
        $bad | Should -HaveCount 0
    }

    It 'takes -LiteralPath names holding wildcard characters from the pipeline' {
        $p = Join-Path $t.Work 'b[1].txt'
        [IO.File]::WriteAllText($p, 'bracket')
        $a = Get-Item -LiteralPath $p | Add-LaminArtifact
        $a.Hash | Should -BeExactly (Get-ExpectedLaminHash $p).Hash
        (Add-LaminArtifact -LiteralPath $p -WarningAction SilentlyContinue).Uid | Should -BeExactly $a.Uid
    }
}

Describe 'Add-LaminArtifact -WhatIf' {
    BeforeEach { $t = New-TestInstance; $reg = New-LaminStorage (Join-Path $t.Work 'reg') }
    AfterEach { $t | Remove-TestInstance }

    It 'writes nothing for a <Case>' -ForEach @(
        @{ Case = 'copy'; Make = { (New-TestFile (Join-Path $t.Work 'w.txt') -Text 'whatif').FullName } }
        @{ Case = 'copy to <root>/<key>'; Make = { (New-TestFile (Join-Path $t.Work 'r.csv') -Text 'whatif').FullName }; Extra = @{ Key = 'r/r.csv'; KeyIsVirtual = $false } }
        @{ Case = 'registration in place'; Make = { (New-TestFile (Join-Path $reg.Root 'in/w.txt') -Text 'whatif').FullName } }
        @{ Case = 'folder'; Make = { $d = Join-Path $t.Work 'wd'; New-TestFile (Join-Path $d 'm') -Text 'm' | Out-Null; $d } }
    ) {
        $path = & $Make
        $extra = if ($Extra) { $Extra } else { @{} }
        $registry = (Get-RegistrySnapshot) + (Get-ArtifactSnapshot)
        $disk = Get-TreeSnapshot $t.Root
        $out = Add-LaminArtifact $path @extra -WhatIf
        $out | Should -BeNullOrEmpty
        (Get-RegistrySnapshot) + (Get-ArtifactSnapshot) | Should -BeExactly $registry
        Get-TreeSnapshot $t.Root | Should -BeExactly $disk
    }
}

Describe 'Add-LaminArtifact: where new artifacts go' {
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'sends them to the local storage in keep-artifacts-local mode (rule 8); -Storage still wins; in place stays in place' {
        $localRoot = Join-Path $t.Work 'local'
        Set-LaminSetting -KeepArtifactsLocal $true -LocalStorage $localRoot -WarningAction SilentlyContinue
        $local = Get-LaminStorage -Root $localRoot
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'k.txt') -Text 'keep local').FullName
        $a.Storage | Should -Be $localRoot
        $a.StorageUid | Should -BeExactly $local.Uid
        $a.FullName | Should -Be (Join-Path $localRoot ".lamindb/$($a.Uid).txt")
        [IO.File]::ReadAllText($a.FullName) | Should -BeExactly 'keep local'
        Get-ManagedObjects $t.Storage | Should -BeNullOrEmpty
        $b = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'd.txt') -Text 'to default').FullName -Storage $t.Storage
        $b.Storage | Should -Be $t.Storage
        $b.FullName | Should -Be (Join-Path $t.Storage ".lamindb/$($b.Uid).txt")
        $reg = New-LaminStorage (Join-Path $t.Work 'reg')
        $c = Add-LaminArtifact (New-TestFile (Join-Path $reg.Root 'in.txt') -Text 'in place').FullName
        $c.Storage | Should -Be $reg.Root
        $c.KeyIsVirtual | Should -BeFalse
    }

    It 'goes to another managed location with -Storage (by uid, by root, by relative root)' {
        $other = New-LaminStorage (Join-Path $t.Work 'other')
        $byUid = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'o1.txt') -Text 'by uid').FullName -Storage $other.Uid
        $byRoot = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'o2.txt') -Text 'by root').FullName -Storage $other.Root
        $byRel = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'o3.txt') -Text 'by relative root').FullName -Storage './other'
        foreach ($a in $byUid, $byRoot, $byRel) {
            $a.Storage | Should -Be $other.Root
            $a.StorageUid | Should -BeExactly $other.Uid
            $a.FullName | Should -Be (Join-Path $other.Root ".lamindb/$($a.Uid).txt")
            $a.FullName | Should -Exist
        }
        [IO.File]::ReadAllText($byRoot.FullName) | Should -BeExactly 'by root'
        Get-ManagedObjects $t.Storage | Should -BeNullOrEmpty
        @(Get-LaminArtifact -Storage $other.Uid) | Should -HaveCount 3
    }

    It 'gives the artifact the space of its storage (rule 18)' {
        $null = New-LaminSpace 'team'
        $teamStore = New-LaminStorage (Join-Path $t.Work 'team') -Space 'team'
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'team.txt') -Text 'team data').FullName -Storage $teamStore.Uid
        $a.Space | Should -BeExactly 'team'
        (Get-LaminArtifact -Identity $a.Uid).Space | Should -BeExactly 'team'
    }
}

Describe 'Add-LaminArtifact: progress' {
    BeforeAll {
        $t = New-TestInstance
        # 300 MiB, sparse: large enough for several updates, cheap to create.
        $big = Join-Path $t.Work 'big.bin'
        $fs = [IO.File]::Create($big); $fs.SetLength(300MB); $fs.Dispose()
        $folder = Join-Path $t.Work 'folder'
        1..3 | ForEach-Object { New-TestFile (Join-Path $folder "m$_.bin") -Size 2MB -Seed $_ | Out-Null }
        # The quiet period (about a second) is set to 0 so the outcome does not depend on the machine's speed.
        $savedQuiet = $env:LAMIN_TEST_PROGRESS_AFTER_MS
        $env:LAMIN_TEST_PROGRESS_AFTER_MS = '0'
        $run = { param($p, $k) Add-LaminArtifact -LiteralPath $p -Key $k -SkipHashLookup }
    }
    AfterAll {
        $env:LAMIN_TEST_PROGRESS_AFTER_MS = $savedQuiet
        $t | Remove-TestInstance
    }

    It 'writes ProgressRecords with bytes and files done / total for a 300 MiB file, then a Completed record' {
        $r = Get-ProgressRecord -ScriptBlock $run -ArgumentList $big, 'big1.bin' -ProgressPreference Continue
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -HaveCount 1
        $r.Output[0].HashType | Should -BeExactly 'sha1-fl'
        $r.Progress.Count | Should -BeGreaterThan 1
        $r.Progress[0].StatusDescription | Should -Match '^\S+ \S*B of 300 MiB, 0 of 1 file\(s\)$'
        $r.Progress[0].Activity | Should -Match ([regex]::Escape($big))
        # One Completed record per activity: the file's, and the outer one over the call's paths.
        $completed = @($r.Progress | Where-Object RecordType -EQ 'Completed')
        @($completed | Where-Object { $_.Activity -match [regex]::Escape($big) }) | Should -HaveCount 1
        @($completed.ActivityId | Sort-Object -Unique) | Should -HaveCount @($r.Progress.ActivityId | Sort-Object -Unique).Count
        $completed | Should -HaveCount @($r.Progress.ActivityId | Sort-Object -Unique).Count
        $r.Progress[-1].RecordType | Should -Be 'Completed'
        @($r.Progress | Where-Object { $_.RecordType -ne 'Completed' -and ($_.PercentComplete -lt 0 -or $_.PercentComplete -gt 100) }) | Should -HaveCount 0
    }

    It 'nests a progress record per member under the folder''s record' {
        $r = Get-ProgressRecord -ScriptBlock $run -ArgumentList $folder, 'folder' -ProgressPreference Continue
        $r.Errors | Should -BeNullOrEmpty
        $parents = @($r.Progress | Where-Object ParentActivityId -EQ -1)
        $children = @($r.Progress | Where-Object { $_.ParentActivityId -eq $parents[0].ActivityId })
        $parents[0].StatusDescription | Should -Match 'of 6 MiB, \d of 3 file\(s\)$'
        $children.Count | Should -BeGreaterThan 0
        $children[0].Activity | Should -Match 'm\d\.bin$'
    }

    It 'writes no progress at all when $ProgressPreference is SilentlyContinue' {
        $r = Get-ProgressRecord -ScriptBlock $run -ArgumentList $big, 'big2.bin' -ProgressPreference SilentlyContinue
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -HaveCount 1
        $r.Progress | Should -HaveCount 0
        # In this session too: nothing reaches the host's progress stream (checked via a nested runspace above);
        # the redirectable streams carry only the artifact.
        $ProgressPreference = 'SilentlyContinue'
        $all = @(Add-LaminArtifact -LiteralPath $big -Key 'big3.bin' -SkipHashLookup *>&1)
        $all | Should -HaveCount 1
        $all[0].GetType().Name | Should -BeExactly 'LaminArtifact'
    }

    It 'leaves no torn artifact and no temporary when stopped (Ctrl+C) during a copy' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($m) Import-Module -Name $m -ErrorAction Stop').AddArgument($env:LAMIN_TEST_MODULE)
            $null = $ps.AddStatement().AddScript('param($p) Add-LaminArtifact -LiteralPath $p -Key stopped.bin -SkipHashLookup').AddArgument($big)
            $handle = $ps.BeginInvoke()
            # The first progress record is written when the copy begins: stop then (a bounded wait on that condition).
            $clock = [Diagnostics.Stopwatch]::StartNew()
            while (-not $handle.IsCompleted -and $ps.Streams.Progress.Count -eq 0 -and $clock.Elapsed.TotalSeconds -lt 60) { $null = $handle.AsyncWaitHandle.WaitOne(5) }
            $ps.Streams.Progress.Count | Should -BeGreaterThan 0
            $ps.Stop()
            try { $null = $ps.EndInvoke($handle) } catch [System.Management.Automation.PipelineStoppedException] { }
            $state = $ps.InvocationStateInfo.State
        }
        finally { $ps.Dispose() }
        $registered = @(Get-LaminArtifact -Key 'stopped.bin' -AllVersions)
        if ($state -eq 'Stopped') { $registered | Should -HaveCount 0 }
        else { $state | Should -Be 'Completed' }
        # Either way: whatever is registered is complete, and no temporary is left.
        foreach ($a in $registered) { (Get-ExpectedLaminHash $a.FullName).Hash | Should -BeExactly $a.Hash }
        Get-LaminTempLeftover | Should -BeNullOrEmpty
    }
}
