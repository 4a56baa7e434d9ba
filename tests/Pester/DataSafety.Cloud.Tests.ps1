# Data safety on S3 and GCS (issue 9, SPEC §10): the faults found by probing the landed code against the
# local servers, each reproduced through the cmdlets and checked on the server with a second client (plain
# HTTP against s3rver and the GCS emulator's JSON API, CloudServers.psm1), not only through Lamin.
#
#   12  a move into a bucket never overwrites an object at the destination key (DestinationExists first)
#   13  a refused or failed write never deletes an object it did not create
#   15  a cloud folder with a .lamindb/ below it is refused; every member key is validated; rule 1 on clouds
#   16  an object key is an object (k and k/x both exist): registering and deleting k touch k alone
#   18  '?' in keys; endpoint_url with credentials refused without echoing them; missing objects named
#
# Neither local server honours conditional writes (s3rver ignores If-None-Match: * on PUT, the GCS
# emulator ignores ifGenerationMatch=0 and conditional deletes), so these tests prove the check Lamin
# makes before the first byte; the proxy test of fault 13 plays a server that does honour the condition.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:extra = Start-S3ExtraServers $servers
    $script:S3 = $servers.S3
    $script:G = $servers.Gcs
    $script:GBucket = 'lamin-gcs'
    $script:Http = [System.Net.Http.HttpClient]::new()

    function New-Prefix { 'd' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
    function S3Root([string] $Prefix, [string] $Bucket = 'lamin-test', [string] $Endpoint = $S3) {
        $path = if ($Prefix) { "$Bucket/$Prefix" } else { $Bucket }
        "s3://$path`?endpoint_url=$Endpoint"
    }
    function S3Uri([string] $Key, [string] $Bucket = 'lamin-test', [string] $Endpoint = $S3) { "s3://$Bucket/$Key`?endpoint_url=$Endpoint" }
    function GsRoot([string] $Prefix) { "gs://$GBucket/$Prefix" }
    function Utf8([string] $Text) { [Text.Encoding]::UTF8.GetBytes($Text) }
    function Text($Bytes) { if ($null -eq $Bytes) { $null } else { [Text.Encoding]::UTF8.GetString($Bytes) } }
    # The object as the server holds it, read by a second client: its text, or $null when it is missing.
    function S3Text([string] $Key, [string] $Bucket = 'lamin-test') { $o = Get-S3Object $S3 $Bucket $Key; if ($o.Status -eq 200) { Text $o.Bytes } else { $null } }
    function GsText([string] $Key) { $o = Get-GcsObject $G $GBucket $Key; if ($o.Status -eq 200) { Text $o.Bytes } else { $null } }
    function Put-S3([string] $Key, [string] $Text, [string] $Bucket = 'lamin-test') { Send-S3Object $S3 $Bucket $Key (Utf8 $Text) | Should -Be 200 }
    function Put-Gs([string] $Key, [string] $Text) { Send-GcsObject $G $GBucket $Key (Utf8 $Text) | Should -Be 200 }
    function Remove-S3Raw([string] $Key, [string] $Bucket = 'lamin-test') {
        [int]$script:Http.DeleteAsync("$S3/$Bucket/$(($Key.Split('/') | ForEach-Object { [uri]::EscapeDataString($_) }) -join '/')").Result.StatusCode | Should -BeIn 200, 204
    }
    function Remove-GsRaw([string] $Key) {
        [int]$script:Http.DeleteAsync("$G/storage/v1/b/$GBucket/o/$([uri]::EscapeDataString($Key))").Result.StatusCode | Should -BeIn 200, 204
    }
    function Error-Of([scriptblock] $Script) {
        # The error record a cmdlet call writes (non-terminating refusals included).
        $ErrorActionPreference = 'Stop'
        try { $null = & $Script } catch { return $_ }
        throw 'expected an error, got none'
    }
}

AfterAll {
    if ($script:servers.Process.HasExited) {
        # The servers died under the tests: say why (their standard error), or every later failure is a mystery.
        Write-Host "The local cloud servers exited ($($script:servers.Process.ExitCode)): $($script:servers.Process.StandardError.ReadToEnd())"
    }
    if ($script:extra) { Stop-CloudServers $script:extra }
    Stop-CloudServers $script:servers
}

Describe 'Fault 12: a move into a bucket never overwrites the destination key' {
    BeforeEach { $t = New-TestInstance; $pa = New-Prefix; $pb = New-Prefix; Set-S3ProxyRule $extra }
    AfterEach { Remove-TestInstance $t }

    It 'S3, same bucket: refuses with DestinationExists and leaves the unrelated object, the source and the record as they were' {
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (S3Root $pb)
        Put-S3 "$pa/data/x.csv" "mine`n"
        Put-S3 "$pb/data/x.csv" "unrelated, someone else's`n"
        $art = Add-LaminArtifact (S3Uri "$pa/data/x.csv")
        $art.Key | Should -BeExactly 'data/x.csv'
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'DestinationExists,*'
        S3Text "$pb/data/x.csv" | Should -BeExactly "unrelated, someone else's`n"
        S3Text "$pa/data/x.csv" | Should -BeExactly "mine`n"
        (Get-LaminArtifact $art.Uid).StorageUid | Should -BeExactly $a.Uid
        (Test-LaminArtifact -Identity $art.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'S3, another bucket: refuses when the destination key holds another registered artifact, whose bytes stay intact' {
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (S3Root $pb -Bucket 'lamin-other')
        Put-S3 "$pa/data/x.csv" "moving`n"
        Put-S3 "$pb/data/x.csv" "registered in b`n" -Bucket 'lamin-other'
        $mine = Add-LaminArtifact (S3Uri "$pa/data/x.csv")
        $theirs = Add-LaminArtifact (S3Uri "$pb/data/x.csv" -Bucket 'lamin-other')
        { Move-LaminArtifact $mine.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'DestinationExists,*'
        S3Text "$pb/data/x.csv" -Bucket 'lamin-other' | Should -BeExactly "registered in b`n"
        (Test-LaminArtifact -Identity $theirs.Uid -Hash).Status | Should -Be 'Match'
        (Test-LaminArtifact -Identity $mine.Uid -Hash).Status | Should -Be 'Match'
        (Get-LaminArtifact $mine.Uid).StorageUid | Should -BeExactly $a.Uid
    }

    It 'S3: refuses before any byte is written (no PUT, no multipart upload reaches the destination)' {
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (S3Root $pb -Endpoint $extra.Proxy)
        Put-S3 "$pa/data/x.csv" "mine`n"
        Put-S3 "$pb/data/x.csv" "unrelated`n"
        $art = Add-LaminArtifact (S3Uri "$pa/data/x.csv")
        Set-S3ProxyRule $extra   # clears the log: from here on, only the move's requests to b
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'DestinationExists,*'
        @(Get-S3ProxyLog $extra | Where-Object { $_.Method -in 'PUT', 'POST', 'DELETE' }).Count | Should -Be 0
        S3Text "$pb/data/x.csv" | Should -BeExactly "unrelated`n"
    }

    It 'S3: a folder moved onto a prefix that already has objects is refused and the objects stay' {
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (S3Root $pb)
        Put-S3 "$pa/f/one.txt" 'one'
        Put-S3 "$pa/f/two.txt" 'two'
        Put-S3 "$pb/f/one.txt" 'other one'
        $art = Add-LaminArtifact (S3Uri "$pa/f")
        $art.NFiles | Should -Be 2
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'DestinationExists,*'
        Get-S3Keys $S3 lamin-test "$pb/f" | Should -Be @("$pb/f/one.txt")
        S3Text "$pb/f/one.txt" | Should -BeExactly 'other one'
    }

    It 'GCS: refuses with DestinationExists and leaves the unrelated object, the source and the record as they were' {
        $a = New-LaminStorage (GsRoot $pa)
        $b = New-LaminStorage (GsRoot $pb)
        Put-Gs "$pa/data/x.csv" "mine`n"
        Put-Gs "$pb/data/x.csv" "unrelated`n"
        $art = Add-LaminArtifact "gs://$GBucket/$pa/data/x.csv"
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'DestinationExists,*'
        GsText "$pb/data/x.csv" | Should -BeExactly "unrelated`n"
        GsText "$pa/data/x.csv" | Should -BeExactly "mine`n"
        (Get-LaminArtifact $art.Uid).StorageUid | Should -BeExactly $a.Uid
    }

    It 'S3 → GCS across stores: refuses and the GCS object stays' {
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (GsRoot $pb)
        Put-S3 "$pa/data/x.csv" "from s3`n"
        Put-Gs "$pb/data/x.csv" "already in gcs`n"
        $art = Add-LaminArtifact (S3Uri "$pa/data/x.csv")
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'DestinationExists,*'
        GsText "$pb/data/x.csv" | Should -BeExactly "already in gcs`n"
    }

    It 'a move to a free key still works on S3 and GCS (the bytes arrive, the source goes)' {
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (GsRoot $pb)
        Put-S3 "$pa/data/free.csv" "free`n"
        $art = Add-LaminArtifact (S3Uri "$pa/data/free.csv")
        $m = Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false -PassThru
        $m.FullName | Should -BeExactly "gs://$GBucket/$pb/data/free.csv"
        GsText "$pb/data/free.csv" | Should -BeExactly "free`n"
        S3Text "$pa/data/free.csv" | Should -BeNullOrEmpty
    }
}

Describe 'Fault 13: a refused or failed write never deletes an object it did not create' {
    BeforeEach { $t = New-TestInstance; $pa = New-Prefix; $pb = New-Prefix; Set-S3ProxyRule $extra }
    AfterEach { Remove-TestInstance $t; Set-S3ProxyRule $extra }

    It 'S3: a move refused because the source changed (HashMismatch on the old code) leaves the destination object' {
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (S3Root $pb)
        Put-S3 "$pa/data/x.csv" "original`n"
        Put-S3 "$pb/data/x.csv" "keep me!`n"
        $art = Add-LaminArtifact (S3Uri "$pa/data/x.csv")
        Put-S3 "$pa/data/x.csv" "changed!`n"   # same size, other bytes: the copy no longer matches the record
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw
        S3Text "$pb/data/x.csv" | Should -BeExactly "keep me!`n"
    }

    It 'GCS: a refused move leaves the destination object' {
        $a = New-LaminStorage (GsRoot $pa)
        $b = New-LaminStorage (GsRoot $pb)
        Put-Gs "$pa/data/x.csv" "original`n"
        Put-Gs "$pb/data/x.csv" "keep me!`n"
        $art = Add-LaminArtifact "gs://$GBucket/$pa/data/x.csv"
        Put-Gs "$pa/data/x.csv" "changed!`n"
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw
        GsText "$pb/data/x.csv" | Should -BeExactly "keep me!`n"
    }

    It 'S3: an object that appears after the check is not deleted when the create-only upload is refused (412)' {
        # The proxy plays a server that honours If-None-Match: * with an object arriving between Lamin's
        # check and its upload: HEAD says 404, the PUT answers 412. The writer created nothing, so it
        # must delete nothing (the old writer deleted the key it had tried to write).
        $a = New-LaminStorage (S3Root $pa)
        $b = New-LaminStorage (S3Root $pb -Endpoint $extra.Proxy)
        Put-S3 "$pa/data/x.csv" "mine`n"
        Put-S3 "$pb/data/x.csv" "arrived meanwhile`n"
        $art = Add-LaminArtifact (S3Uri "$pa/data/x.csv")
        $key = [regex]::Escape("/lamin-test/$pb/data/x.csv")
        Set-S3ProxyRule $extra @(
            @{ Method = 'HEAD'; Match = "^$key(\?|$)"; Status = 404 }
            @{ Method = 'PUT'; Match = "^$key(\?|$)"; Status = 412; Code = 'PreconditionFailed' }
        )
        $keys = @(Get-S3Keys $S3 lamin-test "$pb/")
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'DestinationExists,*'
        # The move deletes nothing but its own announcement in b's .lamindb/_writers/ (issue 25: created and retired by
        # it, one delete request); every object that was there is still there, and nothing else is.
        @(Get-S3ProxyLog $extra | Where-Object { $_.Method -eq 'DELETE' -or ($_.Method -eq 'POST' -and $_.Url -match 'delete') }).Count | Should -BeLessOrEqual 1
        @(Get-S3Keys $S3 lamin-test "$pb/") | Should -Be $keys
        S3Text "$pb/data/x.csv" | Should -BeExactly "arrived meanwhile`n"
        S3Text "$pa/data/x.csv" | Should -BeExactly "mine`n"
        (Get-LaminArtifact $art.Uid).StorageUid | Should -BeExactly $a.Uid
    }

    It 'S3: a failed upload of a new artifact leaves nothing behind and registers nothing' {
        $b = New-LaminStorage (S3Root $pb -Endpoint $extra.Proxy)
        $f = Join-Path $t.Work 'up.csv'; [IO.File]::WriteAllText($f, "upload`n")
        Set-S3ProxyRule $extra @(@{ Method = 'PUT'; Match = "^/lamin-test/$pb/\.lamindb/(?!storage_uid)"; Status = 500; Code = 'InternalError' })
        { Add-LaminArtifact $f -Storage $b.Uid -ErrorAction Stop } | Should -Throw
        @(Get-LaminArtifact -Storage $b.Uid).Count | Should -Be 0
        Get-S3Keys $S3 lamin-test "$pb/" | Should -Be @("$pb/.lamindb/storage_uid.txt")
    }
}

Describe 'Fault 15: rules 1 and 2 on cloud folders; member keys validated' {
    BeforeEach { $t = New-TestInstance; $p = New-Prefix; $q = New-Prefix }
    AfterEach { Remove-TestInstance $t }

    It 'S3: a prefix holding another location''s .lamindb/ is refused (InvalidPath naming it); its marker survives' {
        $outer = New-LaminStorage (S3Root $p)
        Put-S3 "$p/f/a.txt" 'a'
        $inner = New-LaminStorage (S3Root "$p/f/inner") -WarningAction SilentlyContinue
        Put-S3 "$p/f/inner/data.csv" 'inner data'
        $e = Error-Of { Add-LaminArtifact (S3Uri "$p/f") }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidPath,*'
        $e.Exception.Message | Should -BeLike "*s3://lamin-test/$p/f/inner/.lamindb/*"
        @(Get-LaminArtifact -Storage $outer.Uid).Count | Should -Be 0
        (Get-S3Object $S3 lamin-test "$p/f/inner/.lamindb/storage_uid.txt").Status | Should -Be 200
    }

    It 'S3: .lamindb in another letter case counts too' {
        $null = New-LaminStorage (S3Root $p)
        Put-S3 "$p/g/ok.txt" 'ok'
        Put-S3 "$p/g/sub/.LaminDB/lamin.db" 'a registry'
        { Add-LaminArtifact (S3Uri "$p/g") } | Should -Throw -ErrorId 'InvalidPath,*'
        { Add-LaminArtifact (S3Uri "$p/g/sub/.LaminDB/lamin.db") } | Should -Throw -ErrorId 'InvalidPath,*'
    }

    It 'GCS: a prefix holding a .lamindb/ is refused (InvalidPath naming it)' {
        $null = New-LaminStorage (GsRoot $p)
        Put-Gs "$p/f/a.txt" 'a'
        Put-Gs "$p/f/x/.lamindb/storage_uid.txt" 'abcdefghijkl'
        $e = Error-Of { Add-LaminArtifact "gs://$GBucket/$p/f" }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidPath,*'
        $e.Exception.Message | Should -BeLike "*gs://$GBucket/$p/f/x/.lamindb/*"
        GsText "$p/f/x/.lamindb/storage_uid.txt" | Should -BeExactly 'abcdefghijkl'
    }

    It 'S3 and GCS: a folder with a member key Lamin could not write back (a backslash) is refused with InvalidKey' {
        $onS3 = New-LaminStorage (S3Root $p)
        $onGs = New-LaminStorage (GsRoot $q)
        Put-S3 "$p/h/good.txt" 'good'
        Put-S3 "$p/h/bad\name.txt" 'bad'
        Put-Gs "$q/h/good.txt" 'good'
        Put-Gs "$q/h/bad\name.txt" 'bad'
        { Add-LaminArtifact (S3Uri "$p/h") } | Should -Throw -ErrorId 'InvalidKey,*'
        { Add-LaminArtifact "gs://$GBucket/$q/h" } | Should -Throw -ErrorId 'InvalidKey,*'
        @(Get-LaminArtifact -Storage $onS3.Uid).Count + @(Get-LaminArtifact -Storage $onGs.Uid).Count | Should -Be 0
    }

    # SPEC §10 rule 1 on S3 (the guard itself lives in ObjectUsage, wired into Remove and Move by the
    # engineers who own them).
    It 'S3 rule 1: Remove -Permanent -DeleteFile of a folder that includes a registered file refuses with ObjectInUse' {
        $null = New-LaminStorage (S3Root $p)
        Put-S3 "$p/r/a.txt" 'a'
        Put-S3 "$p/r/b.txt" 'b'
        $folder = Add-LaminArtifact (S3Uri "$p/r")
        $file = Add-LaminArtifact (S3Uri "$p/r/a.txt")
        $e = Error-Of { Remove-LaminArtifact $folder.Uid -Permanent -DeleteFile -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'ObjectInUse,*'
        $e.Exception.Message | Should -BeLike "*$($file.Uid)*"
        S3Text "$p/r/a.txt" | Should -BeExactly 'a'
        S3Text "$p/r/b.txt" | Should -BeExactly 'b'
        (Test-LaminArtifact -Identity $file.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'S3 rule 1: moving a registered file out of a registered folder keeps the source object and warns' {
        $null = New-LaminStorage (S3Root $p)
        $dst = New-LaminStorage (S3Root $q)
        Put-S3 "$p/r/a.txt" 'a'
        Put-S3 "$p/r/b.txt" 'b'
        $folder = Add-LaminArtifact (S3Uri "$p/r")
        $file = Add-LaminArtifact (S3Uri "$p/r/a.txt")
        $null = Move-LaminArtifact $file.Uid -Storage $dst.Uid -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        S3Text "$p/r/a.txt" | Should -BeExactly 'a'
        S3Text "$q/r/a.txt" | Should -BeExactly 'a'
        "$w" | Should -BeLike "*$($folder.Uid)*"
        (Test-LaminArtifact -Identity $folder.Uid -Hash).Status | Should -Be 'Match'
    }
}

Describe 'Fault 16: a key that is also a prefix' {
    BeforeEach { $t = New-TestInstance; $p = New-Prefix; $q = New-Prefix }
    AfterEach { Remove-TestInstance $t }

    It 'S3: with objects k/dup and k/dup/inner.txt, k/dup registers as the file it is and saves its own bytes' {
        $null = New-LaminStorage (S3Root $p)
        Put-S3 "$p/k/dup" 'the file'
        Put-S3 "$p/k/dup/inner.txt" 'below it'
        $a = Add-LaminArtifact (S3Uri "$p/k/dup")
        $a.NFiles | Should -BeNullOrEmpty
        $a.Size | Should -Be 8
        $saved = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'dup')
        [IO.File]::ReadAllText($saved.FullName) | Should -BeExactly 'the file'
        # The object below it is a file of its own.
        $inner = Add-LaminArtifact (S3Uri "$p/k/dup/inner.txt")
        $inner.NFiles | Should -BeNullOrEmpty
    }

    It 'S3: deleting the file k/dup2.csv deletes that object alone, not the registered k/dup2.csv/child.txt' {
        $null = New-LaminStorage (S3Root $p)
        Put-S3 "$p/k/dup2.csv" 'a,b'
        Put-S3 "$p/k/dup2.csv/child.txt" 'child'
        $file = Add-LaminArtifact (S3Uri "$p/k/dup2.csv")
        $child = Add-LaminArtifact (S3Uri "$p/k/dup2.csv/child.txt")
        Remove-LaminArtifact $file.Uid -Permanent -DeleteFile -Confirm:$false
        (Get-S3Object $S3 lamin-test "$p/k/dup2.csv").Status | Should -Be 404
        S3Text "$p/k/dup2.csv/child.txt" | Should -BeExactly 'child'
        (Test-LaminArtifact -Identity $child.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'GCS: k/dup registers as a file, and deleting k/dup2.csv leaves k/dup2.csv/child.txt' {
        $null = New-LaminStorage (GsRoot $q)
        Put-Gs "$q/k/dup" 'the file'
        Put-Gs "$q/k/dup/inner.txt" 'below it'
        $a = Add-LaminArtifact "gs://$GBucket/$q/k/dup"
        $a.NFiles | Should -BeNullOrEmpty
        $saved = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'gdup')
        [IO.File]::ReadAllText($saved.FullName) | Should -BeExactly 'the file'
        Put-Gs "$q/k/dup2.csv" 'a,b'
        Put-Gs "$q/k/dup2.csv/child.txt" 'child'
        $file = Add-LaminArtifact "gs://$GBucket/$q/k/dup2.csv"
        $child = Add-LaminArtifact "gs://$GBucket/$q/k/dup2.csv/child.txt"
        Remove-LaminArtifact $file.Uid -Permanent -DeleteFile -Confirm:$false
        (Get-GcsObject $G $GBucket "$q/k/dup2.csv").Status | Should -Be 404
        GsText "$q/k/dup2.csv/child.txt" | Should -BeExactly 'child'
        (Test-LaminArtifact -Identity $child.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'S3: a folder delete removes the members below key/ only, never an object named like the folder' {
        $null = New-LaminStorage (S3Root $p)
        Put-S3 "$p/fd/one.txt" '1'
        Put-S3 "$p/fd/two.txt" '2'
        Put-S3 "$p/fdx.txt" 'a neighbour'
        $folder = Add-LaminArtifact (S3Uri "$p/fd")
        $folder.NFiles | Should -Be 2
        Remove-LaminArtifact $folder.Uid -Permanent -DeleteFile -Confirm:$false
        Get-S3Keys $S3 lamin-test "$p/fd" | Should -Be @("$p/fdx.txt")
    }
}

Describe 'Fault 18: ''?'' in keys, credentials in endpoint_url, missing objects named' {
    BeforeEach { $t = New-TestInstance; $p = New-Prefix }
    AfterEach { Remove-TestInstance $t }

    It 'S3: a key with ''?'' registers in place (s3://b/x?y.csv?endpoint_url=…) and saves its bytes' {
        $null = New-LaminStorage (S3Root $p)
        Put-S3 "$p/x?y.csv" 'question'
        $a = Add-LaminArtifact (S3Uri "$p/x?y.csv")
        $a.Key | Should -BeExactly 'x?y.csv'
        $a.FullName | Should -BeExactly "s3://lamin-test/$p/x?y.csv"
        $saved = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'q.csv')
        [IO.File]::ReadAllText($saved.FullName) | Should -BeExactly 'question'
    }

    It 'S3: a root whose prefix holds ''?'' keeps it, and artifacts land under it' {
        $s = New-LaminStorage "s3://lamin-test/$p/a?b?endpoint_url=$S3"
        $s.Root | Should -BeExactly "s3://lamin-test/$p/a?b?endpoint_url=$S3"
        (Get-S3Object $S3 lamin-test "$p/a?b/.lamindb/storage_uid.txt").Status | Should -Be 200
        $f = Join-Path $t.Work 'in.txt'; [IO.File]::WriteAllText($f, 'in')
        $a = Add-LaminArtifact $f -Storage $s.Uid
        $a.FullName | Should -BeLike "s3://lamin-test/$p/a?b/.lamindb/*"
        S3Text "$p/a?b/.lamindb/$($a.Uid).txt" | Should -BeExactly 'in'
    }

    It 'GCS: a key with ''?'' registers in place' {
        $null = New-LaminStorage (GsRoot $p)
        Put-Gs "$p/x?y.csv" 'question'
        $a = Add-LaminArtifact "gs://$GBucket/$p/x?y.csv"
        $a.Key | Should -BeExactly 'x?y.csv'
        $a.FullName | Should -BeExactly "gs://$GBucket/$p/x?y.csv"
    }

    It 'a mistyped query parameter is still InvalidRoot' {
        { New-LaminStorage "s3://lamin-test/$p`?endpointurl=$S3" } | Should -Throw -ErrorId 'InvalidRoot,*'
        { New-LaminStorage "gs://$GBucket/$p`?endpoint_url=$S3" } | Should -Throw -ErrorId 'InvalidRoot,*'
    }

    It 'an endpoint_url with credentials is InvalidRoot, stores nothing and never echoes the password' {
        $secret = 'pw' + [guid]::NewGuid().ToString('N')
        $uri = [uri]$S3
        $withCreds = "s3://lamin-test/$p`?endpoint_url=http://user:$secret@$($uri.Authority)"
        foreach ($call in { New-LaminStorage $withCreds }, { Add-LaminArtifact "s3://lamin-test/$p/x.csv?endpoint_url=http://user:$secret@$($uri.Authority)" },
            { New-LaminStorage "s3://lamin-test/$p`?endpoint_url=http%3A%2F%2Fuser%3A$secret%40$($uri.Authority)" }) {
            $e = Error-Of $call
            $e.FullyQualifiedErrorId | Should -BeLike 'InvalidRoot,*'
            $e.Exception.Message | Should -BeLike '*credentials*'
            # What Lamin says (the error's own text, target and category; not the command line PowerShell echoes back).
            $e.Exception.ToString() + "$($e.TargetObject)" + ($e.CategoryInfo | Out-String) + "$($e.ErrorDetails)" | Should -Not -BeLike "*$secret*"
        }
        @(Get-LaminStorage | Where-Object Root -Like '*user*').Count | Should -Be 0
        [Text.Encoding]::UTF8.GetString([IO.File]::ReadAllBytes($t.Registry)) | Should -Not -BeLike "*$secret*"
    }

    It 'S3: an object missing under a registered artifact is named by its URI, not the root' {
        $null = New-LaminStorage (S3Root $p)
        Put-S3 "$p/data/gone.csv" 'soon gone'
        $a = Add-LaminArtifact (S3Uri "$p/data/gone.csv")
        Remove-S3Raw "$p/data/gone.csv"
        $e = Error-Of { Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'gone.csv') }
        $e.FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        $e.Exception.Message | Should -BeLike "*s3://lamin-test/$p/data/gone.csv*"
    }

    It 'GCS: an object missing under a registered artifact is named by its URI' {
        $null = New-LaminStorage (GsRoot $p)
        Put-Gs "$p/data/gone.csv" 'soon gone'
        $a = Add-LaminArtifact "gs://$GBucket/$p/data/gone.csv"
        Remove-GsRaw "$p/data/gone.csv"
        $e = Error-Of { Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'gone.csv') }
        $e.FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        $e.Exception.Message | Should -BeLike "*gs://$GBucket/$p/data/gone.csv*"
    }
}
