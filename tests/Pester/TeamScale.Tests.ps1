# Issue 28: ten machines writing at once. Ten processes, each with its own LAMIN_HOME (a machine of its own),
# on one registry (PostgreSQL; one LiteDB file), each adding its own files in one command, new versions of
# 20 keys every writer shares, trashing and restoring. Afterwards every invariant holds (one latest per key,
# versions contiguous, every record's bytes present with its hash, nothing staged left) and no writer met an
# error. The throughput of 1, 2, 5 and 10 writers is measured by bench/TeamWriters.Bench.ps1 on the same code.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TeamWriters.psm1') -Force
    $writers = 10; $files = 60; $keys = 20; $rounds = 2; $trash = 5
}

Describe 'Ten writers at once on one <Backend> registry' -ForEach $backends {
    BeforeAll {
        $t = New-TestInstance -Backend $Backend
        foreach ($w in 1..$writers) { New-TeamWriterFiles -Folder (Join-Path $t.Work "w$w") -Count $files -Tag "writer $w" }
        $connect = if ($Backend -eq 'PostgreSQL') { @{ Database = $t.Database.Url } } else { @{ Registry = $t.Storage } }
        $run = Invoke-TeamWriters -Count $writers -Work $t.Work -SharedKeys $keys -Rounds $rounds -Trash $trash @connect
    }
    AfterAll { $t | Remove-TestInstance }

    It 'no writer met an error, and each did all its work' {
        $errors = @($run.Results | ForEach-Object { foreach ($e in $_.Errors) { "writer $($_.Writer): $e" } })
        $errors | Should -BeNullOrEmpty -Because ($errors | Select-Object -First 5 | Out-String)
        foreach ($r in $run.Results) {
            $r.Added | Should -Be $files
            $r.Versions | Should -Be ($keys * $rounds)
            $r.Restored | Should -Be $trash
        }
    }

    It 'every invariant holds: one latest per key, contiguous versions, bytes and hashes, nothing staged left' {
        $violations = Get-TeamInvariantViolation -Keys (1..$keys | ForEach-Object { "shared/k$_.txt" }) -ExpectedPerKey ($writers * $rounds) `
            -ExpectedTotal ($writers * $files + $keys * $writers * $rounds)
        $violations | Should -BeNullOrEmpty -Because ($violations | Select-Object -First 10 | Out-String)
    }

    It 'the trash is empty again and every writer''s files are listed under its prefix' {
        @(Get-LaminArtifact -Trash) | Should -BeNullOrEmpty
        foreach ($w in 1..$writers) { @(Get-LaminArtifact -Key "w$w/*").Count | Should -Be $files }
    }
}
