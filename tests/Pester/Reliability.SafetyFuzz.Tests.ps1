# Data safety under a seeded random sequence of operations (SPEC §10), on tree shapes that found real
# faults: nested locations and a second instance's registry inside a location, one root registered for
# two hosts, symlinks inside roots (files and folders, pointing in and out), hostile keys (symlinked,
# into .lamindb in any case, climbing), locked artifacts inside pipelines, real keys inside registered
# folders, moves, trash, permanent deletes and orphan clearing.
#
# After every operation the invariants hold:
#   - every registered artifact's data is intact: Test-LaminArtifact -Hash says Match (or Superseded
#     where a newer version replaced the bytes by design, rule 1);
#   - no registry, lock or marker is gone;
#   - nothing exists outside the roots and LAMIN_HOME that was not there before;
#   - a pipeline registers every item that was not refused (rule 8): outputs + errors = inputs.
# Every refusal must carry a catalogued error id; an unmapped exception is a failure.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $catalogue = Get-Content (Join-Path $PSScriptRoot '../../src/Lamin.Core/Errors/LaminError.cs') -Raw
    $script:ids = [regex]::Matches($catalogue, 'public const string (\w+) = nameof') | ForEach-Object { $_.Groups[1].Value }

    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text)
    }

    # Builds the world: an instance, nested locations, a duplicate root, a second instance's registry
    # inside a location, symlinks in and out, and files to add. Returns what the operations draw from.
    function New-FuzzWorld($t) {
        $w = $t.Work
        foreach ($i in 1..6) { New-File "$w/data/raw/a$i.txt" "raw a$i" }
        foreach ($i in 1..3) { New-File "$w/data/raw/sub/b$i.txt" "raw sub b$i" }
        foreach ($i in 1..3) { New-File "$w/data/projects/p$i.csv" "p$i,1`n" }
        foreach ($i in 1..3) { New-File "$w/outside/o$i.txt" "outside o$i" }
        foreach ($i in 1..8) { New-File "$w/src/s$i.txt" "source s$i" }
        $null = New-Item -ItemType Directory -Force "$w/saves"   # where Save-LaminArtifact may write
        $null = New-Item -ItemType Directory -Force "$w/moving/r0"   # a location that relocates while pipelines write into it
        foreach ($i in 1..3) { New-File "$w/src/dir/d$i.txt" "source dir d$i" }
        $null = New-Item -ItemType SymbolicLink -Path "$w/data/link-out" -Target "$w/outside"
        $null = New-Item -ItemType SymbolicLink -Path "$w/data/link-in" -Target "$w/data/raw/sub"
        $null = New-Item -ItemType SymbolicLink -Path "$w/data/raw/f-link.txt" -Target "$w/outside/o1.txt"

        $p = @{ ErrorAction = 'Stop'; WarningAction = 'SilentlyContinue' }
        $data = New-LaminStorage "$w/data" @p
        $data2 = New-LaminStorage "$w/data" -Host 'lab2' @p                  # same root, another machine
        $lab = New-LaminStorage "$w/data/projects/lab" @p                     # nested location
        # A second instance whose registry sits inside the location "data".
        $main = (Get-LaminSetting).Instance
        $null = New-LaminInstance -Name 'inner' -Storage "$w/data/projects/inner" -Confirm:$false @p
        $null = Connect-LaminInstance -Name $main @p
        $default = Get-LaminStorage -Root $t.Storage @p
        $moving = New-LaminStorage "$w/moving/r0" @p

        [pscustomobject]@{
            Work       = $w
            Storages   = @($data.Uid, $data2.Uid, $lab.Uid, $default.Uid, $moving.Uid)
            Moving     = $moving.Uid
            Markers    = @((Get-MarkerPath "$w/data"), (Get-MarkerPath "$w/data/projects/lab"), (Get-MarkerPath $t.Storage),
                           (Get-MarkerPath "$w/data/projects/inner"))
            Registries = @($t.Registry, "$w/data/projects/inner/.lamindb/lamin.db")
            InPlace    = @("$w/data/raw/a1.txt", "$w/data/raw/a2.txt", "$w/data/raw/a3.txt", "$w/data/raw/sub", "$w/data/raw/sub/b1.txt",
                           "$w/data/raw", "$w/data/projects", "$w/data/projects/p1.csv", "$w/data/link-in", "$w/data/link-in/b2.txt",
                           "$w/data/link-out/o2.txt", "$w/data/raw/f-link.txt", "$w/data/projects/lab", "$w/data/projects/inner")
            Sources    = @((1..8 | ForEach-Object { "$w/src/s$_.txt" }) + "$w/src/dir")
            # Save-LaminArtifact -Force destinations (issue 24): roots, registries, markers, registered files and folders,
            # nested locations, a managed folder, and a free place; only the free one may change.
            Saves      = @("$w/data", "$w/data/projects/lab", "$w/data/projects/inner", $t.Storage, $t.Registry,
                           "$w/data/projects/inner/.lamindb/lamin.db", (Get-MarkerPath "$w/data"), "$w/data/.lamindb",
                           "$w/data/raw/a1.txt", "$w/data/raw/sub", "$w/data/raw/sub/new.txt", "$w/data/raw", "$w/data/projects",
                           "$w/data/link-out/o3.txt", "$w/saves/", "$w/saves/one.out")
            Keys       = @('k/one.txt', 'k/two.txt', 'raw/a4.txt', 'raw/new.txt', 'raw/sub/b3.txt', 'link-out/x.txt', 'link-in/y.txt',
                           'LINK-OUT/x.txt', '.LAMINDB/x.txt', 'projects/lab/.lamindb/x.txt', 'projects/inner/.lamindb/lamin.db',
                           'projects/new.txt', 'a/../../x.txt', 'deep/er/still.txt')
        }
    }

    function Get-Snapshot([string] $Path) { if (Test-Path -LiteralPath $Path) { Get-TreeSnapshot $Path } else { '<missing>' } }
}

Describe 'Seeded data-safety fuzz (SPEC §10)' -ForEach @(@{ Seed = 20261126 }, @{ Seed = 7 }) -Skip:($IsWindows) { # its world has symlinks in and out: privileges on Windows
    BeforeAll {
        $t = New-TestInstance
        $script:world = New-FuzzWorld $t
        $script:rng = [Random]::new($Seed)
        Write-Host "safety fuzz seed: $Seed"
        $script:history = [System.Collections.Generic.List[string]]::new()
        $script:unmapped = [System.Collections.Generic.List[string]]::new()
        $script:crafted = [System.Collections.Generic.HashSet[string]]::new()   # rows whose key was rewritten by hand (rule 13)
        $script:cases = 0
        $script:outsideBefore = Get-Snapshot "$($world.Work)/outside"
        $script:srcBefore = Get-Snapshot "$($world.Work)/src"
        $script:topBefore = @(Get-ChildItem -LiteralPath $t.Root -Force).Name -join ','
        $script:workBefore = @(Get-ChildItem -LiteralPath $world.Work -Force).Name -join ','
        $script:locksBefore = @($world.Registries | ForEach-Object { "$_.lock" } | Where-Object { Test-Path -LiteralPath $_ })
        $WarningPreference = 'SilentlyContinue'; $ProgressPreference = 'SilentlyContinue'; $ConfirmPreference = 'None'

        function Pick($list) { $list[$rng.Next($list.Count)] }
        function Get-Registered { @(Get-LaminArtifact -AllVersions -ErrorAction Stop) + @(Get-LaminArtifact -Trash -ErrorAction Stop) }

        function Invoke-Step([string] $What, [scriptblock] $Step) {
            $script:cases++
            $history.Add($What)
            $errs = [System.Collections.Generic.List[object]]::new()
            try { & $Step 2>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $errs.Add($_) } } }
            catch { $errs.Add($_) }
            foreach ($e in $errs) {
                if ($e -isnot [System.Management.Automation.ErrorRecord]) { continue }
                $id = ($e.FullyQualifiedErrorId -split ',')[0]
                if ($id -notin $ids) { $unmapped.Add("$What -> $($e.FullyQualifiedErrorId): $($e.Exception.Message)") }
            }
        }

        function Assert-Invariants([string] $After) {
            $problems = [System.Collections.Generic.List[string]]::new()
            foreach ($c in Test-LaminArtifact -Hash -ErrorAction Stop) {
                if (-not $c.Uid) { continue }
                if ($crafted.Contains($c.Uid)) {
                    # A crafted row is reported, never read as a path (rule 13).
                    if ("$($c.Status)" -ne 'Error' -or $c.Reason -notmatch 'key rules') { $problems.Add("crafted $($c.Uid) '$($c.Key)' not reported: $($c.Status) $($c.Reason)") }
                }
                elseif ("$($c.Status)" -notin 'Match', 'Superseded') { $problems.Add("$($c.Uid) $($c.Key) at $($c.FullName): $($c.Status) $($c.Reason)") }
            }
            foreach ($f in @($world.Registries) + @($world.Markers) + @($locksBefore)) {
                if (-not (Test-Path -LiteralPath $f)) { $problems.Add("gone: $f") }
            }
            if ((Get-Snapshot "$($world.Work)/outside") -ne $outsideBefore) { $problems.Add('the folder outside every root changed') }
            if ((Get-Snapshot "$($world.Work)/src") -ne $srcBefore) { $problems.Add('the source files changed') }
            if ((@(Get-ChildItem -LiteralPath $t.Root -Force).Name -join ',') -ne $topBefore) { $problems.Add('something appeared beside the roots and LAMIN_HOME') }
            if ((@(Get-ChildItem -LiteralPath $world.Work -Force).Name -join ',') -ne $workBefore) { $problems.Add('something appeared in the work folder beside the roots') }
            if ($problems.Count) {
                throw "After '$After' (step $cases, seed $Seed):`n  " + ($problems -join "`n  ") + "`nlast steps:`n  " + (($history | Select-Object -Last 8) -join "`n  ")
            }
        }
    }
    AfterAll {
        Write-Host "safety fuzz seed $Seed`: $cases steps, unmapped: $($unmapped.Count)"
        $t | Remove-TestInstance
    }

    It 'keeps every invariant over 120 random operations' {
        Assert-Invariants 'setup'
        foreach ($i in 1..120) {
            $registered = @(Get-Registered)
            $op = $rng.Next(13)
            switch ($op) {
                0 {
                    $path = Pick $world.InPlace
                    Invoke-Step "add in place $path" { Add-LaminArtifact -Path $path }
                }
                1 {
                    $src = Pick $world.Sources; $st = Pick $world.Storages
                    Invoke-Step "add copy $src -> $st" { Add-LaminArtifact -Path $src -Storage $st }
                }
                2 {
                    $src = Pick $world.Sources; $st = Pick $world.Storages; $key = Pick $world.Keys
                    if ($src -like '*dir') { $key = $key -replace '\.\w+$', '' }
                    $virtual = $rng.Next(2) -eq 0
                    Invoke-Step "add $src -> $st key $key virtual=$virtual" { Add-LaminArtifact -Path $src -Storage $st -Key $key -KeyIsVirtual $virtual }
                }
                3 {
                    # new content under a key that is registered: a new version
                    $withKey = @($registered | Where-Object { $_.Key -and -not $_.NFiles -and $_.Key -like '*.*' })
                    if ($withKey.Count) {
                        $a = Pick $withKey
                        $fresh = Join-Path $t.Root "fresh-$i$([IO.Path]::GetExtension($a.Key))"
                        [IO.File]::WriteAllText($fresh, "fresh content $i $Seed")
                        $virtual = $rng.Next(3) -ne 0
                        Invoke-Step "new version of '$($a.Key)' in $($a.StorageUid) virtual=$virtual" {
                            Add-LaminArtifact -Path $fresh -Storage $a.StorageUid -Key $a.Key -KeyIsVirtual $virtual
                        }
                        Remove-Item -LiteralPath $fresh
                    }
                }
                4 {
                    # a pipeline with a locked artifact in it: the others are registered (rule 8)
                    if ($registered.Count) { $lock = Pick $registered; Invoke-Step "lock $($lock.Uid)" { Set-LaminArtifact -Identity $lock.Uid -Lock } }
                    $st = Pick $world.Storages
                    $inputs = @(1..3 | ForEach-Object {
                        $f = Join-Path $t.Root "pipe-$i-$_.txt"; [IO.File]::WriteAllText($f, "pipe $i $_ $Seed"); $f })
                    $keys = @($registered | Where-Object { $_.Key -like '*.txt' -and -not $_.NFiles } | ForEach-Object Key) + 'pipe/one.txt'
                    $key = Pick $keys
                    $items = @($inputs) + (Join-Path $t.Root "missing-$i.txt")   # one refused at planning
                    $script:out = $null; $script:perr = $null
                    Invoke-Step "pipeline of $($items.Count) into $st with key $key" {
                        $script:out = @($items | Add-LaminArtifact -Storage $st -Key $key -ErrorVariable perrs -ErrorAction SilentlyContinue); $script:perr = @($perrs)
                    }
                    if (@($out).Count + @($perr).Count -ne $items.Count) {
                        throw "pipeline into $st (step $cases, seed $Seed): $($items.Count) inputs, $(@($out).Count) records, $(@($perr).Count) errors:`n$($perr | Out-String)"
                    }
                    $inputs | Remove-Item
                }
                5 {
                    if ($registered.Count) { $a = Pick $registered; Invoke-Step "unlock $($a.Uid)" { Set-LaminArtifact -Identity $a.Uid -Unlock } }
                }
                6 {
                    if ($registered.Count) {
                        $a = Pick $registered
                        switch ($rng.Next(3)) {
                            0 { Invoke-Step "trash $($a.Uid)" { Remove-LaminArtifact -Identity $a.Uid } }
                            1 { Invoke-Step "remove $($a.Uid) -Permanent" { Remove-LaminArtifact -Identity $a.Uid -Permanent } }
                            2 { Invoke-Step "remove $($a.Uid) -Permanent -DeleteFile ($($a.Key))" { Remove-LaminArtifact -Identity $a.Uid -Permanent -DeleteFile } }
                        }
                    }
                }
                7 {
                    $trashed = @($registered | Where-Object IsTrashed)
                    if ($trashed.Count) { $a = Pick $trashed; Invoke-Step "restore $($a.Uid)" { Restore-LaminArtifact -Identity $a.Uid } }
                }
                8 {
                    if ($registered.Count) {
                        $a = Pick $registered; $st = Pick $world.Storages
                        Invoke-Step "move $($a.Uid) ($($a.Key)) -> $st" { Move-LaminArtifact -Identity $a.Uid -Storage $st }
                    }
                }
                9 {
                    $st = Pick $world.Storages
                    Invoke-Step "clear orphans in $st" { Clear-LaminStorage -Identity $st -Orphaned -OlderThan ([TimeSpan]::Zero) }
                }
                12 {
                    # A row rewritten by hand (a copied or crafted registry): its key or real key breaks the key rules.
                    $plain = @($registered | Where-Object { -not $crafted.Contains($_.Uid) })
                    if ($plain.Count) {
                        $a = Pick $plain; $field = Pick @('Key', 'RealKey')
                        $bad = Pick @('x/..', '../up.txt', '/abs.txt', '.lamindb/lamin.db', 'a/../../outside/o1.txt', '..')
                        Invoke-Step "craft $field of $($a.Uid) to '$bad'" {
                            Invoke-TestLiteDb $t.Registry "`$c = `$db.GetCollection('artifact'); foreach (`$d in `$c.FindAll()) { if (`$d['Uid'].AsString -eq '$($a.Uid)') { `$d['$field'] = '$bad'; `$null = `$c.Update(`$d) } }"
                        }
                        $null = $crafted.Add($a.Uid)
                    }
                }
                11 {
                    # A writer racing a relocation (rule 14), deterministically: the pipeline's upstream moves the
                    # location between two items. Every item is registered where its bytes are, or refused.
                    $dest = "$($world.Work)/moving/r$i"
                    $inputs = @(1..3 | ForEach-Object { $f = Join-Path $t.Root "mv-$i-$_.txt"; [IO.File]::WriteAllText($f, "moving $i $_ $Seed"); $f })
                    $script:out = $null; $script:perr = $null
                    Invoke-Step "pipeline into the moving location, relocated to $dest after item 1" {
                        $script:out = @(& {
                                $inputs[0]
                                try { Move-LaminStorage $world.Moving -Destination $dest -Confirm:$false -ErrorAction Stop | Out-Null }
                                catch { if (($_.FullyQualifiedErrorId -split ',')[0] -notin $ids) { $unmapped.Add("relocation -> $($_.FullyQualifiedErrorId): $($_.Exception.Message)") } }
                                $inputs[1]; $inputs[2]
                            } |
                            Add-LaminArtifact -Storage $world.Moving -ErrorVariable perrs -ErrorAction SilentlyContinue); $script:perr = @($perrs)
                    }
                    if (@($out).Count + @($perr).Count -ne $inputs.Count) {
                        throw "relocation pipeline (step $cases, seed $Seed): $($inputs.Count) inputs, $(@($out).Count) records, $(@($perr).Count) errors:`n$($perr | Out-String)"
                    }
                    $inputs | Remove-Item
                }
                10 {
                    $live = @($registered | Where-Object { -not $_.IsTrashed })
                    if ($live.Count) {
                        $a = Pick $live; $dest = Pick $world.Saves
                        Invoke-Step "save $($a.Uid) ($($a.Key)) -Force -> $dest" { Save-LaminArtifact -Identity $a.Uid -Destination $dest -Force }
                    }
                }
            }
            Assert-Invariants $history[-1]
        }
        $unmapped | Should -BeNullOrEmpty
        $cases | Should -BeGreaterThan 100
        # The world was exercised: artifacts exist in more than one location.
        @(Get-Registered | Select-Object -ExpandProperty StorageUid -Unique).Count | Should -BeGreaterThan 1
        # Relocations raced pipelines: the moving location was moved at least once (its generation counts the moves).
        @($history | Where-Object { $_ -like 'pipeline into the moving location*' }).Count | Should -BeGreaterThan 0
        (Get-LaminStorage -Identity $world.Moving).Generation | Should -BeGreaterThan 0
        $crafted.Count | Should -BeGreaterThan 0
    }
}
