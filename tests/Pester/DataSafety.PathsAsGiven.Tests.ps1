# Paths as given (SPEC §10 rule 16, issue 24): a path, root or identity is used exactly as typed or piped.
# A name that differs from an existing file only by surrounding spaces is another file: no command trims it
# into the file next to it (and replaces or registers that one instead). Windows drops a trailing space or
# dot from a name, so there a trailing space is KeyNotPortable (SPEC §11, covered under the Windows rules
# in tests/Lamin.Core.Tests/PathsAsGivenTests.cs); the cases below use names that POSIX file systems store.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function Get-ArtifactState { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }
    function Get-State([string] $Root) { (Get-RegistrySnapshot) + (Get-ArtifactState) + (Get-TreeSnapshot $Root) }
}

Describe 'Save-LaminArtifact -Destination with surrounding spaces names another file' {
    BeforeEach {
        $t = New-TestInstance
        Push-Location $t.Work
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Root 'src/report.txt') -Text 'registered bytes').FullName -Key 'report.txt'
        $mine = New-TestFile (Join-Path $t.Work 'report.txt') -Text 'the user''s own report'
    }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'writes "<Name>" and leaves report.txt, which the user never named, untouched (-Force: <Force>)' -Skip:$IsWindows -ForEach @(
        @{ Name = 'report.txt '; Force = $true }, @{ Name = ' report.txt'; Force = $true }
        @{ Name = 'report.txt '; Force = $false }, @{ Name = ' report.txt'; Force = $false }
    ) {
        $saved = Save-LaminArtifact $a.Uid -Destination $Name -Force:$Force -Confirm:$false -ErrorAction Stop
        [IO.File]::ReadAllText($mine.FullName) | Should -BeExactly 'the user''s own report'
        $written = Join-Path $t.Work $Name
        [IO.File]::ReadAllText($written) | Should -BeExactly 'registered bytes'
        @(Get-ChildItem -LiteralPath $t.Work -Force).Name | Sort-Object | Should -Be (@('report.txt', $Name) | Sort-Object)
        $saved.FullName | Should -BeExactly $written
    }
}

Describe 'Get-ChildItem | Add-LaminArtifact registers each file as named' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'copies a.txt and "a.txt " (and " a.txt") into three distinct artifacts with their own hashes' -Skip:$IsWindows {
        $src = Join-Path $t.Work 'src'
        $files = 'a.txt', 'a.txt ', ' a.txt' | ForEach-Object { New-TestFile (Join-Path $src $_) -Text "content of [$_]" }
        $added = @(Get-ChildItem -LiteralPath $src -File | Add-LaminArtifact -KeyPrefix 'in/' -WarningVariable warned -ErrorAction Stop)
        $warned | Should -BeNullOrEmpty
        $added.Count | Should -Be 3
        @($added.Uid | Sort-Object -Unique).Count | Should -Be 3
        foreach ($f in $files) {
            $art = @(Get-LaminArtifact | Where-Object Key -CEQ "in/$($f.Name)")
            $art.Count | Should -Be 1 -Because "'in/$($f.Name)' is one artifact"
            $art[0].Hash | Should -BeExactly (Get-ExpectedLaminHash -Path $f.FullName).Hash
            Save-LaminArtifact $art[0].Uid -Destination (Join-Path $t.Root 'back/') -Confirm:$false | Out-Null
            [IO.File]::ReadAllText((Join-Path $t.Root "back/$($f.Name)")) | Should -BeExactly "content of [$($f.Name)]"
        }
    }

    It 'registers a.txt and "a.txt " in place (under a registered root) as two artifacts with their own keys and hashes' -Skip:$IsWindows {
        $root = Join-Path $t.Work 'lab'
        $null = New-Item -ItemType Directory $root
        $null = New-LaminStorage $root -WarningAction SilentlyContinue
        $files = 'a.txt', 'a.txt ' | ForEach-Object { New-TestFile (Join-Path $root $_) -Text "in place [$_]" }
        $added = @(Get-ChildItem -LiteralPath $root -File | Add-LaminArtifact -ErrorAction Stop)
        $added.Count | Should -Be 2
        foreach ($f in $files) {
            $art = @(Get-LaminArtifact | Where-Object Key -CEQ $f.Name)
            $art.Count | Should -Be 1 -Because "'$($f.Name)' is one artifact"
            $art[0].Hash | Should -BeExactly (Get-ExpectedLaminHash -Path $f.FullName).Hash
        }
        @(Test-LaminArtifact -Storage $root | Where-Object Status -NE 'Match').Count | Should -Be 0
    }
}

Describe 'Storage roots and identities with surrounding spaces' {
    BeforeEach {
        $t = New-TestInstance
        Push-Location $t.Work
        $lab = Join-Path $t.Work 'lab'
        $null = New-Item -ItemType Directory $lab
        $s = New-LaminStorage $lab -WarningAction SilentlyContinue
    }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'New-LaminStorage -Root "lab " registers the folder "lab ", not the location lab' -Skip:$IsWindows {
        $spaced = Join-Path $t.Work 'lab '
        $null = [IO.Directory]::CreateDirectory($spaced)   # New-Item itself trims the name
        $new = New-LaminStorage 'lab ' -WarningAction SilentlyContinue -ErrorAction Stop
        $new.Root | Should -BeExactly $spaced
        $new.Uid | Should -Not -Be $s.Uid
        Test-Path -LiteralPath (Get-MarkerPath $spaced) | Should -BeTrue
        (Get-Content -LiteralPath (Get-MarkerPath $lab) -TotalCount 1) | Should -BeExactly $s.Uid
    }

    It 'Remove-LaminStorage "<Form>" names no location (RecordNotFound): lab stays registered' -Skip:$IsWindows -ForEach @(
        @{ Form = 'root + space' }, @{ Form = 'space + uid' }, @{ Form = 'uid + space' }
    ) {
        $identity = switch ($Form) { 'root + space' { "$lab " } 'space + uid' { " $($s.Uid)" } 'uid + space' { "$($s.Uid) " } }
        $state = Get-State $t.Root
        { Remove-LaminStorage $identity -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RecordNotFound$E"
        Get-State $t.Root | Should -BeExactly $state
        (Get-LaminStorage $s.Uid).Root | Should -BeExactly $lab
    }

    It 'Get-LaminStorage -Root with a trailing space matches no location' -Skip:$IsWindows {
        @(Get-LaminStorage -Root "$lab ").Count | Should -Be 0
        (Get-LaminStorage -Root $lab).Uid | Should -Be $s.Uid
    }
}
