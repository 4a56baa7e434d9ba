# Instances and settings: New/Connect/Disconnect/Get/Remove-LaminInstance, Get/Set-LaminSetting (SPEC §2, rules 6–8).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'New-LaminInstance' {
    BeforeEach { $t = New-TestInstance -NoInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'puts the registry at <root>/.lamindb/lamin.db, marks the root and infers the name from the last segment, lower-cased' {
        $root = Join-Path $t.Root 'My-Data.Store'
        $i = New-LaminInstance -Storage $root -Confirm:$false

        $i.Name | Should -BeExactly 'my-data.store'
        $i.RegistryPath | Should -Be (Join-Path $root '.lamindb/lamin.db')
        $i.RegistryPath | Should -Exist
        $i.Storage | Should -Be $root
        $i.IsCurrent | Should -BeTrue
        $default = (Get-LaminSetting).Storage
        $default.Root | Should -Be $root
        $default.IsManaged | Should -BeTrue
        $default.InstanceUid | Should -BeExactly $i.Uid
        (Get-Content -LiteralPath (Get-MarkerPath $root) -TotalCount 1) | Should -BeExactly $default.Uid
    }

    It 'takes an explicit -Name' {
        $i = New-LaminInstance -Name 'Proj_1' -Storage (Join-Path $t.Root 'whatever') -Confirm:$false
        $i.Name | Should -BeExactly 'Proj_1'
        (Get-LaminInstance).Name | Should -BeExactly 'Proj_1'
    }

    It "refuses a name with '/' (InvalidInstanceName) and creates nothing" {
        $root = Join-Path $t.Root 'x'
        $err = { New-LaminInstance -Name 'team/x' -Storage $root -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidInstanceName,Lamin.PowerShell.Commands.*' -PassThru
        $err.Exception.Message | Should -BeExactly "Invalid instance name: '/' delimiter not allowed."
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $root | Should -Not -Exist
        Get-TreeSnapshot $t.Root | Should -BeExactly 'work/'
    }

    It 'creates nothing under -WhatIf' {
        $root = Join-Path $t.Root 'planned'
        $out = New-LaminInstance -Storage $root -WhatIf
        $out | Should -BeNullOrEmpty
        $root | Should -Not -Exist
        Get-TreeSnapshot $t.Root | Should -BeExactly 'work/'
        Get-LaminInstance | Should -BeNullOrEmpty
    }

    It 'refuses a root marked by another instance (StorageAlreadyManaged) and leaves nothing behind' {
        $first = New-LaminInstance -Name 'first' -Storage (Join-Path $t.Root 'first') -Confirm:$false
        $taken = Join-Path $t.Work 'taken'
        $taken_record = New-LaminStorage -Root $taken     # marked by 'first', no registry there
        $before = Get-TreeSnapshot $t.Root

        $err = { New-LaminInstance -Name 'second' -Storage $taken -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'StorageAlreadyManaged,Lamin.PowerShell.Commands.*' -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape($taken_record.Uid))

        Get-TreeSnapshot $t.Root | Should -BeExactly $before
        (Get-LaminInstance).Name | Should -Be @('first')
        (Get-LaminInstance first).IsCurrent | Should -BeTrue
    }

    It 'refuses a name that is already known (InstanceExists)' {
        $null = New-LaminInstance -Name 'dup' -Storage (Join-Path $t.Root 'a') -Confirm:$false
        { New-LaminInstance -Name 'dup' -Storage (Join-Path $t.Root 'b') -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'InstanceExists,Lamin.PowerShell.Commands.*'
        Join-Path $t.Root 'b' | Should -Not -Exist
    }

    It 'derives Uid from Id as SPEC §2 says (12 base62 chars, stable across calls)' {
        # The test's own derivation first reproduces the SPEC vector.
        Get-ExpectedInstanceUid '10075f07-0b0b-48b0-9006-18724fb3be62' | Should -BeExactly '7clAMMtTbqlK'

        $i = New-LaminInstance -Storage (Join-Path $t.Root 'uidcheck') -Confirm:$false
        $i.Uid | Should -MatchExactly '^[0-9A-Za-z]{12}$'
        $i.Uid | Should -BeExactly (Get-ExpectedInstanceUid $i.Id)
        (Get-LaminInstance).Uid | Should -BeExactly $i.Uid
        (Get-LaminInstance).Uid | Should -BeExactly $i.Uid
        (Get-LaminSetting).InstanceUid | Should -BeExactly $i.Uid
    }
}

Describe 'Connect-, Disconnect-, Get-LaminInstance' {
    BeforeEach {
        $t = New-TestInstance -Name 'alpha'
        $beta = New-LaminInstance -Name 'beta' -Storage (Join-Path $t.Root 'beta') -Confirm:$false   # now current
    }
    AfterEach { $t | Remove-TestInstance }

    It 'connects by name' {
        (Get-LaminInstance beta).IsCurrent | Should -BeTrue
        Connect-LaminInstance alpha
        (Get-LaminInstance alpha).IsCurrent | Should -BeTrue
        (Get-LaminInstance beta).IsCurrent | Should -BeFalse
        (Get-LaminSetting).Instance | Should -BeExactly 'alpha'
        (Get-LaminStorage).Root | Should -Be @($t.Storage)
    }

    It 'connects by -Path from a settings folder that does not know the instance yet' {
        $env:LAMIN_HOME = Join-Path $t.Root 'other-home'
        Get-LaminInstance | Should -BeNullOrEmpty
        $i = Connect-LaminInstance -Path $t.Storage -PassThru
        $i.Name | Should -BeExactly 'alpha'
        $i.Id | Should -Be $t.Instance.Id
        $i.Uid | Should -BeExactly $t.Instance.Uid
        $i.IsCurrent | Should -BeTrue
        (Get-LaminInstance).Name | Should -Be @('alpha')
        (Get-LaminStorage).Uid | Should -Be @((Get-Content (Get-MarkerPath $t.Storage) -TotalCount 1))
    }

    It 'refuses an unknown name (InstanceNotFound) and keeps the current instance' {
        { Connect-LaminInstance 'nope' -ErrorAction Stop } | Should -Throw -ErrorId 'InstanceNotFound,Lamin.PowerShell.Commands.*'
        (Get-LaminInstance beta).IsCurrent | Should -BeTrue
    }

    It 'an unattended script with $ErrorActionPreference = Stop and no instance stops with a non-zero exit code, naming the settings folder' {
        $empty = Join-Path $t.Work 'no-instance-home'
        $null = New-Item -ItemType Directory -Force $empty
        $psi = Get-PwshStartInfo -Command "`$ErrorActionPreference = 'Stop'; Import-Module `$env:LAMIN_TEST_MODULE; Get-LaminArtifact; 'not reached'"
        $psi.Environment['LAMIN_HOME'] = $empty
        $p = [System.Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync(); $errText = $p.StandardError.ReadToEndAsync()
        $p.WaitForExit(120000) | Should -BeTrue
        $p.ExitCode | Should -Not -Be 0
        $out.Result | Should -Not -Match 'not reached'
        ($out.Result + $errText.Result) | Should -Match ([regex]::Escape($empty))
        $p.Dispose()
    }

    It 'after Disconnect-LaminInstance, registry cmdlets say NoCurrentInstance' {
        Disconnect-LaminInstance
        @(Get-LaminInstance | Where-Object IsCurrent) | Should -HaveCount 0
        $err = { Get-LaminStorage -ErrorAction Stop } | Should -Throw -ErrorId 'NoCurrentInstance,Lamin.PowerShell.Commands.*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Exception.Message | Should -Match ([regex]::Escape($env:LAMIN_HOME)) -Because 'an unattended script learns where the settings were looked for'
        $err.Exception.Message | Should -Match 'LAMIN_HOME'
        # Get-LaminSetting works without an instance (issue 26): the settings folder and the user, no instance.
        $settings = Get-LaminSetting -ErrorAction Stop
        $settings.Home | Should -Be $env:LAMIN_HOME
        $settings.Instance | Should -BeNullOrEmpty
        $settings.User | Should -Not -BeNullOrEmpty
        { Get-LaminSetting -LocalStorage -ErrorAction Stop } | Should -Throw -ErrorId 'NoCurrentInstance,Lamin.PowerShell.Commands.*'
        { New-LaminStorage (Join-Path $t.Work 'x') -ErrorAction Stop } | Should -Throw -ErrorId 'NoCurrentInstance,Lamin.PowerShell.Commands.*'
        Join-Path $t.Work 'x' | Should -Not -Exist
        # The instances themselves are untouched.
        (Get-LaminInstance).Name | Should -Be @('alpha', 'beta')
    }

    It 'lists instances with IsCurrent and filters with wildcards' {
        $all = Get-LaminInstance
        $all.Name | Should -Be @('alpha', 'beta')
        ($all | Where-Object IsCurrent).Name | Should -Be 'beta'
        (Get-LaminInstance 'al*').Name | Should -Be @('alpha')
        (Get-LaminInstance '*a').Name | Should -Be @('alpha', 'beta')
        (Get-LaminInstance 'b?ta').Name | Should -Be @('beta')
        Get-LaminInstance 'zz*' | Should -BeNullOrEmpty
        (Get-LaminInstance alpha).RegistryPath | Should -Be $t.Registry
    }
}

Describe 'Remove-LaminInstance' {
    BeforeEach {
        $t = New-TestInstance -Name 'gone'
        $extra = New-LaminStorage -Root (Join-Path $t.Work 'extra')
    }
    AfterEach { $t | Remove-TestInstance }

    It 'refuses with StorageNotEmpty while .lamindb holds a stray file, and changes nothing' {
        $stray = Join-Path $t.Storage '.lamindb/stray.bin'
        Set-Content -LiteralPath $stray -Value 'x'
        $before = Get-TreeSnapshot $t.Root

        $err = { Remove-LaminInstance -Name gone -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotEmpty,Lamin.PowerShell.Commands.*' -PassThru
        $err.Exception.Message | Should -Match 'stray\.bin'

        Get-TreeSnapshot $t.Root | Should -BeExactly $before
        (Get-LaminInstance gone).IsCurrent | Should -BeTrue
    }

    It 'removes an empty instance: registry, markers and the settings entry' {
        Set-Content -LiteralPath (Join-Path $t.Storage 'outside.txt') -Value 'kept'   # outside .lamindb: does not count
        Remove-LaminInstance -Name gone -Confirm:$false

        $t.Registry | Should -Not -Exist
        Get-MarkerPath $t.Storage | Should -Not -Exist
        Get-MarkerPath $extra.Root | Should -Not -Exist
        Join-Path $t.Storage 'outside.txt' | Should -Exist
        Get-LaminInstance | Should -BeNullOrEmpty
        { Get-LaminStorage -ErrorAction Stop } | Should -Throw -ErrorId 'NoCurrentInstance,Lamin.PowerShell.Commands.*'
    }

    It 'does nothing under -WhatIf' {
        $before = Get-TreeSnapshot $t.Root
        Remove-LaminInstance -Name gone -WhatIf
        Get-TreeSnapshot $t.Root | Should -BeExactly $before
    }
}

Describe 'Get-LaminSetting and Set-LaminSetting' {
    BeforeEach { $t = New-TestInstance -Name 'conf' }
    AfterEach { $t | Remove-TestInstance }

    It 'shows the current instance, its default storage, the user and the settings folder' {
        $s = Get-LaminSetting
        $s.Instance | Should -BeExactly 'conf'
        $s.InstanceUid | Should -BeExactly $t.Instance.Uid
        $s.Storage.Root | Should -Be $t.Storage
        $s.KeepArtifactsLocal | Should -BeFalse
        $s.LocalStorage | Should -BeNullOrEmpty
        $s.User | Should -BeExactly 'alice'
        $s.Home | Should -Be $t.Home
    }

    It '-Storage with an unregistered root creates it (managed) and makes it the default, persisted' {
        $root = Join-Path $t.Work 'new-default'
        $r = Set-LaminSetting -Storage $root -PassThru
        $r.Storage.Root | Should -Be $root
        $rec = Get-LaminStorage -Root $root
        $rec.IsManaged | Should -BeTrue
        (Get-Content (Get-MarkerPath $root) -TotalCount 1) | Should -BeExactly $rec.Uid
        (Get-LaminSetting).Storage.Uid | Should -BeExactly $rec.Uid
        (Get-LaminInstance conf).Storage | Should -Be $root
    }

    It '-Storage under -WhatIf creates and switches nothing' {
        $root = Join-Path $t.Work 'not-yet'
        $before = Get-RegistrySnapshot
        $disk = Get-TreeSnapshot $t.Root
        Set-LaminSetting -Storage $root -WhatIf
        $root | Should -Not -Exist
        Get-RegistrySnapshot | Should -BeExactly $before
        Get-TreeSnapshot $t.Root | Should -BeExactly $disk
    }

    It '-Storage accepts a registered uid' {
        $rec = New-LaminStorage -Root (Join-Path $t.Work 'by-uid')
        Set-LaminSetting -Storage $rec.Uid
        (Get-LaminSetting).Storage.Uid | Should -BeExactly $rec.Uid
    }

    It '-Storage refuses a read-only record (InstanceUid $null) with StorageNotManaged' {
        $ro = New-LaminStorage -Root 'https://example.org/data' -WarningAction SilentlyContinue
        $ro.InstanceUid | Should -BeNullOrEmpty
        $before = Get-RegistrySnapshot

        $err = { Set-LaminSetting -Storage 'https://example.org/data' -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotManaged,Lamin.PowerShell.Commands.*' -PassThru
        $err.Exception.Message | Should -Match 'not managed by any instance, cannot write to it from here'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        Get-RegistrySnapshot | Should -BeExactly $before
    }

    It "-Storage refuses another instance's location ('__unknown__') with StorageManagedElsewhere" {
        $foreign = Join-Path $t.Work 'foreign'
        $null = Set-TestMarker -Root $foreign -Text (New-ForeignMarkerText -StorageUid 'Fore1gnStore')
        $rec = New-LaminStorage -Root $foreign -WarningAction SilentlyContinue
        $rec.InstanceUid | Should -BeExactly '__unknown__'

        $err = { Set-LaminSetting -Storage $foreign -ErrorAction Stop } | Should -Throw -ErrorId 'StorageManagedElsewhere,Lamin.PowerShell.Commands.*' -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape('exists in another instance (an instance not known here), cannot write to it from here'))
        (Get-LaminSetting).Storage.Root | Should -Be $t.Storage
    }

    It '-Storage with an unregistered read-only root refuses (StorageNotManaged) and registers nothing' {
        $before = Get-RegistrySnapshot
        { Set-LaminSetting -Storage 'https://example.org/never-registered' -WarningAction SilentlyContinue -ErrorAction Stop } |
            Should -Throw -ErrorId 'StorageNotManaged,Lamin.PowerShell.Commands.*'
        (Get-LaminStorage).Root | Should -Not -Contain 'https://example.org/never-registered'
        Get-RegistrySnapshot | Should -BeExactly $before
    }

    It "-Storage with an unregistered root of another instance refuses (StorageManagedElsewhere) and registers nothing" {
        $foreign = Join-Path $t.Work 'foreign-unregistered'
        $null = Set-TestMarker -Root $foreign -Text (New-ForeignMarkerText -StorageUid 'Fore1gnStor2')
        $before = Get-RegistrySnapshot
        $disk = Get-TreeSnapshot $foreign
        { Set-LaminSetting -Storage $foreign -WarningAction SilentlyContinue -ErrorAction Stop } |
            Should -Throw -ErrorId 'StorageManagedElsewhere,Lamin.PowerShell.Commands.*'
        (Get-LaminStorage).Root | Should -Not -Contain $foreign
        Get-RegistrySnapshot | Should -BeExactly $before
        Get-TreeSnapshot $foreign | Should -BeExactly $disk
    }

    It '-KeepArtifactsLocal is persisted' {
        Set-LaminSetting -KeepArtifactsLocal $true
        (Get-LaminSetting).KeepArtifactsLocal | Should -BeTrue
        (Get-LaminInstance conf).KeepArtifactsLocal | Should -BeTrue
        Set-LaminSetting -KeepArtifactsLocal $false
        (Get-LaminSetting).KeepArtifactsLocal | Should -BeFalse
    }

    It 'reading or setting the local storage while keep-artifacts-local is off is KeepArtifactsLocalOff' {
        $err = { Get-LaminSetting -LocalStorage -ErrorAction Stop } | Should -Throw -ErrorId 'KeepArtifactsLocalOff,Lamin.PowerShell.Commands.*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'NotEnabled'
        $local = Join-Path $t.Work 'local'
        { Set-LaminSetting -LocalStorage $local -ErrorAction Stop } | Should -Throw -ErrorId 'KeepArtifactsLocalOff,Lamin.PowerShell.Commands.*'
        $local | Should -Not -Exist
    }

    It '-KeepArtifactsLocal $true -LocalStorage <folder> registers and chooses the local storage' {
        $local = Join-Path $t.Work 'local'
        Set-LaminSetting -KeepArtifactsLocal $true -LocalStorage $local
        $ls = Get-LaminSetting -LocalStorage
        $ls.Root | Should -Be $local
        $ls.IsManaged | Should -BeTrue
        (Get-LaminSetting).LocalStorage.Root | Should -Be $local
        (Get-LaminSetting).Storage.Root | Should -Be $t.Storage   # the default is unchanged
    }

    It 'with keep-artifacts-local on but no local location present on this machine, says NoLocalStorage' {
        Set-LaminSetting -KeepArtifactsLocal $true
        # The only local location is the default; with its marker gone it is not present here (rule 6).
        Remove-Item -LiteralPath (Get-MarkerPath $t.Storage)
        $err = { Get-LaminSetting -LocalStorage -ErrorAction Stop } | Should -Throw -ErrorId 'NoLocalStorage,Lamin.PowerShell.Commands.*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
