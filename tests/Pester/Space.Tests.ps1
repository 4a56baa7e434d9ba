# Spaces and access (SPEC rule 18): New/Get/Remove-LaminSpace, Grant/Revoke-LaminSpaceAccess, Set-LaminStorage -Space.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
}

Describe 'New-, Get-, Remove-LaminSpace (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance -User 'alice' }
    AfterEach { $t | Remove-TestInstance }

    It 'has the built-in space all (id 1)' {
        $all = Get-LaminSpace -Name 'all'
        $all.Id | Should -Be 1
        $all.Name | Should -BeExactly 'all'
    }

    It 'creates a space and lists it; names take wildcards' {
        $sp = New-LaminSpace -Name 'team' -Description 'the team'
        $sp.Name | Should -BeExactly 'team'
        $sp.Description | Should -BeExactly 'the team'
        $sp.Uid | Should -MatchExactly '^[0-9A-Za-z]{12}$'
        (Get-LaminSpace).Name | Should -Be @('all', 'team')
        (Get-LaminSpace -Name 'te*').Uid | Should -Be @($sp.Uid)
        (Get-LaminSpace -Name 'TEAM').Uid | Should -Be @($sp.Uid)
    }

    It 'refuses a duplicate name (SpaceExists)' {
        $null = New-LaminSpace -Name 'team'
        { New-LaminSpace -Name 'Team' -ErrorAction Stop } | Should -Throw -ErrorId "SpaceExists$E"
        @(Get-LaminSpace) | Should -HaveCount 2
    }

    It 'a name that does not exist is SpaceNotFound' {
        $err = { Get-LaminSpace -Name 'ghost' -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        { Remove-LaminSpace -Name 'ghost' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E"
    }

    It 'removes an empty space' {
        $null = New-LaminSpace -Name 'temp'
        Remove-LaminSpace -Name 'temp' -Confirm:$false
        (Get-LaminSpace).Name | Should -Be @('all')
    }

    It "can't remove 'all' (SpaceIsBuiltIn)" {
        $err = { Remove-LaminSpace -Name 'all' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "SpaceIsBuiltIn$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-LaminSpace).Name | Should -Be @('all')
    }

    It "can't remove a space that holds storage locations (SpaceNotEmpty)" {
        $null = New-LaminSpace -Name 'full'
        $s = New-LaminStorage -Root (Join-Path $t.Work 'in-full') -Space 'full'
        $s.Space | Should -BeExactly 'full'
        { Remove-LaminSpace -Name 'full' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotEmpty$E"
        (Get-LaminSpace).Name | Should -Contain 'full'
        Set-LaminStorage -Identity $s.Uid -Space 'all'
        Remove-LaminSpace -Name 'full' -Confirm:$false
        (Get-LaminSpace).Name | Should -Not -Contain 'full'
    }

    It 'Set-LaminStorage -Space with a space that does not exist is SpaceNotFound' {
        $s = New-LaminStorage -Root (Join-Path $t.Work 'x')
        { Set-LaminStorage -Identity $s.Uid -Space 'ghost' -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E"
        (Get-LaminStorage -Identity $s.Uid).Space | Should -BeExactly 'all'
    }
}

# LAMIN_USER names the user on LiteDB only: on PostgreSQL the user is the login role and the database enforces
# rule 18 itself; TeamAccess.Tests.ps1 checks the same rules there with real roles, through the cmdlets and psql.
Describe 'Rule 18: visibility and change by grant (<Backend>)' -ForEach ($backends | Where-Object Backend -eq 'LiteDB') {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach {
        $t = New-TestInstance -User 'alice'          # alice creates the instance: Admin everywhere
        $null = New-LaminSpace -Name 'secret'
        $s = New-LaminStorage -Root (Join-Path $t.Work 'hidden')
        $open = New-LaminStorage -Root (Join-Path $t.Work 'open')
        Set-LaminStorage -Identity $s.Uid -Space 'secret'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'the creator sees and changes the record in its space' {
        (Get-LaminStorage -Identity $s.Uid).Space | Should -BeExactly 'secret'
        Set-LaminStorage -Identity $s.Uid -Description 'by alice'
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeExactly 'by alice'
    }

    It 'without a grant bob neither sees nor changes it (AccessDenied)' {
        $env:LAMIN_USER = 'bob'
        (Get-LaminStorage).Uid | Should -Not -Contain $s.Uid
        (Get-LaminStorage).Uid | Should -Contain $open.Uid          # 'all' stays open to everyone
        (Get-LaminSpace).Name | Should -Not -Contain 'secret'
        (Search-LaminStorage 'hidden').Uid | Should -Not -Contain $s.Uid
        $err = { Get-LaminStorage -Identity $s.Uid -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        { Set-LaminStorage -Identity $s.Uid -Description 'by bob' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { Remove-LaminStorage -Identity $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { Grant-LaminSpaceAccess -Space 'secret' -User 'bob' -Role Admin -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        $env:LAMIN_USER = 'alice'
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeNullOrEmpty
        Get-MarkerPath $s.Root | Should -Exist
    }

    It 'bob with Read sees it but still may not change it' {
        $g = Grant-LaminSpaceAccess -Space 'secret' -User 'bob' -Role Read -PassThru
        $g.Role | Should -Be 'Read'
        $g.User | Should -BeExactly 'bob'
        $env:LAMIN_USER = 'bob'
        (Get-LaminStorage).Uid | Should -Contain $s.Uid
        (Get-LaminStorage -Identity $s.Uid).Root | Should -Be $s.Root
        (Get-LaminSpace).Name | Should -Contain 'secret'
        { Set-LaminStorage -Identity $s.Uid -Description 'by bob' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { Set-LaminStorage -Identity $open.Uid -Space 'secret' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        $env:LAMIN_USER = 'alice'
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeNullOrEmpty
        (Get-LaminStorage -Identity $open.Uid).Space | Should -BeExactly 'all'
    }

    It 'bob with Write can change it, but not grant' {
        Grant-LaminSpaceAccess -Space 'secret' -User 'bob' -Role Write
        $env:LAMIN_USER = 'bob'
        Set-LaminStorage -Identity $s.Uid -Description 'by bob'
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeExactly 'by bob'
        { Grant-LaminSpaceAccess -Space 'secret' -User 'carol' -Role Read -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
    }

    It 'bob with Admin can grant others' {
        Grant-LaminSpaceAccess -Space 'secret' -User 'bob' -Role Admin
        $env:LAMIN_USER = 'bob'
        Grant-LaminSpaceAccess -Space 'secret' -User 'carol' -Role Read
        $env:LAMIN_USER = 'carol'
        (Get-LaminStorage -Identity $s.Uid).Uid | Should -BeExactly $s.Uid
    }

    It 'Revoke-LaminSpaceAccess takes it away' {
        Grant-LaminSpaceAccess -Space 'secret' -User 'bob' -Role Write
        Revoke-LaminSpaceAccess -Space 'secret' -User 'bob'
        $env:LAMIN_USER = 'bob'
        (Get-LaminStorage).Uid | Should -Not -Contain $s.Uid
        { Get-LaminStorage -Identity $s.Uid -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { Set-LaminStorage -Identity $s.Uid -Description 'by bob' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
    }

    It 'revoking a grant that does not exist warns' {
        Revoke-LaminSpaceAccess -Space 'secret' -User 'nobody' -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match 'nobody'
    }

    It 'a grant on a space that does not exist is SpaceNotFound' {
        { Grant-LaminSpaceAccess -Space 'ghost' -User 'bob' -Role Read -ErrorAction Stop } | Should -Throw -ErrorId "SpaceNotFound$E"
    }

    It "a grant on 'all' is refused (SpaceIsBuiltIn)" {
        { Grant-LaminSpaceAccess -Space 'all' -User 'bob' -Role Read -ErrorAction Stop } | Should -Throw -ErrorId "SpaceIsBuiltIn$E"
    }
}
