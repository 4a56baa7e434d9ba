# Issue 26 point 7 and SPEC §4: a Get cmdlet returns every record a wildcard -Identity matches; a cmdlet that
# changes state acts on the one record a pattern matches and refuses a pattern matching several
# (MultipleRecordsFound). Before: Get-LaminArtifact 'raw/*' and '<stub>*' were RecordNotFound.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
}

Describe 'Wildcard -Identity on artifacts (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach {
        $t = New-TestInstance
        $src = Join-Path $t.Work 'src'
        $a1 = Add-LaminArtifact (New-TestFile "$src/one.txt" -Text 'one').FullName -Key 'raw/one.txt'
        $a2 = Add-LaminArtifact (New-TestFile "$src/two.txt" -Text 'two').FullName -Key 'raw/two.txt'
        $a2v = Add-LaminArtifact (New-TestFile "$src/two2.txt" -Text 'two, again').FullName -Key 'raw/two.txt' -WarningAction SilentlyContinue
        $b = Add-LaminArtifact (New-TestFile "$src/b.csv" -Text 'b').FullName -Key 'tables/b.csv'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'Get-LaminArtifact returns every latest artifact whose key or uid matches' {
        @(Get-LaminArtifact 'raw/*' | ForEach-Object Key | Sort-Object) | Should -Be @('raw/one.txt', 'raw/two.txt')
        @(Get-LaminArtifact 'RAW/*.TXT').Count | Should -Be 2   # wildcards match without regard to case, as PowerShell's
        @(Get-LaminArtifact 'raw/*' -AllVersions).Count | Should -Be 3
        (Get-LaminArtifact "$($b.Uid.Substring(0, 6))*").Uid | Should -BeExactly $b.Uid
        @(Get-LaminArtifact '*').Count | Should -Be 3
        @(Get-LaminArtifact '*no-such*').Count | Should -Be 0
        @(Get-LaminArtifact 'raw/*', $b.Uid).Count | Should -Be 3
        @(Get-LaminArtifact '*.csv' -Storage (Get-LaminStorage -Identity 1).Uid).Key | Should -Be 'tables/b.csv'
    }

    It 'Remove and Restore act on the one artifact a pattern matches and refuse a pattern matching several' {
        $before = @(Get-LaminArtifact -AllVersions | ForEach-Object Uid)
        $err = { Remove-LaminArtifact 'raw/*' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "MultipleRecordsFound$E" -PassThru
        $err.Exception.Message | Should -Match 'raw/one.txt'
        @(Get-LaminArtifact -AllVersions | ForEach-Object Uid) | Should -Be $before
        Remove-LaminArtifact 'raw/one*' -Confirm:$false
        @(Get-LaminArtifact -Trash).Uid | Should -Be $a1.Uid
        $null = Restore-LaminArtifact 'raw/one*'
        (Get-LaminArtifact $a1.Uid).IsTrashed | Should -BeFalse
        { Set-LaminArtifact '*.none' -Description 'x' -ErrorAction Stop } | Should -Throw -ErrorId "RecordNotFound$E"
        Set-LaminArtifact '*.csv' -Description 'the b table'
        (Get-LaminArtifact $b.Uid).Description | Should -Be 'the b table'
    }
}

Describe 'Wildcard names on spaces' {
    BeforeAll { $t = New-TestInstance; $null = New-LaminSpace 'lab-a'; $null = New-LaminSpace 'lab-b'; $null = New-LaminSpace 'other' }
    AfterAll { $t | Remove-TestInstance }

    It 'Get-LaminSpace returns every space a pattern matches, none when none does' {
        @(Get-LaminSpace 'lab-*' | ForEach-Object Name | Sort-Object) | Should -Be @('lab-a', 'lab-b')
        @(Get-LaminSpace '*zzz*').Count | Should -Be 0
        { Get-LaminSpace 'zzz' -ErrorAction Stop } | Should -Throw
    }
}
