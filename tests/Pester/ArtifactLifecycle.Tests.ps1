# The life of an artifact after it is added (issue 3; SPEC rules 10, 15-17, 23-24; LAMINDB.md cases 53, 60):
# Get-/Search-LaminArtifact, Save-, Remove-, Restore-, Move-LaminArtifact, Remove-LaminStorage and
# Get-LaminStorage -Statistics with artifacts, Get-LaminLookup -Registry Artifact.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }
    # Keys sorted ordinally (upper case before lower case), so expectations can be written out.
    function Get-SortedKeys($Artifacts) {
        [string[]] $keys = @($Artifacts | ForEach-Object Key)
        [Array]::Sort($keys, [System.StringComparer]::Ordinal)
        $keys
    }
    # SPEC §3: lower-cased, runs of characters other than letters and digits → '_', a leading digit prefixed with '_'.
    function Get-LookupName([string] $Value) {
        $n = $Value.ToLowerInvariant() -replace '[^\p{L}\p{N}]+', '_'
        if ($n -match '^\d') { $n = "_$n" }
        $n
    }
}

Describe 'Get-LaminArtifact' {
    BeforeAll {
        $t = New-TestInstance
        Push-Location $t.Work
        $other = New-LaminStorage (Join-Path $t.Work 'other')
        $reg = New-LaminStorage (Join-Path $t.Work 'reg')
        $x = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/x.csv') -Text 'x1').FullName -Key 'data/x.csv' -Description 'the X table'
        $y = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/y.csv') -Text 'y1').FullName -Key 'data/sub/y.csv'
        $upper = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/U.csv') -Text 'u1').FullName -Key 'Data/Upper.csv'
        $z = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/z.txt') -Text 'z1').FullName -Key 'other/z.txt' -Storage $other.Uid
        $br = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/b.csv') -Text 'b1').FullName -Key 'a[1].csv'
        $d = Join-Path $t.Work 's/dir'
        New-TestFile (Join-Path $d 'm') -Text 'member' | Out-Null
        $folder = Add-LaminArtifact $d -Key 'folders/dir'
        $v = Join-Path $t.Work 's/v.csv'
        $v1 = Add-LaminArtifact (New-TestFile $v -Text 'v1').FullName -Key 'versioned.csv'
        $v2 = Add-LaminArtifact (New-TestFile $v -Text 'v2').FullName -Key 'versioned.csv' -WarningAction SilentlyContinue
        # The same content in place and as a copy: two artifacts with one hash.
        $same = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/same.txt') -Text 'shared content').FullName -Key 'same.txt'
        $sameInPlace = Add-LaminArtifact (New-TestFile (Join-Path $reg.Root 'same.txt') -Text 'shared content').FullName
        $gone = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/gone.csv') -Text 'trashed').FullName -Key 'data/gone.csv'
        Remove-LaminArtifact $gone.Uid -Confirm:$false
    }
    AfterAll { Pop-Location; $t | Remove-TestInstance }

    It 'finds one artifact by -Identity: integer id, full uid, 16-character stem (the latest version), shorter stub' {
        (Get-LaminArtifact -Identity $x.Id).Uid | Should -BeExactly $x.Uid
        (Get-LaminArtifact -Identity "$($x.Id)").Uid | Should -BeExactly $x.Uid
        (Get-LaminArtifact -Identity $x.Uid).Key | Should -BeExactly 'data/x.csv'
        (Get-LaminArtifact $v1.Uid).Uid | Should -BeExactly $v1.Uid   # a full uid of an old version is that version
        (Get-LaminArtifact -Identity $v1.Uid.Substring(0, 16)).Uid | Should -BeExactly $v2.Uid
        (Get-LaminArtifact -Identity $v1.Uid.Substring(0, 12)).Uid | Should -BeExactly $v2.Uid
        (Get-LaminArtifact -Identity $x.Uid.Substring(0, 14)).Uid | Should -BeExactly $x.Uid
        (Get-LaminArtifact -Identity $gone.Uid).IsTrashed | Should -BeTrue   # -Identity finds trashed ones too
    }

    It 'refuses a stub past the stem that matches several versions (MultipleRecordsFound) and an unknown one (RecordNotFound)' {
        $err = { Get-LaminArtifact -Identity $v1.Uid.Substring(0, 17) } | Should -Throw -ErrorId "MultipleRecordsFound$E" -PassThru
        $err.Exception.Message | Should -Match $v1.Uid
        $err.Exception.Message | Should -Match $v2.Uid
        $err = { Get-LaminArtifact -Identity 'zzzzzzzzzzzzzzzzzzzz' } | Should -Throw -ErrorId "RecordNotFound$E" -PassThru
        $err.Exception.Message | Should -Match "No record found with uid 'zzzzzzzzzzzzzzzzzzzz'"
        { Get-LaminArtifact -Identity 999999 } | Should -Throw -ErrorId "RecordNotFound$E"
    }

    It 'refuses a one-character stub shared by different artifacts (MultipleRecordsFound)' {
        # 150 artifacts over 62 possible first characters: some letter is shared (a digit would read as an id).
        $many = Join-Path $t.Work 'many'
        $null = New-Item -ItemType Directory $many
        1..150 | ForEach-Object { [IO.File]::WriteAllText((Join-Path $many "m$_.txt"), "many $_") }
        $added = @(Get-ChildItem -LiteralPath $many -File | Add-LaminArtifact)
        $group = $added | Group-Object { $_.Uid.Substring(0, 1) } -CaseSensitive |
            Where-Object { $_.Count -ge 2 -and $_.Name -cmatch '^[A-Za-z]$' } | Select-Object -First 1
        $group | Should -Not -BeNullOrEmpty
        { Get-LaminArtifact -Identity $group.Name } | Should -Throw -ErrorId "MultipleRecordsFound$E"
        $added | ForEach-Object { Remove-LaminArtifact $_.Uid -Permanent -Confirm:$false }
    }

    It 'takes uids by value and artifacts by property name from the pipeline' {
        @($x.Uid, $y.Uid | Get-LaminArtifact).Key | Should -Be @('data/x.csv', 'data/sub/y.csv')
        @($x, $z | Get-LaminArtifact).Uid | Should -Be @($x.Uid, $z.Uid)
    }

    It 'lists the latest, non-trashed artifacts by default; -AllVersions adds old versions, -Trash shows only the trash' {
        $default = @(Get-LaminArtifact)
        $default.Uid | Should -Contain $v2.Uid
        $default.Uid | Should -Not -Contain $v1.Uid
        $default.Uid | Should -Not -Contain $gone.Uid
        $default | Should -HaveCount 9
        $all = @(Get-LaminArtifact -AllVersions)
        $all | Should -HaveCount 10
        $all.Uid | Should -Contain $v1.Uid
        $all.Uid | Should -Not -Contain $gone.Uid
        $trash = @(Get-LaminArtifact -Trash)
        $trash.Uid | Should -BeExactly @($gone.Uid)
    }

    It 'filters -Key with wildcards: * ? [..] and backtick-escaped literals' {
        Get-SortedKeys (Get-LaminArtifact -Key '*.csv') | Should -Be @('Data/Upper.csv', 'a[1].csv', 'data/sub/y.csv', 'data/x.csv', 'versioned.csv')
        Get-SortedKeys (Get-LaminArtifact -Key 'data/?.csv') | Should -Be @('data/x.csv')
        Get-SortedKeys (Get-LaminArtifact -Key 'folders/*') | Should -Be @('folders/dir')
        Get-SortedKeys (Get-LaminArtifact -Key 'a`[1`].csv') | Should -Be @('a[1].csv')
        Get-SortedKeys (Get-LaminArtifact -Key '[o]ther/*') | Should -Be @('other/z.txt')
        Get-SortedKeys (Get-LaminArtifact -Key 'versioned.csv' -AllVersions) | Should -Be @('versioned.csv', 'versioned.csv')
        Get-LaminArtifact -Key 'data/gone.csv' | Should -BeNullOrEmpty
        (Get-LaminArtifact -Key 'data/gone.csv' -Trash).Uid | Should -BeExactly $gone.Uid
        Get-LaminArtifact -Key 'no/such/*' | Should -BeNullOrEmpty
    }

    It 'matches -Key case-insensitively like every other wildcard filter, whatever the pattern starts with' {
        # A leading wildcard already matches regardless of case ...
        Get-SortedKeys (Get-LaminArtifact -Key '*upper.csv') | Should -Be @('Data/Upper.csv')
        # ... so a literal prefix must too (the key index must not decide the result).
        Get-SortedKeys (Get-LaminArtifact -Key 'data/*') | Should -Be @('Data/Upper.csv', 'data/sub/y.csv', 'data/x.csv')
        Get-SortedKeys (Get-LaminArtifact -Key 'DATA/*') | Should -Be @('Data/Upper.csv', 'data/sub/y.csv', 'data/x.csv')
        Get-SortedKeys (Get-LaminArtifact -Key 'data/upper.csv') | Should -Be @('Data/Upper.csv')
    }

    It 'filters by -Storage (root or uid), -Hash and -Filter lookups' {
        @(Get-LaminArtifact -Storage $other.Uid).Uid | Should -BeExactly @($z.Uid)
        @(Get-LaminArtifact -Storage $other.Root).Uid | Should -BeExactly @($z.Uid)
        @(Get-LaminArtifact -Storage $reg.Root).Uid | Should -BeExactly @($sameInPlace.Uid)
        @(Get-LaminArtifact -Hash $same.Hash).Uid | Sort-Object | Should -Be (@($same.Uid, $sameInPlace.Uid) | Sort-Object)
        @(Get-LaminArtifact -Hash $gone.Hash).Uid | Should -BeNullOrEmpty
        @(Get-LaminArtifact -Hash $gone.Hash -Trash).Uid | Should -BeExactly @($gone.Uid)
        Get-SortedKeys (Get-LaminArtifact -Filter @{ key__startswith = 'data/' }) | Should -Be @('data/sub/y.csv', 'data/x.csv')
        @(Get-LaminArtifact -Filter @{ description__icontains = 'X TABLE' }).Uid | Should -BeExactly @($x.Uid)
        @(Get-LaminArtifact -Filter @{ hash_type = 'md5-d' }).Uid | Should -BeExactly @($folder.Uid)
        @(Get-LaminArtifact -Filter @{ key_is_virtual = $false }).Uid | Should -BeExactly @($sameInPlace.Uid)
        Get-SortedKeys (Get-LaminArtifact -Filter @{ suffix__in = @('.txt') }) | Should -Be @('other/z.txt', 'same.txt', 'same.txt')
        @(Get-LaminArtifact -Filter @{ size__gt = 10 }).Uid | Sort-Object | Should -Be (@($same.Uid, $sameInPlace.Uid) | Sort-Object)
        @(Get-LaminArtifact -Filter @{ version = 2 }).Uid | Should -BeExactly @($v2.Uid)
        @(Get-LaminArtifact -Key 'data/*' -Filter @{ key__endswith = 'y.csv' } -Storage $t.Storage).Uid | Should -BeExactly @($y.Uid)
        $err = { Get-LaminArtifact -Filter @{ nonexistent = 'value' } } | Should -Throw -ErrorId "UnknownField$E" -PassThru
        $err.Exception.Message | Should -Match "Unknown field 'nonexistent'. Available fields:"
    }

    It 'shows Uid, Size (human readable), Version, IsTrashed, Key in the default table (fits 80 columns); Size stays bytes' {
        $kb = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's/2k.bin') -Size 2048).FullName -Key 'twok.bin'
        $kb.Size | Should -Be 2048
        $lines = @((Get-LaminArtifact -Identity $kb.Uid | Format-Table | Out-String -Width 400) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[0] -split '\s+' | Where-Object { $_ } | Should -Be @('Uid', 'Size', 'Version', 'IsTrashed', 'Key')
        $lines[2] | Should -Match '\b2 KiB\b'
        $lines[2] | Should -Match ([regex]::Escape($kb.Uid))
        Remove-LaminArtifact $kb.Uid -Permanent -Confirm:$false
    }

    It 'round-trips through ConvertTo-Json and Export-Csv' {
        $j = Get-LaminArtifact -Identity $x.Uid | ConvertTo-Json | ConvertFrom-Json
        $j.Uid | Should -BeExactly $x.Uid
        $j.FullName | Should -Be $x.FullName
        $j.Size | Should -Be $x.Size
        $csv = Join-Path $t.Root 'artifacts.csv'
        Get-LaminArtifact -AllVersions | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows | Should -HaveCount @(Get-LaminArtifact -AllVersions).Count
        ($rows | Where-Object Uid -EQ $folder.Uid).NFiles | Should -Be '1'
    }
}

Describe 'Search-LaminArtifact' {
    BeforeAll {
        $t = New-TestInstance
        $s = Join-Path $t.Work 's'
        $summary = Add-LaminArtifact (New-TestFile "$s/a.csv" -Text 'a').FullName -Key 'report/summary.csv'
        $old = Add-LaminArtifact (New-TestFile "$s/b.csv" -Text 'b').FullName -Key 'report/summary_old.csv' -Description 'older summary'
        $notes = Add-LaminArtifact (New-TestFile "$s/c.txt" -Text 'c').FullName -Key 'notes.txt' -Description 'summary of results'
        $gone = Add-LaminArtifact (New-TestFile "$s/d.csv" -Text 'd').FullName -Key 'report/summary_trashed.csv'
        Remove-LaminArtifact $gone.Uid -Confirm:$false
        $ver = Join-Path $s 'v.csv'
        $sv1 = Add-LaminArtifact (New-TestFile $ver -Text 'v1').FullName -Key 'summary/versioned.csv'
        $sv2 = Add-LaminArtifact (New-TestFile $ver -Text 'v2').FullName -Key 'summary/versioned.csv' -WarningAction SilentlyContinue
    }
    AfterAll { $t | Remove-TestInstance }

    It 'ranks the exact key first, gives every hit a Score, best first' {
        $hits = @(Search-LaminArtifact 'report/summary.csv')
        $hits[0].Uid | Should -BeExactly $summary.Uid
        $hits[0].Score | Should -BeGreaterOrEqual 200
        foreach ($h in $hits) { $h.PSObject.Properties.Name | Should -Contain 'Score' }
        $scores = @($hits.Score)
        $scores | Should -Be @($scores | Sort-Object -Descending)
    }

    It 'searches latest, non-trashed artifacts only; -Field narrows the fields, -Limit the count' {
        $hits = @(Search-LaminArtifact 'summary')
        $hits.Uid | Should -Contain $summary.Uid
        $hits.Uid | Should -Contain $notes.Uid
        $hits.Uid | Should -Contain $sv2.Uid
        $hits.Uid | Should -Not -Contain $sv1.Uid
        $hits.Uid | Should -Not -Contain $gone.Uid
        $keyOnly = @(Search-LaminArtifact 'summary' -Field key)
        $keyOnly.Uid | Should -Not -Contain $notes.Uid
        $keyOnly.Uid | Should -Contain $old.Uid
        @(Search-LaminArtifact 'summary' -Limit 1) | Should -HaveCount 1
        Search-LaminArtifact 'no such words anywhere' | Should -BeNullOrEmpty
    }

    It 'refuses an empty query (InvalidSearchQuery)' {
        { Search-LaminArtifact '' } | Should -Throw -ErrorId "InvalidSearchQuery$E"
        { Search-LaminArtifact $null } | Should -Throw -ErrorId "InvalidSearchQuery$E"
    }
}

Describe 'Save-LaminArtifact' {
    BeforeEach {
        $t = New-TestInstance
        Push-Location $t.Work
        $bin = New-TestFile (Join-Path $t.Work 'src/data.bin') -Size 1MB -Seed 11
        $file = Add-LaminArtifact $bin.FullName -Key 'results/data.bin'
        $fdir = Join-Path $t.Work 'src/folder'
        New-TestFile (Join-Path $fdir 'a.txt') -Text 'A' | Out-Null
        New-TestFile (Join-Path $fdir 'sub/b.bin') -Size 5000 -Seed 3 | Out-Null
        $folder = Add-LaminArtifact $fdir -Key 'results/folder'
        $out = Join-Path $t.Work 'out'
    }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'writes a file and returns its FileInfo, bytes equal to the source' {
        $dest = Join-Path $out 'copy.bin'
        $r = Save-LaminArtifact $file.Uid -Destination $dest
        $r | Should -BeOfType [System.IO.FileInfo]
        $r.FullName | Should -Be $dest
        Get-Sha256 $dest | Should -BeExactly (Get-Sha256 $bin.FullName)
        Get-LaminTempLeftover -Path $t.Work | Should -BeNullOrEmpty
    }

    It 'writes a folder and returns its DirectoryInfo, every member equal' {
        $r = Save-LaminArtifact $folder.Uid -Destination (Join-Path $out 'f')
        $r | Should -BeOfType [System.IO.DirectoryInfo]
        Get-TreeSnapshot $r.FullName | Should -BeExactly (Get-TreeSnapshot $fdir)
    }

    It 'names the file after the key (or uid and suffix) in the current folder without -Destination, and inside an existing folder' {
        (Save-LaminArtifact $file.Uid).FullName | Should -Be (Join-Path $t.Work 'data.bin')
        $keyless = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/k.txt') -Text 'keyless').FullName
        (Save-LaminArtifact $keyless.Uid).FullName | Should -Be (Join-Path $t.Work "$($keyless.Uid).txt")
        $null = New-Item -ItemType Directory $out
        $inFolder = Save-LaminArtifact $file.Uid -Destination $out
        $inFolder.FullName | Should -Be (Join-Path $out 'data.bin')
        Get-Sha256 $inFolder.FullName | Should -BeExactly (Get-Sha256 $bin.FullName)
        $folderInside = Save-LaminArtifact $folder.Uid -Destination "$out/"
        $folderInside.FullName | Should -Be (Join-Path $out 'folder')
        Get-TreeSnapshot $folderInside.FullName | Should -BeExactly (Get-TreeSnapshot $fdir)
    }

    It 'a destination ending in a separator is a folder even before it exists: created, the data saved inside it' {
        $r = Save-LaminArtifact $file.Uid -Destination "$out/new/deeper/"
        $r.FullName | Should -Be (Join-Path $out 'new/deeper/data.bin')
        Get-Sha256 $r.FullName | Should -BeExactly (Get-Sha256 $bin.FullName)
        $rf = Save-LaminArtifact $folder.Uid -Destination "$out/newf/"
        $rf.FullName | Should -Be (Join-Path $out 'newf/folder')
        Get-TreeSnapshot $rf.FullName | Should -BeExactly (Get-TreeSnapshot $fdir)
        Get-LaminTempLeftover -Path $t.Work | Should -BeNullOrEmpty
    }

    It 'refuses an existing destination without -Force and replaces it with -Force' {
        $dest = New-TestFile (Join-Path $out 'exists.bin') -Text 'mine'
        { Save-LaminArtifact $file.Uid -Destination $dest.FullName } | Should -Throw -ErrorId "DestinationExists$E"
        [IO.File]::ReadAllText($dest.FullName) | Should -BeExactly 'mine'
        $r = Save-LaminArtifact $file.Uid -Destination $dest.FullName -Force
        Get-Sha256 $r.FullName | Should -BeExactly (Get-Sha256 $bin.FullName)
        $dirDest = Join-Path $out 'fexists'
        New-TestFile (Join-Path $dirDest 'stale.txt') -Text 'stale' | Out-Null
        { Save-LaminArtifact $folder.Uid -Destination $dirDest } | Should -Throw -ErrorId "DestinationExists$E"
        $rd = Save-LaminArtifact $folder.Uid -Destination $dirDest -Force
        Get-TreeSnapshot $rd.FullName | Should -BeExactly (Get-TreeSnapshot $fdir)
    }

    It 'saves several artifacts from the pipeline, in input order' {
        $more = 1..3 | ForEach-Object { Add-LaminArtifact (New-TestFile (Join-Path $t.Work "src/p$_.txt") -Text "pipe $_").FullName -Key "pipe/p$_.txt" }
        $null = New-Item -ItemType Directory $out
        $r = @($more | Save-LaminArtifact -Destination "$out/")
        $r | Should -HaveCount 3
        $r.Name | Should -Be @('p1.txt', 'p2.txt', 'p3.txt')
        foreach ($i in 1..3) { [IO.File]::ReadAllText((Join-Path $out "p$i.txt")) | Should -BeExactly "pipe $i" }
    }

    It 'saves an artifact registered in place from its original file' {
        $reg = New-LaminStorage (Join-Path $t.Work 'reg')
        $f = New-TestFile (Join-Path $reg.Root 'orig.bin') -Size 4096 -Seed 9
        $a = Add-LaminArtifact $f.FullName
        $r = Save-LaminArtifact $a.Uid -Destination (Join-Path $out 'orig-copy.bin')
        Get-Sha256 $r.FullName | Should -BeExactly (Get-Sha256 $f.FullName)
    }

    It 'refuses stored data that was tampered with (HashMismatch) and writes nothing' {
        $bytes = [IO.File]::ReadAllBytes($file.FullName); $bytes[100] = $bytes[100] -bxor 0xFF
        [IO.File]::WriteAllBytes($file.FullName, $bytes)
        $dest = Join-Path $out 'tampered.bin'
        { Save-LaminArtifact $file.Uid -Destination $dest } | Should -Throw -ErrorId "HashMismatch$E"
        $dest | Should -Not -Exist
        Get-LaminTempLeftover -Path $t.Work | Should -BeNullOrEmpty
    }

    It 'writes nothing under -WhatIf' {
        $dest = Join-Path $out 'whatif.bin'
        Save-LaminArtifact $file.Uid -Destination $dest -WhatIf | Should -BeNullOrEmpty
        $dest | Should -Not -Exist
    }
}

Describe 'Remove-LaminArtifact and Restore-LaminArtifact' {
    BeforeEach { $t = New-TestInstance; $reg = New-LaminStorage (Join-Path $t.Work 'reg') }
    AfterEach { $t | Remove-TestInstance }

    It 'moves to the trash and keeps the data (case 60); Restore brings it back, readable' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'l.txt') -Text 'life').FullName -Key 'life.txt'
        Remove-LaminArtifact $a.Uid -Confirm:$false | Should -BeNullOrEmpty
        Get-LaminArtifact | Should -BeNullOrEmpty
        $trashed = Get-LaminArtifact -Trash
        $trashed.Uid | Should -BeExactly $a.Uid
        $trashed.IsTrashed | Should -BeTrue
        $a.FullName | Should -Exist
        [IO.File]::ReadAllText($a.FullName) | Should -BeExactly 'life'
        (Get-LaminStorage -Identity (Get-LaminSetting).Storage.Uid -Statistics).ArtifactCount | Should -Be 1
        $restored = Restore-LaminArtifact $a.Uid -Confirm:$false -PassThru
        $restored.Uid | Should -BeExactly $a.Uid
        $restored.IsTrashed | Should -BeFalse
        $restored.IsLatest | Should -BeTrue
        Get-LaminArtifact -Trash | Should -BeNullOrEmpty
        [IO.File]::ReadAllText((Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'back.txt')).FullName) | Should -BeExactly 'life'
    }

    It 'takes artifacts from the pipeline (Get-LaminArtifact | Remove / Restore)' {
        1..3 | ForEach-Object { Add-LaminArtifact (New-TestFile (Join-Path $t.Work "p$_.txt") -Text "p$_").FullName -Key "pipe/p$_.txt" } | Out-Null
        Get-LaminArtifact -Key 'pipe/*' | Remove-LaminArtifact -Confirm:$false
        @(Get-LaminArtifact -Trash) | Should -HaveCount 3
        Get-LaminArtifact -Trash | Restore-LaminArtifact -Confirm:$false
        @(Get-LaminArtifact -Key 'pipe/*') | Should -HaveCount 3
    }

    It 'deletes the record and the .lamindb/ object with -Permanent (file and folder)' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'p.txt') -Text 'permanent').FullName
        $d = Join-Path $t.Work 'pd'
        New-TestFile (Join-Path $d 'm') -Text 'member' | Out-Null
        $f = Add-LaminArtifact $d
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Remove-LaminArtifact $f.Uid -Permanent -Confirm:$false
        { Get-LaminArtifact -Identity $a.Uid } | Should -Throw -ErrorId "RecordNotFound$E"
        Get-LaminArtifact -Trash | Should -BeNullOrEmpty
        $a.FullName | Should -Not -Exist
        $f.FullName | Should -Not -Exist
        (Join-Path $t.Work 'p.txt') | Should -Exist   # the source is not the artifact
        @(Get-ChildItem -LiteralPath (Join-Path $t.Storage '.lamindb') -Force | Where-Object Name -NotMatch '^(lamin\.db.*|lamin-log\.db|storage_uid\.txt)$') | Should -HaveCount 0
    }

    It 'deletes a trashed artifact permanently too' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'tp.txt') -Text 'trash then delete').FullName
        Remove-LaminArtifact $a.Uid -Confirm:$false
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Get-LaminArtifact -Trash | Should -BeNullOrEmpty
        $a.FullName | Should -Not -Exist
    }

    It 'keeps a file registered in place unless -DeleteFile (real and virtual key)' {
        $keep = New-TestFile (Join-Path $reg.Root 'keep.txt') -Text 'keep'
        $keepVirtual = New-TestFile (Join-Path $reg.Root 'keepv.txt') -Text 'keep virtual'
        $drop = New-TestFile (Join-Path $reg.Root 'sub/drop.txt') -Text 'drop'
        Add-LaminArtifact $keep.FullName | Remove-LaminArtifact -Permanent -Confirm:$false
        Add-LaminArtifact $keepVirtual.FullName -Key 'nice/name.txt' | Remove-LaminArtifact -Permanent -Confirm:$false
        Add-LaminArtifact $drop.FullName | Remove-LaminArtifact -Permanent -DeleteFile -Confirm:$false
        $keep.FullName | Should -Exist
        $keepVirtual.FullName | Should -Exist
        $drop.FullName | Should -Not -Exist
        Get-LaminArtifact -AllVersions | Should -BeNullOrEmpty
        # -DeleteFile without -Permanent is refused before anything changes (issue 26 point 10: it was silently ignored).
        $t2 = Add-LaminArtifact (New-TestFile (Join-Path $reg.Root 'trash.txt') -Text 'trash').FullName
        { Remove-LaminArtifact $t2.Uid -DeleteFile -Confirm:$false } | Should -Throw -ErrorId 'DeleteFileNeedsPermanent*'
        $t2.FullName | Should -Exist
        (Get-LaminArtifact $t2.Uid).IsTrashed | Should -BeFalse
    }

    It 'describes what -Permanent will do truthfully under -WhatIf (an in-place file under a virtual key is kept)' {
        $f = New-TestFile (Join-Path $reg.Root 'orig.txt') -Text 'stays'
        $a = Add-LaminArtifact $f.FullName -Key 'nice/alias.txt'
        $copy = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'c.txt') -Text 'copied').FullName
        $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module -Name `$env:LAMIN_TEST_MODULE
Remove-LaminArtifact '$($a.Uid)' -Permanent -WhatIf
Remove-LaminArtifact '$($copy.Uid)' -Permanent -WhatIf
"@
        $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $child))
        $stdout = $p.StandardOutput.ReadToEndAsync()
        $stderr = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit(60000)) { $p.Kill(); throw 'the child did not finish within 60 s' }
        $p.Dispose()
        $stderr.Result | Should -BeNullOrEmpty
        $lines = @($stdout.Result -split "`r?`n" | Where-Object { $_ -like 'What if:*' })
        $lines | Should -HaveCount 2
        $lines[1] | Should -Match 'Delete record and data permanently'   # the copy under .lamindb/ goes
        $lines[0] | Should -Match 'the file is kept' -Because 'Remove-LaminArtifact -Permanent keeps an in-place file registered under another key (RealKey), so -WhatIf must not announce deleting its data'
        # And indeed it is kept.
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        $f.FullName | Should -Exist
    }

    It 'makes the previous version the latest when the latest is trashed or deleted; restoring makes it latest again' {
        $p = Join-Path $t.Work 'v.csv'
        $v1 = Add-LaminArtifact (New-TestFile $p -Text 'one').FullName -Key 'v.csv'
        $v2 = Add-LaminArtifact (New-TestFile $p -Text 'two').FullName -Key 'v.csv' -WarningAction SilentlyContinue
        $v3 = Add-LaminArtifact (New-TestFile $p -Text 'three').FullName -Key 'v.csv' -WarningAction SilentlyContinue
        Remove-LaminArtifact $v3.Uid -Confirm:$false
        (Get-LaminArtifact -Key 'v.csv').Uid | Should -BeExactly $v2.Uid
        (Get-LaminArtifact -Identity $v2.Uid).IsLatest | Should -BeTrue
        (Get-LaminArtifact -Identity $v3.Uid.Substring(0, 16)).Uid | Should -BeExactly $v2.Uid
        Restore-LaminArtifact $v3.Uid -Confirm:$false
        (Get-LaminArtifact -Key 'v.csv').Uid | Should -BeExactly $v3.Uid
        (Get-LaminArtifact -Identity $v2.Uid).IsLatest | Should -BeFalse
        Remove-LaminArtifact $v3.Uid -Permanent -Confirm:$false
        (Get-LaminArtifact -Key 'v.csv').Uid | Should -BeExactly $v2.Uid
        @(Get-LaminArtifact -AllVersions | Where-Object IsLatest) | Should -HaveCount 1
        # A new version after the deletion continues the numbering.
        $v4 = Add-LaminArtifact (New-TestFile $p -Text 'four').FullName -Key 'v.csv' -WarningAction SilentlyContinue
        $v4.Uid.Substring(0, 16) | Should -BeExactly $v1.Uid.Substring(0, 16)
        $v4.IsLatest | Should -BeTrue
        (Get-LaminArtifact -Identity $v2.Uid).IsLatest | Should -BeFalse
    }

    It 'keeps the folder object shared by two versions until the last one is deleted' {
        $d = Join-Path $t.Work 'fv'
        New-TestFile (Join-Path $d 'a') -Text 'a' | Out-Null
        $f1 = Add-LaminArtifact $d -Key 'fv'
        New-TestFile (Join-Path $d 'b') -Text 'b' | Out-Null
        $f2 = Add-LaminArtifact $d -Key 'fv' -WarningAction SilentlyContinue
        $f2.FullName | Should -Be $f1.FullName
        Remove-LaminArtifact $f1.Uid -Permanent -Confirm:$false
        $f2.FullName | Should -Exist
        (Get-ExpectedLaminHash $f2.FullName).Hash | Should -BeExactly $f2.Hash
        Remove-LaminArtifact $f2.Uid -Permanent -Confirm:$false
        $f2.FullName | Should -Not -Exist
    }

    It 'changes nothing under -WhatIf' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'w.txt') -Text 'whatif').FullName
        $state = (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root)
        Remove-LaminArtifact $a.Uid -WhatIf
        Remove-LaminArtifact $a.Uid -Permanent -WhatIf
        (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root) | Should -BeExactly $state
        Remove-LaminArtifact $a.Uid -Confirm:$false
        $state = (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root)
        Restore-LaminArtifact $a.Uid -WhatIf
        (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root) | Should -BeExactly $state
    }
}

Describe 'Move-LaminArtifact' {
    BeforeEach {
        $t = New-TestInstance
        $target = New-LaminStorage (Join-Path $t.Work 'target')
    }
    AfterEach { $t | Remove-TestInstance }

    It 'moves a file: the data moves, the record switches, the source is gone, uid, key and hash stay' {
        $src = New-TestFile (Join-Path $t.Work 'm.bin') -Size 300000 -Seed 4
        $a = Add-LaminArtifact $src.FullName -Key 'moving/m.bin'
        $m = Move-LaminArtifact $a.Uid -Storage $target.Uid -Confirm:$false -PassThru
        $m.Uid | Should -BeExactly $a.Uid
        $m.Id | Should -Be $a.Id
        $m.Key | Should -BeExactly 'moving/m.bin'
        $m.Hash | Should -BeExactly $a.Hash
        $m.Version | Should -Be $a.Version
        $m.Storage | Should -Be $target.Root
        $m.StorageUid | Should -BeExactly $target.Uid
        $m.FullName | Should -Be (Join-Path $target.Root ".lamindb/$($a.Uid).bin")
        Get-Sha256 $m.FullName | Should -BeExactly (Get-Sha256 $src.FullName)
        $a.FullName | Should -Not -Exist
        $g = Get-LaminArtifact -Identity $a.Uid
        $g.Storage | Should -Be $target.Root
        $g.FullName | Should -Be $m.FullName
        (Get-LaminStorage -Identity $target.Uid -Statistics).ArtifactCount | Should -Be 1
        (Get-LaminStorage -Identity (Get-LaminSetting).Storage.Uid -Statistics).ArtifactCount | Should -Be 0
        Get-LaminTempLeftover | Should -BeNullOrEmpty
        # And back again, by root, without -PassThru (no output).
        Move-LaminArtifact $a.Uid -Storage $t.Storage -Confirm:$false | Should -BeNullOrEmpty
        (Get-LaminArtifact -Identity $a.Uid).FullName | Should -Be $a.FullName
        $m.FullName | Should -Not -Exist
    }

    It 'moves a folder with all its members' {
        $d = Join-Path $t.Work 'mf'
        New-TestFile (Join-Path $d 'one.txt') -Text 'one' | Out-Null
        New-TestFile (Join-Path $d 'deep/two.bin') -Size 10000 -Seed 2 | Out-Null
        $a = Add-LaminArtifact $d -Key 'mf'
        $m = Move-LaminArtifact $a.Uid -Storage $target.Root -Confirm:$false -PassThru
        $m.FullName | Should -Be (Join-Path $target.Root ".lamindb/$($a.Uid.Substring(0, 16))")
        Get-TreeSnapshot $m.FullName | Should -BeExactly (Get-TreeSnapshot $d)
        $a.FullName | Should -Not -Exist
        $m.NFiles | Should -Be 2
    }

    It 'moves a file registered in place to TARGET/KEY' {
        $reg = New-LaminStorage (Join-Path $t.Work 'reg')
        $f = New-TestFile (Join-Path $reg.Root 'sub/inplace.txt') -Text 'in place'
        $a = Add-LaminArtifact $f.FullName
        $m = Move-LaminArtifact $a.Uid -Storage $target.Uid -Confirm:$false -PassThru
        $m.FullName | Should -Be (Join-Path $target.Root 'sub/inplace.txt')
        [IO.File]::ReadAllText($m.FullName) | Should -BeExactly 'in place'
        $f.FullName | Should -Not -Exist
        $m.Key | Should -BeExactly 'sub/inplace.txt'
    }

    It 'refuses the same location (InvalidArgument) and a read-only one (StorageReadOnly), changing nothing' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 's.txt') -Text 'stay').FullName
        $foreign = Join-Path $t.Work 'foreign'
        Set-TestMarker -Root $foreign -Text (New-ForeignMarkerText) | Out-Null
        $ro = New-LaminStorage $foreign -WarningAction SilentlyContinue
        $state = (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root)
        { Move-LaminArtifact $a.Uid -Storage $t.Storage -Confirm:$false } | Should -Throw -ErrorId "InvalidArgument$E" -ExpectedMessage '*Cannot move to the same path.'
        { Move-LaminArtifact $a.Uid -Storage $ro.Uid -Confirm:$false } | Should -Throw -ErrorId "StorageReadOnly$E" -ExpectedMessage 'Cannot move an artifact to a storage location that is not managed by the current instance*'
        (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root) | Should -BeExactly $state
        [IO.File]::ReadAllText($a.FullName) | Should -BeExactly 'stay'
    }

    It 'moves nothing under -WhatIf' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'w.txt') -Text 'whatif').FullName
        $state = (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root)
        Move-LaminArtifact $a.Uid -Storage $target.Uid -WhatIf
        (Get-ArtifactSnapshot) + (Get-TreeSnapshot $t.Root) | Should -BeExactly $state
    }
}

Describe 'Progress of Save-LaminArtifact and Move-LaminArtifact' {
    BeforeAll {
        $t = New-TestInstance
        $target = New-LaminStorage (Join-Path $t.Work 'target')
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'p.bin') -Size 20MB -Seed 8).FullName -Key 'p.bin'
        # No quiet period, so the outcome does not depend on the machine's speed.
        $savedQuiet = $env:LAMIN_TEST_PROGRESS_AFTER_MS
        $env:LAMIN_TEST_PROGRESS_AFTER_MS = '0'
    }
    AfterAll { $env:LAMIN_TEST_PROGRESS_AFTER_MS = $savedQuiet; $t | Remove-TestInstance }

    It 'Save writes bytes done / total, and nothing when $ProgressPreference is SilentlyContinue' {
        $save = { param($u, $d) Save-LaminArtifact $u -Destination $d }
        $r = Get-ProgressRecord -ScriptBlock $save -ArgumentList $a.Uid, (Join-Path $t.Work 'o1.bin')
        $r.Errors | Should -BeNullOrEmpty
        $r.Progress[0].StatusDescription | Should -Match 'of 20 MiB, 0 of 1 file\(s\)$'
        $r.Progress[-1].RecordType | Should -Be 'Completed'
        $q = Get-ProgressRecord -ScriptBlock $save -ArgumentList $a.Uid, (Join-Path $t.Work 'o2.bin') -ProgressPreference SilentlyContinue
        $q.Errors | Should -BeNullOrEmpty
        $q.Progress | Should -HaveCount 0
        Get-Sha256 (Join-Path $t.Work 'o2.bin') | Should -BeExactly (Get-Sha256 (Join-Path $t.Work 'p.bin'))
    }

    It 'Move writes bytes done / total, and nothing when $ProgressPreference is SilentlyContinue' {
        $move = { param($u, $s) Move-LaminArtifact $u -Storage $s -Confirm:$false }
        $r = Get-ProgressRecord -ScriptBlock $move -ArgumentList $a.Uid, $target.Uid
        $r.Errors | Should -BeNullOrEmpty
        $r.Progress[0].StatusDescription | Should -Match 'of 20 MiB, 0 of 1 file\(s\)$'
        (Get-LaminArtifact -Identity $a.Uid).Storage | Should -Be $target.Root
        $q = Get-ProgressRecord -ScriptBlock $move -ArgumentList $a.Uid, $t.Storage -ProgressPreference SilentlyContinue
        $q.Errors | Should -BeNullOrEmpty
        $q.Progress | Should -HaveCount 0
        (Get-LaminArtifact -Identity $a.Uid).Storage | Should -Be $t.Storage
    }
}

Describe 'Storage locations holding artifacts' {
    BeforeEach { $t = New-TestInstance; $loc = New-LaminStorage (Join-Path $t.Work 'busy') }
    AfterEach { $t | Remove-TestInstance }

    It 'Remove-LaminStorage refuses with StorageHasArtifacts while any artifact, trashed too, is there; succeeds once they are gone' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'b.txt') -Text 'busy').FullName -Storage $loc.Uid
        $err = { Remove-LaminStorage $loc.Uid -Confirm:$false } | Should -Throw -ErrorId "StorageHasArtifacts$E" -PassThru
        $err.Exception.Message | Should -Match 'Cannot delete storage with artifacts'
        Remove-LaminArtifact $a.Uid -Confirm:$false
        { Remove-LaminStorage $loc.Uid -Confirm:$false } | Should -Throw -ErrorId "StorageHasArtifacts$E"
        (Get-LaminStorage -Identity $loc.Uid).Uid | Should -BeExactly $loc.Uid
        Get-MarkerPath $loc.Root | Should -Exist
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Remove-LaminStorage $loc.Uid -Confirm:$false
        { Get-LaminStorage -Identity $loc.Uid } | Should -Throw -ErrorId "RecordNotFound$E"
        Get-MarkerPath $loc.Root | Should -Not -Exist
    }

    It 'counts an in-place artifact as being in its location too' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $loc.Root 'here.txt') -Text 'here').FullName
        { Remove-LaminStorage $loc.Uid -Confirm:$false } | Should -Throw -ErrorId "StorageHasArtifacts$E"
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Remove-LaminStorage $loc.Uid -Confirm:$false
        Join-Path $loc.Root 'here.txt' | Should -Exist   # files outside .lamindb/ are the user's
    }

    It 'checks .lamindb/ for real: an unregistered object left there → StorageNotEmpty, listing it' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'o.txt') -Text 'orphan').FullName -Storage $loc.Uid
        $object = $a.FullName
        $keep = Join-Path $t.Work 'kept-copy.txt'
        Copy-Item -LiteralPath $object -Destination $keep
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Copy-Item -LiteralPath $keep -Destination $object   # the object is back, unregistered
        $err = { Remove-LaminStorage $loc.Uid -Confirm:$false } | Should -Throw -ErrorId "StorageNotEmpty$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape((Split-Path $object -Leaf)))
        Get-MarkerPath $loc.Root | Should -Exist
    }

    It 'Get-LaminStorage -Statistics counts every artifact record (versions and trash included) and sums their sizes' {
        $f = Join-Path $t.Work 'v.csv'
        $null = Add-LaminArtifact (New-TestFile $f -Text '12345').FullName -Key 'v.csv' -Storage $loc.Uid
        $null = Add-LaminArtifact (New-TestFile $f -Text '1234567').FullName -Key 'v.csv' -Storage $loc.Uid -WarningAction SilentlyContinue
        $tr = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'tr.txt') -Text '123').FullName -Storage $loc.Uid
        Remove-LaminArtifact $tr.Uid -Confirm:$false
        $null = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'd.txt') -Text 'default!').FullName
        $stats = @(Get-LaminStorage -Statistics)
        $busy = $stats | Where-Object Uid -EQ $loc.Uid
        $busy.ArtifactCount | Should -Be 3
        $busy.Size | Should -Be 15
        $default = $stats | Where-Object Root -EQ $t.Storage
        $default.ArtifactCount | Should -Be 1
        $default.Size | Should -Be 8
        $empty = New-LaminStorage (Join-Path $t.Work 'empty')
        (Get-LaminStorage -Identity $empty.Uid -Statistics).ArtifactCount | Should -Be 0
        (Get-LaminStorage -Identity $empty.Uid -Statistics).Size | Should -Be 0
    }
}

Describe 'Get-LaminLookup -Registry Artifact' {
    BeforeAll {
        $t = New-TestInstance
        $k1 = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'a.csv') -Text 'a').FullName -Key 'data/My Table.csv'
        $k2 = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'b.csv') -Text 'b').FullName -Key '2024/report.csv'
        $keyless = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'c.csv') -Text 'c').FullName
        $v = Join-Path $t.Work 'v.csv'
        $v1 = Add-LaminArtifact (New-TestFile $v -Text 'v1').FullName -Key 'ver.csv'
        $v2 = Add-LaminArtifact (New-TestFile $v -Text 'v2').FullName -Key 'ver.csv' -WarningAction SilentlyContinue
        $gone = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'g.csv') -Text 'g').FullName -Key 'gone.csv'
        Remove-LaminArtifact $gone.Uid -Confirm:$false
    }
    AfterAll { $t | Remove-TestInstance }

    It 'names a property per key (lower-cased, runs of other characters → _, a leading digit prefixed), each holding the latest artifact' {
        $l = Get-LaminLookup -Registry Artifact
        $l.data_my_table_csv.Uid | Should -BeExactly $k1.Uid
        $l._2024_report_csv.Uid | Should -BeExactly $k2.Uid
        $l.ver_csv.Uid | Should -BeExactly $v2.Uid
        $l.PSObject.Properties.Name | Should -Not -Contain 'gone_csv'
        $h = $l.ToHashtable()
        @($h.Keys | Where-Object { $_ } | Sort-Object) | Should -Be @('2024/report.csv', 'data/My Table.csv', 'ver.csv')
        $h['data/My Table.csv'].Uid | Should -BeExactly $k1.Uid
    }

    It 'lists an artifact without a key under "_" (SPEC §3: an empty or $null value becomes _), kept under an empty key by ToHashtable()' {
        $l = Get-LaminLookup -Registry Artifact
        $l._.Uid | Should -BeExactly $keyless.Uid
        $l._.Key | Should -BeNullOrEmpty
        $l.ToHashtable()[''].Uid | Should -BeExactly $keyless.Uid
    }

    It 'looks up by another -Field and returns -ReturnField''s value' {
        $byUid = Get-LaminLookup -Registry Artifact -Field uid
        $byUid.(Get-LookupName $keyless.Uid).Uid | Should -BeExactly $keyless.Uid
        $byUid.(Get-LookupName $v1.Uid) | Should -BeNullOrEmpty   # old versions are not looked up
        $keys = Get-LaminLookup -Registry Artifact -ReturnField uid
        $keys.data_my_table_csv | Should -BeExactly $k1.Uid
        { Get-LaminLookup -Registry Artifact -Field nosuchfield } | Should -Throw -ErrorId "UnknownField$E"
    }
}
