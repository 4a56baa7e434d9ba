# GCS locations against the Firebase storage emulator (issue 4; SPEC rules 1–5, 19–24, §6): roots,
# markers and the three ownership cases, uploads and downloads checked by the bytes the emulator holds
# and after Save-LaminArtifact, objects registered in place from their md5Hash, emptiness and removal,
# and moves between local disk, GCS and S3.
#
# What the emulator can't do, and so is not tested here: it creates a bucket on the first upload
# (no missing-bucket error, see the RealCloud test), it can't create or delete buckets, it checks no
# credentials and no permissions (no read-only-by-permission case), and it truncates multi-chunk
# resumable uploads (the 17 MiB upload below checks that Lamin's single-chunk setting holds).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:G = $servers.Gcs
    $script:Bucket = 'lamin-gcs'
    $script:Kept = [System.Collections.Generic.List[object]]::new()

    function Enter-Instance([switch] $NoInstance) {
        $i = New-TestInstance -NoInstance:$NoInstance
        $script:Kept.Add($i)
        $i
    }
    function Exit-Instance($Instance) {
        foreach ($k in $Instance.SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $Instance.SavedEnv[$k]) }
        Remove-TestFolder -Path $Instance.Root
    }
    function New-Prefix { 'g' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
    function GsRoot([string] $Prefix, [string] $B = $Bucket) { if ($Prefix) { "gs://$B/$Prefix" } else { "gs://$B" } }
    function ObjectKeyOf($Artifact) { $Artifact.FullName.Substring($Artifact.FullName.IndexOf('/', 5) + 1) }
    function New-RandomFile([string] $Path, [long] $Size, [int] $Seed = 1) {
        $bytes = [byte[]]::new($Size); [Random]::new($Seed).NextBytes($bytes)
        $null = New-Item -ItemType Directory -Force (Split-Path $Path)
        [IO.File]::WriteAllBytes($Path, $bytes); Get-Item -LiteralPath $Path
    }
    function New-TextFile([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -LiteralPath $Path
    }
    function Utf8([string] $Text) { [Text.Encoding]::UTF8.GetBytes($Text) }
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }
    function ShaBytes([byte[]] $Bytes) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)) }
    function Get-Md5Hash([byte[]] $Bytes) {
        [Convert]::ToBase64String([Security.Cryptography.MD5]::HashData($Bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_').Substring(0, 22)
    }
    function Get-FolderHash([string] $Path) {
        # SPEC rule 21: md5 over the concatenated md5 digests of the sorted member hash strings.
        $hashes = [string[]]@(Get-ChildItem -LiteralPath $Path -Recurse -File -Force | ForEach-Object { Get-Md5Hash ([IO.File]::ReadAllBytes($_.FullName)) })
        [Array]::Sort($hashes, [StringComparer]::Ordinal)
        $md5 = [Security.Cryptography.MD5]
        $concat = [byte[]]@($hashes | ForEach-Object { $md5::HashData((Utf8 $_)) } | ForEach-Object { $_ })
        [Convert]::ToBase64String($md5::HashData($concat)).TrimEnd('=').Replace('+', '-').Replace('/', '_').Substring(0, 22)
    }
    function Get-Marker([string] $Prefix, [string] $B = $Bucket) {
        $key = if ($Prefix) { "$Prefix/.lamindb/storage_uid.txt" } else { '.lamindb/storage_uid.txt' }
        $o = Get-GcsObject $G $B $key
        [pscustomobject]@{
            Status = $o.Status
            Bytes  = $o.Bytes
            Lines  = if ($o.Bytes) { [Text.Encoding]::UTF8.GetString($o.Bytes) -split "`r?`n" } else { @() }
        }
    }
    function Sorted([string[]] $Keys) { @($Keys | Sort-Object -CaseSensitive) }
}

AfterAll {
    Stop-CloudServers $script:servers
    foreach ($i in $script:Kept) { Remove-TestFolder -Path $i.Root }
}

Describe 'GCS roots, markers and ownership' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix }
    AfterEach { Exit-Instance $t }

    It 'registers gs://bucket/prefix: type gs, no region, managed here, the marker under the prefix and nothing else' {
        $s = New-LaminStorage (GsRoot $p)
        $s.Root | Should -BeExactly "gs://$Bucket/$p"
        $s.Type | Should -BeExactly 'gs'
        $s.Region | Should -BeNullOrEmpty
        $s.IsManaged | Should -BeTrue
        $s.InstanceUid | Should -BeExactly $t.Instance.Uid
        $m = Get-Marker $p
        $m.Status | Should -Be 200
        $m.Lines[0] | Should -BeExactly $s.Uid
        $m.Lines | Should -Contain "instance_uid=$($t.Instance.Uid)"
        Get-GcsKeys $G $Bucket "$p/" | Should -Be @("$p/.lamindb/storage_uid.txt")
    }

    It 'registers a whole bucket (gs://bucket): the marker at the top of the bucket, freed again on removal' {
        $b = 'lamin-gcs-' + $p
        $s = New-LaminStorage "gs://$b"
        $s.Root | Should -BeExactly "gs://$b"
        (Get-Marker '' $b).Lines[0] | Should -BeExactly $s.Uid
        Remove-LaminStorage $s.Uid -Confirm:$false
        (Get-Marker '' $b).Status | Should -Be 404
    }

    It 'drops a trailing slash; the same root again returns the existing record with a warning' {
        $s = New-LaminStorage "gs://$Bucket/$p/"
        $s.Root | Should -BeExactly (GsRoot $p)
        (Get-Marker $p).Lines[0] | Should -BeExactly $s.Uid
        $again = New-LaminStorage (GsRoot $p) -WarningVariable w -WarningAction SilentlyContinue
        $again.Uid | Should -BeExactly $s.Uid
        "$w" | Should -Match 'existing'
        @(Get-LaminStorage -Type gs).Count | Should -Be 1
    }

    It 'refuses ?endpoint_url= on a gs:// root (InvalidRoot): only s3:// roots take one' {
        { New-LaminStorage "gs://$Bucket/$p`?endpoint_url=$G" -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRoot,*'
        @(Get-LaminStorage -Type gs).Count | Should -Be 0
        Get-GcsKeys $G $Bucket "$p/" | Should -BeNullOrEmpty
    }

    It 'writes nothing under -WhatIf' {
        New-LaminStorage (GsRoot $p) -WhatIf
        @(Get-LaminStorage -Type gs).Count | Should -Be 0
        Get-GcsKeys $G $Bucket "$p/" | Should -BeNullOrEmpty
    }

    It 'another instance registering the same root gets the same uid, InstanceUid __unknown__, read-only; its removal touches nothing' {
        $mine = New-LaminStorage (GsRoot $p)
        $before = (Get-Marker $p).Bytes
        $o = New-TestInstance
        try {
            $theirs = New-LaminStorage (GsRoot $p) -WarningVariable w -WarningAction SilentlyContinue
            $theirs.Uid | Should -BeExactly $mine.Uid
            $theirs.InstanceUid | Should -BeExactly '__unknown__'
            $theirs.IsManaged | Should -BeFalse
            "$w" | Should -Match 'managed by another'
            $f = New-RandomFile (Join-Path $o.Work 'y.bin') 10
            { Add-LaminArtifact $f.FullName -Storage $theirs.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'StorageReadOnly,*'
            Remove-LaminStorage $theirs.Uid -Confirm:$false
            @(Get-LaminStorage -Type gs).Count | Should -Be 0
        }
        finally { $o | Remove-TestInstance }
        ShaBytes (Get-Marker $p).Bytes | Should -BeExactly (ShaBytes $before)
        (Get-LaminStorage -Identity $mine.Uid).IsManaged | Should -BeTrue
    }

    It 'frees the marker on removal: a third instance then manages the root with a new uid' {
        $first = New-LaminStorage (GsRoot $p)
        Remove-LaminStorage $first.Uid -Confirm:$false
        (Get-Marker $p).Status | Should -Be 404
        $o = New-TestInstance
        try {
            $third = New-LaminStorage (GsRoot $p)
            $third.IsManaged | Should -BeTrue
            $third.Uid | Should -Not -BeExactly $first.Uid
            (Get-Marker $p).Lines[0] | Should -BeExactly $third.Uid
        }
        finally { $o | Remove-TestInstance }
    }

    It 'refuses an unreachable emulator with StorageUnreachable, registering nothing' {
        $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
        $saved = $env:STORAGE_EMULATOR_HOST
        try {
            $env:STORAGE_EMULATOR_HOST = "127.0.0.1:$port"
            $err = { New-LaminStorage (GsRoot $p) -ErrorAction Stop } | Should -Throw -ErrorId 'StorageUnreachable,*' -PassThru
        }
        finally { $env:STORAGE_EMULATOR_HOST = $saved }
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        @(Get-LaminStorage -Type gs).Count | Should -Be 0
        Get-GcsKeys $G $Bucket "$p/" | Should -BeNullOrEmpty
    }
}

Describe 'GCS artifacts' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix }
    AfterEach { Exit-Instance $t }

    It 'uploads <Name> and downloads it byte for byte' -ForEach @(
        @{ Name = 'a small file'; Size = 1234 }
        @{ Name = 'an empty file'; Size = 0 }
        @{ Name = '17 MiB + 3 bytes (more than one default upload chunk: the emulator truncates multi-chunk uploads)'; Size = 17MB + 3 }
    ) {
        $s = New-LaminStorage (GsRoot $p)
        $f = New-RandomFile (Join-Path $t.Work 'up.bin') $Size ($Size % 100000)
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key 'data/up.bin'
        $a.FullName | Should -BeExactly "gs://$Bucket/$p/.lamindb/$($a.Uid).bin"
        $a.Size | Should -Be $Size
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly (Get-Md5Hash ([IO.File]::ReadAllBytes($f.FullName)))
        $stored = Get-GcsObject $G $Bucket (ObjectKeyOf $a)
        $stored.Status | Should -Be 200
        ShaBytes $stored.Bytes | Should -BeExactly (Sha $f.FullName)
        Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'back.bin')).FullName | Should -BeExactly (Sha $f.FullName)
        Get-GcsKeys $G $Bucket "$p/" | Should -Be (Sorted "$p/.lamindb/$($a.Uid).bin", "$p/.lamindb/storage_uid.txt")
    }

    It 'uploads a folder as a prefix of objects (md5-d) and saves the same tree back' {
        $s = New-LaminStorage (GsRoot $p)
        $d = Join-Path $t.Work 'dir'
        $null = New-TextFile (Join-Path $d 'a.txt') '0'
        $null = New-TextFile (Join-Path $d 'b.txt') '0'
        $null = New-TextFile (Join-Path $d 'sub/c d.txt') '1'
        $a = Add-LaminArtifact $d -Storage $s.Uid -Key 'folder'
        $a.HashType | Should -BeExactly 'md5-d'
        $a.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'   # the spec's vector for files "0", "0", "1"
        $a.NFiles | Should -Be 3
        $stem = $a.Uid.Substring(0, 16)
        $a.FullName | Should -BeExactly "gs://$Bucket/$p/.lamindb/$stem"
        Get-GcsKeys $G $Bucket "$p/.lamindb/$stem/" | Should -Be (Sorted "$p/.lamindb/$stem/a.txt", "$p/.lamindb/$stem/b.txt", "$p/.lamindb/$stem/sub/c d.txt")
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'dir-back')
        Get-TreeSnapshot $back.FullName | Should -BeExactly (Get-TreeSnapshot $d)
    }

    It 'deduplicates by hash and versions by key' {
        $s = New-LaminStorage (GsRoot $p)
        $f1 = New-TextFile (Join-Path $t.Work 'v1/t.csv') "a`n1`n"
        $f2 = New-TextFile (Join-Path $t.Work 'v2/t.csv') "a`n2`n3`n"
        $v1 = Add-LaminArtifact $f1.FullName -Storage $s.Uid -Key 'tables/t.csv'
        $dup = Add-LaminArtifact $f1.FullName -Storage $s.Uid -Key 'other/t.csv' -WarningVariable w1 -WarningAction SilentlyContinue
        $dup.Uid | Should -BeExactly $v1.Uid
        "$w1" | Should -Match 'same hash'
        $v2 = Add-LaminArtifact $f2.FullName -Storage $s.Uid -Key 'tables/t.csv' -WarningAction SilentlyContinue
        $v2.Uid.Substring(0, 16) | Should -BeExactly $v1.Uid.Substring(0, 16)
        (Get-LaminArtifact -Identity $v1.Uid).IsLatest | Should -BeFalse
        @(Get-GcsKeys $G $Bucket "$p/.lamindb/").Count | Should -Be 3
        Sha (Save-LaminArtifact $v1.Uid -Destination (Join-Path $t.Work 'b1.csv')).FullName | Should -BeExactly (Sha $f1.FullName)
        Sha (Save-LaminArtifact $v2.Uid -Destination (Join-Path $t.Work 'b2.csv')).FullName | Should -BeExactly (Sha $f2.FullName)
    }

    It 'stores the file at root/key with -KeyIsVirtual $false, leaving nothing under .lamindb' {
        $s = New-LaminStorage (GsRoot $p)
        $key = 'with space/ü-ß+x.csv'
        $f = New-TextFile (Join-Path $t.Work 'x.csv') "k`n1`n"
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key $key -KeyIsVirtual $false
        $a.KeyIsVirtual | Should -BeFalse
        $a.FullName | Should -BeExactly "gs://$Bucket/$p/$key"
        ShaBytes (Get-GcsObject $G $Bucket "$p/$key").Bytes | Should -BeExactly (Sha $f.FullName)
        Get-GcsKeys $G $Bucket "$p/" | Should -Be (Sorted "$p/$key", "$p/.lamindb/storage_uid.txt")
        Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'x-back.csv')).FullName | Should -BeExactly (Sha $f.FullName)
    }

    It 'never overwrites an unregistered object at a real key (DestinationExists)' {
        $s = New-LaminStorage (GsRoot $p)
        $existing = Utf8 "existing`n"
        Send-GcsObject $G $Bucket "$p/raw/y.csv" $existing | Should -Be 200
        $f = New-TextFile (Join-Path $t.Work 'y.csv') "new`n"
        { Add-LaminArtifact $f.FullName -Storage $s.Uid -Key 'raw/y.csv' -KeyIsVirtual $false -ErrorAction Stop } | Should -Throw -ErrorId 'DestinationExists,*'
        ShaBytes (Get-GcsObject $G $Bucket "$p/raw/y.csv").Bytes | Should -BeExactly (ShaBytes $existing)
        @(Get-LaminArtifact -Storage $s.Uid).Count | Should -Be 0
        Get-GcsKeys $G $Bucket "$p/.lamindb/" | Should -Be @("$p/.lamindb/storage_uid.txt")
    }

    It 'keeps the object while an artifact is in the trash; -Permanent deletes it (files and folders)' {
        $s = New-LaminStorage (GsRoot $p)
        $f = New-RandomFile (Join-Path $t.Work 'r.bin') 2000 5
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        $d = Join-Path $t.Work 'rdir'
        $null = New-TextFile (Join-Path $d 'x.txt') 'x'
        $null = New-TextFile (Join-Path $d 'y/z.txt') 'z'
        $folder = Add-LaminArtifact $d -Storage $s.Uid
        [Text.Encoding]::UTF8.GetString((Get-GcsObject $G $Bucket "$(ObjectKeyOf $folder)/y/z.txt").Bytes) | Should -BeExactly 'z'
        Remove-LaminArtifact $a.Uid -Confirm:$false
        ShaBytes (Get-GcsObject $G $Bucket (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Remove-LaminArtifact $folder.Uid -Permanent -Confirm:$false
        Get-GcsKeys $G $Bucket "$p/" | Should -Be @("$p/.lamindb/storage_uid.txt")
    }

    It 'refuses to save an object whose bytes changed on the server (HashMismatch), writing nothing' {
        $s = New-LaminStorage (GsRoot $p)
        $f = New-RandomFile (Join-Path $t.Work 't.bin') 4096 4
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        ShaBytes (Get-GcsObject $G $Bucket (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
        $other = [byte[]]::new(4096); [Random]::new(99).NextBytes($other)
        Send-GcsObject $G $Bucket (ObjectKeyOf $a) $other | Should -Be 200
        $dest = Join-Path $t.Work 'saved/t.bin'
        { Save-LaminArtifact $a.Uid -Destination $dest -ErrorAction Stop } | Should -Throw -ErrorId 'HashMismatch,*'
        $dest | Should -Not -Exist
        (Test-LaminArtifact -Identity $a.Uid -Hash).Status | Should -Be 'Differ'
    }

    It 'moves an artifact local → GCS → S3 → local with its bytes, removing each source' {
        $gs = New-LaminStorage (GsRoot $p)
        $s3 = New-LaminStorage (Get-S3Root $servers -Prefix $p)
        $f = New-RandomFile (Join-Path $t.Work 'm.bin') (3MB + 1) 3
        $a = Add-LaminArtifact $f.FullName
        $local = $a.FullName
        $m1 = Move-LaminArtifact $a.Uid -Storage $gs.Uid -Confirm:$false -PassThru
        $m1.FullName | Should -BeExactly "gs://$Bucket/$p/.lamindb/$($a.Uid).bin"
        $local | Should -Not -Exist
        ShaBytes (Get-GcsObject $G $Bucket (ObjectKeyOf $m1)).Bytes | Should -BeExactly (Sha $f.FullName)
        $m2 = Move-LaminArtifact $a.Uid -Storage $s3.Uid -Confirm:$false -PassThru
        $m2.FullName | Should -BeExactly "s3://lamin-test/$p/.lamindb/$($a.Uid).bin"
        (Get-GcsObject $G $Bucket (ObjectKeyOf $m1)).Status | Should -Be 404
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $m2)).Bytes | Should -BeExactly (Sha $f.FullName)
        $m3 = Move-LaminArtifact $a.Uid -Storage (Get-LaminSetting).Storage.Uid -Confirm:$false -PassThru
        Sha $m3.FullName | Should -BeExactly (Sha $f.FullName)
        (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $m2)).Status | Should -Be 404
    }
}

Describe 'GCS objects registered in place' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix }
    AfterEach { Exit-Instance $t }

    It 'registers an object already in the bucket in place: key, md5 from its md5Hash, size, path; nothing copied' {
        $s = New-LaminStorage (GsRoot $p)
        $bytes = [byte[]]::new(4321); [Random]::new(9).NextBytes($bytes)
        Send-GcsObject $G $Bucket "$p/data/h.csv" $bytes | Should -Be 200
        $a = Add-LaminArtifact "gs://$Bucket/$p/data/h.csv"
        $a.KeyIsVirtual | Should -BeFalse
        $a.Key | Should -BeExactly 'data/h.csv'
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly (Get-Md5Hash $bytes)
        $a.Size | Should -Be 4321
        $a.FullName | Should -BeExactly "gs://$Bucket/$p/data/h.csv"
        $a.StorageUid | Should -BeExactly $s.Uid
        Get-GcsKeys $G $Bucket "$p/.lamindb/" | Should -Be @("$p/.lamindb/storage_uid.txt")
        ShaBytes ([IO.File]::ReadAllBytes((Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'h.csv')).FullName)) | Should -BeExactly (ShaBytes $bytes)
    }

    It 'registers a prefix in place as a folder (md5-d), without its sibling prefixes' {
        $s = New-LaminStorage (GsRoot $p)
        Send-GcsObject $G $Bucket "$p/raw/a.csv" (Utf8 '0') | Should -Be 200
        Send-GcsObject $G $Bucket "$p/raw/b.csv" (Utf8 '0') | Should -Be 200
        Send-GcsObject $G $Bucket "$p/raw/sub/c.csv" (Utf8 '1') | Should -Be 200
        Send-GcsObject $G $Bucket "$p/raw2/z.csv" (Utf8 'not a member') | Should -Be 200
        $a = Add-LaminArtifact "gs://$Bucket/$p/raw"
        $a.HashType | Should -BeExactly 'md5-d'
        $a.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'
        $a.NFiles | Should -Be 3
        $a.FullName | Should -BeExactly "gs://$Bucket/$p/raw"
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'raw-back')
        (Get-ChildItem $back.FullName -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($back.FullName, $_.FullName).Replace('\', '/') + '=' + [IO.File]::ReadAllText($_.FullName) } | Sort-Object) -join ';' |
            Should -BeExactly 'a.csv=0;b.csv=0;sub/c.csv=1'
    }

    It 'ignores a directory placeholder object (the zero-byte "prefix/" name consoles create) in a prefix registered in place' {
        $s = New-LaminStorage (GsRoot $p)
        Send-GcsObject $G $Bucket "$p/dirp/" ([byte[]]@()) | Should -Be 200
        Send-GcsObject $G $Bucket "$p/dirp/a.csv" (Utf8 '0') | Should -Be 200
        $local = Join-Path $t.Work 'same'
        $null = New-TextFile (Join-Path $local 'a.csv') '0'
        $a = Add-LaminArtifact "gs://$Bucket/$p/dirp"
        $a.NFiles | Should -Be 1
        $a.Size | Should -Be 1
        $a.Hash | Should -BeExactly (Get-FolderHash $local)
        # Not saved back here: the emulator answers a download of "dirp/" with a Content-Disposition
        # header .NET refuses (filename*= empty); the S3 test saves the same shape.
    }

    It 'refuses <Case> with <Id>' -ForEach @(
        @{ Case = 'a path in a bucket no location contains'; Kind = 'bucket'; Id = 'UnknownStorageLocation' }
        @{ Case = 'a sibling prefix that only starts with the same characters'; Kind = 'sibling'; Id = 'UnknownStorageLocation' }
        @{ Case = 'the marker (inside .lamindb)'; Kind = 'marker'; Id = 'InvalidPath' }
        @{ Case = 'the root of the location itself'; Kind = 'root'; Id = 'InvalidPath' }
        @{ Case = 'an object that does not exist'; Kind = 'missing'; Id = 'PathNotFound' }
    ) {
        $null = New-LaminStorage (GsRoot $p)
        $path = switch ($Kind) {
            'bucket' { "gs://lamin-gcs-other/$p/f.csv" }
            'sibling' { "gs://$Bucket/${p}2/f.csv" }
            'marker' { "gs://$Bucket/$p/.lamindb/storage_uid.txt" }
            'root' { GsRoot $p }
            'missing' { "gs://$Bucket/$p/nothing/here.csv" }
        }
        if ($Kind -in 'bucket', 'sibling') { Send-GcsObject $G ($path.Split('/')[2]) ($path.Split('/', 4)[3]) (Utf8 'f') | Should -Be 200 }
        $err = { Add-LaminArtifact $path -ErrorAction Stop } | Should -Throw -ErrorId "$Id,*" -PassThru
        if ($Id -eq 'UnknownStorageLocation') {
            $bucketOf = $path.Split('/')[2]
            $err.Exception.Message.Contains("New-LaminStorage -Root 'gs://$bucketOf'") | Should -BeTrue -Because $err.Exception.Message
        }
        @(Get-LaminArtifact).Count | Should -Be 0
    }

    It 'keeps an object registered in place on Remove-LaminArtifact -Permanent, and deletes it with -DeleteFile' {
        $s = New-LaminStorage (GsRoot $p)
        Send-GcsObject $G $Bucket "$p/keep/k.csv" (Utf8 "k`n") | Should -Be 200
        Send-GcsObject $G $Bucket "$p/keep/d.csv" (Utf8 "d`n") | Should -Be 200
        $k = Add-LaminArtifact "gs://$Bucket/$p/keep/k.csv"
        $d = Add-LaminArtifact "gs://$Bucket/$p/keep/d.csv"
        Remove-LaminArtifact $k.Uid -Permanent -Confirm:$false
        Remove-LaminArtifact $d.Uid -Permanent -DeleteFile -Confirm:$false
        (Get-GcsObject $G $Bucket "$p/keep/k.csv").Status | Should -Be 200
        (Get-GcsObject $G $Bucket "$p/keep/d.csv").Status | Should -Be 404
    }
}

Describe 'GCS emptiness and removal' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix }
    AfterEach { Exit-Instance $t }

    It 'refuses to remove a location whose .lamindb/ holds a stray object (StorageNotEmpty, listing it)' {
        $s = New-LaminStorage (GsRoot $p)
        Send-GcsObject $G $Bucket "$p/.lamindb/stray.txt" (Utf8 'stray') | Should -Be 200
        $err = { Remove-LaminStorage $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotEmpty,*' -PassThru
        $err.Exception.Message | Should -Match '\.lamindb/stray\.txt'
        (Get-Marker $p).Lines[0] | Should -BeExactly $s.Uid
    }

    It 'refuses to remove a location that holds artifacts, trashed ones too (StorageHasArtifacts)' {
        $s = New-LaminStorage (GsRoot $p)
        $f = New-RandomFile (Join-Path $t.Work 'h.bin') 300 3
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        Remove-LaminArtifact $a.Uid -Confirm:$false
        { Remove-LaminStorage $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StorageHasArtifacts,*'
        (Get-Marker $p).Lines[0] | Should -BeExactly $s.Uid
        ShaBytes (Get-GcsObject $G $Bucket (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
    }

    It 'removes an empty location: the marker goes, objects outside .lamindb/ stay' {
        $s = New-LaminStorage (GsRoot $p)
        Send-GcsObject $G $Bucket "$p/outside/keep.txt" (Utf8 'keep') | Should -Be 200
        Remove-LaminStorage $s.Uid -Confirm:$false
        Get-GcsKeys $G $Bucket "$p/" | Should -Be @("$p/outside/keep.txt")
        { Get-LaminStorage -Identity $s.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'RecordNotFound,*'
    }
}

Describe 'Real GCS' -Tag RealCloud {
    # Excluded by default. Needs Google application default credentials and, unlike the emulator, a
    # server that does not create buckets on the first write:
    #   $env:LAMIN_TEST_REAL_GCS_ROOT = 'gs://my-bucket/lamin-test'
    #   ... Invoke-PesterFile.ps1 -TestFile tests/Pester/Gcs.Tests.ps1 -Tag RealCloud
    BeforeAll { $script:emulator = $env:STORAGE_EMULATOR_HOST; Remove-Item Env:STORAGE_EMULATOR_HOST -ErrorAction SilentlyContinue }
    AfterAll { $env:STORAGE_EMULATOR_HOST = $script:emulator }

    It 'refuses a missing bucket with StorageNotFound, registering nothing' {
        if (-not $env:LAMIN_TEST_REAL_GCS_ROOT) { Set-ItResult -Skipped -Because 'LAMIN_TEST_REAL_GCS_ROOT is not set'; return }
        $t = Enter-Instance
        try {
            { New-LaminStorage "gs://lamin-no-such-bucket-$([guid]::NewGuid().ToString('N'))/p" -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotFound,*'
            @(Get-LaminStorage -Type gs).Count | Should -Be 0
        }
        finally { Exit-Instance $t }
    }
}
