# Scale (issue 15): what a long pipeline keeps, and the registry's companion files at any size.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'Save-LaminArtifact saves a long pipeline as it goes (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'has saved the first artifacts before the pipeline ends, and saves every one in order' {
        $src = Join-Path $t.Work 'src'; $null = New-Item -ItemType Directory $src
        1..600 | ForEach-Object { [IO.File]::WriteAllText((Join-Path $src ('f{0:D3}.txt' -f $_)), "file $_") }
        $artifacts = @(Get-ChildItem -File $src | Sort-Object Name | Add-LaminArtifact -WarningAction SilentlyContinue)
        $artifacts | Should -HaveCount 600
        $dest = Join-Path $t.Work 'out'; $null = New-Item -ItemType Directory $dest
        $script:seenEarly = $null
        $saved = @($artifacts | ForEach-Object -Begin { $i = 0 } -Process {
                # While the 600th artifact is still on its way, the first batch is already on disk.
                if (++$i -eq 600) { $script:seenEarly = @(Get-ChildItem -File $dest).Count }
                $_
            } | Save-LaminArtifact -Destination "$dest/")
        $script:seenEarly | Should -BeGreaterThan 0 -Because 'piped artifacts are saved in batches, not held to the end of the pipeline'
        $saved | Should -HaveCount 600
        @($saved | ForEach-Object { [IO.File]::ReadAllText($_.FullName) }) | Should -Be @(1..600 | ForEach-Object { "file $_" })
    }
}

Describe 'The registry''s log file' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'is created readable by its owner only, like the registry (mode 0600)' -Skip:$IsWindows {
        # LiteDB keeps committed pages in lamin-log.db when checkpoints are off: the log then stays to be looked at.
        $alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Lamin'
        $lite = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'LiteDB' }
        $db = $lite.GetType('LiteDB.LiteDatabase').GetConstructor([type[]]@([string], $lite.GetType('LiteDB.BsonMapper'))).Invoke(@("Filename=$($t.Registry);Connection=direct", $null))
        try { $null = $db.Pragma('CHECKPOINT', 0); $null = $db.Checkpoint() } finally { $db.Dispose() }
        $log = Join-Path (Split-Path $t.Registry) 'lamin-log.db'
        $log | Should -Not -Exist
        $null = New-LaminStorage -Root (Join-Path $t.Work 'second')
        $log | Should -Exist
        (Get-Item $log).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        (Get-Item $t.Registry).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        # The log is the registry's: what it holds is read back.
        (Get-LaminStorage).Root | Should -Contain (Join-Path $t.Work 'second')
    }
}
