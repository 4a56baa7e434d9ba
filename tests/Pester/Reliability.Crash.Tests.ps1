# Crashes: processes killed (SIGKILL) at random points of Add-LaminArtifact, Remove-LaminStorage and
# Move-LaminArtifact. Afterwards the registry opens, every registered artifact has its complete file
# with the recorded hash, no incomplete file sits under a final name, and what a killed transfer left
# (temporary objects) is reported by Test-LaminArtifact and removed by Clear-LaminStorage -Orphaned.
# The random delay before each kill is the experiment itself (where the kill lands), not synchronisation:
# the harness waits for the child to say START before it starts counting.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:seed = 20261124
    $script:rng = [Random]::new($seed)
    Write-Host "crash harness seed: $seed"

    # Runs $Body in a child after it printed START; kills it after a random delay. True when the kill
    # landed before the child finished on its own.
    function Invoke-Killed([string] $Body, [int] $MaxDelayMs) {
        $command = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; `$WarningPreference = 'SilentlyContinue'`n" +
            "Import-Module -Name `$env:LAMIN_TEST_MODULE`n`$null = Get-LaminSetting`n[Console]::Out.WriteLine('START'); [Console]::Out.Flush()`n$Body`n[Console]::Out.WriteLine('DONE')"
        $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $command))
        try {
            Read-LineOrFail -Process $p -TimeoutSeconds 90 | Should -BeExactly 'START'
            $delay = $rng.Next(0, $MaxDelayMs)
            $finished = $p.WaitForExit($delay)   # the kill point, drawn at random
            if (-not $finished) { $p.Kill($true); $p.WaitForExit() }
            -not $finished
        }
        finally { if (-not $p.HasExited) { $p.Kill($true) }; $p.Dispose() }
    }

    # How long an operation takes from START to exit when left alone: the kills are drawn inside that window.
    function Measure-Run([string] $Body) {
        $command = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; `$WarningPreference = 'SilentlyContinue'`n" +
            "Import-Module -Name `$env:LAMIN_TEST_MODULE`n`$null = Get-LaminSetting`n[Console]::Out.WriteLine('START'); [Console]::Out.Flush()`n$Body"
        $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $command))
        try {
            Read-LineOrFail -Process $p -TimeoutSeconds 90 | Should -BeExactly 'START'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $p.WaitForExit()
            [Math]::Max(50, [int]($watch.ElapsedMilliseconds * 0.9))
        }
        finally { $p.Dispose() }
    }

    # The invariants after every kill.
    function Assert-Consistent([string] $Because) {
        $null = @(Get-LaminArtifact -AllVersions)   # the registry opens
        $checks = @(Test-LaminArtifact)
        $bad = @($checks | Where-Object { $_.Status -in 'Missing', 'Differ', 'Error' })
        $bad.Count | Should -Be 0 -Because "$Because; $($bad | ForEach-Object { "$($_.Status) $($_.FullName) $($_.Reason)" })"
        # Unregistered objects are what a kill may leave: temporaries, or (killed between the rename and
        # the registry commit) complete files under their final name that no record points to. Both are
        # found here and cleared below; neither is ever a registered artifact without its data.
        $strays = @($checks | Where-Object Status -EQ 'Unregistered')
        foreach ($s in $strays) { $s.FullName | Should -BeLike '*/.lamindb/*' -Because "${Because}: strays stay inside .lamindb/" }
        $script:tempsSeen += $strays.Count
        Clear-LaminStorage -Orphaned -Confirm:$false
        @(Test-LaminArtifact | Where-Object Status -NE 'Match').Count | Should -Be 0 -Because "${Because}: after clearing orphans"
    }
    $script:tempsSeen = 0
    $script:kills = 0
}

Describe 'SIGKILL during Add-LaminArtifact, Remove-LaminStorage and Move-LaminArtifact' {
    BeforeAll {
        $t = New-TestInstance
        $big = Join-Path $t.Work 'big.bin'
        $bytes = [byte[]]::new(32MB); $rng.NextBytes($bytes); [IO.File]::WriteAllBytes($big, $bytes)
        $many = New-Item -ItemType Directory (Join-Path $t.Work 'many')
        foreach ($i in 1..300) { [IO.File]::WriteAllText((Join-Path $many "f$i.txt"), "small file $i") }
    }
    AfterAll {
        Write-Host "kills that landed: $kills; unregistered objects found and cleared: $tempsSeen"
        $t | Remove-TestInstance
    }

    It 'survives 20 kills while adding a 32 MiB file' {
        $op = "`$null = Add-LaminArtifact '$big' -Key 'big.bin' -SkipHashLookup"
        $window = Measure-Run $op
        foreach ($i in 1..20) {
            if (Invoke-Killed $op $window) { $script:kills++ }
            Assert-Consistent "big file, round $i"
        }
    }

    It 'survives 20 kills while adding 300 files from the pipeline' {
        $op = "Get-ChildItem '$many' -File | Add-LaminArtifact -SkipHashLookup | Out-Null"
        $window = Measure-Run $op
        foreach ($i in 1..20) {
            if (Invoke-Killed $op $window) { $script:kills++ }
            Assert-Consistent "many files, round $i"
        }
    }

    It 'leaves every artifact with its recorded hash after all the kills' {
        @(Get-LaminArtifact -AllVersions).Count | Should -BeGreaterThan 0
        @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match').Count | Should -Be 0
    }

    It 'survives 6 kills during Remove-LaminStorage: a re-run always finishes the removal' {
        foreach ($i in 1..6) {
            $loc = New-LaminStorage (Join-Path $t.Work "to-remove-$i")
            if (Invoke-Killed "Remove-LaminStorage -Identity '$($loc.Uid)' -Confirm:`$false" 60) { $script:kills++ }
            $left = Get-LaminStorage -Root $loc.Root
            if ($left) { Remove-LaminStorage -Identity $loc.Uid -Confirm:$false }
            Get-LaminStorage -Root $loc.Root | Should -BeNullOrEmpty
            Get-MarkerPath $loc.Root | Should -Not -Exist
        }
    }

    It 'survives 6 kills during Move-LaminArtifact: the artifact stays whole and readable wherever its record points' {
        $other = New-LaminStorage (Join-Path $t.Work 'move-target')
        $source = [byte[]]::new(16MB); $rng.NextBytes($source)
        $file = Join-Path $t.Work 'moving.bin'; [IO.File]::WriteAllBytes($file, $source)
        $a = Add-LaminArtifact $file -Key 'moving.bin'
        $expected = (Get-FileHash $file).Hash
        $targets = @($other.Uid, (Get-LaminSetting).Storage.Uid)
        $window = Measure-Run "Move-LaminArtifact -Identity '$($a.Uid)' -Storage '$($targets[1])' -Confirm:`$false"
        foreach ($i in 1..6) {
            $to = $targets[$i % 2]
            if (Invoke-Killed "Move-LaminArtifact -Identity '$($a.Uid)' -Storage '$to' -Confirm:`$false" $window) { $script:kills++ }
            $saved = Save-LaminArtifact -Identity $a.Uid -Destination (Join-Path $t.Work "saved-$i.bin")
            (Get-FileHash $saved.FullName).Hash | Should -BeExactly $expected
            Assert-Consistent "move, round $i"
        }
    }

    It 'had most of its 52 kills land mid-operation' {
        $script:kills | Should -BeGreaterThan 30
    }
}
