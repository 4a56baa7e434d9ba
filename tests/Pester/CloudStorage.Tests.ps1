# S3 and GCS locations against real local servers (s3rver, the Firebase storage emulator): roots,
# region, markers and ownership, uploads and downloads verified by their bytes, in-place registration
# from metadata, removal, errors, and no secret anywhere.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-RandomFile([string] $Path, [long] $Size, [int] $Seed = 1) {
        $bytes = [byte[]]::new($Size); [Random]::new($Seed).NextBytes($bytes); [IO.File]::WriteAllBytes($Path, $bytes); Get-Item $Path
    }
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }
    function S3([string] $Prefix, [string] $Bucket = 'lamin-test') { Get-S3Root $servers -Bucket $Bucket -Prefix $Prefix }
}
AfterAll { Stop-CloudServers $script:servers }

Describe 'S3 locations' {
    BeforeEach { $t = New-TestInstance; $p = 'p' + [guid]::NewGuid().ToString('N').Substring(0, 8) }
    AfterEach { $t | Remove-TestInstance }

    It 'registers a managed root with its region, the endpoint kept in Root, the marker in the bucket' {
        $s = New-LaminStorage (S3 $p)
        $s.Root | Should -BeExactly "s3://lamin-test/$p`?endpoint_url=$($servers.S3)"
        $s.Type | Should -BeExactly 's3'
        $s.Region | Should -BeExactly 'us-east-1'
        $s.IsManaged | Should -BeTrue
        $h = Test-LaminStorage -Identity $s.Uid
        $h.MarkerUid | Should -BeExactly $s.Uid
        $h.Writable | Should -BeTrue
        $h.Healthy | Should -BeTrue
    }

    It 'keeps the endpoint in the root: the same bucket through another endpoint is another root' {
        $a = New-LaminStorage (S3 $p)
        $other = "s3://lamin-test/$p`?endpoint_url=" + $servers.S3.Replace('127.0.0.1', 'localhost')
        Get-LaminStorage -Root $a.Root | Should -Not -BeNullOrEmpty
        Get-LaminStorage -Root $other | Should -BeNullOrEmpty
        Get-LaminStorage -Root "s3://lamin-test/$p" | Should -BeNullOrEmpty
    }

    It 'refuses a missing bucket (StorageNotFound) and an unreachable endpoint (StorageUnreachable), registering nothing' {
        { New-LaminStorage ("s3://no-such-bucket?endpoint_url=" + $servers.S3) -ErrorAction Stop } | Should -Throw -ErrorId "StorageNotFound$E"
        { New-LaminStorage "s3://lamin-test?endpoint_url=http://127.0.0.1:9" -ErrorAction Stop } | Should -Throw -ErrorId "StorageUnreachable$E"
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
    }

    It 'maps refused credentials to StorageCredentialsInvalid' {
        $saved = $env:AWS_ACCESS_KEY_ID
        try {
            $env:AWS_ACCESS_KEY_ID = 'NOT-A-KEY'
            { New-LaminStorage (S3 $p) -ErrorAction Stop } | Should -Throw -ErrorId "StorageCredentialsInvalid$E"
        }
        finally { $env:AWS_ACCESS_KEY_ID = $saved }
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
    }

    It 'uploads and downloads <Name> byte for byte' -ForEach @(
        @{ Name = 'a small file (one PUT)'; Size = 1234 }
        @{ Name = 'a 17 MiB + 3 bytes file (multipart, parallel parts)'; Size = 17MB + 3 }
        @{ Name = 'a 40 MiB file (ranged parallel download)'; Size = 40MB }
    ) {
        $s = New-LaminStorage (S3 $p)
        $f = New-RandomFile (Join-Path $t.Work 'up.bin') $Size
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key "data/up.bin"
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/.lamindb/$($a.Uid).bin"
        $a.Size | Should -Be $Size
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'back.bin')
        Sha $back.FullName | Should -BeExactly (Sha $f.FullName)
        (Test-LaminArtifact -Identity $a.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'uploads a folder as a prefix (md5-d) and saves it back' {
        $s = New-LaminStorage (S3 $p)
        $d = New-Item -ItemType Directory (Join-Path $t.Work 'dir')
        [IO.File]::WriteAllText((Join-Path $d 'a'), '0'); [IO.File]::WriteAllText((Join-Path $d 'b'), '0'); [IO.File]::WriteAllText((Join-Path $d 'c'), '1')
        $a = Add-LaminArtifact $d.FullName -Storage $s.Uid -Key folder
        $a.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'dir-back')
        (Get-ChildItem $back.FullName | Sort-Object Name | ForEach-Object { [IO.File]::ReadAllText($_.FullName) }) -join '' | Should -BeExactly '001'
    }

    It 'registers an object already in the bucket in place, hash from its ETag, nothing downloaded' {
        $s = New-LaminStorage (S3 $p)
        $f = New-RandomFile (Join-Path $t.Work 'x.csv') 5000 7
        # Put the object at a real key, then drop only the record: the object stays as "existing data".
        $seed = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key 'raw/x.csv' -KeyIsVirtual $false
        Remove-LaminArtifact $seed.Uid -Permanent -Confirm:$false
        $a = Add-LaminArtifact "s3://lamin-test/$p/raw/x.csv?endpoint_url=$($servers.S3)"
        $a.KeyIsVirtual | Should -BeFalse
        $a.Key | Should -BeExactly 'raw/x.csv'
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly $seed.Hash
        $a.Size | Should -Be 5000
        $folder = Add-LaminArtifact "s3://lamin-test/$p/raw?endpoint_url=$($servers.S3)" -Key rawfolder -WarningAction SilentlyContinue
        $folder.HashType | Should -BeExactly 'md5-d'
        $folder.NFiles | Should -Be 1
    }

    It 'refuses a path no location contains, naming the New-LaminStorage to run (UnknownStorageLocation)' {
        $err = { Add-LaminArtifact "s3://lamin-other/somewhere/f.csv?endpoint_url=$($servers.S3)" -ErrorAction Stop } | Should -Throw -ErrorId "UnknownStorageLocation$E" -PassThru
        $err.Exception.Message | Should -Match 'New-LaminStorage -Root ''s3://lamin-other'
    }

    It 'sees another instance''s marker: same uid, InstanceUid __unknown__, read-only' {
        $mine = New-LaminStorage (S3 $p)
        $other = New-TestInstance -StorageFolder 'other-default'
        try {
            $theirs = New-LaminStorage (S3 $p) -WarningVariable w -WarningAction SilentlyContinue
            $theirs.Uid | Should -BeExactly $mine.Uid
            $theirs.InstanceUid | Should -BeExactly '__unknown__'
            $theirs.IsManaged | Should -BeFalse
            "$w" | Should -Match 'already marked'
            { Add-LaminArtifact (New-RandomFile (Join-Path $other.Work 'y.bin') 10).FullName -Storage $theirs.Uid -ErrorAction Stop } | Should -Throw -ErrorId "StorageReadOnly$E"
        }
        finally { $other | Remove-TestInstance }
    }

    It 'refuses removal while .lamindb holds a stray object, then frees the marker for other instances' {
        $s = New-LaminStorage (S3 $p)
        $f = New-RandomFile (Join-Path $t.Work 'stray.bin') 10
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        { Remove-LaminStorage $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageHasArtifacts$E"
        # Drop the record only: the object under .lamindb/ stays and blocks removal, listed by name.
        $null = Remove-LaminArtifact $a.Uid -Confirm:$false
        (Test-LaminArtifact -Storage $s.Uid | Where-Object Status -EQ 'Match').Count | Should -Be 1
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Remove-LaminStorage $s.Uid -Confirm:$false
        $other = New-TestInstance -StorageFolder 'next-default'
        try { (New-LaminStorage (S3 $p)).IsManaged | Should -BeTrue }
        finally { $other | Remove-TestInstance }
    }

    It 'moves artifacts between local and S3 with their bytes' {
        $s = New-LaminStorage (S3 $p)
        $f = New-RandomFile (Join-Path $t.Work 'm.bin') 3000 3
        $a = Add-LaminArtifact $f.FullName -Key 'm.bin'
        $m = Move-LaminArtifact $a.Uid -Storage $s.Uid -Confirm:$false -PassThru
        $m.FullName | Should -BeLike "s3://lamin-test/$p/.lamindb/*"
        $a.FullName | Should -Not -Exist
        Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'm-back.bin')).FullName | Should -BeExactly (Sha $f.FullName)
        $home_ = Move-LaminArtifact $a.Uid -Storage (Get-LaminSetting).Storage.Uid -Confirm:$false -PassThru
        Sha $home_.FullName | Should -BeExactly (Sha $f.FullName)
    }

    It 'moves a whole location from local disk to S3 (Move-LaminStorage) and every artifact still matches' {
        $loc = New-LaminStorage (Join-Path $t.Work 'to-move')
        1..5 | ForEach-Object { $null = Add-LaminArtifact (New-RandomFile (Join-Path $t.Work "f$_.bin") (1000 * $_) $_).FullName -Storage $loc.Uid }
        $moved = Move-LaminStorage $loc.Uid -Destination (S3 $p) -RemoveSource -Confirm:$false
        $moved.Type | Should -BeExactly 's3'
        $moved.Uid | Should -BeExactly $loc.Uid
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
        @(Get-LaminArtifact -Storage $moved.Uid).Count | Should -Be 5
    }

    It 'never writes the secret to the registry, the marker, the settings or a message' {
        $s = New-LaminStorage (S3 $p) -Verbose 4>&1 | Out-String
        $a = Add-LaminArtifact (New-RandomFile (Join-Path $t.Work 's.bin') 100).FullName -Storage (Get-LaminStorage -Type s3).Uid -Verbose 4>&1 | Out-String
        $err = try { New-LaminStorage ("s3://no-such-bucket?endpoint_url=" + $servers.S3) } catch { $_ | Out-String }
        $secret = $env:AWS_SECRET_ACCESS_KEY
        foreach ($file in Get-ChildItem $t.Root -Recurse -File -Force) {
            [IO.File]::ReadAllText($file.FullName) | Should -Not -Match ([regex]::Escape($secret)) -Because $file.FullName
        }
        $s + $a + $err | Should -Not -Match ([regex]::Escape($secret))
    }
}

Describe 'GCS locations (emulator)' {
    BeforeEach { $t = New-TestInstance; $p = 'g' + [guid]::NewGuid().ToString('N').Substring(0, 8) }
    AfterEach { $t | Remove-TestInstance }

    It 'registers gs://bucket/prefix as managed (no region), uploads and downloads byte for byte' {
        $s = New-LaminStorage "gs://lamin-gcs/$p"
        $s.Type | Should -BeExactly 'gs'
        $s.Region | Should -BeNullOrEmpty
        $s.IsManaged | Should -BeTrue
        (Test-LaminStorage -Identity $s.Uid).MarkerUid | Should -BeExactly $s.Uid
        $f = New-RandomFile (Join-Path $t.Work 'g.bin') (3MB + 17) 5
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        $a.FullName | Should -BeExactly "gs://lamin-gcs/$p/.lamindb/$($a.Uid).bin"
        Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'g-back.bin')).FullName | Should -BeExactly (Sha $f.FullName)
        (Test-LaminArtifact -Identity $a.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'registers an existing object in place with the md5Hash of its metadata' {
        $s = New-LaminStorage "gs://lamin-gcs/$p"
        $f = New-RandomFile (Join-Path $t.Work 'h.csv') 4321 9
        $seed = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key 'raw/h.csv' -KeyIsVirtual $false
        Remove-LaminArtifact $seed.Uid -Permanent -Confirm:$false
        $a = Add-LaminArtifact "gs://lamin-gcs/$p/raw/h.csv"
        $a.Key | Should -BeExactly 'raw/h.csv'
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly $seed.Hash
    }
}
