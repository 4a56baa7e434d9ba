# Data safety of the operator tools (issue 9, SPEC §10 rules 1, 4, 5): Clear-LaminStorage -Orphaned
# counts every record of a root and never deletes a registry, lock, marker or lease; Move-LaminStorage
# never overwrites a differing object at the destination (local, S3, GCS; compared by md5), never
# deletes source bytes another live artifact holds, and a re-run finishes an interrupted -RemoveSource;
# unfinished S3 multipart uploads are reported and cleared.
#
# Cloud tests run against the local servers (CloudServers.psm1); the S3 proxy of s3-extra.js answers
# ListMultipartUploads/ListParts/AbortMultipartUpload (which s3rver lacks) from the uploads it saw, and
# every cloud result is checked with plain HTTP or the raw AWS SDK, not only through Lamin.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -Force $Path
    }
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }
    function Utf8([string] $Text) { [Text.Encoding]::UTF8.GetBytes($Text) }
    # Host lab2 writes into a root registered for two hosts while its marker names lab2's record (the
    # disk seen from lab2); afterwards the marker is this host's again.
    function Invoke-AsOtherRecord([string] $Root, [string] $Uid, [scriptblock] $Script) {
        $marker = Get-MarkerPath $Root
        $saved = [IO.File]::ReadAllBytes($marker)
        $text = [Text.Encoding]::UTF8.GetString($saved)
        [IO.File]::WriteAllText($marker, $Uid + $text.Substring($text.IndexOf("`n")))
        try { & $Script } finally { [IO.File]::WriteAllBytes($marker, $saved) }
    }
}

Describe 'Clear-LaminStorage -Orphaned: every record of a root counts (rule 4)' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'one root registered for two hosts: clearing either record deletes no artifact of the other' {
        $root = Join-Path $t.Work 'shared'
        $lab1 = New-LaminStorage $root
        $lab2 = New-LaminStorage $root -Host lab2 -WarningAction SilentlyContinue
        $lab2.Uid | Should -Not -Be $lab1.Uid
        $mine = Add-LaminArtifact (New-File (Join-Path $t.Work 'one.txt') 'lab1 data').FullName -Storage $lab1.Uid
        $null = New-File (Join-Path $t.Work 'dir/m1.txt') 'member one'; $null = New-File (Join-Path $t.Work 'dir/m2.txt') 'member two'
        $theirs = Invoke-AsOtherRecord $root $lab2.Uid {
            Add-LaminArtifact (New-File (Join-Path $t.Work 'two.txt') 'lab2 data').FullName -Storage $lab2.Uid
            Add-LaminArtifact (Join-Path $t.Work 'dir') -Storage $lab2.Uid
        }
        $null = New-File (Join-Path $root '.lamindb/orphan.bin') 'nobody'
        $files = @($mine.FullName, $theirs[0].FullName) + @(Get-ChildItem $theirs[1].FullName -File -Recurse | ForEach-Object FullName)
        $files.Count | Should -Be 4
        $hashes = $files | ForEach-Object { Sha $_ }

        $removed = Clear-LaminStorage $lab1.Uid -Orphaned -Confirm:$false -PassThru
        @($removed.Key) | Should -Be @('.lamindb/orphan.bin')
        $files | ForEach-Object { Sha $_ } | Should -Be $hashes
        Invoke-AsOtherRecord $root $lab2.Uid {
            @(Clear-LaminStorage $lab2.Uid -Orphaned -Confirm:$false -PassThru).Count | Should -Be 0
        }
        $files | ForEach-Object { Sha $_ } | Should -Be $hashes
        @(Test-LaminArtifact -Storage $lab1.Uid | Where-Object Status -EQ 'Unregistered').Count | Should -Be 0
    }

    It 'connected through a copy of the registry: the original registry, its lock, markers, leases and registries anywhere under .lamindb/ stay' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'x.txt') 'data').FullName
        $m = Join-Path $t.Storage '.lamindb'
        Join-Path $m 'lamin.db.lock' | Should -Exist
        $copy = Join-Path $t.Work 'registry-copy.db'
        Copy-Item $t.Registry $copy
        $env:LAMIN_HOME = Join-Path $t.Root 'home-of-the-copy'
        Connect-LaminInstance -Path $copy
        $planted = 'backup/lamin.db', 'backup/lamin.db.lock', 'backup/lamin-log.db', 'old/storage_uid.txt', 'old/_lease.json', 'registry-copy.db' |
            ForEach-Object { (New-File (Join-Path $m $_) "control file $_").FullName }
        $null = New-File (Join-Path $m 'orphan.bin') 'nobody'
        $kept = @($t.Registry, "$($t.Registry).lock", (Get-MarkerPath $t.Storage), $a.FullName) + $planted
        $hashes = $kept | ForEach-Object { Sha $_ }

        $removed = Clear-LaminStorage -Orphaned -Confirm:$false -PassThru
        @($removed.Key) | Should -Be @('.lamindb/orphan.bin')
        $kept | ForEach-Object { Sha $_ } | Should -Be $hashes
        Join-Path $m 'orphan.bin' | Should -Not -Exist
    }
}

Describe 'Move-LaminStorage on a local destination (rules 1 and 5)' {
    BeforeEach {
        $t = New-TestInstance
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        $file = Add-LaminArtifact (New-File (Join-Path $t.Work 'f.txt') 'a managed file').FullName -Storage $loc.Uid
        $null = New-File (Join-Path $loc.Root 'data/a.txt') 'mine!'
        $inPlace = Add-LaminArtifact (Join-Path $loc.Root 'data/a.txt')
        $null = New-File (Join-Path $loc.Root 'raw/m1.txt') 'member 1'; $null = New-File (Join-Path $loc.Root 'raw/m2.txt') 'member 2'
        $folder = Add-LaminArtifact (Join-Path $loc.Root 'raw')
        $dest = Join-Path $t.Work 'dest'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'refuses <Case> with DestinationNotEmpty naming it, before anything is copied' -ForEach @(
        @{ Case = 'an unrelated file at a key of the location (same size, other bytes)'; Key = 'data/a.txt'; Text = 'their' }
        @{ Case = 'a folder member of the same size with other bytes'; Key = 'raw/m2.txt'; Text = 'member X' }
        @{ Case = 'a managed object of the same size with other bytes'; Key = 'MANAGED'; Text = 'a managed filX' }
    ) {
        $k = if ($Key -eq 'MANAGED') { [IO.Path]::GetRelativePath($loc.Root, $file.FullName).Replace('\', '/') } else { $Key }
        $null = New-File (Join-Path $dest $k) $Text
        $destBefore = Get-TreeSnapshot $dest; $srcBefore = Get-TreeSnapshot $loc.Root; $reg = Get-RegistrySnapshot
        $err = { Move-LaminStorage $loc.Uid $dest -Confirm:$false } | Should -Throw -ErrorId "DestinationNotEmpty$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape($k))
        Get-TreeSnapshot $dest | Should -BeExactly $destBefore
        Get-TreeSnapshot $loc.Root | Should -BeExactly $srcBefore
        Get-RegistrySnapshot | Should -BeExactly $reg
    }

    It 'reuses what an interrupted run left when the bytes are the same (compared by hash), and copies the rest' {
        foreach ($k in 'data/a.txt', 'raw/m1.txt') {
            $null = New-Item -ItemType Directory -Force (Split-Path (Join-Path $dest $k))
            Copy-Item (Join-Path $loc.Root $k) (Join-Path $dest $k)
            (Get-Item (Join-Path $dest $k)).LastWriteTimeUtc = [datetime]'2000-01-01'
        }
        $moved = Move-LaminStorage $loc.Uid $dest -Confirm:$false
        $moved.Root | Should -Be $dest
        foreach ($k in 'data/a.txt', 'raw/m1.txt') { (Get-Item (Join-Path $dest $k)).LastWriteTimeUtc | Should -Be ([datetime]'2000-01-01') -Because "$k was verified, not copied again" }
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It '-RemoveSource keeps a source file that an artifact of another record with the same root includes, with a warning' {
        $lab2 = New-LaminStorage $loc.Root -Host lab2 -WarningAction SilentlyContinue
        $theirs = Invoke-AsOtherRecord $loc.Root $lab2.Uid { Add-LaminArtifact (Join-Path $loc.Root 'raw/m1.txt') -Storage $lab2.Uid }
        $theirs.FullName | Should -Be (Join-Path $loc.Root 'raw/m1.txt')
        $sha = Sha $theirs.FullName
        $moved = Move-LaminStorage $loc.Uid $dest -RemoveSource -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        $moved.Root | Should -Be $dest
        Sha $theirs.FullName | Should -Be $sha
        "$w" | Should -Match ([regex]::Escape($theirs.Uid))
        Join-Path $loc.Root 'raw/m2.txt' | Should -Not -Exist
        Join-Path $loc.Root 'data/a.txt' | Should -Not -Exist
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'a re-run finishes a -RemoveSource run killed after the switch: removes what was moved and verified, keeps what the destination lacks' {
        $saved = Join-Path $t.Root 'saved-source'
        Copy-Item $loc.Root $saved -Recurse
        $moved = Move-LaminStorage $loc.Uid $dest -RemoveSource -Confirm:$false
        Join-Path $loc.Root 'data/a.txt' | Should -Not -Exist
        $loc.Root | Should -Not -Exist   # a finished run frees the whole root
        # What a kill between the switch and the end of the removal leaves: the record at the destination,
        # the source's objects (one already removed), its marker, and the dead process's lease.
        Copy-Item $saved $loc.Root -Recurse
        Remove-Item (Join-Path $loc.Root 'raw/m1.txt')
        [IO.File]::WriteAllText((Join-Path $loc.Root '.lamindb/_lease.json'),
            (@{ User = 'alice'; Host = [Environment]::MachineName; Pid = 999999; Since = (Get-Date).ToUniversalTime(); Until = (Get-Date).ToUniversalTime().AddMinutes(10); Operation = 'Move-LaminStorage'; Token = 'x' } | ConvertTo-Json))
        # One file the destination does not hold as it is at the source: never deleted.
        [IO.File]::WriteAllText((Join-Path $loc.Root 'raw/m2.txt'), 'member Z')
        $destBefore = Get-TreeSnapshot $dest

        $again = Move-LaminStorage $loc.Root $dest -RemoveSource -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        $again.Uid | Should -BeExactly $loc.Uid
        $again.Root | Should -Be $dest
        Join-Path $loc.Root 'data/a.txt' | Should -Not -Exist
        $file.FullName | Should -Not -Exist
        Join-Path $loc.Root 'raw/m2.txt' | Should -Exist
        "$w" | Should -Match 'm2\.txt'
        Get-MarkerPath $loc.Root | Should -Exist   # the job is not done while something is kept
        Get-TreeSnapshot $dest | Should -BeExactly $destBefore

        # Once the destination's bytes are back at the source, the next run completes and frees the root.
        [IO.File]::WriteAllText((Join-Path $loc.Root 'raw/m2.txt'), 'member 2')
        $null = Move-LaminStorage $loc.Root $dest -RemoveSource -Confirm:$false
        @(Get-ChildItem $loc.Root -Recurse -File -Force -ErrorAction SilentlyContinue).Count | Should -Be 0
        @(Test-LaminArtifact -Storage $loc.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 're-run by uid after the switch: InvalidDestination that says how to finish' {
        $null = Move-LaminStorage $loc.Uid $dest -Confirm:$false
        $err = { Move-LaminStorage $loc.Uid $dest -RemoveSource -Confirm:$false } | Should -Throw -ErrorId "InvalidDestination$E" -PassThru
        $err.Exception.Message | Should -Match 'old root'
    }
}

Describe 'Operator tools on S3 and GCS' -Tag Cloud {
    BeforeAll {
        $script:servers = Start-CloudServers
        $script:extra = Start-S3ExtraServers $servers
        function New-Prefix { 'p' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
        function S3Root([string] $Prefix, [string] $Endpoint = $servers.S3) { "s3://lamin-test/$Prefix`?endpoint_url=$Endpoint" }
        # The raw AWS SDK as a second client (the module loads its own copy in isolation).
        $lib = Join-Path (Split-Path $env:LAMIN_TEST_MODULE) 'lib'
        if (-not ('Amazon.S3.AmazonS3Client' -as [type])) {
            Add-Type -Path (Join-Path $lib 'AWSSDK.Core.dll'), (Join-Path $lib 'AWSSDK.S3.dll')
        }
        function New-RawS3 {
            $config = [Amazon.S3.AmazonS3Config]::new()
            $config.ServiceURL = $extra.Proxy
            $config.ForcePathStyle = $true
            $config.AuthenticationRegion = 'us-east-1'
            $config.RequestChecksumCalculation = [Amazon.Runtime.RequestChecksumCalculation]::WHEN_REQUIRED
            $config.ResponseChecksumValidation = [Amazon.Runtime.ResponseChecksumValidation]::WHEN_REQUIRED
            [Amazon.S3.AmazonS3Client]::new([Amazon.Runtime.BasicAWSCredentials]::new('S3RVER', 'S3RVER'), $config)
        }
        function Start-KilledUpload($S3, [string] $Key, [int] $Bytes) {
            # What a process killed mid-upload leaves: an upload started and one part sent, never completed.
            $init = [Amazon.S3.Model.InitiateMultipartUploadRequest]::new(); $init.BucketName = 'lamin-test'; $init.Key = $Key
            $id = $S3.InitiateMultipartUploadAsync($init).GetAwaiter().GetResult().UploadId
            $part = [Amazon.S3.Model.UploadPartRequest]::new()
            $part.BucketName = 'lamin-test'; $part.Key = $Key; $part.UploadId = $id; $part.PartNumber = 1
            $part.InputStream = [IO.MemoryStream]::new([byte[]]::new($Bytes)); $part.UseChunkEncoding = $false
            $null = $S3.UploadPartAsync($part).GetAwaiter().GetResult()
            $id
        }
        function Get-RawUploads($S3, [string] $Prefix) {
            $r = [Amazon.S3.Model.ListMultipartUploadsRequest]::new(); $r.BucketName = 'lamin-test'; $r.Prefix = $Prefix
            @($S3.ListMultipartUploadsAsync($r).GetAwaiter().GetResult().MultipartUploads | Where-Object { $_ })
        }
        $script:RawHttp = [System.Net.Http.HttpClient]::new()
        function Step-UploadClock([int] $Seconds) {
            $null = $RawHttp.PostAsync("$($extra.Proxy)/__lamin/uploads/backdate", [System.Net.Http.StringContent]::new("{`"seconds`": $Seconds}")).Result.EnsureSuccessStatusCode()
        }
    }
    AfterAll {
        if ($script:extra) { Stop-CloudServers $script:extra }
        if ($script:servers) { Stop-CloudServers $script:servers }
    }
    BeforeEach {
        $t = New-TestInstance
        $p = New-Prefix
        Set-S3ProxyRule $extra
        $loc = New-LaminStorage (Join-Path $t.Work 'loc')
        $file = Add-LaminArtifact (New-File (Join-Path $t.Work 'f.txt') 'a managed file').FullName -Storage $loc.Uid
        $null = New-File (Join-Path $loc.Root 'data/a.txt') 'mine, six'
        $null = Add-LaminArtifact (Join-Path $loc.Root 'data/a.txt')
        $null = New-File (Join-Path $loc.Root 'raw/m1.txt') 'member 1'; $null = New-File (Join-Path $loc.Root 'raw/m2.txt') 'member 2'
        $null = Add-LaminArtifact (Join-Path $loc.Root 'raw')
    }
    AfterEach { $t | Remove-TestInstance }

    It 'local → S3: an object outside .lamindb/ with other bytes at a key of the location is DestinationNotEmpty, untouched' {
        (Send-S3Object $servers.S3 'lamin-test' "$p/data/a.txt" (Utf8 'theirs, not yours')) | Should -Be 200
        $reg = Get-RegistrySnapshot
        $err = { Move-LaminStorage $loc.Uid (S3Root $p) -Confirm:$false } | Should -Throw -ErrorId "DestinationNotEmpty$E" -PassThru
        $err.Exception.Message | Should -Match 'data/a\.txt'
        [Text.Encoding]::UTF8.GetString((Get-S3Object $servers.S3 'lamin-test' "$p/data/a.txt").Bytes) | Should -BeExactly 'theirs, not yours'
        Get-S3Keys $servers.S3 'lamin-test' $p | Should -Be @("$p/data/a.txt")
        Get-RegistrySnapshot | Should -BeExactly $reg
    }

    It 'local → S3: a folder member of the same size with other bytes is DestinationNotEmpty, untouched' {
        (Send-S3Object $servers.S3 'lamin-test' "$p/raw/m2.txt" (Utf8 'member X')) | Should -Be 200
        $err = { Move-LaminStorage $loc.Uid (S3Root $p) -Confirm:$false } | Should -Throw -ErrorId "DestinationNotEmpty$E" -PassThru
        $err.Exception.Message | Should -Match 'raw/m2\.txt'
        [Text.Encoding]::UTF8.GetString((Get-S3Object $servers.S3 'lamin-test' "$p/raw/m2.txt").Bytes) | Should -BeExactly 'member X'
        Get-S3Keys $servers.S3 'lamin-test' $p | Should -Be @("$p/raw/m2.txt")
    }

    It 'local → S3 resumes: an object with the same bytes (md5 of the ETag) is not uploaded again' {
        (Send-S3Object $servers.S3 'lamin-test' "$p/raw/m1.txt" (Utf8 'member 1')) | Should -Be 200
        Set-S3ProxyRule $extra
        $moved = Move-LaminStorage $loc.Uid (S3Root $p $extra.Proxy) -Confirm:$false
        $puts = @(Get-S3ProxyLog $extra | Where-Object { $_.Method -in 'PUT', 'POST' } | ForEach-Object { ([uri]"http://x$($_.Url)").AbsolutePath })
        $puts | Should -Not -Contain "/lamin-test/$p/raw/m1.txt"
        $puts | Should -Contain "/lamin-test/$p/raw/m2.txt"
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'local → GCS: an object with other bytes at a key of the location is DestinationNotEmpty, untouched' {
        (Send-GcsObject $servers.Gcs 'lamin-gcs' "$p/data/a.txt" (Utf8 'gcs bytes')) | Should -Be 200
        $err = { Move-LaminStorage $loc.Uid "gs://lamin-gcs/$p" -Confirm:$false } | Should -Throw -ErrorId "DestinationNotEmpty$E" -PassThru
        $err.Exception.Message | Should -Match 'data/a\.txt'
        [Text.Encoding]::UTF8.GetString((Get-GcsObject $servers.Gcs 'lamin-gcs' "$p/data/a.txt").Bytes) | Should -BeExactly 'gcs bytes'
        Get-GcsKeys $servers.Gcs 'lamin-gcs' $p | Should -Be @("$p/data/a.txt")
    }

    It 'unfinished multipart uploads: reported by Test-LaminStorage and Get-LaminStorageUsage; stale ones under .lamindb/ aborted by Clear-LaminStorage, running ones never' {
        $s3 = New-RawS3
        $st = New-LaminStorage (S3Root $p $extra.Proxy)
        $managed = Start-KilledUpload $s3 "$p/.lamindb/0123456789abcdefABCD.bin" 1024
        $outside = Start-KilledUpload $s3 "$p/data/big.bin" 2048
        @(Get-RawUploads $s3 "$p/").Count | Should -Be 2

        # Just started: may still be running. Counted, not a problem, never aborted.
        $h = Test-LaminStorage -Identity $st.Uid
        $h.UnfinishedUploads | Should -Be 2
        $h.Healthy | Should -BeTrue
        $u = Get-LaminStorageUsage -Identity $st.Uid
        $u.UnfinishedUploads | Should -Be 2
        $u.UnfinishedUploadBytes | Should -Be 3072
        @(Clear-LaminStorage $st.Uid -Orphaned -OlderThan ([timespan]::Zero) -Confirm:$false -PassThru).Count | Should -Be 0
        @(Get-RawUploads $s3 "$p/").Count | Should -Be 2

        # Two days later: a killed transfer.
        Step-UploadClock (2 * 86400)
        $h = Test-LaminStorage -Identity $st.Uid
        $h.Healthy | Should -BeFalse
        "$($h.Problems)" | Should -Match '2 unfinished multipart upload'
        $removed = @(Clear-LaminStorage $st.Uid -Orphaned -Confirm:$false -PassThru)
        $removed.Count | Should -Be 1
        $removed[0].Key | Should -BeExactly '.lamindb/0123456789abcdefABCD.bin'
        $removed[0].UploadId | Should -BeExactly $managed
        @(Get-RawUploads $s3 "$p/").UploadId | Should -Be @($outside)   # outside .lamindb/: not Lamin's to abort
        (Get-LaminStorageUsage -Identity $st.Uid).UnfinishedUploads | Should -Be 1
        Get-S3Keys $servers.S3 'lamin-test' $p | Should -Be @("$p/.lamindb/storage_uid.txt")
    }

    It 'Test-LaminStorage reports when unfinished uploads cannot be listed' {
        $st = New-LaminStorage (S3Root $p $extra.Proxy)
        Set-S3ProxyRule $extra @(@{ Method = 'GET'; Match = '^/lamin-test/?\?(.*&)?uploads'; Status = 403; Code = 'AccessDenied' })
        $h = Test-LaminStorage -Identity $st.Uid
        $h.Healthy | Should -BeFalse
        "$($h.Problems)" | Should -Match 'unfinished multipart uploads can.t be listed'
    }
}
