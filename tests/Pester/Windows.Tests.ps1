# SPEC §11 through the cmdlets, on every OS: the Windows rules that apply everywhere (instance names, keys
# into the managed folder as Windows would open them, file:// roots read as URIs). What the rules change
# only on an NTFS or macOS folder is proven by the xunit tests with the trait Platform=Windows, which run
# the services under those rules on Linux.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'Windows names refused on every OS' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'refuses an instance named after a Windows device (<_>) with InvalidInstanceName and creates nothing' -ForEach @('aux', 'NUL', 'com1', 'con.db', 'lab.') {
        $root = Join-Path $t.Work 'lab'
        $before = Get-TreeSnapshot $t.Home
        { New-LaminInstance -Name $_ -Storage $root -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidInstanceName,*'
        Get-TreeSnapshot $t.Home | Should -Be $before
        $root | Should -Not -Exist
    }

    It 'refuses a key whose folder Windows opens as .lamindb (<_>) with InvalidKey' -ForEach @('.lamindb./x.txt', '.LaminDB /x.txt', 'a/.LAMINDB./x.txt') {
        $file = Join-Path $t.Work 'x.txt'; [IO.File]::WriteAllText($file, 'x')
        $before = Get-TreeSnapshot $t.Storage
        { Add-LaminArtifact $file -Key $_ -KeyIsVirtual $false -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidKey,*'
        Get-TreeSnapshot $t.Storage | Should -Be $before
        @(Get-LaminArtifact).Count | Should -Be 0
    }
}

Describe 'file:// roots are URIs' -Skip:($IsWindows) {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'decodes percent-escapes of a file:/// root' {
        $folder = Join-Path $t.Work 'lab data'
        $uri = 'file://' + ($folder -replace ' ', '%20')
        $s = New-LaminStorage -Root $uri -ErrorAction Stop
        $s.Root | Should -BeExactly $folder
        Get-MarkerPath $folder | Should -Exist
    }

    It 'refuses a file:// root that names another host (mount the share instead) or no folder' {
        { New-LaminStorage -Root 'file://nas/share/lab' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRoot,*'
        { New-LaminStorage -Root 'file://' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRoot,*'
        @(Get-LaminStorage).Count | Should -Be 1
    }
}
