# Issue 26, points 2 and 4: recursive ingest keeps folders, two inputs of one command never share a key, repeated
# outcomes are summarised (SPEC §4 "Destination keys", §5 rules 19 and 22), typed as a user types them.
# Before: there was no -Recurse; `Get-ChildItem <tree> -Recurse -File | Add-LaminArtifact -KeyPrefix bulk/` made
# same-named files of different folders versions of one artifact; -KeyPrefix with -KeyIsVirtual $false was refused
# ("pass -Key as well") although the prefix names the key; a rerun printed one warning per file.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    # What .lamindb/ of a root holds, without the instance's registry files and the marker.
    function Get-ManagedObjects([string] $Root) {
        $dir = Join-Path $Root '.lamindb'
        if (-not (Test-Path -LiteralPath $dir)) { return @() }
        @(Get-ChildItem -LiteralPath $dir -Force | Where-Object { $_.Name -notmatch '^lamin(\.db|-log\.db|\.db\.lock)$' -and $_.Name -ne 'storage_uid.txt' } |
            ForEach-Object Name | Sort-Object -CaseSensitive)
    }

    # A tree with files of one name in three folders, a hidden file and a deeper file.
    function New-Tree([string] $Root) {
        $files = [ordered]@{
            'data.csv'       = 'top'
            'a/data.csv'     = 'in a'
            'b/data.csv'     = 'in b'
            'b/c/deep.txt'   = 'deep'
            '.hidden.txt'    = 'hidden'
        }
        foreach ($k in $files.Keys) { $null = New-TestFile (Join-Path $Root $k) -Text $files[$k] }
        $files
    }

    # Each latest artifact as "key = hash", sorted: one string, so Should -Be shows the difference.
    function Get-KeyHashes { (@(Get-LaminArtifact | ForEach-Object { "$($_.Key) = $($_.Hash)" }) | Sort-Object -CaseSensitive) -join "`n" }
    function Get-ExpectedKeyHashes([string] $Root, $Files, [string] $Prefix) {
        (@($Files.Keys | ForEach-Object { "$Prefix$_ = $((Get-ExpectedLaminHash -Path (Join-Path $Root $_)).Hash)" }) | Sort-Object -CaseSensitive) -join "`n"
    }
}

Describe 'Add-LaminArtifact -Recurse' {
    BeforeEach { $t = New-TestInstance; $src = Join-Path $t.Work 'tree'; $files = New-Tree $src }
    AfterEach { $t | Remove-TestInstance }

    It 'adds each file below the folder as an artifact of its own, keyed -KeyPrefix + its relative path (same-named files apart)' {
        $added = @(Add-LaminArtifact $src -Recurse -KeyPrefix bulk/ -ErrorAction Stop -WarningVariable warned)
        $added | Should -HaveCount 5
        $warned | Should -BeNullOrEmpty
        Get-KeyHashes | Should -BeExactly (Get-ExpectedKeyHashes $src $files 'bulk/')
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 5 -Because 'no file became a version of another'
        @($added | Where-Object Version -NE 1) | Should -BeNullOrEmpty
        @(Get-ManagedObjects $t.Storage) | Should -HaveCount 5
    }

    It 'keys each file by its relative path alone without -KeyPrefix, and without -Recurse the folder stays one artifact' {
        $null = Add-LaminArtifact $src -Recurse -ErrorAction Stop
        Get-KeyHashes | Should -BeExactly (Get-ExpectedKeyHashes $src $files '')
        $one = @(Add-LaminArtifact $src -Key trees/tree -ErrorAction Stop)
        $one | Should -HaveCount 1
        $one[0].NFiles | Should -Be 5
    }

    It 'with -Destination lamin:\UID\FOLDER\ keys each file FOLDER/RELATIVE-PATH in that location' {
        $second = New-LaminStorage (Join-Path $t.Work 'second') -WarningAction SilentlyContinue
        $added = @(Add-LaminArtifact $src -Recurse -Destination "lamin:\$($second.Uid)\runs\42\" -ErrorAction Stop)
        $added | Should -HaveCount 5
        @($added.StorageUid | Sort-Object -Unique) | Should -Be @($second.Uid)
        Get-KeyHashes | Should -BeExactly (Get-ExpectedKeyHashes $src $files 'runs/42/')
        # Without a trailing separator the destination is still the folder (-Recurse adds many files).
        $t2 = Join-Path $t.Work 'tree2'; $files2 = New-Tree $t2; New-TestFile (Join-Path $t2 'x/only-here.txt') -Text 'only' | Out-Null
        $more = @(Add-LaminArtifact $t2 -Recurse -Destination "lamin:\$($second.Uid)\runs\43" -ErrorAction Stop -WarningAction SilentlyContinue)
        ($more | Where-Object Key -Like 'runs/43/*').Key | Should -Contain 'runs/43/x/only-here.txt'
    }

    It 'registers the files under a registered root in place (key = path relative to the root; -KeyPrefix ignored), copying nothing' {
        $root = Join-Path $t.Work 'lab'
        $inside = New-Tree (Join-Path $root 'raw')
        $null = New-LaminStorage $root -WarningAction SilentlyContinue
        $before = Get-TreeSnapshot $root
        $added = @(Add-LaminArtifact $root -Recurse -KeyPrefix ignored/ -ErrorAction Stop)
        $added | Should -HaveCount 5 -Because 'every file of the root, its .lamindb/ (marker) left out'
        @($added | Where-Object KeyIsVirtual) | Should -BeNullOrEmpty
        Get-KeyHashes | Should -BeExactly (Get-ExpectedKeyHashes (Join-Path $root 'raw') $inside 'raw/')
        foreach ($a in $added) { $a.FullName | Should -BeExactly (Join-Path $root $a.Key.Replace('/', [IO.Path]::DirectorySeparatorChar)) }
        Get-TreeSnapshot $root | Should -BeExactly $before -Because 'nothing was copied or written there'
        @(Get-ManagedObjects $t.Storage) | Should -BeNullOrEmpty
    }

    It 'leaves out .lamindb/ folders and does not follow symbolic links out of the tree (-Verbose names them)' -Skip:$IsWindows {
        $null = New-TestFile (Join-Path $src 'sub/.lamindb/inner.txt') -Text 'managed'
        $outside = Join-Path $t.Work 'outside'
        $null = New-TestFile (Join-Path $outside 'secret.txt') -Text 'outside the tree'
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $src 'linked-folder') -Target $outside
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $src 'linked-file.txt') -Target (Join-Path $outside 'secret.txt')
        $verbose = Add-LaminArtifact $src -Recurse -KeyPrefix bulk/ -ErrorAction Stop -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        Get-KeyHashes | Should -BeExactly (Get-ExpectedKeyHashes $src $files 'bulk/')
        "$verbose" | Should -BeLike "*Skipped '$(Join-Path $src 'sub/.lamindb')'*"
        "$verbose" | Should -BeLike "*Skipped '$(Join-Path $src 'linked-folder')'*"
        "$verbose" | Should -BeLike "*Skipped '$(Join-Path $src 'linked-file.txt')'*"
    }

    It '-WhatIf writes nothing (registry and storage as they were)' {
        $registry = Get-ArtifactSnapshot
        $storage = Get-StorageTreeSnapshot -ExcludeRegistry
        $out = @(Add-LaminArtifact $src -Recurse -KeyPrefix bulk/ -WhatIf -ErrorAction Stop)
        $out | Should -BeNullOrEmpty
        Get-ArtifactSnapshot | Should -BeExactly $registry
        Get-StorageTreeSnapshot -ExcludeRegistry | Should -BeExactly $storage
        Get-LaminTempLeftover | Should -BeNullOrEmpty
    }

    It 'refuses -Key with -Recurse (terminating InvalidArgument) before anything is written' {
        { Add-LaminArtifact $src -Recurse -Key one.csv -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,*' -ExpectedMessage '*-Recurse*-KeyPrefix*'
        @(Get-LaminArtifact -AllVersions) | Should -BeNullOrEmpty
        @(Get-ManagedObjects $t.Storage) | Should -BeNullOrEmpty
    }
}

Describe 'Two inputs of one command that map to one key: DuplicateKey, never versions' {
    BeforeEach { $t = New-TestInstance; $src = Join-Path $t.Work 'tree'; $files = New-Tree $src }
    AfterEach { $t | Remove-TestInstance }

    It 'Get-ChildItem -Recurse -File | Add-LaminArtifact -KeyPrefix bulk/: the second and third data.csv are refused, nothing of them written' {
        $sources = Get-TreeSnapshot $src
        $added = @(Get-ChildItem $src -Recurse -File -Force | Add-LaminArtifact -KeyPrefix bulk/ -ErrorVariable err -ErrorAction SilentlyContinue)
        $err | Should -HaveCount 2
        foreach ($e in $err) {
            $e.FullyQualifiedErrorId | Should -BeLike 'DuplicateKey,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.Exception.Message | Should -BeLike "*'bulk/data.csv'*-Recurse*-KeyPrefix*Nothing of*was written*"
        }
        $added | Should -HaveCount 3 -Because 'data.csv (the first of the three), deep.txt and .hidden.txt'
        @(Get-LaminArtifact -Key bulk/data.csv -AllVersions) | Should -HaveCount 1 -Because 'no version family of unrelated files'
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 3
        @(Get-ManagedObjects $t.Storage) | Should -HaveCount 3 -Because 'the refused files were not copied'
        Get-LaminTempLeftover | Should -BeNullOrEmpty
        Get-TreeSnapshot $src | Should -BeExactly $sources
    }

    It 'several -Path values mapping to one key: the second is refused; a key registered before the command still gets a version' {
        $before = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'old/data.csv') -Text 'registered before').FullName -KeyPrefix p/
        $r = @(Add-LaminArtifact (Join-Path $src 'a/data.csv'), (Join-Path $src 'b/data.csv') -KeyPrefix p/ -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue)
        $r | Should -HaveCount 1
        $r[0].Version | Should -Be 2
        $r[0].Uid.Substring(0, 16) | Should -BeExactly $before.Uid.Substring(0, 16)
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DuplicateKey,*'
        $err[0].TargetObject | Should -BeExactly (Join-Path $src 'b/data.csv')
        "$warned" | Should -BeLike "*creating new artifact version for key 'p/data.csv'*"
        @(Get-LaminArtifact -Key p/data.csv -AllVersions) | Should -HaveCount 2
    }
}

Describe '-KeyPrefix with -KeyIsVirtual $false stores at ROOT/PREFIX+NAME' {
    BeforeEach { $t = New-TestInstance; $src = Join-Path $t.Work 'tree'; $files = New-Tree $src }
    AfterEach { $t | Remove-TestInstance }

    It 'a file: ROOT/k/FILE-NAME, a real key, nothing under .lamindb/' {
        $a = Add-LaminArtifact (Join-Path $src 'b/c/deep.txt') -KeyPrefix k/ -KeyIsVirtual $false -ErrorAction Stop
        $a.Key | Should -BeExactly 'k/deep.txt'
        $a.KeyIsVirtual | Should -BeFalse
        $a.FullName | Should -BeExactly (Join-Path $t.Storage 'k/deep.txt')
        [IO.File]::ReadAllText($a.FullName) | Should -BeExactly 'deep'
        @(Get-ManagedObjects $t.Storage) | Should -BeNullOrEmpty
    }

    It 'with -Recurse: ROOT/k/RELATIVE-PATH for every file' {
        $added = @(Add-LaminArtifact $src -Recurse -KeyPrefix k/ -KeyIsVirtual $false -ErrorAction Stop)
        $added | Should -HaveCount 5
        @($added | Where-Object KeyIsVirtual) | Should -BeNullOrEmpty
        foreach ($k in $files.Keys) {
            [IO.File]::ReadAllText((Join-Path $t.Storage "k/$k")) | Should -BeExactly $files[$k]
        }
        Get-KeyHashes | Should -BeExactly (Get-ExpectedKeyHashes $src $files 'k/')
        @(Get-ManagedObjects $t.Storage) | Should -BeNullOrEmpty
    }
}

Describe 'Repeated outcomes: one warning per kind for the command, details under -Verbose' {
    BeforeEach { $t = New-TestInstance; $src = Join-Path $t.Work 'tree'; $files = New-Tree $src }
    AfterEach { $t | Remove-TestInstance }

    It 'a rerun of an ingest warns once ("5 ... already registered (same hash)") and -Verbose lists each artifact' {
        $first = @(Get-ChildItem $src -Recurse -File -Force | Add-LaminArtifact -ErrorAction Stop)
        $first | Should -HaveCount 5
        # The rerun (the same files again): every one returns the existing artifact (SPEC rule 22 still warns, once).
        $out = Get-ChildItem $src -Recurse -File -Force | Add-LaminArtifact -ErrorAction Stop -WarningVariable warned -WarningAction SilentlyContinue -Verbose 4>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $again = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        ($again.Uid | Sort-Object) | Should -Be ($first.Uid | Sort-Object)
        $warned | Should -HaveCount 1
        "$warned" | Should -BeLike '5 files or folders were already registered (same hash)*-Verbose lists them*'
        foreach ($a in $first) { "$verbose" | Should -BeLike "*returning artifact with same hash: $($a.Uid)*" }
        "$verbose" | Should -BeLike "*(for '$(Join-Path $src 'b/c/deep.txt')')*" -Because '-Verbose names each path'
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 5
    }

    It 'new versions of keys registered before the command: one warning with the count' {
        $flat = Join-Path $t.Work 'flat'
        $names = 'one.csv', 'two.csv', 'three.csv'
        foreach ($n in $names) { $null = New-TestFile (Join-Path $flat $n) -Text "first $n" }
        $null = Get-ChildItem $flat -File | Add-LaminArtifact -KeyPrefix v/ -ErrorAction Stop
        foreach ($n in $names) { $null = New-TestFile (Join-Path $flat $n) -Text "second $n" }
        $r = @(Get-ChildItem $flat -File | Add-LaminArtifact -KeyPrefix v/ -ErrorAction Stop -WarningVariable warned -WarningAction SilentlyContinue -Verbose 4>$null)
        @($r | Where-Object Version -EQ 2) | Should -HaveCount 3
        $warned | Should -HaveCount 1
        "$warned" | Should -BeLike '3 keys registered before this command got new content*-Verbose lists them*'
    }
}
