# Issue 25, points 2 and 6: Move-LaminStorage -RemoveSource on a local folder, S3 (s3rver) and GCS (the emulator).
#  2  a source object another client overwrote after the move copied it is kept and reported (FileChanged), never
#     deleted: the delete is conditional on what the move verified (S3 If-Match on the ETag after a re-check, GCS
#     ifGenerationMatch, locally size + last-write time + inode re-read right before the unlink). The local servers
#     honour the conditions through tests/servers/conditional.js.
#  6  a -RemoveSource stopped after the switch (its process killed) is reported by Test-LaminStorage with the command
#     that finishes it, and that command finishes it.
# Deterministic: the move runs in a child process that stops at the test hook 'move-storage-remove-source' (after the
# switch, before the source's removal: it creates a file there and waits until the test deletes it); the test
# overwrites a source object, or kills the child, meanwhile.
BeforeDiscovery {
    $stores = @(@{ Store = 'local' }, @{ Store = 's3' }, @{ Store = 'gcs' })
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:GBucket = 'lamin-gcs'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -LiteralPath $Path -Force
    }
    function Utf8([string] $Text) { [Text.Encoding]::UTF8.GetBytes($Text) }

    # A location on the store, two artifacts in it; returns what the tests need to read and write its objects directly.
    function New-SourceLocation([string] $Store) {
        $p = 'c' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $root = switch ($Store) {
            'local' { Join-Path $t.Work 'src-loc' }
            's3' { "s3://lamin-test/$p`?endpoint_url=$($servers.S3)" }
            'gcs' { "gs://$GBucket/$p" }
        }
        $loc = New-LaminStorage $root
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'in/a.txt') 'alpha bytes').FullName -Storage $loc.Uid
        $b = Add-LaminArtifact (New-File (Join-Path $t.Work 'in/b.txt') 'bravo bytes').FullName -Storage $loc.Uid
        [pscustomobject]@{ Store = $Store; Prefix = $p; Loc = $loc; A = $a; B = $b }
    }
    # The object of an artifact as a second client sees it: its text, or $null when it is gone.
    function Get-SourceText($S, $Artifact) {
        $key = ".lamindb/$($Artifact.Uid)$($Artifact.Suffix)"
        switch ($S.Store) {
            'local' { $f = Join-Path $S.Loc.Root $key; if (Test-Path -LiteralPath $f) { [IO.File]::ReadAllText($f) } else { $null } }
            's3' { $o = Get-S3Object $servers.S3 'lamin-test' "$($S.Prefix)/$key"; if ($o.Status -eq 200) { [Text.Encoding]::UTF8.GetString($o.Bytes) } else { $null } }
            'gcs' { $o = Get-GcsObject $servers.Gcs $GBucket "$($S.Prefix)/$key"; if ($o.Status -eq 200) { [Text.Encoding]::UTF8.GetString($o.Bytes) } else { $null } }
        }
    }
    # Another client overwrites an artifact's object (same size, other bytes).
    function Set-SourceText($S, $Artifact, [string] $Text) {
        $key = ".lamindb/$($Artifact.Uid)$($Artifact.Suffix)"
        switch ($S.Store) {
            'local' {
                $f = Join-Path $S.Loc.Root $key
                $was = [IO.File]::GetLastWriteTimeUtc($f)
                [IO.File]::WriteAllText($f, $Text)
                [IO.File]::SetLastWriteTimeUtc($f, $was.AddSeconds(2))   # a later write, not left to the clock's resolution
            }
            's3' { Send-S3Object $servers.S3 'lamin-test' "$($S.Prefix)/$key" (Utf8 $Text) | Should -Be 200 }
            'gcs' { Send-GcsObject $servers.Gcs $GBucket "$($S.Prefix)/$key" (Utf8 $Text) | Should -Be 200 }
        }
    }
    # Every object left under the old root (its marker and lease included).
    function Get-OldRootKeys($S) {
        switch ($S.Store) {
            'local' { if (Test-Path -LiteralPath $S.Loc.Root) { @(Get-ChildItem -LiteralPath $S.Loc.Root -Recurse -File -Force | ForEach-Object { [IO.Path]::GetRelativePath($S.Loc.Root, $_.FullName).Replace('\', '/') }) } else { @() } }
            's3' { @(Get-S3Keys $servers.S3 'lamin-test' "$($S.Prefix)/" | ForEach-Object { $_.Substring($S.Prefix.Length + 1) }) }
            'gcs' { @(Get-GcsKeys $servers.Gcs $GBucket "$($S.Prefix)/" | ForEach-Object { $_.Substring($S.Prefix.Length + 1) }) }
        }
    }

    # Starts Move-LaminStorage -RemoveSource in a child that stops at the hook; returns @{ Process; File; Output }.
    function Start-PausedMove([string] $Uid, [string] $Destination, [string] $Pause = 'move-storage-remove-source') {
        Start-PausedChild -Pause $Pause -Folder $t.Work -Body @"
`$w = `$null
`$null = Move-LaminStorage -Identity '$Uid' -Destination '$Destination' -RemoveSource -Confirm:`$false -WarningVariable w -WarningAction SilentlyContinue
foreach (`$x in `$w) { 'warning: ' + (([string]`$x) -replace '\s+', ' ') }
"@
    }
    function Complete-PausedMove($Run) { Complete-PausedChild $Run }
    function Stop-PausedMove($Run) { Stop-PausedChild $Run }
    # What Test-LaminStorage says about a pending removal of $Old.
    function Get-PendingProblem([string] $Uid, [string] $Old) {
        @((Test-LaminStorage $Uid).Problems | Where-Object { $_ -like "*-RemoveSource from $Old *" })
    }
}
AfterAll { if ($script:servers) { Stop-CloudServers $script:servers } }

Describe 'Move-LaminStorage -RemoveSource on <Store>: conditional deletes and a pending removal (issue 25)' -ForEach $stores {
    BeforeEach {
        $t = New-TestInstance
        $s = New-SourceLocation $Store
        $old = $s.Loc.Root
        $dest = Join-Path $t.Work 'dest'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'a source object another client overwrote after the copy is kept and reported (FileChanged), the verified one goes' {
        $run = Start-PausedMove $s.Loc.Uid $dest
        (Get-LaminStorage -Identity $s.Loc.Uid).Root | Should -Be $dest -Because 'the hook is after the switch'
        Set-SourceText $s $s.A 'other client'     # same length as 'alpha bytes'
        $out = Complete-PausedMove $run

        $out | Should -Contain 'done'
        @($out | Where-Object { $_ -like 'error:*' }) | Should -BeNullOrEmpty
        $warning = @($out | Where-Object { $_ -like 'warning: FileChanged*' })
        $warning.Count | Should -Be 1
        $warning[0] | Should -BeLike "*$($s.A.Uid)*"
        # The other client's bytes are where it wrote them (the fault: deleted, they ended up nowhere).
        Get-SourceText $s $s.A | Should -Be 'other client'
        Get-SourceText $s $s.B | Should -BeNullOrEmpty -Because 'the object the move verified is removed'
        # The registered data is whole at the new root.
        @(Test-LaminArtifact -Storage $s.Loc.Uid -Hash | Where-Object Status -NE 'Match' | Where-Object Status -NE 'Unregistered') | Should -BeNullOrEmpty
        # The removal could not finish: reported, with the command that finishes it once the kept object is dealt with.
        $problem = @(Get-PendingProblem $s.Loc.Uid $old)
        $problem.Count | Should -Be 1
        $problem[0] | Should -BeLike "*Move-LaminStorage -Identity '$old' -Destination '$dest' -RemoveSource*"
    }

    It 'a -RemoveSource killed after the switch is reported by Test-LaminStorage and finished by the command it names' {
        $run = Start-PausedMove $s.Loc.Uid $dest
        Stop-PausedMove $run
        (Get-LaminStorage -Identity $s.Loc.Uid).Root | Should -Be $dest
        @(Get-OldRootKeys $s) | Should -Contain '.lamindb/storage_uid.txt'
        Get-SourceText $s $s.A | Should -Be 'alpha bytes'

        # The fault: Test-LaminStorage reported nothing pending.
        $problem = @(Get-PendingProblem $s.Loc.Uid $old)
        $problem.Count | Should -Be 1
        $problem[0] | Should -BeLike '*2 object(s) and its marker are still there*'
        $problem[0] -match "run (Move-LaminStorage -Identity '[^']+' -Destination '[^']+' -RemoveSource)" | Should -BeTrue
        $command = $Matches[1]
        $command | Should -Be "Move-LaminStorage -Identity '$old' -Destination '$dest' -RemoveSource"

        $null = Invoke-Expression "$command -Confirm:`$false"
        @(Get-OldRootKeys $s) | Should -BeNullOrEmpty -Because 'the objects, the killed run''s lease and the marker are gone'
        Get-PendingProblem $s.Loc.Uid $old | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath (Join-Path $dest '.lamindb') -Force -Filter '.lamin-move-*') | Should -BeNullOrEmpty -Because 'the removal note went with the removal'
        @(Test-LaminArtifact -Storage $s.Loc.Uid -Hash | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
    }

    It 'a -RemoveSource that runs through leaves no removal note and nothing pending' {
        $null = Move-LaminStorage $s.Loc.Uid -Destination $dest -RemoveSource -Confirm:$false
        @(Get-OldRootKeys $s) | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath (Join-Path $dest '.lamindb') -Force -Filter '.lamin-move-*') | Should -BeNullOrEmpty
        (Test-LaminStorage $s.Loc.Uid).Problems | Should -BeNullOrEmpty
    }
}

Describe 'Move-LaminStorage -RemoveSource on <Store>: the server''s condition keeps an object overwritten after the re-check (issue 25)' -ForEach @(@{ Store = 's3' }, @{ Store = 'gcs' }) {
    BeforeEach {
        $t = New-TestInstance
        $s = New-SourceLocation $Store
        $dest = Join-Path $t.Work 'dest'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'both objects overwritten between the first delete''s re-check and its request are kept: S3 If-Match / GCS ifGenerationMatch refuse it' {
        # The child stops inside the first conditional delete, after its re-read of the object and before the delete
        # request: only the condition the request carries can keep that object now (a server ignoring it deletes it).
        $run = Start-PausedMove $s.Loc.Uid $dest 'conditional-delete'
        Set-SourceText $s $s.A 'other client'
        Set-SourceText $s $s.B 'other writer'
        $out = Complete-PausedMove $run

        @($out | Where-Object { $_ -like 'error:*' }) | Should -BeNullOrEmpty
        @($out | Where-Object { $_ -like 'warning: FileChanged*' }).Count | Should -Be 2 -Because ($out -join ' | ')
        Get-SourceText $s $s.A | Should -Be 'other client'
        Get-SourceText $s $s.B | Should -Be 'other writer'
        @(Test-LaminArtifact -Storage $s.Loc.Uid -Hash | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
    }
}

Describe 'Remove-LaminArtifact -Permanent on <Store>: an object another client rewrote since is kept, the record goes (issue 25)' -ForEach $stores {
    BeforeEach {
        $t = New-TestInstance
        $S = New-SourceLocation $Store
    }
    AfterEach { $t | Remove-TestInstance }

    It 'the rewritten object stays with its new bytes and a warning naming it; the untouched one is deleted' {
        $key = ".lamindb/$($S.A.Uid)$($S.A.Suffix)"
        switch ($Store) {
            'local' { [IO.File]::WriteAllText((Join-Path $S.Loc.Root $key), 'another client, longer bytes') }
            's3' { Send-S3Object $servers.S3 'lamin-test' "$($S.Prefix)/$key" (Utf8 'another client, longer bytes') | Should -Be 200 }
            'gcs' { Send-GcsObject $servers.Gcs $GBucket "$($S.Prefix)/$key" (Utf8 'another client, longer bytes') | Should -Be 200 }
        }
        Remove-LaminArtifact $S.A.Uid -Permanent -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        Remove-LaminArtifact $S.B.Uid -Permanent -Confirm:$false -WarningVariable w2 -WarningAction SilentlyContinue
        Get-SourceText $S $S.A | Should -BeExactly 'another client, longer bytes'
        Get-SourceText $S $S.B | Should -BeNullOrEmpty
        ($w -join ' ') | Should -Match ([regex]::Escape($S.A.Uid))
        @($w2).Count | Should -Be 0
        Get-LaminArtifact -Identity $S.A.Uid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Move-LaminArtifact of a folder: a source member another client rewrote after the copy read it is kept (issue 25)' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'the rewritten member stays with its new bytes (FileChanged warning), the others and the emptied folders go, a file added since stays' {
        $from = New-LaminStorage (Join-Path $t.Work 'from')
        $to = New-LaminStorage (Join-Path $t.Work 'to')
        $null = New-File (Join-Path $t.Work 'in/dir/m1.txt') 'member one'
        $null = New-File (Join-Path $t.Work 'in/dir/sub/m2.txt') 'member two'
        $folder = Add-LaminArtifact (Join-Path $t.Work 'in/dir') -Storage $from.Uid
        $src = $folder.FullName
        Test-Path -LiteralPath (Join-Path $src 'sub/m2.txt') | Should -BeTrue
        $out = Invoke-PausedChild -Pause 'move-artifact-commit' -Folder $t.Work -Body @"
`$w = `$null
`$null = Move-LaminArtifact -Identity '$($folder.Uid)' -Storage '$($to.Uid)' -Confirm:`$false -WarningVariable w -WarningAction SilentlyContinue
foreach (`$x in `$w) { 'warning: ' + (([string]`$x) -replace '\s+', ' ') }
"@ -Meanwhile {
            [IO.File]::WriteAllText((Join-Path $src 'm1.txt'), 'REWRITTEN BY ANOTHER CLIENT')
            [IO.File]::WriteAllText((Join-Path $src 'added-later.txt'), 'not a member')
        }
        $out[-1] | Should -Be 'done'
        @($out | Where-Object { $_ -like 'error:*' }) | Should -BeNullOrEmpty
        @($out | Where-Object { $_ -like 'warning: FileChanged*' }).Count | Should -Be 1
        [IO.File]::ReadAllText((Join-Path $src 'm1.txt')) | Should -BeExactly 'REWRITTEN BY ANOTHER CLIENT'
        Test-Path -LiteralPath (Join-Path $src 'added-later.txt') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $src 'sub') | Should -BeFalse -Because 'the verified member went, and its emptied folder'
        $moved = Get-LaminArtifact -Identity $folder.Uid
        $moved.StorageUid | Should -Be $to.Uid
        (Test-LaminArtifact -Identity $folder.Uid -Hash).Status | Should -Be 'Match'
    }
}

Describe 'The local servers honour conditional deletes as S3 and GCS do (tests/servers/conditional.js)' {
    BeforeAll { $script:Raw = [System.Net.Http.HttpClient]::new() }
    It 'S3 DeleteObject with If-Match: a stale ETag is 412 and the object stays; the current one deletes it' {
        $key = 'cond-' + [guid]::NewGuid().ToString('N') + '/x.txt'
        Send-S3Object $servers.S3 'lamin-test' $key (Utf8 'first') | Should -Be 200
        $r = $Raw.GetAsync("$($servers.S3)/lamin-test/$key").Result
        $etag = $r.Headers.ETag.Tag
        Send-S3Object $servers.S3 'lamin-test' $key (Utf8 'second') | Should -Be 200
        $del = [System.Net.Http.HttpRequestMessage]::new('DELETE', "$($servers.S3)/lamin-test/$key")
        $null = $del.Headers.TryAddWithoutValidation('If-Match', $etag)
        [int]$Raw.SendAsync($del).Result.StatusCode | Should -Be 412
        (Get-S3Object $servers.S3 'lamin-test' $key).Status | Should -Be 200
        $now = $Raw.GetAsync("$($servers.S3)/lamin-test/$key").Result.Headers.ETag.Tag
        $del = [System.Net.Http.HttpRequestMessage]::new('DELETE', "$($servers.S3)/lamin-test/$key")
        $null = $del.Headers.TryAddWithoutValidation('If-Match', $now)
        [int]$Raw.SendAsync($del).Result.StatusCode | Should -BeIn 200, 204
        (Get-S3Object $servers.S3 'lamin-test' $key).Status | Should -Be 404
    }
    It 'GCS delete with ifGenerationMatch: a stale generation is 412 and the object stays; the current one deletes it' {
        $key = 'cond-' + [guid]::NewGuid().ToString('N') + '/x.txt'
        $meta = { ($Raw.GetStringAsync("$($servers.Gcs)/storage/v1/b/$GBucket/o/$([uri]::EscapeDataString($key))").Result | ConvertFrom-Json).generation }
        Send-GcsObject $servers.Gcs $GBucket $key (Utf8 'first') | Should -Be 200
        $first = & $meta
        Send-GcsObject $servers.Gcs $GBucket $key (Utf8 'second') | Should -Be 200
        $second = & $meta
        $second | Should -Not -Be $first
        $url = "$($servers.Gcs)/storage/v1/b/$GBucket/o/$([uri]::EscapeDataString($key))"
        [int]$Raw.DeleteAsync("$url`?ifGenerationMatch=$first").Result.StatusCode | Should -Be 412
        (Get-GcsObject $servers.Gcs $GBucket $key).Status | Should -Be 200
        [int]$Raw.DeleteAsync("$url`?ifGenerationMatch=$second").Result.StatusCode | Should -BeIn 200, 204
        (Get-GcsObject $servers.Gcs $GBucket $key).Status | Should -Be 404
    }
}
