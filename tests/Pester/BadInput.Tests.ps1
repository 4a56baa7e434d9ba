# "Bad input gets a clear error and changes nothing" (issue 2): every item of the list, each asserting
# the error id and that the registry (through the cmdlets) and the disk (every file's bytes) are unchanged.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'

    function Get-State {
        # Call as the instance creator, who sees every record.
        [pscustomobject]@{ Disk = Get-TreeSnapshot $t.Root; Registry = Get-RegistrySnapshot }
    }

    function Compare-Bytes([byte[]] $Expected, [byte[]] $Actual) {
        # The first differences as "offset: expected -> actual" (nothing when equal).
        if ($Expected.Length -ne $Actual.Length) { "length: $($Expected.Length) -> $($Actual.Length)" }
        $n = [Math]::Min($Expected.Length, $Actual.Length)
        $diff = for ($k = 0; $k -lt $n; $k++) { if ($Expected[$k] -ne $Actual[$k]) { 'byte {0}: 0x{1:x2} -> 0x{2:x2}' -f $k, $Expected[$k], $Actual[$k] } }
        @($diff) | Select-Object -First 5
    }

    function Assert-Unchanged($State) {
        $env:LAMIN_USER = 'alice'
        Get-TreeSnapshot $t.Root | Should -BeExactly $State.Disk -Because 'bad input must not touch the disk'
        Get-RegistrySnapshot | Should -BeExactly $State.Registry -Because 'bad input must not change the registry'
    }
}

Describe 'Bad input gets a clear error and changes nothing (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach {
        $t = New-TestInstance -User 'alice'
        $null = New-LaminSpace -Name 'secret'
        $plain = New-LaminStorage -Root (Join-Path $t.Work 'plain') -Description 'plain'
        $locked = New-LaminStorage -Root (Join-Path $t.Work 'locked') -Description 'locked'
        Set-LaminStorage -Identity $locked.Uid -Lock
        $hidden = New-LaminStorage -Root (Join-Path $t.Work 'hidden') -Space 'secret'
        $newRoot = Join-Path $t.Work 'never-created'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'an empty or whitespace root is InvalidRoot (<Case>)' -ForEach @(
        @{ Case = 'empty'; Root = '' }
        @{ Case = 'blank'; Root = '   ' }
        @{ Case = 'tab'; Root = "`t" }
    ) {
        $state = Get-State
        $err = { New-LaminStorage -Root $Root -ErrorAction Stop } | Should -Throw -ErrorId "InvalidRoot$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'empty'
        { Set-LaminSetting -Storage ' ' -ErrorAction Stop } | Should -Throw -ErrorId "InvalidRoot$E"
        Assert-Unchanged $state
    }

    It 'an unsupported protocol is UnsupportedProtocol, naming it and the valid ones' {
        $state = Get-State
        $err = { New-LaminStorage -Root 'ftp://files.example.org/data' -ErrorAction Stop } | Should -Throw -ErrorId "UnsupportedProtocol$E" -PassThru
        $err.Exception.Message | Should -Match '\bftp\b'
        foreach ($p in 'local', 'gs', 's3', 'hf', 'http', 'https') { $err.Exception.Message | Should -Match "\b$p\b" }
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        { Set-LaminSetting -Storage 'azure://container/x' -ErrorAction Stop } | Should -Throw -ErrorId "UnsupportedProtocol$E"
        Assert-Unchanged $state
    }

    It 's3:// with no bucket is InvalidRoot (<Root>)' -ForEach @(@{ Root = 's3://' }, @{ Root = 's3:///' }, @{ Root = 's3://?endpoint_url=http://127.0.0.1:9000' }) {
        $state = Get-State
        $err = { New-LaminStorage -Root $Root -ErrorAction Stop } | Should -Throw -ErrorId "InvalidRoot$E" -PassThru
        $err.Exception.Message | Should -Match 'bucket'
        Assert-Unchanged $state
    }

    It 'a root containing .lamindb is InvalidRoot (<Case>)' -ForEach @(
        @{ Case = 'ends with it'; Rel = 'x/.lamindb' }
        @{ Case = 'inside the default storage'; Rel = '<default>/.lamindb/sub' }
        @{ Case = 'cloud prefix'; Rel = 's3://bucket-x/.lamindb' }
    ) {
        $root = if ($Rel -like 's3://*') { $Rel } elseif ($Rel -like '<default>*') { $Rel.Replace('<default>', $t.Storage) } else { Join-Path $t.Work $Rel }
        $state = Get-State
        $err = { New-LaminStorage -Root $root -ErrorAction Stop } | Should -Throw -ErrorId "InvalidRoot$E" -PassThru
        $err.Exception.Message | Should -Match '\.lamindb'
        Assert-Unchanged $state
    }

    It '-Host with a cloud root is HostRequiresLocalRoot' {
        $state = Get-State
        { New-LaminStorage -Root 's3://bucket-x/p' -Host 'node-1' -ErrorAction Stop } | Should -Throw -ErrorId "HostRequiresLocalRoot$E"
        { New-LaminStorage -Root 'gs://bucket-x' -Host 'node-1' -ErrorAction Stop } | Should -Throw -ErrorId "HostRequiresLocalRoot$E"
        Assert-Unchanged $state
    }

    It 'a uid stub matching several records is MultipleRecordsFound' {
        $pair = $null
        for ($n = 0; $n -lt 120 -and -not $pair; $n++) {
            $null = New-LaminStorage -Root (Join-Path $t.Work "many$n")
            $pair = Get-LaminStorage | Where-Object { $_.Uid -cmatch '^[A-Za-z]' } |
                Group-Object { $_.Uid.Substring(0, 1) } -CaseSensitive | Where-Object Count -GE 2 | Select-Object -First 1
        }
        $pair | Should -Not -BeNullOrEmpty
        $stub = [string]$pair.Name
        $state = Get-State
        { Get-LaminStorage -Identity $stub -ErrorAction Stop } | Should -Throw -ErrorId "MultipleRecordsFound$E"
        { Set-LaminStorage -Identity $stub -Description 'changed' -ErrorAction Stop } | Should -Throw -ErrorId "MultipleRecordsFound$E"
        { Remove-LaminStorage -Identity $stub -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "MultipleRecordsFound$E"
        Assert-Unchanged $state
    }

    It 'an unknown filter field is UnknownField, an unknown lookup UnknownFieldLookup' {
        $state = Get-State
        $err = { Get-LaminStorage -Filter @{ colour = 'red' } -ErrorAction Stop } | Should -Throw -ErrorId "UnknownField$E" -PassThru
        $err.Exception.Message | Should -Match 'root'
        { Get-LaminStorage -Filter @{ root__like = '%x%' } -ErrorAction Stop } | Should -Throw -ErrorId "UnknownFieldLookup$E"
        { Get-LaminStorage -Filter @{ root__startswith__exact = 'x' } -ErrorAction Stop } | Should -Throw -ErrorId "UnknownFieldLookup$E"
        { Search-LaminStorage -Query 'x' -Field 'colour' -ErrorAction Stop } | Should -Throw -ErrorId "UnknownField$E"
        Assert-Unchanged $state
    }

    It 'a non-numeric id in a filter is InvalidFilterValue' {
        $state = Get-State
        $err = { Get-LaminStorage -Filter @{ id = 'abc' } -ErrorAction Stop } | Should -Throw -ErrorId "InvalidFilterValue$E" -PassThru
        $err.Exception.Message | Should -Match 'number'
        { Get-LaminStorage -Filter @{ id__gt = 'x1' } -ErrorAction Stop } | Should -Throw -ErrorId "InvalidFilterValue$E"
        { Get-LaminStorage -Filter @{ id__in = @(1, 'two') } -ErrorAction Stop } | Should -Throw -ErrorId "InvalidFilterValue$E"
        { Get-LaminStorage -Filter @{ id__in = 'not-a-list' } -ErrorAction Stop } | Should -Throw -ErrorId "InvalidFilterValue$E"
        { Get-LaminStorage -Filter @{ is_locked__isnull = 'maybe' } -ErrorAction Stop } | Should -Throw -ErrorId "InvalidFilterValue$E"
        Assert-Unchanged $state
    }

    It 'a locked record is RecordLocked' {
        $state = Get-State
        $err = { Set-LaminStorage -Identity $locked.Uid -Description 'changed' -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        { Set-LaminStorage -Identity $locked.Uid -Space 'secret' -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        { Set-LaminStorage -Identity $locked.Uid -Lock -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        { Remove-LaminStorage -Identity $locked.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        Assert-Unchanged $state
    }

    It 'a space that does not exist is SpaceNotFound' {
        $state = Get-State
        $err = { New-LaminStorage -Root $newRoot -Space 'ghost' -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'ghost'
        { Set-LaminStorage -Identity $plain.Uid -Space 'ghost' -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E"
        { Grant-LaminSpaceAccess -Space 'ghost' -User 'bob' -Role Read -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E"
        { Remove-LaminSpace -Name 'ghost' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E"
        $newRoot | Should -Not -Exist
        Assert-Unchanged $state
    }

    # LAMIN_USER names the user on LiteDB only; on PostgreSQL the login role does (TeamAccess.Tests.ps1 covers roles there).
    It 'a user without access is AccessDenied (on PostgreSQL LAMIN_USER names no one: the login role does)' {
        $state = Get-State
        $env:LAMIN_USER = 'bob'
        if ($Backend -eq 'PostgreSQL') {
            # bob would be refused; the login role (the instance's creator) still sees the hidden location.
            (Get-LaminStorage -Identity $hidden.Uid -ErrorAction Stop).Uid | Should -BeExactly $hidden.Uid
            (Get-LaminInstance).User | Should -Not -Be 'bob'
            Assert-Unchanged $state
            return
        }
        $err = { Set-LaminStorage -Identity $hidden.Uid -Description 'by bob' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.Exception.Message | Should -Match 'bob'
        { Get-LaminStorage -Identity $hidden.Uid -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { Remove-LaminStorage -Identity $hidden.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { New-LaminStorage -Root $newRoot -Space 'secret' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { Set-LaminStorage -Identity $plain.Uid -Space 'secret' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { Set-LaminSetting -KeepArtifactsLocal $true -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        $newRoot | Should -Not -Exist
        Assert-Unchanged $state
    }

    It 'a marker file that is <Case> is MarkerInvalid' -ForEach @(
        @{ Case = 'empty'; Bytes = [byte[]]@() }
        @{ Case = 'binary garbage'; Bytes = [byte[]](0, 159, 146, 150, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8) }
        @{ Case = 'text garbage'; Bytes = [System.Text.Encoding]::UTF8.GetBytes("hello world, not a uid`n") }
        @{ Case = 'a too short uid'; Bytes = [System.Text.Encoding]::UTF8.GetBytes("abc123`n") }
    ) {
        $root = Join-Path $t.Work 'bad-marker'
        $marker = Set-TestMarker -Root $root -Bytes $Bytes
        $state = Get-State
        $err = { New-LaminStorage -Root $root -ErrorAction Stop } | Should -Throw -ErrorId "MarkerInvalid$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -Match ([regex]::Escape($marker))
        { Set-LaminSetting -Storage $root -ErrorAction Stop } | Should -Throw -ErrorId "MarkerInvalid$E"
        { New-LaminInstance -Name 'onbad' -Storage $root -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "MarkerInvalid$E"
        Assert-Unchanged $state
        (Get-LaminInstance).Name | Should -Be @($t.Instance.Name)
    }
}

Describe 'A corrupt, truncated or missing lamin.db: RegistryCorrupt naming the file, never re-created' {
    BeforeEach {
        $t = New-TestInstance -User 'alice'
        1..3 | ForEach-Object { $null = New-LaminStorage -Root (Join-Path $t.Work "s$_") }
        $good = [System.IO.File]::ReadAllBytes($t.Registry)
        $newRoot = Join-Path $t.Work 'never-created'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'is RegistryCorrupt and leaves the file as it is: <Case>' -ForEach @(
        @{ Case = 'empty file (0 bytes)'; Damage = { param($b) , [byte[]]@() } }
        @{ Case = 'truncated mid-page'; Damage = { param($b) , [byte[]]$b[0..(12345 - 1)] } }
        @{ Case = 'truncated to whole pages'; Damage = { param($b) , [byte[]]$b[0..(2 * 8192 - 1)] } }
        @{ Case = 'garbage bytes'; Damage = { param($b) $g = [byte[]]::new($b.Length); [System.Random]::new(7).NextBytes($g); , $g } }
        @{ Case = 'header page damaged after the magic'; Damage = { param($b) $c = [byte[]]$b.Clone(); for ($k = 100; $k -lt 8192; $k++) { $c[$k] = 0x55 }; , $c } }
        @{ Case = 'the last (data) page zeroed'; Damage = { param($b) $c = [byte[]]$b.Clone(); for ($k = $b.Length - 8192; $k -lt $b.Length; $k++) { $c[$k] = 0 }; , $c } }
        # LiteDB has no page checksums: a damaged index page is only seen by the calls that walk it (here the writes).
        @{ Case = 'an index page zeroed'; Calls = 'Set', 'New'; Damage = { param($b) $c = [byte[]]$b.Clone(); for ($k = 3 * 8192; $k -lt 4 * 8192; $k++) { $c[$k] = 0 }; , $c } }
    ) {
        $all = [ordered]@{
            Get     = { Get-LaminStorage }
            Setting = { Get-LaminSetting }
            Set     = { Set-LaminStorage -Identity 2 -Description 'x' }
            New     = { New-LaminStorage -Root $newRoot }
            Connect = { Connect-LaminInstance -Path $t.Storage }
        }
        $names = if ($_.ContainsKey('Calls')) { $_.Calls } else { $all.Keys }
        [byte[]]$bad = & $Damage $good
        [System.IO.File]::WriteAllBytes($t.Registry, $bad)
        $disk = Get-TreeSnapshot $t.Root

        foreach ($name in $names) {
            $err = $all[$name] | Should -Throw -ErrorId "RegistryCorrupt$E" -PassThru -Because "$($all[$name]) on a damaged registry"   # terminating: nothing can proceed (SPEC §4)
            $err.Exception.Message | Should -Match ([regex]::Escape($t.Registry))
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
        }

        $after = [System.IO.File]::ReadAllBytes($t.Registry)
        Compare-Bytes $bad $after | Should -BeNullOrEmpty -Because 'the damaged file is left as it is, byte for byte'
        $newRoot | Should -Not -Exist
        Get-TreeSnapshot $t.Root | Should -BeExactly $disk
    }

    It 'a missing lamin.db is RegistryNotFound and is never re-created' {
        Remove-Item -LiteralPath $t.Registry
        $disk = Get-TreeSnapshot $t.Root
        $err = { Get-LaminStorage -ErrorAction Stop } | Should -Throw -ErrorId "RegistryNotFound$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape($t.Registry))
        { New-LaminStorage -Root $newRoot -ErrorAction Stop } | Should -Throw -ErrorId "RegistryNotFound$E"
        { Connect-LaminInstance -Name $t.Instance.Name -ErrorAction Stop } | Should -Throw -ErrorId "RegistryNotFound$E"
        $t.Registry | Should -Not -Exist
        $newRoot | Should -Not -Exist
        Get-TreeSnapshot $t.Root | Should -BeExactly $disk
    }
}

Describe 'A registry held open by another process' {
    BeforeEach {
        $t = New-TestInstance -User 'alice'
        $s = New-LaminStorage -Root (Join-Path $t.Work 'one')
        $newRoot = Join-Path $t.Work 'never-created'
        $holder = $null
    }
    AfterEach {
        if ($holder -and -not $holder.HasExited) {
            $holder.StandardInput.WriteLine('release')
            if (-not $holder.WaitForExit(30000)) { $holder.Kill() }
        }
        if ($holder) { $holder.Dispose() }
        $t | Remove-TestInstance
    }

    It 'is RegistryBusy after LAMIN_REGISTRY_TIMEOUT, changes nothing, and works again once released' {
        $state = Get-State
        $lockPath = "$($t.Registry).lock"
        $script = @"
`$fs = [System.IO.File]::Open('$($lockPath.Replace("'", "''"))', 'OpenOrCreate', 'ReadWrite', 'None')
[Console]::Out.WriteLine('LOCKED')
[Console]::Out.Flush()
`$null = [Console]::In.ReadLine()
`$fs.Dispose()
[Console]::Out.WriteLine('RELEASED')
"@
        $holder = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $script))
        Read-LineOrFail -Process $holder | Should -BeExactly 'LOCKED'   # the holder has the lock now

        $env:LAMIN_REGISTRY_TIMEOUT = '1'
        $err = { Get-LaminStorage -ErrorAction Stop } | Should -Throw -ErrorId "RegistryBusy$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err.Exception.Message | Should -Match ([regex]::Escape($t.Registry))
        { New-LaminStorage -Root $newRoot -ErrorAction Stop } | Should -Throw -ErrorId "RegistryBusy$E"
        { Set-LaminStorage -Identity $s.Uid -Description 'x' -ErrorAction Stop } | Should -Throw -ErrorId "RegistryBusy$E"
        $newRoot | Should -Not -Exist

        $holder.StandardInput.WriteLine('release')
        Read-LineOrFail -Process $holder | Should -BeExactly 'RELEASED'
        $holder.WaitForExit()
        $holder.ExitCode | Should -Be 0

        Assert-Unchanged $state
        (Get-LaminStorage -Identity $s.Uid).Uid | Should -BeExactly $s.Uid
    }
}
