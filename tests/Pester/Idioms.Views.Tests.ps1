# Issue 26, point 9 and the view items of point 10: what a user sees, as rendered text (Out-String -Width 80/120).
# Drive listings look like FileSystem's: one table per folder ("Directory: lamin:<sep><uid><sep><folder>") with Mode,
# LastWriteTime, Size and Name (last), folders in the same table, never a list; -File/-Directory as the provider's
# dynamic parameters; New-PSDrive -Root takes a path of the drive. Save-LaminArtifact's output shows sizes. Every table
# view puts its variable-width column last. Before: dir -Recurse of lamin:\ printed ~30-line list entries (a storage
# table, then every folder and artifact out of band), folders sat in the artifact table with blank columns, -File and
# -Directory were refused, New-PSDrive -Root lamin:\<uid>\raw resolved the path against the process folder, Save printed
# bare FileInfo objects with blank size columns, and several views cut the root at 20 or 10 characters.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $sep = [IO.Path]::DirectorySeparatorChar

    # Six artifacts in two folders and the top of a location: raw/ (3), proc/ (2), readme.md.
    function New-ViewFixture {
        $t = New-TestInstance
        $src = Join-Path $t.Work 'src'
        $a = @{}
        foreach ($k in 'raw/img1.tif', 'raw/img2.tif', 'raw/img3.tif', 'proc/table.csv', 'proc/summary.parquet', 'readme.md') {
            $file = New-TestFile (Join-Path $src $k) -Text ("content of $k " * 40)
            $a[$k] = Add-LaminArtifact $file.FullName -Key $k
        }
        [pscustomobject]@{ T = $t; U = (Get-LaminStorage -Root $t.Storage).Uid; A = $a; Src = $src }
    }

    function Show([object[]] $InputObject, [int] $Width = 80) { ($InputObject | Out-String -Width $Width) -split "`r?`n" }

    # The blocks of a rendered listing, one per "Directory:" header: @{ Directory; Lines } (the header row and rows).
    function Get-Block([string[]] $Lines) {
        $blocks = [System.Collections.Generic.List[object]]::new()
        foreach ($line in $Lines) {
            if ($line -match '^\s*Directory: (.+?)\s*$') { $blocks.Add([pscustomobject]@{ Directory = $Matches[1]; Lines = [System.Collections.Generic.List[string]]::new() }) }
            elseif ($blocks.Count -and $line -match '\S') { $blocks[-1].Lines.Add($line) }
        }
        , $blocks
    }
}

Describe 'Drive listings look like FileSystem''s: one table per folder, Mode LastWriteTime Size Name' {
    BeforeAll { $f = New-ViewFixture }
    AfterAll { $f.T | Remove-TestInstance }

    It 'dir lamin:\{uid} -Recurse prints one table per folder, folders in the same table, Name last, no list view' {
        $lines = Show (Get-ChildItem "lamin:\$($f.U)" -Recurse)
        $text = $lines -join "`n"
        $text | Should -Not -Match '(?m)^\s*(PSPath|Uid|Key|StorageUid)\s+:' -Because 'a listing never falls back to list view'
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        $blocks = Get-Block $lines
        $blocks.Directory | Should -Be @("lamin:$sep$($f.U)", "lamin:$sep$($f.U)${sep}proc", "lamin:$sep$($f.U)${sep}raw")
        foreach ($b in $blocks) {
            # One table per folder: one header row, its dashes, then the folder's items.
            $b.Lines[0] | Should -Match '^Mode\s+LastWriteTime\s+Size\s+Name\s*$'
            $b.Lines[1] | Should -Match '^-{4}\s+-{13}\s+-{4}\s+-{4}\s*$'
            @($b.Lines | Where-Object { $_ -match '^Mode\s' }).Count | Should -Be 1
        }
        # The folders sit in their parent's table with Mode d---- and blank time and size; artifacts show a size, right-aligned.
        $top = $blocks[0].Lines
        ($top | Where-Object { $_ -match '^d----\s+proc$' }) | Should -Not -BeNullOrEmpty
        ($top | Where-Object { $_ -match '^d----\s+raw$' }) | Should -Not -BeNullOrEmpty
        ($top | Where-Object { $_ -match '^-----\s+\S.*\s\d+(\.\d)? (B|KiB)\sreadme\.md$' }) | Should -Not -BeNullOrEmpty
        $raw = $blocks[2].Lines
        ($raw | Where-Object { $_ -match '^-----\s+\S.*\s\d+(\.\d)? (B|KiB)\simg[123]\.tif$' }).Count | Should -Be 3
        # The Size column is right-aligned under its header.
        $sizeEnd = $raw[0].IndexOf('Size') + 4
        foreach ($row in $raw | Select-Object -Skip 2) { $row.Substring(0, $sizeEnd) | Should -Match '(B|KiB)$' }
        # The records are the same .NET types Get-LaminArtifact gives; Get-LaminArtifact keeps its own table.
        (Get-ChildItem "lamin:\$($f.U)\raw")[0].GetType().Name | Should -BeExactly 'LaminArtifact'
        (Get-ChildItem "lamin:\$($f.U)" -Directory)[0].GetType().Name | Should -BeExactly 'LaminKeyFolder'
        (Show (Get-LaminArtifact) | Where-Object { $_ -match '\S' } | Select-Object -First 1) | Should -Match '^Uid\s+Size\s+Version\s+IsTrashed\s+Key\s*$'
        # The drive's view name (LaminArtifact#Drive) does not change how a record binds, also after Export-Clixml.
        $xml = Join-Path $f.T.Work 'listing.xml'
        Get-ChildItem "lamin:\$($f.U)" -Recurse -File | Export-Clixml $xml
        (Import-Clixml $xml | Get-LaminArtifact).Uid | Sort-Object | Should -Be ($f.A.Values.Uid | Sort-Object)
    }

    It 'dir lamin:\ -Recurse (locations, folders and artifacts in one stream) stays in tables; a location shows its root' {
        $second = New-LaminStorage (Join-Path $f.T.Work 'second')
        try {
            $lines = Show (Get-ChildItem lamin:\ -Recurse)
            ($lines -join "`n") | Should -Not -Match '(?m)^\s*(PSPath|Uid|Root|Key|StorageUid)\s+:'
            $blocks = Get-Block $lines
            $blocks[0].Directory | Should -BeExactly "lamin:$sep"
            $blocks[0].Lines[0] | Should -Match '^Mode\s+LastWriteTime\s+Size\s+Name\s*$'
            ($blocks[0].Lines | Where-Object { $_ -match "^d----\s+\S.*\s$($second.Uid) -> " }) | Should -Not -BeNullOrEmpty
            $blocks.Directory | Should -Contain "lamin:$sep$($f.U)${sep}raw"
            # Each folder once: the items of a folder follow each other.
            $blocks.Directory | Select-Object -Unique | Should -HaveCount $blocks.Count
        }
        finally { Remove-LaminStorage $second.Uid -Confirm:$false }
    }

    It 'Get-Item of an artifact on the drive shows the same view, under its folder' {
        $lines = Show (Get-Item "lamin:\$($f.U)\raw\img2.tif")
        (Get-Block $lines).Directory | Should -Be @("lamin:$sep$($f.U)${sep}raw")
        ($lines | Where-Object { $_ -match '^-----\s.*\simg2\.tif$' }) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Get-ChildItem -File and -Directory on the drive' {
    BeforeAll { $f = New-ViewFixture }
    AfterAll { $f.T | Remove-TestInstance }

    It '-File lists the artifacts, -Directory the folders (also with -Name)' {
        (Get-ChildItem "lamin:\$($f.U)" -File).PSChildName | Should -Be @('readme.md')
        (Get-ChildItem "lamin:\$($f.U)" -Directory).PSChildName | Should -Be @('proc', 'raw')
        Get-ChildItem "lamin:\$($f.U)" -File -Name | Should -Be @('readme.md')
        Get-ChildItem "lamin:\$($f.U)" -Directory -Name | Should -Be @('proc', 'raw')
        @(Get-ChildItem "lamin:\$($f.U)\raw" -Directory) | Should -HaveCount 0
        @(Get-ChildItem "lamin:\$($f.U)\raw\img1.tif" -Directory) | Should -HaveCount 0
        (Get-ChildItem "lamin:\$($f.U)\raw\img1.tif" -File).Key | Should -BeExactly 'raw/img1.tif'
    }

    It 'with -Recurse (and -Name, -Filter) they filter every level' {
        $files = Get-ChildItem "lamin:\$($f.U)" -File -Recurse
        ($files.Key | Sort-Object) | Should -Be @($f.A.Keys | Sort-Object)
        $files | ForEach-Object { $_.GetType().Name } | Select-Object -Unique | Should -BeExactly 'LaminArtifact'
        (Get-ChildItem "lamin:\$($f.U)" -Directory -Recurse).Key | Should -Be @('proc', 'raw')
        (Get-ChildItem "lamin:\$($f.U)" -File -Recurse -Name | Sort-Object) | Should -Be @("proc${sep}summary.parquet", "proc${sep}table.csv", "raw${sep}img1.tif", "raw${sep}img2.tif", "raw${sep}img3.tif", 'readme.md')
        Get-ChildItem "lamin:\$($f.U)" -Directory -Recurse -Name | Should -Be @('proc', 'raw')
        (Get-ChildItem "lamin:\$($f.U)" -File -Recurse -Filter '*.tif').PSChildName | Should -Be @('img1.tif', 'img2.tif', 'img3.tif')
        # The rendered -File listing: one table per folder, no folder rows.
        $lines = Show (Get-ChildItem "lamin:\$($f.U)" -File -Recurse)
        (Get-Block $lines).Directory | Should -Be @("lamin:$sep$($f.U)", "lamin:$sep$($f.U)${sep}proc", "lamin:$sep$($f.U)${sep}raw")
        $lines | Where-Object { $_ -match '^d----' } | Should -BeNullOrEmpty
    }

    It 'at lamin:\ -Directory lists the locations and -File nothing' {
        Get-ChildItem lamin:\ -Directory -Name | Should -Contain $f.U
        @(Get-ChildItem lamin:\ -File) | Should -HaveCount 0
    }
}

Describe 'New-PSDrive -Root with a folder of the drive' {
    BeforeAll { $f = New-ViewFixture }
    AfterAll { $f.T | Remove-TestInstance }

    It 'New-PSDrive -Root <Form> lists that folder; items keep their paths and PSPaths' -ForEach @(
        @{ Form = 'lamin:\<uid>\raw'; Root = { param($u) "lamin:\$u\raw" } }
        @{ Form = 'lamin:/<uid>/raw/'; Root = { param($u) "lamin:/$u/raw/" } }
        @{ Form = '<uid>\raw'; Root = { param($u) "$u\raw" } }
        @{ Form = 'Lamin\Lamin::<uid>\raw'; Root = { param($u) "Lamin\Lamin::$u\raw" } }
    ) {
        $drive = New-PSDrive -Name viewraw -PSProvider Lamin -Root (& $Root $f.U)
        try {
            $drive.Root | Should -BeExactly "$($f.U)${sep}raw"
            Get-ChildItem viewraw: -Name | Should -Be @('img1.tif', 'img2.tif', 'img3.tif')
            $item = Get-Item viewraw:\img2.tif
            $item.Uid | Should -BeExactly $f.A['raw/img2.tif'].Uid
            $item.PSPath | Should -BeExactly "Lamin\Lamin::$($f.U)${sep}raw${sep}img2.tif"
            $item.PSParentPath | Should -BeExactly "Lamin\Lamin::$($f.U)${sep}raw"
            $item.PSDrive.Name | Should -BeExactly 'viewraw'
            (Resolve-Path viewraw:\img2.tif).Path | Should -BeExactly "viewraw:${sep}img2.tif"
            Get-Content viewraw:\img2.tif -Raw | Should -BeExactly ((Get-Content "lamin:\$($f.U)\raw\img2.tif" -Raw))
            (Get-Block (Show (Get-ChildItem viewraw:))).Directory | Should -Be @("lamin:$sep$($f.U)${sep}raw")
        }
        finally { Remove-PSDrive viewraw }
    }

    It 'refuses a root that is an artifact or nothing, saying what a root can be' {
        New-PSDrive -Name viewbad -PSProvider Lamin -Root "lamin:\$($f.U)\raw\img1.tif" -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPath,*'
        "$($e[0])" | Should -Match 'not a folder'
        New-PSDrive -Name viewbad -PSProvider Lamin -Root "lamin:\$($f.U)\nothing" -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        Get-PSDrive viewbad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Save-LaminArtifact output renders with sizes (point 10)' {
    BeforeAll { $f = New-ViewFixture }
    AfterAll { $f.T | Remove-TestInstance }

    It 'emits the saved files as Get-Item gives them: FileSystem''s table with their sizes, also from the lamin: drive' {
        $dest = Join-Path $f.T.Work 'saved'
        Push-Location "lamin:\$($f.U)"
        try { $saved = @(Get-ChildItem raw | Save-LaminArtifact -Destination $dest) }
        finally { Pop-Location }
        $saved | Should -HaveCount 3
        $saved[0].PSPath | Should -BeLike 'Microsoft.PowerShell.Core\FileSystem::*'
        $lines = Show $saved
        (Get-Block $lines).Directory | Should -Be @((Get-Item -LiteralPath $dest).FullName)
        foreach ($name in 'img1.tif', 'img2.tif', 'img3.tif') {
            $length = (Get-Item -LiteralPath (Join-Path $dest $name)).Length
            ($lines | Where-Object { $_ -match "\s$length\s+$([regex]::Escape($name))$" }) | Should -Not -BeNullOrEmpty -Because "$name shows its size $length"
        }
    }
}

Describe 'Table views put the variable-width column last: whole at 120 columns, readable at 80 (point 10)' {
    BeforeAll {
        $t = New-TestInstance -StorageFolder 'lab-data/2026/raw-images'
        $src = Join-Path $t.Work 'src'
        $key = 'microscopy/2026-03-14/plate-07/well-B12/field-0003.tif'
        $null = Add-LaminArtifact (New-TestFile (Join-Path $src 'field.tif') -Text 'field').FullName -Key $key -Description 'plate 7 well B12 field 3, 40x objective'
        $null = Add-LaminArtifact (New-TestFile (Join-Path $src 'b.csv') -Text 'b').FullName -Key 'b.csv'
        $u = (Get-LaminStorage -Root $t.Storage).Uid
        # The last column's header and where it starts: from there on the line is that column's.
        function Get-LastColumn([string[]] $Lines) {
            $header = ($Lines | Where-Object { $_ -match '\S' -and $_ -notmatch '^\s*Directory: ' } | Select-Object -First 1).TrimEnd()
            $name = ($header -split '\s+')[-1]
            [pscustomobject]@{ Name = $name; Start = $header.LastIndexOf($name) }
        }
    }
    AfterAll { $t | Remove-TestInstance }

    It 'every table view: the root, key, path or name column is last, at least 22 characters wide at 80 and 53 at 120' {
        $views = [ordered]@{
            'Get-LaminStorage'             = @{ Last = 'Root'; Get = { Get-LaminStorage } }
            'Get-LaminStorage -Statistics' = @{ Last = 'Root'; Get = { Get-LaminStorage -Statistics } }
            'Search-LaminStorage'          = @{ Last = 'Root'; Get = { Search-LaminStorage raw } }
            'Get-LaminInstance'            = @{ Last = 'Storage'; Get = { Get-LaminInstance } }
            'Get-LaminArtifact'            = @{ Last = 'Key'; Get = { Get-LaminArtifact } }
            'Search-LaminArtifact'         = @{ Last = 'Key'; Get = { Search-LaminArtifact plate } }
            'Test-LaminArtifact'           = @{ Last = 'FullName'; Get = { Test-LaminArtifact } }
            'Test-LaminStorage'            = @{ Last = 'Storage'; Get = { Test-LaminStorage } }
            'Get-LaminStorageUsage'        = @{ Last = 'Storage'; Get = { Get-LaminStorageUsage } }
            'Get-LaminSpace'               = @{ Last = 'Description'; Get = { Get-LaminSpace } }
            'Get-ChildItem lamin:\'        = @{ Last = 'Name'; Get = { Get-ChildItem lamin:\ } }
            'Get-ChildItem lamin:\<uid>'   = @{ Last = 'Name'; Get = { Get-ChildItem "lamin:\$u" } }
        }
        $problems = foreach ($name in $views.Keys) {
            $objects = @(& $views[$name].Get)
            foreach ($width in 80, 120) {
                $lines = Show $objects -Width $width
                $last = Get-LastColumn $lines
                if ($last.Name -cne $views[$name].Last) { "$name at ${width}: the last column is $($last.Name), not $($views[$name].Last)" }
                $room = $width - $last.Start
                $need = if ($width -eq 80) { 22 } else { 53 }
                if ($room -lt $need) { "$name at ${width}: the $($last.Name) column has $room characters" }
                if ($lines | Where-Object { $_.Length -gt $width }) { "$name at ${width}: a line is longer than $width" }
            }
        }
        $problems | Should -BeNullOrEmpty
        # The whole root and key are there at 120 columns.
        (Show (Get-LaminInstance) -Width 120) -join "`n" | Should -Match ([regex]::Escape($t.Instance.Storage))
        (Show (Search-LaminArtifact plate) -Width 120) -join "`n" | Should -Match ([regex]::Escape($key))
    }
}
