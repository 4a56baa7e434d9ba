# Issue 26, points 5, 6 and 10 (not the views): the smaller habits of PowerShell users, typed as a user types them.
# Before: New-LaminStorage created a missing folder without saying so under -WhatIf; Search-LaminArtifact ranked hash
# substrings above keys; -DeleteFile without -Permanent was ignored; -Lock -Unlock was refused only at run time;
# README/help disagreed on -Host, the http(s)/hf types and how to import; a folder without write permission gave the
# OS's bare message; -Verbose said little and -Debug nothing; -Key <Tab> offered ./. (The online help URI of every
# cmdlet is checked in Conventions.Tests.ps1.)
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'

    # A child pwsh (fresh, -NonInteractive) that runs $Command with the module; returns what it wrote, as text.
    # -WithoutWriteOverride: file permissions bind it even as root (CI runs as root, and chmod does not stop root):
    # the child runs without the capabilities that let root ignore them (setpriv drops them from the bounding set).
    function Invoke-Child([string] $Command, [switch] $WithoutWriteOverride) {
        $exe = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
        $script = "`$PSStyle.OutputRendering = 'PlainText'; Import-Module '$($env:LAMIN_TEST_MODULE)'; $Command"
        [string[]] $arguments = $pre + @('-NoProfile', '-NonInteractive', '-Command', $script)
        if ($WithoutWriteOverride -and -not $IsWindows -and (id -u) -eq '0') {
            $arguments = @('--bounding-set=-dac_override,-dac_read_search,-fowner', '--', $exe) + $arguments
            $exe = 'setpriv'
        }
        (& $exe @arguments 2>&1) -join "`n"
    }
}

Describe 'New-LaminStorage on a folder that does not exist (issue 26 point 5)' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It '-WhatIf says the folder would be created, and creates nothing' {
        $new = Join-Path $t.Work 'archiv'   # a typo of an existing folder
        $text = Invoke-Child "New-LaminStorage '$new' -WhatIf"
        $text | Should -Match ([regex]::Escape('Create the folder (it does not exist) and register it as a storage location'))
        $text | Should -Match ([regex]::Escape($new))
        $new | Should -Not -Exist
        Get-LaminStorage -Root $new -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-WhatIf on an existing folder only says it registers it' {
        $existing = (New-Item -ItemType Directory (Join-Path $t.Work 'archive')).FullName
        $text = Invoke-Child "New-LaminStorage '$existing' -WhatIf"
        $text | Should -Match 'Register storage location'
        $text | Should -Not -Match 'Create the folder'
        Join-Path $existing '.lamindb' | Should -Not -Exist
    }

    It 'creates it (as LaminDB does), and -Verbose says so' {
        $new = Join-Path $t.Work 'new-place'
        $verbose = New-LaminStorage $new -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose | Should -Contain "Created the folder '$new'."
        $new | Should -Exist
        (Get-LaminStorage -Root $new).IsManaged | Should -BeTrue
    }
}

Describe 'Search-LaminArtifact: hashes match whole or by a prefix of 8+ characters, after keys and descriptions (issue 26 point 6, SPEC rule 16)' {
    BeforeAll {
        $t = New-TestInstance
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'a.bin') -Text 'hash holder').FullName -Key 'data/a.bin'
        $mid = $a.Hash.Substring(6, 4)
        $prefix = $a.Hash.Substring(0, 8)
        # Records whose key or description hold the same text as the hash.
        $byKey = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'k.txt') -Text 'by key').FullName -Key "data/x$prefix$mid.txt"
        $byDescription = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'd.txt') -Text 'by description').FullName -Key 'data/d.txt' -Description "x$prefix$mid"
    }
    AfterAll { $t | Remove-TestInstance }

    It 'a query found only inside a hash does not match it' {
        $hits = @(Search-LaminArtifact $mid -Limit 0)
        $hits.Uid | Should -Not -Contain $a.Uid
        $hits.Uid | Should -Contain $byKey.Uid
        $hits.Uid | Should -Contain $byDescription.Uid
    }

    It 'a hash prefix of 8 characters matches, ranked after every key and description match' {
        $hits = @(Search-LaminArtifact $prefix -Limit 0)
        $hits.Uid | Should -Contain $a.Uid
        $hits[-1].Uid | Should -Be $a.Uid
        [array]::IndexOf([string[]]$hits.Uid, $byKey.Uid) | Should -BeLessThan ([array]::IndexOf([string[]]$hits.Uid, $a.Uid))
        [array]::IndexOf([string[]]$hits.Uid, $byDescription.Uid) | Should -BeLessThan ([array]::IndexOf([string[]]$hits.Uid, $a.Uid))
    }

    It 'a prefix shorter than 8 characters does not match the hash' {
        @(Search-LaminArtifact $a.Hash.Substring(0, 7) -Limit 0).Uid | Should -Not -Contain $a.Uid
    }

    It 'the whole hash finds its artifact first' {
        $hits = @(Search-LaminArtifact $a.Hash)
        $hits[0].Uid | Should -Be $a.Uid
        $hits[0].Score | Should -BeGreaterOrEqual 200
    }

    It 'a small -Limit keeps the key and description matches, not the hash match' {
        $hits = @(Search-LaminArtifact $prefix -Limit 1)
        $hits[0].Uid | Should -BeIn @($byKey.Uid, $byDescription.Uid)
    }
}

Describe 'Invalid parameter combinations are refused before anything changes (issue 26 point 10)' {
    BeforeEach {
        $t = New-TestInstance
        $s = Get-LaminStorage -Root $t.Storage
        $inPlace = New-TestFile (Join-Path $t.Storage 'raw/img.tif') -Text 'image'
        $art = Add-LaminArtifact $inPlace.FullName
    }
    AfterEach { $t | Remove-TestInstance }

    It 'Remove-LaminArtifact -DeleteFile without -Permanent: DeleteFileNeedsPermanent (InvalidArgument, terminating), nothing changes' {
        $err = $null
        try { Remove-LaminArtifact $art.Uid -DeleteFile -Confirm:$false -ErrorAction SilentlyContinue; 'not reached' | Should -BeNullOrEmpty }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "DeleteFileNeedsPermanent$E"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '-Permanent'
        (Get-LaminArtifact $art.Uid).IsTrashed | Should -BeFalse
        $inPlace.FullName | Should -Exist
        # The valid forms still work.
        Remove-LaminArtifact $art.Uid -Confirm:$false
        (Get-LaminArtifact -Trash).Uid | Should -Contain $art.Uid
        $inPlace.FullName | Should -Exist
    }

    It '<Cmdlet> -Lock -Unlock is refused by PowerShell while binding (AmbiguousParameterSet)' -ForEach @(
        @{ Cmdlet = 'Set-LaminStorage' }
        @{ Cmdlet = 'Set-LaminArtifact' }
    ) {
        $id = if ($Cmdlet -eq 'Set-LaminStorage') { $s.Uid } else { $art.Uid }
        $err = $null
        try { & $Cmdlet $id -Lock -Unlock -ErrorAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'AmbiguousParameterSet,*'
        $err.Exception | Should -BeOfType [System.Management.Automation.ParameterBindingException]
        $get = if ($Cmdlet -eq 'Set-LaminStorage') { { Get-LaminStorage $id } } else { { Get-LaminArtifact $id } }
        (& $get).IsLocked | Should -BeFalse
        # Every call form still binds: positional, -Identity, the pipeline, with -Description and -PassThru.
        & $Cmdlet $id -Lock
        (& $get).IsLocked | Should -BeTrue
        & $get | & $Cmdlet -Unlock
        (& $get).IsLocked | Should -BeFalse
        (& $Cmdlet -Identity $id -Description 'locked now' -Lock -PassThru).IsLocked | Should -BeTrue
        (& $Cmdlet -Identity $id -Unlock -PassThru).Description | Should -BeExactly 'locked now'
        & $get | & $Cmdlet -Description 'again'
        (& $get).Description | Should -BeExactly 'again'
        (Get-Command $Cmdlet).DefaultParameterSet | Should -Be 'Identity'
    }
}

Describe 'README and help agree with the code (issue 26 point 10)' {
    BeforeAll {
        $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../../README.md')
        $t = New-TestInstance
    }
    AfterAll { $t | Remove-TestInstance }

    It 'the quick start loads the installed module by name; ./out/Lamin is for a clone' {
        $usingIt = [regex]::Match($readme, '(?s)## Using it\r?\n(.*?)```powershell\r?\n(.*?)```')
        $usingIt.Success | Should -BeTrue
        ($usingIt.Groups[2].Value -split '\r?\n')[0] | Should -BeExactly 'Import-Module Lamin'
        $usingIt.Groups[1].Value | Should -Match 'clone'
        $usingIt.Groups[1].Value | Should -Match ([regex]::Escape('Import-Module ./out/Lamin'))
    }

    It '-Host has no default: README and help say so, and the record''s Host is $null' {
        (New-LaminStorage (Join-Path $t.Work 'nohost')).Host | Should -BeNullOrEmpty
        $readme | Should -Not -Match 'default: this one'
        (Get-Help New-LaminStorage -Parameter Host).description.Text | Should -Match 'Default: none'
        (Get-Help New-LaminInstance -Parameter Host).description.Text | Should -Match 'Default: none'
    }

    It 'http(s):// and hf:// roots: documented as read-only types, and registered so' {
        foreach ($root in 'https://example.org/data', 'hf://datasets/org/set') {
            $r = New-LaminStorage $root -WarningAction SilentlyContinue
            $r.IsManaged | Should -BeFalse
            $r.InstanceUid | Should -BeNullOrEmpty
        }
        (Get-LaminStorage -Root 'hf://datasets/org/set').Type | Should -Be 'hf'
        foreach ($text in $readme, (Get-Help New-LaminStorage -Full | Out-String)) {
            $text | Should -Match 'hf://'
            $text | Should -Match 'https?://'
            $text | Should -Match 'read-only'
        }
    }
}

Describe 'A location without write permission (issue 26 point 10)' -Skip:$IsWindows {
    BeforeEach {
        $t = New-TestInstance
        $ro = (New-Item -ItemType Directory (Join-Path $t.Work 'ro')).FullName
        $lost = (New-Item -ItemType Directory (Join-Path $t.Work 'lost')).FullName
        $lostStorage = New-LaminStorage $lost
        $file = New-TestFile (Join-Path $t.Work 'in.txt') -Text 'data'
        chmod 555 $ro (Join-Path $lost '.lamindb') $lost
    }
    AfterEach {
        chmod -R u+w $t.Root
        $t | Remove-TestInstance
    }

    It 'New-LaminStorage registers it read-only (InstanceUid $null) with a warning' {
        $json = Invoke-Child -WithoutWriteOverride ("`$r = New-LaminStorage '$ro' -WarningVariable w -WarningAction SilentlyContinue; " +
            "@{ InstanceUid = `$r.InstanceUid; IsManaged = `$r.IsManaged; Warning = [string]`$w } | ConvertTo-Json -Compress")
        $r = $json | ConvertFrom-Json
        $r.IsManaged | Should -BeFalse
        $r.InstanceUid | Should -BeNullOrEmpty
        $r.Warning | Should -Match 'write access'
        Join-Path $ro '.lamindb' | Should -Not -Exist
    }

    It '<Command> refuses with StorageAccessDenied (PermissionDenied) saying what to do, not the bare OS error' -ForEach @(
        @{ Command = 'Add-LaminArtifact'; Script = 'Add-LaminArtifact ''{file}'' -Storage ''{lost}''' }
        @{ Command = 'Remove-LaminStorage'; Script = 'Remove-LaminStorage ''{lost}'' -Force' }
    ) {
        $line = $Script.Replace('{file}', $file.FullName).Replace('{lost}', $lost)
        $json = Invoke-Child -WithoutWriteOverride ("$line -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null; " +
            "@{ Id = `$e[0].FullyQualifiedErrorId; Category = [string]`$e[0].CategoryInfo.Category; Message = `$e[0].Exception.Message } | ConvertTo-Json -Compress")
        $r = $json | ConvertFrom-Json
        $r.Id | Should -BeLike 'StorageAccessDenied,*'
        $r.Category | Should -Be 'PermissionDenied'
        $r.Message | Should -Match 'write permission'
        # Nothing changed.
        Get-LaminStorage $lostStorage.Uid | Should -Not -BeNullOrEmpty
        @(Get-LaminArtifact -Storage $lostStorage.Uid).Count | Should -Be 0
    }
}

Describe '-Verbose tells the decisions, -Debug the core''s events (issue 26 point 10)' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It '-Verbose names the registry a command uses' {
        $verbose = Get-LaminStorage -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose | Should -Contain "Using the registry of instance '$($t.Instance.Name)' ($($t.Registry))."
    }

    It '-Verbose says what was found and what a removal deletes or keeps' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'v.txt') -Text 'v').FullName -Key 'k/v.txt'
        $verbose = Get-LaminArtifact -Key 'k/*' -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose | Should -Contain "1 artifact(s) match with key 'k/*' in every location you may see (latest versions)."
        $verbose = Remove-LaminArtifact $a.Uid -Confirm:$false -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose | Where-Object { $_ -like "$($a.Uid) is in storage '$($t.Storage)' at *: the record goes to the trash, its data stays." } | Should -Not -BeNullOrEmpty
        $verbose | Should -Contain "Moved $($a.Uid) to the trash (Restore-LaminArtifact brings it back)."
    }

    It '-Debug shows the registry, provider and gate events of a permanent removal' {
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'x.txt') -Text 'x').FullName -Key 'k/x.txt'
        $debug = Remove-LaminArtifact $a.Uid -Permanent -Force -Debug 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message
        $debug | Should -Contain "registry: opening LiteDB $($t.Registry) (instance '$($t.Instance.Name)')"
        $debug | Where-Object { $_ -like 'gate: Remove-LaminArtifact may delete or overwrite*' } | Should -Not -BeNullOrEmpty
        $debug | Where-Object { $_ -like 'gate: Remove-LaminArtifact deletes*' } | Should -Not -BeNullOrEmpty
        $debug | Where-Object { $_ -like 'storage: local provider for*' } | Should -Not -BeNullOrEmpty
    }

    It 'a command whose core works on worker threads (Test-LaminArtifact -Hash) still writes its lines, from the pipeline thread' {
        $null = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'w.txt') -Text 'w').FullName -Key 'k/w.txt'
        $out = Test-LaminArtifact -Hash -Verbose -Debug -ErrorVariable ev 4>&1 5>&1
        $ev | Should -BeNullOrEmpty
        @($out | Where-Object Status -EQ 'Match').Count | Should -Be 1
        $out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Using the registry of instance*' } | Should -Not -BeNullOrEmpty
        $out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -like 'storage: local provider for*' } | Should -Not -BeNullOrEmpty
    }

    It '-Debug alone works unattended (no prompt) and writes nothing without it' {
        $text = Invoke-Child 'Get-LaminStorage -Debug | Out-Null; ''done'''
        $text | Should -Match 'DEBUG: registry: opening'
        $text | Should -Match 'done'
        $text | Should -Not -Match 'Unexpected|NonInteractive'
        @(Get-LaminStorage 5>&1 4>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -or $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -Be 0
    }
}

Describe '-Key Tab completion offers registered keys, never ./ (issue 26 point 10)' {
    BeforeAll {
        $t = New-TestInstance
        $other = New-LaminStorage (Join-Path $t.Work 'other')
        $null = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/a.txt') -Text 'a').FullName -Key 'raw/a.txt'
        $null = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/b.txt') -Text 'b').FullName -Key 'other/b.txt' -Storage $other.Uid
        $null = New-TestFile (Join-Path $t.Work 'localfile.txt') -Text 'not a key'
        Push-Location $t.Work
        function Complete([string] $line) { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText }
    }
    AfterAll { Pop-Location; $t | Remove-TestInstance }

    It 'offers the keys of every location' {
        $texts = Complete 'Get-LaminArtifact -Key '
        $texts | Should -Contain 'raw/a.txt'
        $texts | Should -Contain 'other/b.txt'
        $texts | Where-Object { $_ -like '.*' -or $_ -like '*localfile*' -or $_ -like '*src*' } | Should -BeNullOrEmpty
    }

    It 'narrows to -Storage when it is typed, and by the typed start' {
        Complete "Get-LaminArtifact -Storage $($other.Uid) -Key " | Should -Be @('other/b.txt')
        Complete 'Get-LaminArtifact -Key ra' | Should -Be @('raw/a.txt')
    }

    It 'offers nothing, not file names, when no key starts so' {
        Complete 'Get-LaminArtifact -Key zz' | Should -BeNullOrEmpty
        Complete 'Get-LaminArtifact -Key ./' | Should -BeNullOrEmpty
    }
}
