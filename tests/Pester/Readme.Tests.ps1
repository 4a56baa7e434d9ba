# Every PowerShell example in README.md runs, as written, in a sandbox (issue "PowerShell-native
# ergonomics": "run every README example in a test"). Each ```powershell block is read from the README
# at run time; only the places an example names on the reader's machine are mapped into the sandbox
# (/mnt/... and ~/... folders, the S3 endpoint and buckets, the uids shown as 3fT2...). A block that this
# file does not know (a new section) fails the meta-test, so a new example cannot go untested.
BeforeDiscovery {
    function Get-ReadmeBlock {
        $lines = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../../README.md')
        $heading = ''; $inBlock = $false; $language = ''; $body = [Collections.Generic.List[string]]::new()
        foreach ($line in $lines) {
            if (-not $inBlock -and $line -match '^#{1,4} (.+)$') { $heading = $Matches[1]; continue }
            if (-not $inBlock -and $line -match '^```(\w*)\s*$') { $inBlock = $true; $language = $Matches[1]; $body.Clear(); continue }
            if ($inBlock -and $line -match '^```\s*$') {
                $inBlock = $false
                if ($language -eq 'powershell') { [pscustomobject]@{ Heading = $heading; Text = ($body -join "`n") } }
                continue
            }
            if ($inBlock) { $body.Add($line) }
        }
    }
    $script:Blocks = @(Get-ReadmeBlock)
    # Where each README section's examples are proven: here (Run) or in another file (the install
    # examples need a package feed: Package.Tests.ps1 installs and updates the package the same way).
    $script:Coverage = @{
        'Install'       = 'Package.Tests.ps1'
        'Using it'      = 'Run'
        'S3 and GCS'    = 'Run'
        'Operator tools (beyond LaminDB)' = 'Run'
        # These need a PostgreSQL server or a drive over several locations; the same commands run there.
        'Team instances on PostgreSQL (SPEC §7)' = 'TeamInstance.Tests.ps1'
        'The `lamin:` drive (SPEC §8)' = 'Drive.Tests.ps1'
        # The unattended script runs in a child pwsh with no instance (it must fail): Instance.Tests.ps1 runs it so.
        'Errors' = 'Instance.Tests.ps1'
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $env:LAMIN_TEST_BUCKETS = 'lamin-test,my-bucket,lab,lab-archive'
    $script:servers = Start-CloudServers
    Remove-Item Env:LAMIN_TEST_BUCKETS

    function ConvertTo-SandboxExample([string] $Text, [string] $Sandbox, [string] $S3) {
        # Order matters: the artifact uid contains the storage uid stub.
        $t = $Text.Replace('3fT2aB9x', '(Get-LaminArtifact -Key project/results.csv).Uid')
        $t = $t.Replace('3fT2', "(Get-LaminStorage -Root '$Sandbox/mnt/archive').Uid")
        $t = $t.Replace('Import-Module ./out/Lamin', 'Import-Module $env:LAMIN_TEST_MODULE')
        # The installed module's name (as a reader who installed the package types it) is the module under test here.
        $t = [regex]::Replace($t, '(?m)^Import-Module Lamin\s*$', 'Import-Module $env:LAMIN_TEST_MODULE')
        $t = $t.Replace('~/', "$Sandbox/home/")
        $t = [regex]::Replace($t, "(?<![\w.])/mnt/", "$Sandbox/mnt/")
        $t = [regex]::Replace($t, 'http://(127\.0\.0\.1|10\.0\.0\.5):9000', $S3)
        # An s3:// root or object without an endpoint goes to the local server too.
        $t = [regex]::Replace($t, "s3://[A-Za-z0-9._/-]+(?!\?|[A-Za-z0-9._/-])", { param($m) "$($m.Value)?endpoint_url=$S3" })
        $t
    }

    function Invoke-Example([string] $Text, [string] $Sandbox) {
        $code = ConvertTo-SandboxExample $Text $Sandbox $servers.S3
        Push-Location -LiteralPath $Sandbox
        try {
            $ErrorActionPreference = 'Stop'
            $ConfirmPreference = 'None'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            # Formatted as a reader would see it: the default views run too.
            $null = & ([scriptblock]::Create($code)) *>&1 | Out-String -Width 80
        }
        finally { Pop-Location }
    }

    function Clear-Buckets {
        # The examples use fixed bucket names: what one test's instance wrote (markers) must not make the
        # next test's location another instance's.
        foreach ($bucket in 'my-bucket', 'lab', 'lab-archive') {
            foreach ($key in Get-S3Keys -Endpoint $servers.S3 -Bucket $bucket) { $null = Remove-S3Object -Endpoint $servers.S3 -Bucket $bucket -Key $key }
            @(Get-S3Keys -Endpoint $servers.S3 -Bucket $bucket).Count | Should -Be 0
        }
    }

    function New-Sandbox([switch] $Instance) {
        Clear-Buckets
        $t = New-TestInstance -NoInstance:(-not $Instance)
        $s = $t.Root
        foreach ($d in 'home', 'mnt/archive/raw', 'mnt/old/runs') { $null = New-Item -ItemType Directory -Force (Join-Path $s $d) }
        'id,value', '1,2' | Set-Content (Join-Path $s 'results.csv')
        Set-Content (Join-Path $s 'big.h5ad') 'not really big'
        'a' | Set-Content (Join-Path $s 'mnt/archive/raw/image1.tif')
        'b' | Set-Content (Join-Path $s 'mnt/archive/raw/image2.tif')
        'c' | Set-Content (Join-Path $s 'mnt/old/runs/run1.txt')
        'r1' | Set-Content (New-Item -ItemType File -Force (Join-Path $s 'run42/reads/r1.fastq'))
        'log' | Set-Content (Join-Path $s 'run42/run.log')
        $t
    }
}

AfterAll {
    if ($script:servers) { Stop-CloudServers $servers }
}

Describe 'README examples' {
    It 'every PowerShell block of the README belongs to a section whose examples are proven somewhere' {
        $Blocks.Count | Should -BeGreaterThan 4
        foreach ($b in $Blocks) { $Coverage.Keys | Should -Contain $b.Heading -Because "README section '$($b.Heading)' has an example no test runs" }
        foreach ($file in $Coverage.Values | Where-Object { $_ -ne 'Run' }) { Join-Path $PSScriptRoot $file | Should -Exist }
    }

    It "'Using it' runs as written" {
        $sb = New-Sandbox
        try {
            $block = $Blocks | Where-Object Heading -eq 'Using it'
            Invoke-Example $block.Text $sb.Root
            # What the example claims happened, checked afterwards.
            $archive = Get-LaminStorage -Root "$($sb.Root)/mnt/archive"
            @(Get-LaminArtifact -Key 'runs/42/*' | ForEach-Object Key | Sort-Object) | Should -Be @('runs/42/reads/r1.fastq', 'runs/42/run.log')
            (Get-LaminStorage -Type s3).Space | Should -Be 'imaging'
            (Get-LaminInstance).Storage | Should -Be $archive.Root
            # Added into /mnt/archive (the default by then), moved to ~/lab-data, then removed to the trash.
            $results = Get-LaminArtifact -Key project/results.csv -Trash
            $results.StorageUid | Should -Be (Get-LaminStorage -Root "$($sb.Root)/home/lab-data").Uid
            $results.IsTrashed | Should -BeTrue
            Join-Path $sb.Root 'copy.csv' | Should -Exist
            @(Get-LaminArtifact -Key 'raw/*').Count | Should -Be 2
        }
        finally { Remove-TestInstance $sb }
    }

    It "'S3 and GCS' runs as written" {
        $sb = New-Sandbox -Instance
        try {
            $block = $Blocks | Where-Object Heading -eq 'S3 and GCS'
            # The object the last line registers in place is already in the bucket.
            $null = Send-S3Object -Endpoint $servers.S3 -Bucket 'my-bucket' -Key 'project/raw/sample1.fastq.gz' -Bytes ([Text.Encoding]::UTF8.GetBytes('@r1'))
            Invoke-Example $block.Text $sb.Root
            @(Get-LaminArtifact | Where-Object FullName -like 's3://my-bucket/project/.lamindb/*.h5ad').Count | Should -Be 1
            @(Get-LaminArtifact -Key 'raw/sample1.fastq.gz').Count | Should -Be 1
        }
        finally { Remove-TestInstance $sb }
    }

    It "'Operator tools' runs as written" {
        $sb = New-Sandbox -Instance
        try {
            $null = New-LaminStorage -Root "$($sb.Root)/mnt/archive" -ErrorAction Stop
            $old = New-LaminStorage -Root "$($sb.Root)/mnt/old" -ErrorAction Stop
            $null = Get-ChildItem "$($sb.Root)/mnt/archive/raw" -File | Add-LaminArtifact -ErrorAction Stop
            $null = Add-LaminArtifact (Join-Path $sb.Root 'results.csv') -Storage $old.Uid -Key old/results.csv -ErrorAction Stop
            $block = $Blocks | Where-Object Heading -eq 'Operator tools (beyond LaminDB)'
            Invoke-Example $block.Text $sb.Root
            Join-Path $sb.Root 'drift.csv' | Should -Exist
            $moved = Get-LaminStorage -Identity $old.Uid
            $moved.Root | Should -BeLike 's3://lab-archive/imaging*'
            "$($sb.Root)/mnt/old/.lamindb" | Should -Not -Exist
            (Get-LaminArtifact -Key old/results.csv).FullName | Should -BeLike 's3://lab-archive/imaging/*'
        }
        finally { Remove-TestInstance $sb }
    }
}
