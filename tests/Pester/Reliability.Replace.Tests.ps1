# A folder version replaced in place (folder versions share one path, as in LaminDB) moves the previous
# version aside, then the new one in. A process killed exactly between the two moves (a test hook makes the
# child kill itself there) used to leave the registered version under .lamindb/<temp>-old, where
# Clear-LaminStorage -Orphaned deleted it as a leftover temporary (issue 15). Now it is put back, by
# Test-LaminArtifact, by Clear-LaminStorage -Orphaned, and by the next write to that location.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    # Adds $Folder as a new version of key 'bundle' in a child pwsh that kills itself between the two moves.
    function Invoke-KilledReplace([string] $Folder) {
        $command = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; `$WarningPreference = 'SilentlyContinue'`n" +
            "Import-Module -Name `$env:LAMIN_TEST_MODULE`n$(Get-TestHookScript)`n`$null = Add-LaminArtifact '$Folder' -Key 'bundle'`n[Console]::Out.WriteLine('DONE')"
        $psi = Get-PwshStartInfo -Command $command
        $psi.Environment['LAMIN_TEST_KILL'] = 'between-folder-moves'
        $p = [System.Diagnostics.Process]::Start($psi)
        try {
            $out = $p.StandardOutput.ReadToEnd()
            $p.WaitForExit()
            $out | Should -Not -Match 'DONE' -Because 'the child must die between the moves, not finish'
        }
        finally { if (-not $p.HasExited) { $p.Kill($true) }; $p.Dispose() }
    }

    function Set-Folder([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $Path 'sub')
        [IO.File]::WriteAllText((Join-Path $Path 'a.txt'), "a $Text")
        [IO.File]::WriteAllText((Join-Path $Path 'sub/b.txt'), "b $Text")
    }
}

Describe 'A folder replace killed between its two moves' {
    BeforeEach {
        $t = New-TestInstance
        $src = Join-Path $t.Work 'bundle'
        Set-Folder $src 'version one'
        $v1 = Add-LaminArtifact $src -Key 'bundle'
        $before = Get-TreeSnapshot $v1.FullName
        Set-Folder $src 'version two'
        Invoke-KilledReplace $src
        # The kill landed in the window: the registered version is not at its path, but aside under .lamindb/.
        $v1.FullName | Should -Not -Exist
        $script:aside = @(Get-ChildItem (Join-Path $t.Storage '.lamindb') -Directory -Force -Filter '.lamin-tmp-*-old')
        $aside.Count | Should -Be 1
    }
    AfterEach { $t | Remove-TestInstance }

    It 'is put back by Test-LaminArtifact, which then finds the registered version whole' {
        $checks = @(Test-LaminArtifact -Hash)
        @($checks | Where-Object Uid -EQ $v1.Uid).Status | Should -Be 'Match'
        Get-TreeSnapshot $v1.FullName | Should -BeExactly $before
        $aside[0].FullName | Should -Not -Exist
        @(Get-LaminArtifact -AllVersions).Count | Should -Be 1 -Because 'the killed add registered nothing'
    }

    It 'is put back by Clear-LaminStorage -Orphaned instead of deleted as a leftover' {
        Clear-LaminStorage -Orphaned -Confirm:$false
        Get-TreeSnapshot $v1.FullName | Should -BeExactly $before
        @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
        # What the killed add had staged (its new version) is an orphan and goes; the registered version stays.
        @(Get-ChildItem (Join-Path $t.Storage '.lamindb') -Force -Recurse -File | Where-Object FullName -Like '*/.lamin-tmp-*').Count | Should -Be 0
    }

    It 'is put back by the next write of that folder, which then replaces it as a new version' {
        $v2 = Add-LaminArtifact $src -Key 'bundle' -WarningAction SilentlyContinue
        $v2.Version | Should -Be 2
        Get-Content (Join-Path $v2.FullName 'a.txt') | Should -Be 'a version two'
        # v1's bytes were put back, then replaced by design (folder versions share one path): Superseded, never lost mid-way.
        @(Test-LaminArtifact -Hash | Where-Object Uid | Where-Object Status -NotIn 'Match', 'Superseded').Count | Should -Be 0
        $aside[0].FullName | Should -Not -Exist
    }
}
