# The lamin: drive on S3 and GCS locations (SPEC §8, issue 14), against the local servers: listings,
# Get-Content streamed through ranged reads (-TotalCount 10 fetches a small range, checked in the
# request log of a proxy in front of the S3 server), Set-Content writing the object (checked with a
# plain GET, not through Lamin), and Remove-Item to the trash keeping the object.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:extra = Start-S3ExtraServers $servers
    $script:t = New-TestInstance
    $prefix = 'drive' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    # Through the logging proxy, so every request Lamin sends is visible to the test.
    $script:s3 = New-LaminStorage "s3://lamin-test/$prefix`?endpoint_url=$($extra.Proxy)" -WarningAction SilentlyContinue
    $script:gs = New-LaminStorage "gs://lamin-gcs/$prefix" -WarningAction SilentlyContinue
    # 4 MiB of numbered lines.
    $script:big = Join-Path $t.Work 'big.txt'
    $sb = [Text.StringBuilder]::new()
    $n = 0
    while ($sb.Length -lt 4MB) { $n++; $null = $sb.Append(('line {0:D7}' -f $n)).Append("`n") }
    [IO.File]::WriteAllText($big, $sb.ToString())
    $script:bigArt = Add-LaminArtifact $big -Key 'big/lines.txt' -Storage $s3.Uid
    $script:gsArt = Add-LaminArtifact $big -Key 'big/lines.txt' -Storage $gs.Uid -SkipHashLookup
    $script:prefix = $prefix
}

AfterAll {
    if ($script:t) { $script:t | Remove-TestInstance }
    if ($script:extra) { Stop-CloudServers $script:extra }
    Stop-CloudServers $script:servers
}

Describe 'The lamin: drive on S3' {
    It 'lists an S3 location''s key tree' {
        (Get-ChildItem "lamin:\$($s3.Uid)" -Name) | Should -Be 'big'
        (Get-ChildItem "lamin:\$($s3.Uid)\big").Uid | Should -BeExactly $bigArt.Uid
    }

    It 'reads -TotalCount 10 of a 4 MiB object with ranged GETs of less than 1 MiB in all (proxy log)' {
        Set-S3ProxyRule $extra   # clears the log
        $lines = Get-Content "lamin:\$($s3.Uid)\big\lines.txt" -TotalCount 10
        $lines | Should -Be (1..10 | ForEach-Object { 'line {0:D7}' -f $_ })
        $gets = @(Get-S3ProxyLog $extra | Where-Object { $_.Method -eq 'GET' -and $_.Url -like "*$($bigArt.Uid)*" })
        $gets.Count | Should -BeGreaterThan 0
        $fetched = 0
        foreach ($g in $gets) {
            $g.Range | Should -Match '^bytes=\d+-\d+$' -Because 'every read of the object is ranged'
            $a, $b = $g.Range.Substring(6).Split('-') | ForEach-Object { [long]$_ }
            $fetched += $b - $a + 1
        }
        $fetched | Should -BeLessThan 1MB
    }

    It 'reads the whole object as the bytes on the server (-Raw), through growing ranges' {
        $raw = Get-Content "lamin:\$($s3.Uid)\big\lines.txt" -Raw
        $raw | Should -BeExactly ([IO.File]::ReadAllText($big))
    }

    It 'writes an object with Set-Content (checked with a plain GET) and trashes it with Remove-Item, keeping the object' {
        'one', 'two' | Set-Content "lamin:/$($s3.Uid)/notes/n.txt"
        $a = Get-LaminArtifact -Key 'notes/n.txt' -Storage $s3.Uid
        $objectKey = $a.FullName.Substring("s3://lamin-test/".Length)
        $o = Get-S3Object -Endpoint $servers.S3 -Bucket 'lamin-test' -Key $objectKey
        $o.Status | Should -Be 200
        [Text.Encoding]::UTF8.GetString($o.Bytes) | Should -BeExactly ("one" + [Environment]::NewLine + "two" + [Environment]::NewLine)
        Remove-Item "lamin:/$($s3.Uid)/notes/n.txt"
        Test-Path "lamin:/$($s3.Uid)/notes/n.txt" | Should -BeFalse
        (Get-LaminArtifact -Trash).Uid | Should -Contain $a.Uid
        (Get-S3Object -Endpoint $servers.S3 -Bucket 'lamin-test' -Key $objectKey).Status | Should -Be 200
    }
}

Describe 'The lamin: drive on GCS' {
    It 'reads -TotalCount and -Raw of a GCS object' {
        Get-Content "lamin:\$($gs.Uid)\big\lines.txt" -TotalCount 3 | Should -Be @('line 0000001', 'line 0000002', 'line 0000003')
        Get-Content "lamin:\$($gs.Uid)\big\lines.txt" -Raw | Should -BeExactly ([IO.File]::ReadAllText($big))
    }

    It 'moves an artifact from GCS to S3 with Move-Item' {
        'gcs' | Set-Content "lamin:\$($gs.Uid)\m\g.txt"
        Move-Item "lamin:\$($gs.Uid)\m\g.txt" "lamin:\$($s3.Uid)"
        (Get-LaminArtifact -Key 'm/g.txt').StorageUid | Should -BeExactly $s3.Uid
        Get-Content "lamin:\$($s3.Uid)\m\g.txt" | Should -BeExactly 'gcs'
    }
}
