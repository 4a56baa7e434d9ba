# Issue 15, copies in the cloud: moves between two roots of one S3 endpoint (or of GCS) copy inside the
# store instead of downloading and uploading every byte; above the CopyObject limit (5 GiB, lowered here)
# in UploadPartCopy parts, which s3rver lacks: those run through the test proxy, which answers
# UploadPartCopy itself from s3rver's data (tests/servers/s3-extra.js). Every request is checked in the
# proxy's log, the bytes on the server with a second client. And Ctrl+C (PowerShell.Stop()) stops a command
# whose S3 request the server never answers: every SDK call takes the command's cancellation token.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:extra = Start-S3ExtraServers $servers
    $script:GBucket = 'lamin-gcs'

    function New-Prefix { 'c' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
    # Roots behind the proxy: every request Lamin makes is in its log.
    function ProxyRoot([string] $Prefix) { "s3://lamin-test/$Prefix`?endpoint_url=$($extra.Proxy)" }
    function New-RandomBytes([int] $Size, [int] $Seed) { $b = [byte[]]::new($Size); [Random]::new($Seed).NextBytes($b); , $b }
    function Sha([byte[]] $Bytes) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)) }
    function KeyOf($Artifact) { ([uri]($Artifact.FullName -replace '\?.*$', '')).AbsolutePath.TrimStart('/') }   # lamin-test/<prefix>/... without the bucket
    function Set-CopyLimits([long] $Limit, [long] $Part) {
        $core = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin').Assemblies | Where-Object { $_.GetName().Name -eq 'Lamin.Core' }
        $type = $core.GetType('Lamin.Core.Storage.S3StorageProvider')
        $type.GetField('CopyObjectLimit', [Reflection.BindingFlags]'Static,NonPublic').SetValue($null, $Limit)
        $type.GetField('CopyPartSize', [Reflection.BindingFlags]'Static,NonPublic').SetValue($null, $Part)
    }
    # Runs $Script in a runspace of this process; returns the PowerShell object and its async result.
    function Start-InRunspace([string] $Script) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; Import-Module '$env:LAMIN_TEST_MODULE'`n$Script")
        [pscustomobject]@{ PowerShell = $ps; Result = $ps.BeginInvoke() }
    }
}

AfterAll {
    if ($script:extra) { Stop-CloudServers $script:extra }
    Stop-CloudServers $script:servers
}

Describe 'Server-side copies between two roots of one store' {
    BeforeEach {
        $t = New-TestInstance
        $pa = New-Prefix; $pb = New-Prefix
        Set-S3ProxyRule $extra
    }
    AfterEach {
        Set-CopyLimits (5GB) (512MB)
        Set-S3ProxyRule $extra
        Remove-TestInstance $t
    }

    It 'Move-LaminArtifact between two prefixes of one S3 endpoint is one CopyObject: no byte is downloaded or uploaded' {
        $a = New-LaminStorage (ProxyRoot $pa)
        $b = New-LaminStorage (ProxyRoot $pb)
        $bytes = New-RandomBytes 3MB 1
        $file = Join-Path $t.Work 'x.bin'; [IO.File]::WriteAllBytes($file, $bytes)
        $art = Add-LaminArtifact $file -Storage $a.Uid -Key 'x.bin'
        Set-S3ProxyRule $extra   # a fresh log
        $moved = Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false -PassThru
        $moved.StorageUid | Should -Be $b.Uid
        $log = Get-S3ProxyLog $extra
        $data = @($log | Where-Object { $_.url -match "/\.lamindb/$($art.Uid)" })
        @($data | Where-Object { $_.method -eq 'PUT' -and $_.copySource }).Count | Should -Be 1 -Because 'the store copies the object'
        @($data | Where-Object { $_.method -eq 'PUT' -and -not $_.copySource }).Count | Should -Be 0 -Because 'nothing is uploaded'
        @($data | Where-Object { $_.method -eq 'GET' -and $_.url -notmatch '[?&](list-type|prefix)=' }).Count | Should -Be 0 -Because 'nothing is downloaded (the md5 ETag of the copy is the recorded md5)'
        $there = Get-S3Object $servers.S3 lamin-test "$pb/.lamindb/$($art.Uid).bin"
        Sha $there.Bytes | Should -BeExactly (Sha $bytes)
        (Get-S3Object $servers.S3 lamin-test "$pa/.lamindb/$($art.Uid).bin").Status | Should -Be 404
        (Test-LaminArtifact -Identity $art.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'above the CopyObject limit, Move-LaminStorage copies in UploadPartCopy parts (the proxy answers them) and every hash still matches' {
        Set-CopyLimits (5MB) (5MB)
        $a = New-LaminStorage (ProxyRoot $pa)
        $bytes = New-RandomBytes (12MB + 7) 2
        $file = Join-Path $t.Work 'big.bin'; [IO.File]::WriteAllBytes($file, $bytes)
        $art = Add-LaminArtifact $file -Storage $a.Uid -Key 'big.bin'
        $small = Join-Path $t.Work 's.txt'; [IO.File]::WriteAllText($small, 'small')
        $null = Add-LaminArtifact $small -Storage $a.Uid -Key 's.txt'
        Set-S3ProxyRule $extra
        $moved = Move-LaminStorage $a.Uid -Destination (ProxyRoot $pb) -RemoveSource -Confirm:$false
        $moved.Root | Should -BeExactly (ProxyRoot $pb)
        $log = Get-S3ProxyLog $extra
        $parts = @($log | Where-Object { $_.method -eq 'PUT' -and $_.url -match "$pb/.*partNumber=" })
        $parts.Count | Should -Be 3 -Because '12 MiB in 5 MiB parts'
        @($parts | Where-Object { -not $_.copySource }).Count | Should -Be 0 -Because 'every part is an UploadPartCopy'
        @($log | Where-Object { $_.method -eq 'PUT' -and $_.url -match "^/lamin-test/$pb/\.lamindb/$($art.Uid)" -and -not $_.copySource -and $_.url -notmatch 'uploadId' }).Count | Should -Be 0
        Sha (Get-S3Object $servers.S3 lamin-test "$pb/.lamindb/$($art.Uid).bin").Bytes | Should -BeExactly (Sha $bytes)
        @(Get-S3Keys $servers.S3 lamin-test "$pa/") | Should -BeNullOrEmpty
        @(Test-LaminArtifact -Storage $moved.Uid -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'a real key above the CopyObject limit is committed from the temporary upload in UploadPartCopy parts' {
        Set-CopyLimits (5MB) (5MB)
        $a = New-LaminStorage (ProxyRoot $pa)
        $bytes = New-RandomBytes (12MB + 7) 4
        $file = Join-Path $t.Work 'big.bin'; [IO.File]::WriteAllBytes($file, $bytes)
        Set-S3ProxyRule $extra
        $art = Add-LaminArtifact $file -Storage $a.Uid -Key 'data/big.bin' -KeyIsVirtual $false
        $log = Get-S3ProxyLog $extra
        $parts = @($log | Where-Object { $_.method -eq 'PUT' -and $_.url -match "^/lamin-test/$pa/data/big\.bin\?.*partNumber=" })
        $parts.Count | Should -Be 3 -Because 'the commit copy of 12 MiB goes in 5 MiB parts (CopyObject stops at the limit)'
        @($parts | Where-Object { -not $_.copySource }).Count | Should -Be 0 -Because 'every part is an UploadPartCopy of the temporary upload'
        Sha (Get-S3Object $servers.S3 lamin-test "$pa/data/big.bin").Bytes | Should -BeExactly (Sha $bytes)
        @(Get-S3Keys $servers.S3 lamin-test "$pa/" | Where-Object { $_ -match 'lamin-tmp' }) | Should -BeNullOrEmpty -Because 'the temporary upload is removed after the commit'
        (Test-LaminArtifact -Identity $art.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'a copy whose bytes no longer match the record is refused (HashMismatch), the copy removed and nothing moved' {
        $a = New-LaminStorage (ProxyRoot $pa)
        $b = New-LaminStorage (ProxyRoot $pb)
        Send-S3Object $servers.S3 lamin-test "$pa/data/x.csv" ([Text.Encoding]::UTF8.GetBytes("original`n")) | Should -Be 200
        $art = Add-LaminArtifact "s3://lamin-test/$pa/data/x.csv?endpoint_url=$($extra.Proxy)"
        Send-S3Object $servers.S3 lamin-test "$pa/data/x.csv" ([Text.Encoding]::UTF8.GetBytes("changed!`n")) | Should -Be 200
        { Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false } | Should -Throw -ErrorId 'HashMismatch,*'
        (Get-S3Object $servers.S3 lamin-test "$pb/data/x.csv").Status | Should -Be 404
        (Get-LaminArtifact -Identity $art.Uid).StorageUid | Should -Be $a.Uid
        [Text.Encoding]::UTF8.GetString((Get-S3Object $servers.S3 lamin-test "$pa/data/x.csv").Bytes) | Should -BeExactly "changed!`n"
    }

    It 'Move-LaminArtifact between two GCS prefixes (the rewrite call) keeps the bytes and the recorded hash' {
        $a = New-LaminStorage "gs://$GBucket/$pa"
        $b = New-LaminStorage "gs://$GBucket/$pb"
        $bytes = New-RandomBytes 100KB 3
        $file = Join-Path $t.Work 'g.bin'; [IO.File]::WriteAllBytes($file, $bytes)
        $art = Add-LaminArtifact $file -Storage $a.Uid -Key 'g.bin'
        $moved = Move-LaminArtifact $art.Uid -Storage $b.Uid -Confirm:$false -PassThru
        $moved.Hash | Should -BeExactly $art.Hash
        Sha (Get-GcsObject $servers.Gcs $GBucket "$pb/.lamindb/$($art.Uid).bin").Bytes | Should -BeExactly (Sha $bytes)
        (Get-GcsObject $servers.Gcs $GBucket "$pa/.lamindb/$($art.Uid).bin").Status | Should -Be 404
        (Test-LaminArtifact -Identity $art.Uid -Hash).Status | Should -Be 'Match'
    }
}

Describe 'Ctrl+C stops a command whose S3 request hangs' {
    BeforeEach {
        $t = New-TestInstance
        $pa = New-Prefix; $pb = New-Prefix
        Set-S3ProxyRule $extra
    }
    AfterEach {
        Set-S3ProxyRule $extra   # drops the hung requests
        Remove-TestInstance $t
    }

    It 'Save-LaminArtifact: PowerShell.Stop() returns while the download''s GET is unanswered, and nothing is left at the destination' {
        $a = New-LaminStorage (ProxyRoot $pa)
        $file = Join-Path $t.Work 'x.bin'; [IO.File]::WriteAllBytes($file, (New-RandomBytes 1MB 4))
        $art = Add-LaminArtifact $file -Storage $a.Uid -Key 'x.bin'
        Set-S3ProxyRule $extra @(@{ Method = 'GET'; Match = "/\.lamindb/$($art.Uid)"; Action = 'hang' })
        $out = Join-Path $t.Work 'out'; $null = New-Item -ItemType Directory $out
        $run = Start-InRunspace "Save-LaminArtifact -Identity '$($art.Uid)' -Destination '$out/x.bin'"
        try {
            Wait-S3ProxyRequest $extra "^GET .*/\.lamindb/$($art.Uid)"   # the transfer is under way (and stalled)
            $stop = $run.PowerShell.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue -Because 'Stop() returns once the hung request is cancelled (before: only after the SDK timeout of 5 minutes)'
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            @(Get-ChildItem $out -Force) | Should -BeNullOrEmpty
        }
        finally { Set-S3ProxyRule $extra; $run.PowerShell.Dispose() }   # the hung request dropped first: a command that ignores Stop() ends too
    }

    It 'Move-LaminArtifact: PowerShell.Stop() returns while the server-side copy is unanswered, and the artifact stays where it was' {
        $a = New-LaminStorage (ProxyRoot $pa)
        $b = New-LaminStorage (ProxyRoot $pb)
        $file = Join-Path $t.Work 'y.bin'; [IO.File]::WriteAllBytes($file, (New-RandomBytes 1MB 5))
        $art = Add-LaminArtifact $file -Storage $a.Uid -Key 'y.bin'
        Set-S3ProxyRule $extra @(@{ Method = 'PUT'; Match = "^/lamin-test/$pb/\.lamindb/$($art.Uid)"; Action = 'hang' })
        $run = Start-InRunspace "Move-LaminArtifact -Identity '$($art.Uid)' -Storage '$($b.Uid)' -Confirm:`$false"
        try {
            Wait-S3ProxyRequest $extra "^PUT /lamin-test/$pb/\.lamindb/$($art.Uid)"
            $stop = $run.PowerShell.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue -Because 'Stop() returns once the hung copy is cancelled'
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { Set-S3ProxyRule $extra; $run.PowerShell.Dispose() }   # the hung request dropped first: a command that ignores Stop() ends too
        Set-S3ProxyRule $extra
        (Get-LaminArtifact -Identity $art.Uid).StorageUid | Should -Be $a.Uid
        (Test-LaminArtifact -Identity $art.Uid -Hash).Status | Should -Be 'Match'
    }
}
