# SPEC §10 rule 14 on the local S3 (s3rver) and GCS (Firebase emulator) servers: a lease is exclusive by
# construction. The create-only primitive refuses a second create (S3 If-None-Match: *, GCS ifGenerationMatch=0,
# honoured by the test servers as by the real stores: tests/servers/conditional.js), a second acquirer is refused,
# a stale lease is taken over into the next generation, and a release leaves no lease object behind.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:t = New-TestInstance
    # The module's own assemblies live in its load context: their types are reached through it.
    $core = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin').Assemblies | Where-Object { $_.GetName().Name -eq 'Lamin.Core' }
    $script:RootType = $core.GetType('Lamin.Core.Roots.StorageRoot')
    $script:Providers = $core.GetType('Lamin.Core.Storage.StorageProviders')
    $script:LeaseType = $core.GetType('Lamin.Core.Storage.Lease')
    function Get-Root([string] $Kind) {
        $prefix = 'lease' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $uri = if ($Kind -eq 's3') { Get-S3Root $servers -Prefix $prefix } else { "gs://lamin-gcs/$prefix" }
        $RootType::Parse($uri, '/')
    }
    function Read-Object($Root, [string] $Key) {
        $s = $Providers::For($Root).OpenRead($Root, $Key)
        try { [IO.StreamReader]::new($s).ReadToEnd() } finally { $s.Dispose() }
    }
    function Get-LeaseKeys($Root) {
        $p = $Providers::For($Root)
        @($p.List($Root, '.lamindb/_lease')) + @($p.List($Root, '.lamindb/_lease.json')) | ForEach-Object Key
    }
}
AfterAll {
    if ($t) { $t | Remove-TestInstance }
    Stop-CloudServers $servers
}

Describe 'Leases on <Kind> are exclusive by construction' -ForEach @(@{ Kind = 's3' }, @{ Kind = 'gs' }) {
    It 'the create-only primitive refuses a second create and keeps the first content' {
        $root = Get-Root $Kind
        $p = $Providers::For($root)
        $p.TryCreateNew($root, '.lamindb/x.json', [Text.Encoding]::UTF8.GetBytes('first')) | Should -BeTrue
        $p.TryCreateNew($root, '.lamindb/x.json', [Text.Encoding]::UTF8.GetBytes('second')) | Should -BeFalse
        Read-Object $root '.lamindb/x.json' | Should -BeExactly 'first'
    }

    It 'refuses a second holder, takes over a stale lease into the next generation, and leaves nothing after release' {
        $root = Get-Root $Kind
        $p = $Providers::For($root)
        $past = (Get-Date).ToUniversalTime().AddHours(-2)
        $stale = @{ User = 'gone'; Host = [Environment]::MachineName; Pid = 999999; Since = $past; Until = $past.AddMinutes(15); Operation = 'Move-LaminStorage'; Token = 'old' } | ConvertTo-Json
        $p.TryCreateNew($root, '.lamindb/_lease.json', [Text.Encoding]::UTF8.GetBytes($stale)) | Should -BeTrue
        $lease = $LeaseType::Acquire($root, 'alice', 'Clear-LaminStorage')
        try {
            $lease.Generation | Should -Be 1
            Get-LeaseKeys $root | Should -Be @('.lamindb/_lease/1.json')   # the stale generation was retired
            $err = { $LeaseType::Acquire($root, 'bob', 'Move-LaminStorage') } | Should -Throw -PassThru
            $err.Exception.InnerException.ErrorId | Should -Be 'StorageLeased'
            $err.Exception.InnerException.Message | Should -Match 'alice'
            $lease.Renew()
            $lease.Generation | Should -Be 2
            Get-LeaseKeys $root | Should -Be @('.lamindb/_lease/2.json')
        }
        finally { $lease.Dispose() }
        @(Get-LeaseKeys $root).Count | Should -Be 0
    }
}
