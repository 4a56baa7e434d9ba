# Writers and orphan clearing never race (issue 25, point 1; SPEC §10 rule 17). On S3 and GCS a writer uploads
# straight to the final key .lamindb/<uid><suffix> and registers it at its batch's commit; before, orphan
# clearing (in another process, or between two items of the same pipeline) deleted those uploads and the batch
# registered records without bytes. Now a writer announces itself (.lamindb/_writers/<process>-<hex>.json) before
# its first upload and retires the announcement after its last commit; Clear-LaminStorage -Orphaned keeps (and
# reports as in flight) what a live writer wrote since its announcement; and every commit re-checks each upload
# (one HEAD: size, ETag or generation) so an object gone before the commit refuses its item (PathNotFound).
#
# The races are deterministic: a pipeline whose upstream acts between two items (the batch commits at the end:
# its age limit is raised for this file through LAMIN_TEST_BATCH_AGE_SECONDS, so a loaded machine can't split it), or a child process stopped at a test hook
# (LAMIN_TEST_PAUSE: it creates a file there and waits until the test deletes it). Runs on the local S3 and GCS
# servers and on a local folder.
BeforeDiscovery {
    $stores = @(@{ Store = 'S3' }, @{ Store = 'GCS' }, @{ Store = 'local' })
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers
    $script:E = ',Lamin.PowerShell.Commands.*'
    # One batch per pipeline whatever the machine's load: the batch commits at the pipeline's end.
    $script:savedAge = $env:LAMIN_TEST_BATCH_AGE_SECONDS
    $env:LAMIN_TEST_BATCH_AGE_SECONDS = '3600'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -LiteralPath $Path -Force
    }
    # A fresh location of the store under test: @{ Storage; Prefix }.
    function New-Location([string] $Store) {
        $p = 'w' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $root = switch ($Store) {
            'S3' { "s3://lamin-test/$p`?endpoint_url=$($servers.S3)" }
            'GCS' { "gs://lamin-gcs/$p" }
            'local' { Join-Path $t.Work $p }
        }
        [pscustomobject]@{ Storage = (New-LaminStorage $root); Prefix = $p; Store = $Store }
    }
    # Keys under the location's .lamindb/ (relative to its root), as a second client sees them.
    function Get-ManagedKeys($Loc) {
        switch ($Loc.Store) {
            'S3' { @(Get-S3Keys $servers.S3 'lamin-test' "$($Loc.Prefix)/.lamindb/" | ForEach-Object { $_.Substring($Loc.Prefix.Length + 1) }) }
            'GCS' { @(Get-GcsKeys $servers.Gcs 'lamin-gcs' "$($Loc.Prefix)/.lamindb/" | ForEach-Object { $_.Substring($Loc.Prefix.Length + 1) }) }
            'local' {
                $m = Join-Path $Loc.Storage.Root '.lamindb'
                if (Test-Path $m) { @(Get-ChildItem $m -Recurse -File -Force | ForEach-Object { [IO.Path]::GetRelativePath($Loc.Storage.Root, $_.FullName).Replace('\', '/') }) } else { @() }
            }
        }
    }
    # The uploads in flight: what is under .lamindb/ that is no control file (local: the staged temporaries too).
    function Get-DataUploads($Loc) {
        @(Get-ManagedKeys $Loc | Where-Object { $_ -ne '.lamindb/storage_uid.txt' -and $_ -notlike '.lamindb/_writers/*' -and $_ -notlike '.lamindb/_lease*' })
    }
    function Get-Announcements($Loc) { @(Get-ManagedKeys $Loc | Where-Object { $_ -like '.lamindb/_writers/*' }) }
    # Deletes an object behind Lamin's back.
    function Remove-Raw($Loc, [string] $Key) {
        switch ($Loc.Store) {
            'S3' { Remove-S3Object $servers.S3 'lamin-test' "$($Loc.Prefix)/$Key" | Should -BeIn 200, 204 }
            'GCS' { Remove-GcsObject $servers.Gcs 'lamin-gcs' "$($Loc.Prefix)/$Key" | Should -BeIn 200, 204 }
            'local' { Remove-Item -LiteralPath (Join-Path $Loc.Storage.Root $Key) -Recurse -Force }
        }
    }
    # Every registered artifact hashes right where its record says (a record without its bytes is Missing).
    function Assert-AllMatch {
        $checks = @(Test-LaminArtifact -Hash -ErrorAction Stop | Where-Object Status -NE 'Unregistered')
        @($checks | Where-Object Status -NE 'Match' | ForEach-Object { "$($_.Status) $($_.FullName)" }) | Should -BeNullOrEmpty
    }
    # Runs $Body in a child (this LAMIN_HOME, these servers) that stops at the test hook $Pause; runs $Meanwhile here
    # while it waits, lets it go on, and returns what it printed ('error: <FullyQualifiedErrorId> …' for a failure, then 'done').
    function Invoke-PausedAt([string] $Pause, [string] $Body, [scriptblock] $Meanwhile) {
        Invoke-PausedChild -Pause $Pause -Body $Body -Meanwhile $Meanwhile -Folder $t.Work
    }
}
AfterAll {
    $env:LAMIN_TEST_BATCH_AGE_SECONDS = $script:savedAge
    if ($script:servers) { Stop-CloudServers $script:servers }
}

Describe 'Clear-LaminStorage -Orphaned between items of an Add-LaminArtifact pipeline (<Store>)' -ForEach $stores {
    BeforeEach {
        $t = New-TestInstance
        $loc = New-Location $Store
        $files = 1..4 | ForEach-Object { New-File (Join-Path $t.Work "src/f$_.txt") "file number $_ of the pipeline" }
    }
    AfterEach { $t | Remove-TestInstance }

    It 'keeps the uploads not yet committed (reported in flight); every artifact is registered with its bytes' {
        $seen = $null; $warn = $null
        $added = @(1..4 | ForEach-Object {
                if ($_ -eq 3) {
                    # Items 1 and 2 are uploaded (on S3/GCS at their final keys), not yet committed.
                    $script:seen = @(Get-DataUploads $loc)
                    Clear-LaminStorage $loc.Storage.Uid -Orphaned -OlderThan 0 -Confirm:$false -WarningVariable +warn -WarningAction SilentlyContinue
                }
                $files[$_ - 1].FullName
            } | Add-LaminArtifact -Storage $loc.Storage.Uid)

        $script:seen.Count | Should -Be 2 -Because 'two items were uploaded and waited for their batch when Clear ran'
        $added.Count | Should -Be 4
        Assert-AllMatch
        if ($Store -ne 'local') { ($warn -join "`n") | Should -Match 'in flight' }
        # Nothing registered lacks its bytes, nothing is left over, and the announcement went with the last commit.
        @(Get-DataUploads $loc).Count | Should -Be 4
        Get-Announcements $loc | Should -BeNullOrEmpty
        @(Clear-LaminStorage $loc.Storage.Uid -Orphaned -OlderThan 0 -Confirm:$false -PassThru).Count | Should -Be 0
    }
}

Describe 'A commit re-checks its uploads: one deleted before the commit is refused, never registered (<Store>)' -ForEach $stores {
    BeforeEach {
        $t = New-TestInstance
        $loc = New-Location $Store
        $files = 1..3 | ForEach-Object { New-File (Join-Path $t.Work "src/g$_.txt") "another file, number $_" }
    }
    AfterEach { $t | Remove-TestInstance }

    It 'Add-LaminArtifact: the items whose upload is gone fail with PathNotFound naming their path; the rest is registered' {
        $errs = $null
        $added = @(1..3 | ForEach-Object {
                if ($_ -eq 3) { foreach ($k in Get-DataUploads $loc) { Remove-Raw $loc $k } }   # by hand, behind the writer's back
                $files[$_ - 1].FullName
            } | Add-LaminArtifact -Storage $loc.Storage.Uid -ErrorVariable errs -ErrorAction SilentlyContinue)

        $added.Count | Should -Be 1
        $added[0].Description | Should -Be 'g3.txt'
        @($errs).Count | Should -Be 2
        foreach ($err in $errs) { $err.FullyQualifiedErrorId | Should -BeLike "PathNotFound$E" }
        @($errs | ForEach-Object { $_.TargetObject } | Sort-Object) | Should -Be @($files[0].FullName, $files[1].FullName)
        @(Get-LaminArtifact).Count | Should -Be 1
        Assert-AllMatch
        Get-Announcements $loc | Should -BeNullOrEmpty
    }
}

Describe 'Writers in another process: Move-LaminArtifact and Add-LaminArtifact stopped before their commit (<Store>)' -ForEach $stores {
    BeforeEach {
        $t = New-TestInstance
        $loc = New-Location $Store
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'src/m.txt') 'moved while another process clears orphans').FullName
        $a.Storage | Should -Not -Be $loc.Storage.Root
    }
    AfterEach { $t | Remove-TestInstance }

    It 'Move-LaminArtifact: Clear-LaminStorage -Orphaned -OlderThan 0 meanwhile keeps the copy (in flight); the move commits with its bytes' {
        $out = Invoke-PausedAt 'move-artifact-commit' "Move-LaminArtifact $($a.Uid) $($loc.Storage.Uid) -Confirm:`$false | Out-Null" {
            @(Get-DataUploads $loc).Count | Should -Be 1 -Because 'the copy is at the target, not yet registered there'
            $script:announced = @(Get-Announcements $loc)
            $script:cleared = @(Clear-LaminStorage $loc.Storage.Uid -Orphaned -OlderThan 0 -Confirm:$false -PassThru -WarningVariable mw -WarningAction SilentlyContinue)
            $script:warned = @($mw)
        }
        $out | Should -Be @('done')
        $script:cleared.Count | Should -Be 0
        ($script:warned -join "`n") | Should -Match 'in flight'
        $script:announced.Count | Should -Be 1 -Because 'the move announced itself in the target before its copy'
        (Get-LaminArtifact $a.Uid).StorageUid | Should -Be $loc.Storage.Uid
        Assert-AllMatch
        Get-Announcements $loc | Should -BeNullOrEmpty
    }

    It 'Move-LaminArtifact: a copy deleted by hand meanwhile refuses the move (PathNotFound); the artifact stays where it was, with its bytes' {
        $out = Invoke-PausedAt 'move-artifact-commit' "Move-LaminArtifact $($a.Uid) $($loc.Storage.Uid) -Confirm:`$false | Out-Null" {
            foreach ($k in Get-DataUploads $loc) { Remove-Raw $loc $k }
        }
        $out[0] | Should -BeLike 'error: PathNotFound*'
        $out[0] | Should -BeLike '*Nothing moved*'
        (Get-LaminArtifact $a.Uid).StorageUid | Should -Be $a.StorageUid
        Assert-AllMatch
    }

    It 'Add-LaminArtifact: Clear-LaminStorage -Orphaned meanwhile keeps the upload; a Set-Content on the drive whose upload is deleted is refused' {
        $f = New-File (Join-Path $t.Work 'src/n.txt') 'added while another process clears orphans'
        $out = Invoke-PausedAt 'add-artifact-commit' "(Add-LaminArtifact '$($f.FullName)' -Storage $($loc.Storage.Uid)).Uid" {
            $script:cleared = @(Clear-LaminStorage $loc.Storage.Uid -Orphaned -OlderThan 0 -Confirm:$false -PassThru -WarningAction SilentlyContinue)
        }
        $script:cleared.Count | Should -Be 0
        $out.Count | Should -Be 2
        $out[1] | Should -Be 'done'
        (Get-LaminArtifact $out[0]).StorageUid | Should -Be $loc.Storage.Uid

        $out = Invoke-PausedAt 'add-artifact-commit' "'drive text' | Set-Content 'lamin:/$($loc.Storage.Uid)/notes/d.txt'" {
            foreach ($k in Get-DataUploads $loc | Where-Object { $_ -notlike "*$($out[0])*" }) { Remove-Raw $loc $k }
        }
        $out[0] | Should -BeLike 'error: *PathNotFound*'
        @(Get-LaminArtifact -Key 'notes/d.txt').Count | Should -Be 0
        Assert-AllMatch
    }
}

Describe 'Announcements of other writers (local folder)' {
    BeforeEach {
        $t = New-TestInstance
        $loc = New-Location 'local'
        $writers = Join-Path $loc.Storage.Root '.lamindb/_writers'
        $null = New-Item -ItemType Directory -Force $writers
        $orphan = New-File (Join-Path $loc.Storage.Root '.lamindb/zzzzzzzzzzzzzzzzzzzz.txt') 'nobody registered this'
    }
    AfterEach { $t | Remove-TestInstance }

    It 'one of another host counts until it is a day old; one of a process that ended does not, and is cleared' {
        # An announcement of process 4242 on another host, written before the object.
        $other = New-File (Join-Path $writers 'w-4242-0-other-host-0123456789abcdef0123456789abcdef.json') '{}'
        [IO.File]::SetLastWriteTimeUtc($other.FullName, [datetime]::UtcNow.AddHours(-1))
        $warn = $null
        @(Clear-LaminStorage $loc.Storage.Uid -Orphaned -OlderThan 0 -Confirm:$false -PassThru -WarningVariable warn -WarningAction SilentlyContinue).Count | Should -Be 0
        $orphan.FullName | Should -Exist
        ($warn -join "`n") | Should -Match 'in flight.*process 4242 on other-host'

        # Older than the limit: it no longer counts; the object and the announcement are cleared.
        [IO.File]::SetLastWriteTimeUtc($other.FullName, [datetime]::UtcNow.AddDays(-2))
        $removed = @(Clear-LaminStorage $loc.Storage.Uid -Orphaned -OlderThan 0 -Confirm:$false -PassThru -WarningAction SilentlyContinue)
        @($removed.Key | Sort-Object) | Should -Be @(('.lamindb/_writers/' + $other.Name), '.lamindb/zzzzzzzzzzzzzzzzzzzz.txt')
        $orphan.FullName | Should -Not -Exist
        $other.FullName | Should -Not -Exist

        # Of a process of this host that ended (no pid 999999): it never counts.
        $dead = New-File (Join-Path $writers "w-999999-0-$([Environment]::MachineName -replace '[^A-Za-z0-9._-]', '_')-0123456789abcdef0123456789abcdef.json") '{}'
        $orphan = New-File (Join-Path $loc.Storage.Root '.lamindb/zzzzzzzzzzzzzzzzzzzz.txt') 'nobody registered this'
        $removed = @(Clear-LaminStorage $loc.Storage.Uid -Orphaned -OlderThan 0 -Confirm:$false -PassThru -WarningAction SilentlyContinue)
        $removed.Count | Should -Be 2
        $dead.FullName | Should -Not -Exist
        $orphan.FullName | Should -Not -Exist
    }
}
