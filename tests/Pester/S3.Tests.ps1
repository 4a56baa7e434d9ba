# S3 locations against real local servers (issue 4; SPEC rules 1–5, 19–24, §6): roots and regions,
# markers and the three ownership cases, uploads (single PUT and multipart) and downloads checked by
# their bytes on the server and after Save-LaminArtifact, objects registered in place from their
# metadata, emptiness and removal, failures from the server, and no secret anywhere.
#
# Servers: the main s3rver (Start-CloudServers, buckets lamin-test and lamin-other), and from
# Start-S3ExtraServers a second, independent s3rver (another endpoint with the same bucket name) and a
# proxy in front of the main s3rver that fails chosen requests the way real S3 does and s3rver can't
# (403, 5xx, region headers, dropped connections) and logs every request.
# s3rver accepts only the access key id S3RVER but does not verify V4 signatures: any secret passes,
# so this file runs with a distinctive secret and the last test looks for it everywhere.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:extra = Start-S3ExtraServers $servers
    $script:Secret = 'LaminCanarySecret' + [guid]::NewGuid().ToString('N')
    $env:AWS_SECRET_ACCESS_KEY = $Secret

    # Every test instance stays on disk until the end of the file, so the last test can search its
    # registry and settings for the secret; everything said to the user is kept for the same reason.
    $script:Kept = [System.Collections.Generic.List[object]]::new()
    $script:Messages = [System.Collections.Generic.List[string]]::new()

    function Enter-Instance([switch] $NoInstance) {
        $i = New-TestInstance -NoInstance:$NoInstance
        $script:Kept.Add($i)
        $i
    }
    function Exit-Instance($Instance) {
        foreach ($k in $Instance.SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $Instance.SavedEnv[$k]) }
        Get-ChildItem -LiteralPath $Instance.Work -Force -ErrorAction SilentlyContinue | Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    }
    function Save-Message {
        <# Keeps an error record (message, inner exceptions, target) or any text for the secret scan; passes it on. #>
        param([Parameter(ValueFromPipeline)] $Item)
        process {
            if ($null -eq $Item) { return }
            if ($Item -is [System.Management.Automation.ErrorRecord]) {
                $script:Messages.Add(($Item | Out-String))
                $script:Messages.Add($Item.Exception.ToString())
                $script:Messages.Add("$($Item.TargetObject)")
            }
            else { $script:Messages.Add(($Item | Out-String)) }
            $Item
        }
    }
    function New-Prefix { 'p' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
    function S3Root([string] $Prefix, [string] $Endpoint = $servers.S3, [string] $Bucket = 'lamin-test') {
        $path = if ($Prefix) { "$Bucket/$Prefix" } else { $Bucket }
        "s3://$path`?endpoint_url=$Endpoint"
    }
    function ObjectKeyOf($Artifact) {
        # s3://bucket/p/.lamindb/x.bin -> p/.lamindb/x.bin
        $Artifact.FullName.Substring($Artifact.FullName.IndexOf('/', 5) + 1)
    }
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
    function ConvertTo-B64Url22([byte[]] $Digest) { [Convert]::ToBase64String($Digest).TrimEnd('=').Replace('+', '-').Replace('/', '_').Substring(0, 22) }
    function Get-Md5Hash([byte[]] $Bytes) { ConvertTo-B64Url22 ([Security.Cryptography.MD5]::HashData($Bytes)) }
    function Get-Sha1FlHash([string] $Path) {
        # SPEC rule 21: sha1(sha1(first 50 MiB) ‖ sha1(last 50 MiB)), computed here independently.
        $fs = [IO.File]::OpenRead($Path)
        try {
            $first = [byte[]]::new(50MB); $fs.ReadExactly($first, 0, $first.Length)
            $null = $fs.Seek(-50MB, [IO.SeekOrigin]::End)
            $last = [byte[]]::new(50MB); $fs.ReadExactly($last, 0, $last.Length)
        }
        finally { $fs.Dispose() }
        $sha1 = [Security.Cryptography.SHA1]
        ConvertTo-B64Url22 ($sha1::HashData([byte[]]($sha1::HashData($first) + $sha1::HashData($last))))
    }
    function Get-FolderHash([string] $Path) {
        # SPEC rule 21: md5 over the concatenated md5 digests of the sorted member hash strings (members ≤ 50 MiB here).
        $hashes = [string[]]@(Get-ChildItem -LiteralPath $Path -Recurse -File -Force | ForEach-Object { Get-Md5Hash ([IO.File]::ReadAllBytes($_.FullName)) })
        [Array]::Sort($hashes, [StringComparer]::Ordinal)
        $md5 = [Security.Cryptography.MD5]
        $concat = [byte[]]@($hashes | ForEach-Object { $md5::HashData((Utf8 $_)) } | ForEach-Object { $_ })
        ConvertTo-B64Url22 ($md5::HashData($concat))
    }
    function Get-Marker([string] $Endpoint, [string] $Bucket, [string] $Prefix) {
        $key = if ($Prefix) { "$Prefix/.lamindb/storage_uid.txt" } else { '.lamindb/storage_uid.txt' }
        $o = Get-S3Object $Endpoint $Bucket $key
        [pscustomobject]@{
            Status = $o.Status
            Bytes  = $o.Bytes
            Lines  = if ($o.Bytes) { [Text.Encoding]::UTF8.GetString($o.Bytes) -split "`r?`n" } else { @() }
        }
    }
    function Get-ClosedPort {
        $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start()
        $port = $l.LocalEndpoint.Port; $l.Stop(); $port
    }
    function Sorted([string[]] $Keys) { @($Keys | Sort-Object -CaseSensitive) }
}

AfterAll {
    if ($script:extra) { Stop-CloudServers $script:extra }
    Stop-CloudServers $script:servers
    foreach ($i in $script:Kept) { Remove-TestFolder -Path $i.Root }
}

Describe 'S3 roots and regions' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix; Set-S3ProxyRule $extra }
    AfterEach { Exit-Instance $t }

    It 'registers s3://bucket/prefix?endpoint_url=…: the endpoint kept in Root, type s3, region, managed by this instance' {
        $s = New-LaminStorage (S3Root $p)
        $s.Root | Should -BeExactly "s3://lamin-test/$p`?endpoint_url=$($servers.S3)"
        $s.Type | Should -BeExactly 's3'
        $s.Region | Should -BeExactly 'us-east-1'
        $s.InstanceUid | Should -BeExactly $t.Instance.Uid
        $s.IsManaged | Should -BeTrue
        $s.Host | Should -BeNullOrEmpty
        $s.Uid | Should -MatchExactly '^[0-9A-Za-z]{12}$'
        (Get-LaminStorage -Root $s.Root).Uid | Should -BeExactly $s.Uid
        @(Get-LaminStorage -Type s3).Count | Should -Be 1
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $s.Uid
    }

    It 'registers a whole bucket (s3://bucket): the marker at the top of the bucket, freed again on removal' {
        $root = "s3://lamin-other?endpoint_url=$($servers.S3)"
        $s = New-LaminStorage $root
        $s.Root | Should -BeExactly $root
        $s.IsManaged | Should -BeTrue
        $m = Get-Marker $servers.S3 'lamin-other' ''
        $m.Status | Should -Be 200
        $m.Lines[0] | Should -BeExactly $s.Uid
        Remove-LaminStorage $s.Uid -Confirm:$false
        (Get-Marker $servers.S3 'lamin-other' '').Status | Should -Be 404
    }

    It 'drops trailing slashes of the prefix and of the endpoint; the same root spelled otherwise returns the record with a warning' {
        $s = New-LaminStorage "s3://lamin-test/$p/?endpoint_url=$($servers.S3)/"
        $s.Root | Should -BeExactly (S3Root $p)
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be @("$p/.lamindb/storage_uid.txt")
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $s.Uid
        $again = New-LaminStorage "s3://lamin-test/$p//?endpoint_url=$($servers.S3)" -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        $again.Uid | Should -BeExactly $s.Uid
        "$w" | Should -Match 'existing'
        @(Get-LaminStorage -Type s3).Count | Should -Be 1
    }

    It 'treats the same bucket and prefix behind two endpoints (two servers) as two locations' {
        $a = New-LaminStorage (S3Root $p)
        $b = New-LaminStorage (S3Root $p $extra.Second)
        $b.Root | Should -BeExactly (S3Root $p $extra.Second)
        $b.Uid | Should -Not -BeExactly $a.Uid
        $a.IsManaged | Should -BeTrue
        $b.IsManaged | Should -BeTrue
        @(Get-LaminStorage -Type s3).Count | Should -Be 2
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $a.Uid
        (Get-Marker $extra.Second lamin-test $p).Lines[0] | Should -BeExactly $b.Uid
        $f = New-RandomFile (Join-Path $t.Work 'two.bin') 4000 2
        $art = Add-LaminArtifact $f.FullName -Storage $b.Uid
        (Get-S3Object $extra.Second lamin-test (ObjectKeyOf $art)).Status | Should -Be 200
        (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $art)).Status | Should -Be 404
        Sha (Save-LaminArtifact $art.Uid -Destination (Join-Path $t.Work 'two-back.bin')).FullName | Should -BeExactly (Sha $f.FullName)
    }

    It 'recognises the same server under another host name by its marker: the existing record, a warning, nothing new' {
        $a = New-LaminStorage (S3Root $p)
        $alias = S3Root $p ($servers.S3.Replace('127.0.0.1', 'localhost'))
        $again = New-LaminStorage $alias -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        $again.Uid | Should -BeExactly $a.Uid
        $again.Root | Should -BeExactly $a.Root
        "$w" | Should -Match 'already registered'
        @(Get-LaminStorage -Type s3).Count | Should -Be 1
    }

    It 'reads the region from the bucket, not from AWS_REGION: s3rver sends no region header, GetBucketLocation answers (us-east-1)' {
        Set-S3ProxyRule $extra
        $env:AWS_REGION = 'eu-central-1'
        try { $s = New-LaminStorage (S3Root $p $extra.Proxy) }
        finally { $env:AWS_REGION = 'us-east-1' }
        $s.Region | Should -BeExactly 'us-east-1'
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $s.Uid
        $log = Get-S3ProxyLog $extra
        @($log | Where-Object { $_.Method -eq 'HEAD' -and $_.Url -match '^/lamin-test/?$' }).Count | Should -Be 1
        @($log | Where-Object { $_.Method -eq 'GET' -and $_.Url -match '^/lamin-test/?\?location' }).Count | Should -Be 1
    }

    It 'takes the region from HeadBucket''s x-amz-bucket-region header when the server sends one (as AWS does)' {
        Set-S3ProxyRule $extra @(@{ Method = 'HEAD'; Match = '^/lamin-test/?$'; Status = 200; Headers = @{ 'x-amz-bucket-region' = 'eu-west-2' } })
        $s = New-LaminStorage (S3Root $p $extra.Proxy)
        $s.Region | Should -BeExactly 'eu-west-2'
        @(Get-S3ProxyLog $extra | Where-Object Url -Match '\?location').Count | Should -Be 0
        $s.IsManaged | Should -BeTrue
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $s.Uid
    }

    It 'takes the region from the x-amz-bucket-region header of a 403 HeadBucket too (SPEC rule 4)' {
        # AWS answers HeadBucket with 403 and the region header when the caller may not list the bucket.
        Set-S3ProxyRule $extra @(@{ Method = 'HEAD'; Match = '^/lamin-test/?$'; Status = 403; Headers = @{ 'x-amz-bucket-region' = 'eu-west-2' } })
        $s = New-LaminStorage (S3Root $p $extra.Proxy) -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        $s.Region | Should -BeExactly 'eu-west-2'
    }

    It 'refuses a missing bucket with StorageNotFound: nothing registered, no bucket created' {
        $err = { New-LaminStorage (S3Root $p -Bucket 'no-such-bucket') -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotFound,*' -PassThru | Save-Message
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'no-such-bucket'
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
        (Invoke-WebRequest "$($servers.S3)/no-such-bucket" -SkipHttpErrorCheck).StatusCode | Should -Be 404
    }

    It 'refuses an unreachable endpoint (a closed port) with StorageUnreachable, registering nothing' {
        $root = S3Root $p "http://127.0.0.1:$(Get-ClosedPort)"
        $err = { New-LaminStorage $root -ErrorAction Stop } | Should -Throw -ErrorId 'StorageUnreachable,*' -PassThru | Save-Message
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -Match '127\.0\.0\.1'
        @(Get-LaminStorage).Root | Should -Not -Contain $root
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
    }

    It 'refuses an access key id the server does not know with StorageCredentialsInvalid; the right key works again at once' {
        $saved = $env:AWS_ACCESS_KEY_ID
        try {
            $env:AWS_ACCESS_KEY_ID = 'NOT-A-KNOWN-KEY'
            $err = { New-LaminStorage (S3Root $p) -ErrorAction Stop } | Should -Throw -ErrorId 'StorageCredentialsInvalid,*' -PassThru | Save-Message
        }
        finally { $env:AWS_ACCESS_KEY_ID = $saved }
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.Exception.Message | Should -Match 'AWS_ACCESS_KEY_ID'
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -BeNullOrEmpty
        (New-LaminStorage (S3Root $p)).IsManaged | Should -BeTrue
    }

    It 'writes nothing under -WhatIf: no record, no marker' {
        New-LaminStorage (S3Root $p) -WhatIf
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -BeNullOrEmpty
    }

    It 'refuses a marker that is not one (MarkerInvalid) and leaves it as it was' {
        $junk = [byte[]](0, 1, 2, 255, 254)
        Send-S3Object $servers.S3 lamin-test "$p/.lamindb/storage_uid.txt" $junk | Should -Be 200
        { New-LaminStorage (S3Root $p) -ErrorAction Stop } | Should -Throw -ErrorId 'MarkerInvalid,*' -PassThru | Save-Message
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
        ShaBytes (Get-Marker $servers.S3 lamin-test $p).Bytes | Should -BeExactly (ShaBytes $junk)
    }
}

Describe 'S3 markers and ownership' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix; Set-S3ProxyRule $extra }
    AfterEach { Exit-Instance $t }

    It 'writes .lamindb/storage_uid.txt under the prefix: line 1 the storage uid, then this instance''s uid; nothing else' {
        $s = New-LaminStorage (S3Root $p)
        $m = Get-Marker $servers.S3 lamin-test $p
        $m.Status | Should -Be 200
        $m.Lines[0] | Should -BeExactly $s.Uid
        $m.Lines | Should -Contain "instance_uid=$($t.Instance.Uid)"
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be @("$p/.lamindb/storage_uid.txt")
    }

    It 'another instance registering the same root gets the same uid, InstanceUid __unknown__, read-only; its removal touches nothing' {
        $mine = New-LaminStorage (S3Root $p)
        $before = (Get-Marker $servers.S3 lamin-test $p).Bytes
        $o = Enter-Instance
        try {
            $theirs = New-LaminStorage (S3Root $p) -WarningVariable w -WarningAction SilentlyContinue
            $w | Save-Message
            $theirs.Uid | Should -BeExactly $mine.Uid
            $theirs.InstanceUid | Should -BeExactly '__unknown__'
            $theirs.IsManaged | Should -BeFalse
            "$w" | Should -Match 'managed by another'
            $f = New-RandomFile (Join-Path $o.Work 'y.bin') 10
            { Add-LaminArtifact $f.FullName -Storage $theirs.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'StorageReadOnly,*' -PassThru | Save-Message
            Remove-LaminStorage $theirs.Uid -Confirm:$false
            @(Get-LaminStorage -Type s3).Count | Should -Be 0
        }
        finally { Exit-Instance $o }
        ShaBytes (Get-Marker $servers.S3 lamin-test $p).Bytes | Should -BeExactly (ShaBytes $before)
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be @("$p/.lamindb/storage_uid.txt")
        (Get-LaminStorage -Identity $mine.Uid).IsManaged | Should -BeTrue
    }

    It 'adopts a marker that carries this instance''s uid (a registry restored from backup): the marker''s storage uid, managed' {
        $instanceUid = (Get-LaminSetting).InstanceUid
        $uid = -join ((1..12) | ForEach-Object { '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[(Get-Random -Maximum 62)] })
        $text = "$uid`ncreation info:`ninstance_slug=restored`ninstance_id=$([guid]::NewGuid().ToString('N'))`ninstance_uid=$instanceUid`n"
        Send-S3Object $servers.S3 lamin-test "$p/.lamindb/storage_uid.txt" (Utf8 $text) | Should -Be 200
        $s = New-LaminStorage (S3Root $p)
        $s.Uid | Should -BeExactly $uid
        $s.InstanceUid | Should -BeExactly $instanceUid
        $s.IsManaged | Should -BeTrue
        [Text.Encoding]::UTF8.GetString((Get-Marker $servers.S3 lamin-test $p).Bytes) | Should -BeExactly $text
    }

    It 'frees the marker on removal: a third instance then manages the root with a new uid' {
        $first = New-LaminStorage (S3Root $p)
        Remove-LaminStorage $first.Uid -Confirm:$false
        (Get-Marker $servers.S3 lamin-test $p).Status | Should -Be 404
        $o = Enter-Instance
        try {
            $third = New-LaminStorage (S3Root $p)
            $third.IsManaged | Should -BeTrue
            $third.InstanceUid | Should -BeExactly $o.Instance.Uid
            $third.Uid | Should -Not -BeExactly $first.Uid
            (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $third.Uid
        }
        finally { Exit-Instance $o }
    }

    It 'registers read-only (InstanceUid $null, a warning) when the marker can''t be written; removal drops only the record' {
        Set-S3ProxyRule $extra @(@{ Method = 'PUT'; Match = 'storage_uid\.txt'; Status = 403; Code = 'AccessDenied' })
        $s = New-LaminStorage (S3Root $p $extra.Proxy) -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        $s.InstanceUid | Should -BeNullOrEmpty
        $s.IsManaged | Should -BeFalse
        "$w" | Should -Match 'write access'
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -BeNullOrEmpty
        $f = New-RandomFile (Join-Path $t.Work 'ro.bin') 10
        { Add-LaminArtifact $f.FullName -Storage $s.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'StorageReadOnly,*' -PassThru | Save-Message
        Set-S3ProxyRule $extra
        Remove-LaminStorage $s.Uid -Confirm:$false
        @(Get-LaminStorage -Type s3).Count | Should -Be 0
        @(Get-S3ProxyLog $extra | Where-Object Method -In 'PUT', 'POST', 'DELETE').Count | Should -Be 0
    }

    It 'registers read-only when the marker can''t be read (403), writing nothing' {
        Set-S3ProxyRule $extra @(@{ Method = 'GET'; Match = 'storage_uid\.txt'; Status = 403; Code = 'AccessDenied' })
        $s = New-LaminStorage (S3Root $p $extra.Proxy) -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        $s.IsManaged | Should -BeFalse
        $s.InstanceUid | Should -BeNullOrEmpty
        "$w" | Should -Match 'read access'
        @(Get-S3ProxyLog $extra | Where-Object Method -EQ 'PUT').Count | Should -Be 0
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -BeNullOrEmpty
    }
}

Describe 'S3 artifacts: upload, download, versions, moves, removal' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix; Set-S3ProxyRule $extra }
    AfterEach { Exit-Instance $t }

    It 'uploads <Name> (<Size> bytes) in <Parts> part(s) and downloads it byte for byte' -ForEach @(
        @{ Name = 'a small file'; Size = 1234; Parts = 1 }
        @{ Name = '8 MiB exactly, the largest single PUT'; Size = 8MB; Parts = 1 }
        @{ Name = '8 MiB + 1 byte, the smallest multipart upload'; Size = 8MB + 1; Parts = 2 }
        @{ Name = '17 MiB + 3 bytes'; Size = 17MB + 3; Parts = 3 }
        @{ Name = '20 MiB'; Size = 20MB; Parts = 3 }
        @{ Name = '24 MiB, three full parts'; Size = 24MB; Parts = 3 }
    ) {
        $s = New-LaminStorage (S3Root $p $extra.Proxy)
        $f = New-RandomFile (Join-Path $t.Work 'up.bin') $Size ($Size % 100000)
        Set-S3ProxyRule $extra
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key 'data/up.bin'
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/.lamindb/$($a.Uid).bin"
        $a.Key | Should -BeExactly 'data/up.bin'
        $a.KeyIsVirtual | Should -BeTrue
        $a.Size | Should -Be $Size
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly (Get-Md5Hash ([IO.File]::ReadAllBytes($f.FullName)))
        $log = Get-S3ProxyLog $extra
        $writes = @($log | Where-Object { $_.Method -eq 'PUT' -and $_.Url -like "/lamin-test/$p/.lamindb/$($a.Uid).bin*" })
        if ($Parts -eq 1) {
            $writes.Count | Should -Be 1
            $writes[0].Url | Should -Not -Match 'uploadId'
        }
        else {
            @($writes | Where-Object Url -Match 'partNumber=').Count | Should -Be $Parts
            @($log | Where-Object { $_.Method -eq 'POST' -and $_.Url -match '\?uploads' }).Count | Should -Be 1
            @($log | Where-Object { $_.Method -eq 'POST' -and $_.Url -match '\?uploadId=' }).Count | Should -Be 1
        }
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'back.bin')
        Sha $back.FullName | Should -BeExactly (Sha $f.FullName)
        # No temporary or partial object is left beside the artifact.
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be (Sorted "$p/.lamindb/$($a.Uid).bin", "$p/.lamindb/storage_uid.txt")
    }

    It 'uploads and downloads an empty file' {
        $s = New-LaminStorage (S3Root $p)
        $f = New-RandomFile (Join-Path $t.Work 'empty.bin') 0
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        $a.Size | Should -Be 0
        $a.Hash | Should -BeExactly '1B2M2Y8AsgTpgAmY7PhCfg'
        $o = Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)
        $o.Status | Should -Be 200
        $o.Bytes.Length | Should -Be 0
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'empty-back.bin')
        $back.Length | Should -Be 0
    }

    It 'hashes a file above 50 MiB as sha1-fl and downloads it in parallel ranges, byte for byte' {
        $s = New-LaminStorage (S3Root $p $extra.Proxy)
        $f = New-RandomFile (Join-Path $t.Work 'huge.bin') (60MB + 5) 60
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        $a.HashType | Should -BeExactly 'sha1-fl'
        $a.Hash | Should -BeExactly (Get-Sha1FlHash $f.FullName)
        Set-S3ProxyRule $extra
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'huge-back.bin')
        Sha $back.FullName | Should -BeExactly (Sha $f.FullName)
        @(Get-S3ProxyLog $extra | Where-Object { $_.Method -eq 'GET' -and $_.Range }).Count | Should -BeGreaterThan 1
    }

    It 'uploads a folder as a prefix of objects (md5-d) and saves the same tree back' {
        $s = New-LaminStorage (S3Root $p)
        $d = Join-Path $t.Work 'dir'
        $null = New-TextFile (Join-Path $d 'a.txt') '0'
        $null = New-TextFile (Join-Path $d 'b.txt') '0'
        $null = New-TextFile (Join-Path $d 'sub/c.txt') '1'
        Get-FolderHash $d | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'   # the spec's vector: this file's helper is right
        $null = New-RandomFile (Join-Path $d 'sub/deeper/d e.bin') (9MB + 7) 9   # a multipart member
        $a = Add-LaminArtifact $d -Storage $s.Uid -Key 'folder'
        $a.HashType | Should -BeExactly 'md5-d'
        $a.Hash | Should -BeExactly (Get-FolderHash $d)
        $a.NFiles | Should -Be 4
        $a.Size | Should -Be (3 + 9MB + 7)
        $stem = $a.Uid.Substring(0, 16)   # folders live at .lamindb/<stem>: their versions share one prefix
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/.lamindb/$stem"
        $members = "a.txt", "b.txt", "sub/c.txt", "sub/deeper/d e.bin" | ForEach-Object { "$p/.lamindb/$stem/$_" }
        Get-S3Keys $servers.S3 lamin-test "$p/.lamindb/$stem/" | Should -Be (Sorted $members)
        ShaBytes (Get-S3Object $servers.S3 lamin-test "$p/.lamindb/$stem/sub/deeper/d e.bin").Bytes | Should -BeExactly (Sha (Join-Path $d 'sub/deeper/d e.bin'))
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'dir-back')
        Get-TreeSnapshot $back.FullName | Should -BeExactly (Get-TreeSnapshot $d)
    }

    It 'deduplicates by hash: the same bytes again return the existing artifact with a warning, no second object' {
        $s = New-LaminStorage (S3Root $p)
        $f = New-RandomFile (Join-Path $t.Work 'a.bin') 5000 11
        $g = Copy-Item $f.FullName (Join-Path $t.Work 'b.bin') -PassThru
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        $b = Add-LaminArtifact $g.FullName -Storage $s.Uid -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        $b.Uid | Should -BeExactly $a.Uid
        "$w" | Should -Match 'same hash'
        @(Get-LaminArtifact -Storage $s.Uid).Count | Should -Be 1
        @(Get-S3Keys $servers.S3 lamin-test "$p/.lamindb/").Count | Should -Be 2
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
    }

    It 'versions by key: new content under a known key is the next version, each version keeps its own bytes' {
        $s = New-LaminStorage (S3Root $p)
        $f1 = New-TextFile (Join-Path $t.Work 'v1/t.csv') "a,b`n1,2`n"
        $f2 = New-TextFile (Join-Path $t.Work 'v2/t.csv') "a,b`n3,4`n5,6`n"
        $v1 = Add-LaminArtifact $f1.FullName -Storage $s.Uid -Key 'tables/t.csv'
        $v2 = Add-LaminArtifact $f2.FullName -Storage $s.Uid -Key 'tables/t.csv' -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        "$w" | Should -Match 'new artifact version'
        $v2.Uid.Substring(0, 16) | Should -BeExactly $v1.Uid.Substring(0, 16)
        $v2.Uid | Should -Not -BeExactly $v1.Uid
        $v2.IsLatest | Should -BeTrue
        (Get-LaminArtifact -Identity $v1.Uid).IsLatest | Should -BeFalse
        @(Get-LaminArtifact -Key 'tables/t.csv' -AllVersions).Count | Should -Be 2
        (Get-LaminArtifact -Key 'tables/t.csv').Uid | Should -BeExactly $v2.Uid
        Sha (Save-LaminArtifact $v1.Uid -Destination (Join-Path $t.Work 'b1.csv')).FullName | Should -BeExactly (Sha $f1.FullName)
        Sha (Save-LaminArtifact $v2.Uid -Destination (Join-Path $t.Work 'b2.csv')).FullName | Should -BeExactly (Sha $f2.FullName)
        (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $v1)).Status | Should -Be 200
        (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $v2)).Status | Should -Be 200
    }

    It 'stores the file at root/key with -KeyIsVirtual $false (key ''<Key>''), leaving nothing under .lamindb' -ForEach @(
        @{ Key = 'tables/x.csv' }
        @{ Key = 'with space/ü-ß+x.csv' }
    ) {
        $s = New-LaminStorage (S3Root $p)
        $f = New-TextFile (Join-Path $t.Work 'x.csv') "k,v`n$Key,1`n"
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key $Key -KeyIsVirtual $false
        $a.KeyIsVirtual | Should -BeFalse
        $a.Key | Should -BeExactly $Key
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/$Key"
        ShaBytes (Get-S3Object $servers.S3 lamin-test "$p/$Key").Bytes | Should -BeExactly (Sha $f.FullName)
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be (Sorted "$p/$Key", "$p/.lamindb/storage_uid.txt")
        Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'x-back.csv')).FullName | Should -BeExactly (Sha $f.FullName)
    }

    It 'never overwrites an unregistered object at a real key (DestinationExists) and leaves no temporary behind' {
        $s = New-LaminStorage (S3Root $p)
        $existing = Utf8 "existing data`n"
        Send-S3Object $servers.S3 lamin-test "$p/raw/y.csv" $existing | Should -Be 200
        $f = New-TextFile (Join-Path $t.Work 'y.csv') "new data`n"
        { Add-LaminArtifact $f.FullName -Storage $s.Uid -Key 'raw/y.csv' -KeyIsVirtual $false -ErrorAction Stop } | Should -Throw -ErrorId 'DestinationExists,*' -PassThru | Save-Message
        ShaBytes (Get-S3Object $servers.S3 lamin-test "$p/raw/y.csv").Bytes | Should -BeExactly (ShaBytes $existing)
        @(Get-LaminArtifact -Storage $s.Uid).Count | Should -Be 0
        Get-S3Keys $servers.S3 lamin-test "$p/.lamindb/" | Should -Be @("$p/.lamindb/storage_uid.txt")
    }

    It 'moves a file from local storage to S3 and back with its bytes, removing each source' {
        $s = New-LaminStorage (S3Root $p)
        $f = New-RandomFile (Join-Path $t.Work 'm.bin') 3000 3
        $a = Add-LaminArtifact $f.FullName -Key 'm.bin'
        $localPath = $a.FullName
        $localPath | Should -Exist
        $m = Move-LaminArtifact $a.Uid -Storage $s.Uid -Confirm:$false -PassThru
        $m.FullName | Should -BeExactly "s3://lamin-test/$p/.lamindb/$($a.Uid).bin"
        $m.StorageUid | Should -BeExactly $s.Uid
        $localPath | Should -Not -Exist
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $m)).Bytes | Should -BeExactly (Sha $f.FullName)
        $home_ = Move-LaminArtifact $a.Uid -Storage (Get-LaminSetting).Storage.Uid -Confirm:$false -PassThru
        $home_.FullName | Should -Exist
        Sha $home_.FullName | Should -BeExactly (Sha $f.FullName)
        (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $m)).Status | Should -Be 404
    }

    It 'moves a folder from local storage to S3 as a prefix and saves the same tree back' {
        $s = New-LaminStorage (S3Root $p)
        $d = Join-Path $t.Work 'mdir'
        $null = New-TextFile (Join-Path $d 'one.txt') 'one'
        $null = New-RandomFile (Join-Path $d 'two/two.bin') 70000 2
        $a = Add-LaminArtifact $d -Key 'mdir'
        $m = Move-LaminArtifact $a.Uid -Storage $s.Uid -Confirm:$false -PassThru
        $stem = $a.Uid.Substring(0, 16)
        $m.FullName | Should -BeExactly "s3://lamin-test/$p/.lamindb/$stem"
        Get-S3Keys $servers.S3 lamin-test "$p/.lamindb/$stem/" | Should -Be (Sorted "$p/.lamindb/$stem/one.txt", "$p/.lamindb/$stem/two/two.bin")
        Test-Path (Join-Path $t.Storage ".lamindb/$stem") | Should -BeFalse
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'mdir-back')
        Get-TreeSnapshot $back.FullName | Should -BeExactly (Get-TreeSnapshot $d)
    }

    It 'keeps the object while an artifact is in the trash; -Permanent deletes it (files and folders)' {
        $s = New-LaminStorage (S3Root $p)
        $f = New-RandomFile (Join-Path $t.Work 'r.bin') 2000 5
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        $d = Join-Path $t.Work 'rdir'
        $null = New-TextFile (Join-Path $d 'x.txt') 'x'
        $null = New-TextFile (Join-Path $d 'y/z.txt') 'z'
        $folder = Add-LaminArtifact $d -Storage $s.Uid
        [Text.Encoding]::UTF8.GetString((Get-S3Object $servers.S3 lamin-test "$(ObjectKeyOf $folder)/y/z.txt").Bytes) | Should -BeExactly 'z'
        Remove-LaminArtifact $a.Uid -Confirm:$false
        (Get-LaminArtifact -Trash).Uid | Should -Contain $a.Uid
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        Remove-LaminArtifact $folder.Uid -Permanent -Confirm:$false
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be @("$p/.lamindb/storage_uid.txt")
        { Get-LaminArtifact -Identity $a.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'RecordNotFound,*'
    }

    It 'refuses to save an object whose bytes changed on the server (HashMismatch), writing nothing' {
        $s = New-LaminStorage (S3Root $p)
        $f = New-RandomFile (Join-Path $t.Work 't.bin') 4096 4
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
        $other = [byte[]]::new(4096); [Random]::new(99).NextBytes($other)
        Send-S3Object $servers.S3 lamin-test (ObjectKeyOf $a) $other | Should -Be 200
        $dest = Join-Path $t.Work 'saved/t.bin'
        { Save-LaminArtifact $a.Uid -Destination $dest -ErrorAction Stop } | Should -Throw -ErrorId 'HashMismatch,*' -PassThru | Save-Message
        $dest | Should -Not -Exist
        @(Get-ChildItem (Split-Path $dest) -Force -ErrorAction SilentlyContinue).Count | Should -Be 0
        (Test-LaminArtifact -Identity $a.Uid -Hash).Status | Should -Be 'Differ'
    }

    It 'writes new artifacts to S3 when it is the default storage, and refuses to remove it while it is (StorageIsDefault)' {
        $s = New-LaminStorage (S3Root $p)
        Set-LaminSetting -Storage $s.Root -Confirm:$false
        (Get-LaminSetting).Storage.Uid | Should -BeExactly $s.Uid
        $f = New-RandomFile (Join-Path $t.Work 'd.bin') 777 7
        $a = Add-LaminArtifact $f.FullName
        $a.StorageUid | Should -BeExactly $s.Uid
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
        Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
        { Remove-LaminStorage $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StorageIsDefault,*' -PassThru | Save-Message
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $s.Uid
    }

    It 'creates an instance whose default storage is S3: the registry under LAMIN_HOME, only the marker in the bucket' {
        $o = Enter-Instance -NoInstance
        try {
            $inst = New-LaminInstance -Name "cloud-$p" -Storage (S3Root $p) -Confirm:$false -WarningAction SilentlyContinue
            $inst.Storage | Should -BeExactly (S3Root $p)
            $inst.RegistryPath | Should -BeLike "$($o.Home)*"
            $inst.RegistryPath | Should -Exist
            $default = (Get-LaminSetting).Storage
            $default.Type | Should -BeExactly 's3'
            $default.IsManaged | Should -BeTrue
            (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $default.Uid
            $f = New-RandomFile (Join-Path $o.Work 'i.bin') 1500 8
            $a = Add-LaminArtifact $f.FullName
            $a.FullName | Should -BeExactly "s3://lamin-test/$p/.lamindb/$($a.Uid).bin"
            Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $o.Work 'i-back.bin')).FullName | Should -BeExactly (Sha $f.FullName)
            Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be (Sorted "$p/.lamindb/$($a.Uid).bin", "$p/.lamindb/storage_uid.txt")
        }
        finally { Exit-Instance $o }
    }
}

Describe 'S3 objects registered in place' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix; Set-S3ProxyRule $extra }
    AfterEach { Exit-Instance $t }

    It 'registers an object already in the bucket in place: key, md5 from the ETag, size, path; nothing downloaded or copied' {
        $s = New-LaminStorage (S3Root $p $extra.Proxy)
        $bytes = [byte[]]::new(5000); [Random]::new(21).NextBytes($bytes)
        Send-S3Object $servers.S3 lamin-test "$p/data/x.csv" $bytes | Should -Be 200
        Set-S3ProxyRule $extra
        $a = Add-LaminArtifact "s3://lamin-test/$p/data/x.csv?endpoint_url=$($extra.Proxy)"
        $a.KeyIsVirtual | Should -BeFalse
        $a.Key | Should -BeExactly 'data/x.csv'
        $a.Suffix | Should -BeExactly '.csv'
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly (Get-Md5Hash $bytes)
        $a.Size | Should -Be 5000
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/data/x.csv"
        $a.StorageUid | Should -BeExactly $s.Uid
        @(Get-S3ProxyLog $extra | Where-Object { $_.Method -eq 'GET' -and $_.Url -like "/lamin-test/$p/data/x.csv*" }).Count | Should -Be 0
        @(Get-S3ProxyLog $extra | Where-Object Method -In 'PUT', 'POST').Count | Should -Be 0
        Get-S3Keys $servers.S3 lamin-test "$p/.lamindb/" | Should -Be @("$p/.lamindb/storage_uid.txt")
        ShaBytes ([IO.File]::ReadAllBytes((Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'x.csv')).FullName)) | Should -BeExactly (ShaBytes $bytes)
    }

    It 'registers a multipart-uploaded object in place with the md5 of its bytes (s3rver''s ETag is the whole md5); a real key survives -Permanent' {
        $s = New-LaminStorage (S3Root $p)
        $f = New-RandomFile (Join-Path $t.Work 'big.bin') (17MB + 3) 17
        $seed = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key 'raw/big.bin' -KeyIsVirtual $false
        Remove-LaminArtifact $seed.Uid -Permanent -Confirm:$false
        (Get-S3Object $servers.S3 lamin-test "$p/raw/big.bin").Status | Should -Be 200   # SPEC rule 23: not under .lamindb/, kept
        $a = Add-LaminArtifact "s3://lamin-test/$p/raw/big.bin?endpoint_url=$($servers.S3)"
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly (Get-Md5Hash ([IO.File]::ReadAllBytes($f.FullName)))
        $a.Size | Should -Be (17MB + 3)
        Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'big-back.bin')).FullName | Should -BeExactly (Sha $f.FullName)
    }

    It 'registers a prefix in place as a folder (md5-d from the ETags), without its sibling prefixes, and saves it back' {
        $s = New-LaminStorage (S3Root $p)
        Send-S3Object $servers.S3 lamin-test "$p/raw/a.csv" (Utf8 '0') | Should -Be 200
        Send-S3Object $servers.S3 lamin-test "$p/raw/b.csv" (Utf8 '0') | Should -Be 200
        Send-S3Object $servers.S3 lamin-test "$p/raw/sub/c.csv" (Utf8 '1') | Should -Be 200
        Send-S3Object $servers.S3 lamin-test "$p/raw2/z.csv" (Utf8 'not a member') | Should -Be 200
        $a = Add-LaminArtifact "s3://lamin-test/$p/raw/?endpoint_url=$($servers.S3)"
        $a.HashType | Should -BeExactly 'md5-d'
        $a.Hash | Should -BeExactly 'iGtHiFEBV3r1_TFovdQCgw'   # the spec's vector for files "0", "0", "1"
        $a.NFiles | Should -Be 3
        $a.Size | Should -Be 3
        $a.Key | Should -BeExactly 'raw'
        $a.KeyIsVirtual | Should -BeFalse
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/raw"
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'raw-back')
        (Get-ChildItem $back.FullName -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($back.FullName, $_.FullName).Replace('\', '/') + '=' + [IO.File]::ReadAllText($_.FullName) } | Sort-Object) -join ';' |
            Should -BeExactly 'a.csv=0;b.csv=0;sub/c.csv=1'
    }

    It 'ignores a directory placeholder object (the zero-byte "prefix/" key consoles create) in a prefix registered in place' {
        $s = New-LaminStorage (S3Root $p)
        Send-S3Object $servers.S3 lamin-test "$p/dirp/" ([byte[]]@()) | Should -Be 200
        Send-S3Object $servers.S3 lamin-test "$p/dirp/a.csv" (Utf8 '0') | Should -Be 200
        $local = Join-Path $t.Work 'same'
        $null = New-TextFile (Join-Path $local 'a.csv') '0'
        $a = Add-LaminArtifact "s3://lamin-test/$p/dirp?endpoint_url=$($servers.S3)"
        $a.NFiles | Should -Be 1
        $a.Size | Should -Be 1
        $a.Hash | Should -BeExactly (Get-FolderHash $local)   # the same folder on disk has the same hash
        $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'dirp-back')
        Get-TreeSnapshot $back.FullName | Should -BeExactly (Get-TreeSnapshot $local)
    }

    It 'moves an object registered in place above 50 MiB (md5 from its ETag) to local storage with its bytes' {
        $s = New-LaminStorage (S3Root $p)
        $bytes = [byte[]]::new(51MB); [Random]::new(51).NextBytes($bytes)
        Send-S3Object $servers.S3 lamin-test "$p/big/huge.bin" $bytes | Should -Be 200
        $a = Add-LaminArtifact "s3://lamin-test/$p/big/huge.bin?endpoint_url=$($servers.S3)"
        $a.HashType | Should -BeExactly 'md5'
        $a.Hash | Should -BeExactly (Get-Md5Hash $bytes)
        $m = Move-LaminArtifact $a.Uid -Storage (Get-LaminSetting).Storage.Uid -Confirm:$false -PassThru
        ShaBytes ([IO.File]::ReadAllBytes($m.FullName)) | Should -BeExactly (ShaBytes $bytes)
        (Get-S3Object $servers.S3 lamin-test "$p/big/huge.bin").Status | Should -Be 404
    }

    It 'registers an object in place under a virtual -Key: the key is the given one, the path the real object' {
        $s = New-LaminStorage (S3Root $p)
        $bytes = Utf8 "v`n1`n"
        Send-S3Object $servers.S3 lamin-test "$p/data/v.csv" $bytes | Should -Be 200
        $a = Add-LaminArtifact "s3://lamin-test/$p/data/v.csv?endpoint_url=$($servers.S3)" -Key 'named/v.csv'
        $a.Key | Should -BeExactly 'named/v.csv'
        $a.KeyIsVirtual | Should -BeTrue
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/data/v.csv"
        ShaBytes ([IO.File]::ReadAllBytes((Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'v.csv')).FullName)) | Should -BeExactly (ShaBytes $bytes)
    }

    It 'returns the existing artifact when the same object is registered in place again' {
        $s = New-LaminStorage (S3Root $p)
        Send-S3Object $servers.S3 lamin-test "$p/data/twice.csv" (Utf8 "t`n") | Should -Be 200
        $a = Add-LaminArtifact "s3://lamin-test/$p/data/twice.csv?endpoint_url=$($servers.S3)"
        $b = Add-LaminArtifact "s3://lamin-test/$p/data/twice.csv?endpoint_url=$($servers.S3)" -WarningVariable w -WarningAction SilentlyContinue
        $w | Save-Message
        $b.Uid | Should -BeExactly $a.Uid
        "$w" | Should -Match 'same storage, key and hash'
        @(Get-LaminArtifact -Storage $s.Uid).Count | Should -Be 1
    }

    It 'registers an object in the deepest location that contains it, with the key relative to that root' {
        $outer = New-LaminStorage (S3Root $p)
        $inner = New-LaminStorage (S3Root "$p/sub")
        Send-S3Object $servers.S3 lamin-test "$p/sub/d/x.csv" (Utf8 "d`n") | Should -Be 200
        $a = Add-LaminArtifact "s3://lamin-test/$p/sub/d/x.csv?endpoint_url=$($servers.S3)"
        $a.StorageUid | Should -BeExactly $inner.Uid
        $a.StorageUid | Should -Not -BeExactly $outer.Uid
        $a.Key | Should -BeExactly 'd/x.csv'
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/sub/d/x.csv"
    }

    It 'refuses <Case> with UnknownStorageLocation, naming the New-LaminStorage to run' -ForEach @(
        @{ Case = 'a path in a bucket no location contains'; Kind = 'bucket' }
        @{ Case = 'the same bucket and prefix behind another endpoint'; Kind = 'endpoint' }
        @{ Case = 'a sibling prefix that only starts with the same characters'; Kind = 'sibling' }
    ) {
        $null = New-LaminStorage (S3Root $p)
        switch ($Kind) {
            'bucket' { $endpoint = $servers.S3; $bucket = 'lamin-other'; $key = "$p/f.csv"; $suggest = "s3://lamin-other?endpoint_url=$($servers.S3)" }
            'endpoint' { $endpoint = $extra.Second; $bucket = 'lamin-test'; $key = "$p/f.csv"; $suggest = "s3://lamin-test?endpoint_url=$($extra.Second)" }
            'sibling' { $endpoint = $servers.S3; $bucket = 'lamin-test'; $key = "${p}2/f.csv"; $suggest = "s3://lamin-test?endpoint_url=$($servers.S3)" }
        }
        Send-S3Object $endpoint $bucket $key (Utf8 "f`n") | Should -Be 200   # it exists: not a PathNotFound
        $err = { Add-LaminArtifact "s3://$bucket/$key`?endpoint_url=$endpoint" -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownStorageLocation,*' -PassThru | Save-Message
        $err.Exception.Message.Contains("New-LaminStorage -Root '$suggest'") | Should -BeTrue -Because $err.Exception.Message
        @(Get-LaminArtifact).Count | Should -Be 0
    }

    It 'refuses <Case> with <Id>' -ForEach @(
        @{ Case = 'the marker (inside .lamindb)'; Kind = 'marker'; Id = 'InvalidPath' }
        @{ Case = 'an artifact''s object inside .lamindb'; Kind = 'managed'; Id = 'InvalidPath' }
        @{ Case = 'the root of the location itself'; Kind = 'root'; Id = 'InvalidPath' }
        @{ Case = 'a key that holds nothing'; Kind = 'missing'; Id = 'PathNotFound' }
    ) {
        $s = New-LaminStorage (S3Root $p)
        $existing = Add-LaminArtifact (New-RandomFile (Join-Path $t.Work 'e.bin') 100 1).FullName -Storage $s.Uid
        $path = switch ($Kind) {
            'marker' { "s3://lamin-test/$p/.lamindb/storage_uid.txt?endpoint_url=$($servers.S3)" }
            'managed' { "$($existing.FullName)?endpoint_url=$($servers.S3)" }
            'root' { S3Root $p }
            'missing' { "s3://lamin-test/$p/nothing/here.csv?endpoint_url=$($servers.S3)" }
        }
        { Add-LaminArtifact $path -ErrorAction Stop } | Should -Throw -ErrorId "$Id,*" -PassThru | Save-Message
        @(Get-LaminArtifact).Uid | Should -Be @($existing.Uid)
    }

    It 'keeps an object registered in place on Remove-LaminArtifact -Permanent, and deletes it with -DeleteFile' {
        $s = New-LaminStorage (S3Root $p)
        Send-S3Object $servers.S3 lamin-test "$p/keep/k.csv" (Utf8 "k`n") | Should -Be 200
        Send-S3Object $servers.S3 lamin-test "$p/keep/d.csv" (Utf8 "d`n") | Should -Be 200
        $k = Add-LaminArtifact "s3://lamin-test/$p/keep/k.csv?endpoint_url=$($servers.S3)"
        $d = Add-LaminArtifact "s3://lamin-test/$p/keep/d.csv?endpoint_url=$($servers.S3)"
        Remove-LaminArtifact $k.Uid -Permanent -Confirm:$false
        Remove-LaminArtifact $d.Uid -Permanent -DeleteFile -Confirm:$false
        (Get-S3Object $servers.S3 lamin-test "$p/keep/k.csv").Status | Should -Be 200
        (Get-S3Object $servers.S3 lamin-test "$p/keep/d.csv").Status | Should -Be 404
        @(Get-LaminArtifact -Storage $s.Uid).Count | Should -Be 0
    }
}

Describe 'S3 emptiness and removal' {
    BeforeEach { $t = Enter-Instance; $p = New-Prefix; Set-S3ProxyRule $extra }
    AfterEach { Exit-Instance $t }

    It 'refuses to remove a location whose .lamindb/ holds a stray object (StorageNotEmpty, listing it)' {
        $s = New-LaminStorage (S3Root $p)
        Send-S3Object $servers.S3 lamin-test "$p/.lamindb/stray.txt" (Utf8 'stray') | Should -Be 200
        $err = { Remove-LaminStorage $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotEmpty,*' -PassThru | Save-Message
        $err.Exception.Message | Should -Match '\.lamindb/stray\.txt'
        $err.Exception.Message | Should -Not -Match 'storage_uid'
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $s.Uid
        (Get-LaminStorage -Identity $s.Uid).Uid | Should -BeExactly $s.Uid
    }

    It 'refuses to remove a location that holds artifacts, trashed ones too (StorageHasArtifacts)' {
        $s = New-LaminStorage (S3Root $p)
        $f = New-RandomFile (Join-Path $t.Work 'h.bin') 300 3
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        Remove-LaminArtifact $a.Uid -Confirm:$false
        { Remove-LaminStorage $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StorageHasArtifacts,*' -PassThru | Save-Message
        (Get-Marker $servers.S3 lamin-test $p).Lines[0] | Should -BeExactly $s.Uid
        ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)).Bytes | Should -BeExactly (Sha $f.FullName)
    }

    It 'removes an empty location: lists .lamindb/, deletes the marker last, leaves objects outside .lamindb/' {
        $s = New-LaminStorage (S3Root $p $extra.Proxy)
        Send-S3Object $servers.S3 lamin-test "$p/outside/keep.txt" (Utf8 'keep') | Should -Be 200
        Set-S3ProxyRule $extra
        Remove-LaminStorage $s.Uid -Confirm:$false
        Get-S3Keys $servers.S3 lamin-test "$p/" | Should -Be @("$p/outside/keep.txt")
        { Get-LaminStorage -Identity $s.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'RecordNotFound,*'
        $log = @(Get-S3ProxyLog $extra)
        $log[-1].Method | Should -BeExactly 'DELETE'
        $log[-1].Url | Should -BeLike "/lamin-test/$p/.lamindb/storage_uid.txt*"
        @($log | Where-Object Method -EQ 'DELETE').Count | Should -Be 1
        @($log | Where-Object { $_.Method -eq 'GET' -and $_.Url -match 'list-type=2' }).Count | Should -BeGreaterThan 0
    }
}

Describe 'S3 failures from the server' {
    BeforeEach {
        $t = Enter-Instance; $p = New-Prefix; Set-S3ProxyRule $extra
        $s = New-LaminStorage (S3Root $p $extra.Proxy)
        $f = New-RandomFile (Join-Path $t.Work 'f.bin') 2500 25
        $a = Add-LaminArtifact $f.FullName -Storage $s.Uid
        if ((ShaBytes (Get-S3Object $servers.S3 lamin-test (ObjectKeyOf $a)).Bytes) -ne (Sha $f.FullName)) { throw 'the setup upload is corrupt' }
        $objectUrl = "^/lamin-test/$p/\.lamindb/$($a.Uid)"
        $dest = Join-Path $t.Work 'out/f.bin'
    }
    AfterEach { Set-S3ProxyRule $extra; Exit-Instance $t }

    It 'maps AccessDenied on a read to StorageAccessDenied (PermissionDenied) and writes nothing' {
        Set-S3ProxyRule $extra @(@{ Method = 'GET'; Match = $objectUrl; Status = 403; Code = 'AccessDenied' })
        $err = { Save-LaminArtifact $a.Uid -Destination $dest -ErrorAction Stop } | Should -Throw -PassThru | Save-Message
        $dest | Should -Not -Exist
        $err.FullyQualifiedErrorId | Should -BeLike 'StorageAccessDenied,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'maps AccessDenied on an upload to StorageAccessDenied, registering nothing and leaving no object' {
        $g = New-RandomFile (Join-Path $t.Work 'g.bin') 1800 18
        Set-S3ProxyRule $extra @(@{ Method = 'PUT'; Match = "^/lamin-test/$p/\.lamindb/(?!storage_uid\.txt)"; Status = 403; Code = 'AccessDenied' })
        $err = { Add-LaminArtifact $g.FullName -Storage $s.Uid -ErrorAction Stop } | Should -Throw -PassThru | Save-Message
        @(Get-LaminArtifact -Storage $s.Uid).Uid | Should -Be @($a.Uid)
        Get-S3Keys $servers.S3 lamin-test "$p/.lamindb/" | Should -Be (Sorted "$p/.lamindb/$($a.Uid).bin", "$p/.lamindb/storage_uid.txt")
        $err.FullyQualifiedErrorId | Should -BeLike 'StorageAccessDenied,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'retries transient 5xx answers: two 500s, then the download succeeds with the right bytes' {
        Set-S3ProxyRule $extra @(@{ Method = 'GET'; Match = $objectUrl; Status = 500; Code = 'InternalError'; Times = 2 })
        $back = Save-LaminArtifact $a.Uid -Destination $dest
        Sha $back.FullName | Should -BeExactly (Sha $f.FullName)
        @(Get-S3ProxyLog $extra | Where-Object { $_.Method -eq 'GET' -and $_.Url -match $objectUrl }).Status | Should -Be @(500, 500, 200)
    }

    It 'gives up on persistent throttling after bounded retries: StorageUnavailable (ResourceUnavailable), nothing written' {
        Set-S3ProxyRule $extra @(@{ Method = 'GET'; Match = $objectUrl; Status = 503; Code = 'SlowDown' })
        $err = { Save-LaminArtifact $a.Uid -Destination $dest -ErrorAction Stop } | Should -Throw -ErrorId 'StorageUnavailable,*' -PassThru | Save-Message
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $tries = @(Get-S3ProxyLog $extra | Where-Object { $_.Method -eq 'GET' -and $_.Url -match $objectUrl }).Count
        $tries | Should -BeGreaterThan 1
        $tries | Should -BeLessOrEqual 10
        $dest | Should -Not -Exist
    }

    It 'aborts a multipart upload whose part fails: AbortMultipartUpload sent, no object, no record' {
        $big = New-RandomFile (Join-Path $t.Work 'big.bin') (20MB) 20
        Set-S3ProxyRule $extra @(@{ Method = 'PUT'; Match = 'partNumber=2&'; Status = 404; Code = 'NoSuchUpload' })
        { Add-LaminArtifact $big.FullName -Storage $s.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'StorageIoError,*' -PassThru | Save-Message
        $log = Get-S3ProxyLog $extra
        $part1 = @($log | Where-Object Url -Match 'partNumber=1&uploadId=')[0]
        $uploadId = [regex]::Match($part1.Url, 'uploadId=([^&]+)').Groups[1].Value
        $uploadId | Should -Not -BeNullOrEmpty
        @($log | Where-Object { $_.Method -eq 'DELETE' -and $_.Url -match "uploadId=$uploadId" }).Count | Should -Be 1
        @($log | Where-Object { $_.Method -eq 'POST' -and $_.Url -match "uploadId=$uploadId" }).Count | Should -Be 0   # never completed
        @(Get-LaminArtifact -Storage $s.Uid).Uid | Should -Be @($a.Uid)
        Get-S3Keys $servers.S3 lamin-test "$p/.lamindb/" | Should -Be (Sorted "$p/.lamindb/$($a.Uid).bin", "$p/.lamindb/storage_uid.txt")
    }

    It 'maps connections the server drops to StorageUnreachable, writing nothing' {
        Set-S3ProxyRule $extra @(@{ Method = 'GET'; Match = $objectUrl; Action = 'reset' })
        $err = { Save-LaminArtifact $a.Uid -Destination $dest -ErrorAction Stop } | Should -Throw -PassThru | Save-Message
        $dest | Should -Not -Exist
        $err.FullyQualifiedErrorId | Should -BeLike 'StorageUnreachable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
    }
}

Describe 'No secret anywhere' {
    It 'never writes the secret key to a registry, a settings file, a marker, verbose output, a warning or an error' {
        $t = Enter-Instance; $p = New-Prefix
        try {
            # One more round with -Verbose, so verbose output is part of what is searched.
            $out = & {
                $s = New-LaminStorage (S3Root $p) -Verbose
                $v = New-RandomFile (Join-Path $t.Work 'v.bin') 9MB 3
                $a = Add-LaminArtifact $v.FullName -Storage $s.Uid -Verbose
                $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'v-back.bin') -Verbose
                if ((Sha $back.FullName) -ne (Sha $v.FullName)) { throw 'the round trip changed the bytes' }
                Get-LaminStorage -Verbose
                Test-LaminStorage -Identity $s.Uid -Verbose
                Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false -Verbose
            } 4>&1 3>&1 | Out-String
            $out | Save-Message
            try { New-LaminStorage (S3Root $p -Bucket 'no-such-bucket') -Verbose 4>&1 | Save-Message } catch { $_ | Save-Message }
        }
        finally { Exit-Instance $t }
        $env:AWS_SECRET_ACCESS_KEY | Should -BeExactly $Secret   # it was in effect the whole time
        $needles = @([Text.Encoding]::UTF8.GetBytes($Secret), [Text.Encoding]::Unicode.GetBytes($Secret)) |
            ForEach-Object { [Text.Encoding]::Latin1.GetString($_) }
        $hits = [Collections.Generic.List[string]]::new()

        $files = @($script:Kept | ForEach-Object { Get-ChildItem -LiteralPath $_.Root -Recurse -File -Force -ErrorAction SilentlyContinue })
        @($files | Where-Object Name -EQ 'lamin.db').Count | Should -BeGreaterThan 0
        @($script:Kept | ForEach-Object { Get-ChildItem -LiteralPath $_.Home -Recurse -File -Force -ErrorAction SilentlyContinue }).Count | Should -BeGreaterThan 0   # settings files are among them
        foreach ($file in $files) {
            $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($file.FullName))
            foreach ($n in $needles) { if ($text.Contains($n)) { $hits.Add($file.FullName) } }
        }

        $markers = foreach ($server in @(@{ E = $servers.S3; B = 'lamin-test' }, @{ E = $servers.S3; B = 'lamin-other' }, @{ E = $extra.Second; B = 'lamin-test' })) {
            Get-S3Keys $server.E $server.B | Where-Object { $_ -like '*.lamindb/storage_uid.txt' } | ForEach-Object { Get-S3Object $server.E $server.B $_ }
        }
        @($markers).Count | Should -BeGreaterThan 0
        foreach ($m in $markers) {
            $text = [Text.Encoding]::Latin1.GetString($m.Bytes)
            foreach ($n in $needles) { if ($text.Contains($n)) { $hits.Add('a marker') } }
        }

        $script:Messages.Count | Should -BeGreaterThan 0
        foreach ($message in $script:Messages) { if ($message.Contains($Secret)) { $hits.Add("message: $message") } }
        $hits | Should -BeNullOrEmpty
    }
}

Describe 'Real S3' -Tag RealCloud {
    # Excluded by default (no test may need the internet). Run with real credentials in the usual chain:
    #   $env:LAMIN_TEST_REAL_S3_ROOT = 's3://my-bucket/lamin-test'
    #   ... Invoke-PesterFile.ps1 -TestFile tests/Pester/S3.Tests.ps1 -Tag RealCloud
    BeforeAll {
        # This file points the SDK at s3rver; the real test uses what the caller had.
        $script:local = @{}
        foreach ($k in $servers.SavedEnv.Keys) { $script:local[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $servers.SavedEnv[$k]) }
    }
    AfterAll { foreach ($k in $script:local.Keys) { [Environment]::SetEnvironmentVariable($k, $script:local[$k]) } }

    It 'reads the bucket''s region and registers a multipart object in place with an md5-<n> ETag hash' {
        if (-not $env:LAMIN_TEST_REAL_S3_ROOT) { Set-ItResult -Skipped -Because 'LAMIN_TEST_REAL_S3_ROOT is not set'; return }
        $t = Enter-Instance
        try {
            $s = New-LaminStorage $env:LAMIN_TEST_REAL_S3_ROOT
            $s.Region | Should -Match '^[a-z]{2}(-[a-z]+)+-\d$'
            $f = New-RandomFile (Join-Path $t.Work 'real.bin') (17MB + 3) 3
            $seed = Add-LaminArtifact $f.FullName -Storage $s.Uid -Key "lamin-test-$(New-Prefix)/real.bin" -KeyIsVirtual $false
            Remove-LaminArtifact $seed.Uid -Permanent -Confirm:$false
            $a = Add-LaminArtifact $seed.FullName
            $a.HashType | Should -BeExactly 'md5-3'
            Sha (Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'back.bin')).FullName | Should -BeExactly (Sha $f.FullName)
            Remove-LaminArtifact $a.Uid -Permanent -DeleteFile -Confirm:$false
            Remove-LaminStorage $s.Uid -Confirm:$false
        }
        finally { Exit-Instance $t }
    }
}
