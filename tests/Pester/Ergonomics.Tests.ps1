# PowerShell-native ergonomics (issue 13, SPEC §3–§4): pipelines bind by record type, errors by convention,
# -Identity takes a root, provider paths, multi-value identities, -Force, -WhatIf that tells the truth,
# names kept on add, lookups that drop nothing.
BeforeDiscovery {
    Import-Module $env:LAMIN_TEST_MODULE
    # Which piped record types each cmdlet takes (SPEC §4): every other type is refused, never bound through its Uid.
    $script:accepts = [ordered]@{
        'Get-LaminStorage'      = 'Storage', 'Space'
        'Set-LaminStorage'      = @('Storage')
        'Remove-LaminStorage'   = @('Storage')
        'Move-LaminStorage'     = @('Storage')
        'Test-LaminStorage'     = @('Storage')
        'Clear-LaminStorage'    = @('Storage')
        'Get-LaminStorageUsage' = @('Storage')
        'Get-LaminArtifact'     = 'Artifact', 'Storage'
        'Test-LaminArtifact'    = 'Artifact', 'Storage'
        'Set-LaminArtifact'     = @('Artifact')
        'Remove-LaminArtifact'  = @('Artifact')
        'Restore-LaminArtifact' = @('Artifact')
        'Save-LaminArtifact'    = @('Artifact')
        'Move-LaminArtifact'    = @('Artifact')
    }
    $script:pairs = foreach ($cmd in $accepts.Keys) {
        foreach ($type in 'Storage', 'Artifact', 'Space', 'Instance') {
            @{ Command = $cmd; Type = $type; Accepted = $type -in $accepts[$cmd] }
        }
    }
    $script:pipedCmdlets = @($accepts.Keys)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'

    # A fresh instance: S1 (the default, holding artifacts A1 'one.csv' and A2 'two.csv'), two empty
    # locations S2 and S3, a space 'team', and the current instance record.
    function New-Fixture {
        $t = New-TestInstance
        $f = [ordered]@{ T = $t }
        $f.S1 = Get-LaminStorage -Identity 1
        $f.S2 = New-LaminStorage -Root (Join-Path $t.Work 'store2')
        $f.S3 = New-LaminStorage -Root (Join-Path $t.Work 'store3')
        $src = Join-Path $t.Work 'src'
        $null = New-Item -ItemType Directory $src
        'one' | Set-Content (Join-Path $src 'one.csv')
        'two' | Set-Content (Join-Path $src 'two.csv')
        $f.A1 = Add-LaminArtifact (Join-Path $src 'one.csv') -Key 'one.csv'
        $f.A2 = Add-LaminArtifact (Join-Path $src 'two.csv') -Key 'two.csv'
        $f.Space = New-LaminSpace 'team'
        $f.Instance = Get-LaminInstance | Where-Object IsCurrent
        [pscustomobject]$f
    }
}

Describe 'Pipelines bind by record type (SPEC §4)' {
    It 'every cmdlet with pipeline input is in the binding table, and takes -InputObject by value only' {
        $actual = Get-Command -Module Lamin -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('InputObject') } | ForEach-Object Name
        ($actual | Sort-Object) | Should -Be ($pipedCmdlets | Sort-Object)
        foreach ($name in $pipedCmdlets) {
            $cmd = Get-Command $name
            $identity = $cmd.Parameters['Identity']
            $identity.ParameterType | Should -Be ([string[]]) -Because "$name -Identity takes several values"
            ($identity.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName |
                Should -Not -Contain $true -Because "$name must never bind another record's Uid"
        }
    }

    Context '<Type> piped into <Command>' -ForEach $pairs {
        BeforeEach { $f = New-Fixture }
        AfterEach { $f.T | Remove-TestInstance }

        It 'binds as SPEC §4 says (accepted: <Accepted>)' {
            $record = switch ($Type) {
                'Storage' { if ($Command -like '*Artifact') { Get-LaminStorage -Identity $f.S1.Uid } else { Get-LaminStorage -Identity $f.S2.Uid } }
                'Artifact' { Get-LaminArtifact -Identity $f.A1.Uid }
                'Space' { Get-LaminSpace -Name team }
                'Instance' { $f.Instance }
            }
            $before = Get-RegistrySnapshot $f.T.Registry
            $extra = switch ($Command) {
                'Set-LaminStorage' { @{ Description = 'piped'; PassThru = $true; Confirm = $false } }
                'Remove-LaminStorage' { @{ Force = $true } }
                'Move-LaminStorage' { @{ Destination = (Join-Path $f.T.Work 'moved'); Confirm = $false } }
                'Clear-LaminStorage' { @{ Orphaned = $true; PassThru = $true; Confirm = $false } }
                'Set-LaminArtifact' { @{ Description = 'piped'; PassThru = $true; Confirm = $false } }
                'Remove-LaminArtifact' { @{ Force = $true } }
                'Restore-LaminArtifact' { @{ PassThru = $true; Confirm = $false } }
                'Save-LaminArtifact' { @{ Destination = (Join-Path $f.T.Work 'saved') + [IO.Path]::DirectorySeparatorChar } }
                'Move-LaminArtifact' { @{ Storage = $f.S2.Uid; PassThru = $true; Confirm = $false } }
                default { @{} }
            }
            if ($Command -eq 'Restore-LaminArtifact' -and $Type -eq 'Artifact') { Remove-LaminArtifact $f.A1.Uid -Force }
            if ($Command -eq 'Clear-LaminStorage') { 'stray' | Set-Content (Join-Path $f.S2.Root '.lamindb/stray.bin'); (Get-Item (Join-Path $f.S2.Root '.lamindb/stray.bin')).LastWriteTime = (Get-Date).AddDays(-2) }
            if ($Command -eq 'Save-LaminArtifact') { $null = New-Item -ItemType Directory (Join-Path $f.T.Work 'saved') }
            if ($Command -eq 'Clear-LaminStorage' -or $Command -eq 'Restore-LaminArtifact') { $before = Get-RegistrySnapshot $f.T.Registry }

            $out = @($record | & $Command @extra -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)

            if (-not $Accepted) {
                @($ev).Count | Should -Be 1
                $ev[0].FullyQualifiedErrorId | Should -BeLike "InvalidArgument$E"
                $ev[0].Exception.Message | Should -BeLike "*does not take a Lamin$Type*"
                (Get-RegistrySnapshot $f.T.Registry) | Should -Be $before -Because 'a refused record changes nothing'
                $out | Should -BeNullOrEmpty
                return
            }
            $ev | Should -BeNullOrEmpty
            switch ("$Command/$Type") {
                'Get-LaminStorage/Storage' { $out.Uid | Should -Be @($f.S2.Uid) }
                'Get-LaminStorage/Space' {
                    $out | Should -BeNullOrEmpty   # no location in 'team' yet
                    Set-LaminStorage $f.S3.Uid -Space team -Confirm:$false
                    (Get-LaminSpace team | Get-LaminStorage).Uid | Should -Be @($f.S3.Uid)
                }
                'Set-LaminStorage/Storage' { $out.Uid | Should -Be @($f.S2.Uid); (Get-LaminStorage $f.S2.Uid).Description | Should -BeExactly 'piped' }
                'Remove-LaminStorage/Storage' { Get-LaminStorage -Identity $f.S2.Uid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty }
                'Move-LaminStorage/Storage' { $out.Uid | Should -Be @($f.S2.Uid); $out.Root | Should -Be (Join-Path $f.T.Work 'moved') }
                'Test-LaminStorage/Storage' { $out.Uid | Should -Be @($f.S2.Uid) }
                'Clear-LaminStorage/Storage' { $out.Key | Should -Be @('.lamindb/stray.bin'); Join-Path $f.S2.Root '.lamindb/stray.bin' | Should -Not -Exist }
                'Get-LaminStorageUsage/Storage' { $out.Uid | Should -Be @($f.S2.Uid) }
                'Get-LaminArtifact/Artifact' { $out.Uid | Should -Be @($f.A1.Uid) }
                'Get-LaminArtifact/Storage' { ($out.Uid | Sort-Object) | Should -Be (@($f.A1.Uid, $f.A2.Uid) | Sort-Object) }
                'Test-LaminArtifact/Artifact' { $out.Uid | Should -Be @($f.A1.Uid); $out.Status | Should -Be 'Match' }
                'Test-LaminArtifact/Storage' { ($out.Uid | Sort-Object) | Should -Be (@($f.A1.Uid, $f.A2.Uid) | Sort-Object) }
                'Set-LaminArtifact/Artifact' { $out.Uid | Should -Be @($f.A1.Uid); (Get-LaminArtifact $f.A1.Uid).Description | Should -BeExactly 'piped' }
                'Remove-LaminArtifact/Artifact' { (Get-LaminArtifact -Trash).Uid | Should -Be @($f.A1.Uid) }
                'Restore-LaminArtifact/Artifact' { $out.Uid | Should -Be @($f.A1.Uid); Get-LaminArtifact -Trash | Should -BeNullOrEmpty }
                'Save-LaminArtifact/Artifact' { $out.Name | Should -Be @('one.csv'); Get-Content (Join-Path $f.T.Work 'saved/one.csv') | Should -Be 'one' }
                'Move-LaminArtifact/Artifact' { $out.StorageUid | Should -Be @($f.S2.Uid); (Get-LaminArtifact $f.A2.Uid).StorageUid | Should -Be $f.S1.Uid }
                default { throw "no assertion for $Command/$Type" }
            }
        }
    }

    Context 'the cases the issue reproduced' {
        BeforeAll { $f = New-Fixture }
        AfterAll { $f.T | Remove-TestInstance }

        It 'Get-LaminArtifact -Key one.csv | Test-LaminArtifact tests that artifact, not its whole storage' {
            $checks = @(Get-LaminArtifact -Key one.csv | Test-LaminArtifact)
            $checks.Count | Should -Be 1
            $checks[0].Uid | Should -BeExactly $f.A1.Uid
        }

        It 'objects without a Lamin type bind by their Uid (Import-Csv rows), records that went through Clixml by their type' {
            $csv = Join-Path $f.T.Work 'a.csv'
            Get-LaminArtifact -Identity $f.A1.Uid | Export-Csv $csv
            (Import-Csv $csv | Get-LaminArtifact).Uid | Should -BeExactly $f.A1.Uid
            $xml = Join-Path $f.T.Work 's.xml'
            Get-LaminStorage -Identity $f.S1.Uid | Export-Clixml $xml
            ((Import-Clixml $xml | Get-LaminArtifact).Uid | Sort-Object) | Should -Be (@($f.A1.Uid, $f.A2.Uid) | Sort-Object)
        }

        It 'uid strings still come down the pipeline' {
            ($f.A1.Uid, $f.A2.Uid | Get-LaminArtifact).Uid | Should -Be @($f.A1.Uid, $f.A2.Uid)
        }
    }
}

Describe 'Errors by convention (SPEC §4)' {
    BeforeAll {
        $f = New-Fixture
        $ErrorActionPreference = 'Continue'   # as in a user's session (the test runner sets Stop)
    }
    AfterAll { $f.T | Remove-TestInstance }

    It 'a record that is not found is non-terminating: 2>$null silences it and the command goes on' {
        $r = & { Get-LaminStorage -Identity 'zzzzzzzzzzzz' 2>$null; 'went on' }
        $r | Should -Be 'went on'
    }

    It '-ErrorVariable collects it with its id, and $ErrorActionPreference = Stop turns it into a throw' {
        $null = Get-LaminArtifact -Identity 'nosuchuid' -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike "RecordNotFound$E"
        $ErrorActionPreference = 'Stop'
        try { { Get-LaminArtifact -Identity 'nosuchuid' } | Should -Throw -ErrorId "RecordNotFound$E" }
        finally { $ErrorActionPreference = 'Continue' }
    }

    It 'one bad value among several is reported and the others are handled' {
        $out = @(Get-LaminArtifact -Identity $f.A1.Uid, 'nosuchuid', $f.A2.Uid -ErrorVariable ev -ErrorAction SilentlyContinue)
        $out.Uid | Should -Be @($f.A1.Uid, $f.A2.Uid)
        @($ev).Count | Should -Be 1
        $ev[0].TargetObject | Should -BeExactly 'nosuchuid'
    }

    It 'not-found is the same across cmdlets: Get-LaminInstance and Get-LaminSpace write a non-terminating error; wildcards stay silent' {
        $null = Get-LaminInstance -Name 'typo' -ErrorVariable evi -ErrorAction SilentlyContinue
        $evi[0].FullyQualifiedErrorId | Should -BeLike "InstanceNotFound$E"
        $null = Get-LaminSpace -Name 'typo' -ErrorVariable evs -ErrorAction SilentlyContinue
        $evs[0].FullyQualifiedErrorId | Should -BeLike "SpaceNotFound$E"
        $r = & { Get-LaminSpace -Name 'typo' 2>$null; 'went on' }
        $r | Should -Be 'went on'
        Get-LaminInstance -Name 'typo*' -ErrorVariable evw -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-LaminSpace -Name 'typo*' -ErrorVariable evw2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $evw | Should -BeNullOrEmpty
        $evw2 | Should -BeNullOrEmpty
    }

    It 'a refusal (StorageHasArtifacts) is non-terminating too' {
        $r = & { Remove-LaminStorage -Identity $f.S1.Uid -Force 2>$null; 'went on' }
        $r | Should -Be 'went on'
        Get-LaminStorage -Identity $f.S1.Uid | Should -Not -BeNullOrEmpty
    }

    It 'no current instance is terminating: nothing can proceed, whatever -ErrorAction says' {
        $saved = $env:LAMIN_HOME
        $env:LAMIN_HOME = Join-Path $f.T.Work 'empty-home'
        try {
            { Get-LaminStorage -ErrorAction SilentlyContinue; 'not reached' } | Should -Throw -ErrorId "NoCurrentInstance$E"
        }
        finally { $env:LAMIN_HOME = $saved }
    }

    It 'an invalid parameter combination is terminating (Clear-LaminStorage without -Orphaned does not prompt)' {
        { Clear-LaminStorage -ErrorAction SilentlyContinue; 'not reached' } | Should -Throw -ErrorId "InvalidArgument$E"
        (Get-Command Clear-LaminStorage).Parameters['Orphaned'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).Mandatory |
            Should -Not -Contain $true
        # -Lock and -Unlock are in parameter sets of their own: PowerShell refuses them together while binding (issue 26 point 10).
        { Set-LaminArtifact $f.A1.Uid -Lock -Unlock -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'AmbiguousParameterSet,*'
    }
}

Describe '-Identity takes a root; -Root filters are normalised (SPEC rule 2)' {
    BeforeAll { $f = New-Fixture }
    AfterAll { $f.T | Remove-TestInstance }

    It 'Get-LaminStorage by root, given <Form>' -ForEach @(
        @{ Form = 'typed'; Make = { param($w) Join-Path $w 'store2' } }
        @{ Form = 'trailing /'; Make = { param($w) (Join-Path $w 'store2') + '/' } }
        @{ Form = 'doubled //'; Make = { param($w) $w + '//store2' } }
        @{ Form = './store2 relative to $PWD'; Make = { param($w) './store2' } }
        @{ Form = 'store2 relative to $PWD'; Make = { param($w) 'store2' } }
        @{ Form = 'a FileSystem drive'; Make = { param($w) 'ergo:/store2' } }
    ) {
        $null = New-PSDrive -Name ergo -PSProvider FileSystem -Root $f.T.Work -Scope Global
        Push-Location $f.T.Work
        try {
            $value = & $Make $f.T.Work
            (Get-LaminStorage -Identity $value).Uid | Should -BeExactly $f.S2.Uid
            (Get-LaminStorage -Root $value).Uid | Should -BeExactly $f.S2.Uid
            @(Get-LaminArtifact -Storage ../default/).Count | Should -Be 2   # -Storage takes a root the same way
        }
        finally { Pop-Location; Remove-PSDrive ergo -Scope Global }
    }

    It 'wildcards in -Root are matched, never normalised' {
        (Get-LaminStorage -Root '*/store[23]').Uid | Sort-Object | Should -Be (@($f.S2.Uid, $f.S3.Uid) | Sort-Object)
    }

    It 'Set-, Test-, Remove-LaminStorage take a root too' {
        Push-Location $f.T.Work
        try {
            (Set-LaminStorage ./store3/ -Description 'by root' -PassThru -Confirm:$false).Uid | Should -BeExactly $f.S3.Uid
            (Test-LaminStorage ./store3).Uid | Should -BeExactly $f.S3.Uid
            (Get-LaminStorageUsage ./store3).Uid | Should -BeExactly $f.S3.Uid
            Remove-LaminStorage ./store3 -Force
            Get-LaminStorage -Root ./store3 | Should -BeNullOrEmpty
        }
        finally { Pop-Location }
    }

    It 'the README example works: Move-LaminStorage /mnt/old -Destination ... (here with a temp root)' {
        $old = Join-Path $f.T.Work 'old'
        $s = New-LaminStorage $old
        'x' | Set-Content (Join-Path $f.T.Work 'x.txt')
        $a = Add-LaminArtifact (Join-Path $f.T.Work 'x.txt') -Storage $old
        $moved = Move-LaminStorage $old -Destination (Join-Path $f.T.Work 'new') -Confirm:$false
        $moved.Uid | Should -BeExactly $s.Uid
        $moved.Root | Should -Be (Join-Path $f.T.Work 'new')
        (Get-LaminArtifact $a.Uid).FullName | Should -BeLike "$(Join-Path $f.T.Work 'new')*"
    }

    It 'a root that is not registered is RecordNotFound naming the normalised root' {
        Push-Location $f.T.Work
        try {
            $null = Get-LaminStorage ./nothing/ -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev[0].FullyQualifiedErrorId | Should -BeLike "RecordNotFound$E"
            $ev[0].Exception.Message | Should -BeLike "*$(Join-Path $f.T.Work 'nothing')*"
        }
        finally { Pop-Location }
    }

    It 'completers offer only what the parameter accepts: -Root completes roots, no uids' {
        $script_ = 'Get-LaminStorage -Root '
        $texts = (TabExpansion2 -inputScript $script_ -cursorColumn $script_.Length).CompletionMatches.CompletionText
        $texts | Should -Contain $f.S2.Root
        $texts | Should -Not -Contain $f.S2.Uid
    }
}

Describe 'Local paths resolve through PowerShell providers (SPEC §4)' {
    BeforeAll { $f = New-Fixture }
    AfterAll { $f.T | Remove-TestInstance }
    BeforeEach { $null = New-PSDrive -Name lab -PSProvider FileSystem -Root $f.T.Work -Scope Global }
    AfterEach { Remove-PSDrive lab -Scope Global -ErrorAction SilentlyContinue }

    It 'New-LaminStorage lab:/data/raw registers the folder on the drive, not a folder named lab: under the current one' {
        Push-Location $f.T.Root
        try {
            $s = New-LaminStorage lab:/data/raw
            $s.Root | Should -Be (Join-Path $f.T.Work 'data/raw')
            Join-Path $f.T.Work 'data/raw/.lamindb/storage_uid.txt' | Should -Exist
            Join-Path $f.T.Root 'lab:' | Should -Not -Exist
        }
        finally { Pop-Location }
    }

    It 'Add-LaminArtifact and Save-LaminArtifact take drive paths' {
        'drive' | Set-Content (Join-Path $f.T.Work 'on-drive.txt')
        $a = Add-LaminArtifact lab:/on-drive.txt -Key 'on-drive.txt'
        $a.Size | Should -Be (Get-Item (Join-Path $f.T.Work 'on-drive.txt')).Length
        $null = New-Item -ItemType Directory (Join-Path $f.T.Work 'out')
        $saved = Save-LaminArtifact $a.Uid -Destination lab:/out/
        $saved.FullName | Should -Be (Join-Path $f.T.Work 'out/on-drive.txt')
    }

    It 'a path on another provider is InvalidPath, and nothing is registered' {
        $before = Get-RegistrySnapshot $f.T.Registry
        $null = New-LaminStorage env:/lamin-x -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike "InvalidPath$E"
        $ev[0].Exception.Message | Should -BeLike '*Environment provider*'
        $null = New-LaminStorage nosuchdrive:/x -ErrorVariable ev2 -ErrorAction SilentlyContinue
        $ev2[0].FullyQualifiedErrorId | Should -BeLike "InvalidPath$E"
        (Get-RegistrySnapshot $f.T.Registry) | Should -Be $before
    }

    It 'URL roots are recognised before any provider (s3:// is not a drive)' {
        $null = New-LaminStorage 'ftp://x/y' -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike "UnsupportedProtocol$E"
    }
}

Describe 'Multi-value identities, -Force, -Type, Get-LaminSpaceAccess, lookups (issue item 9)' {
    BeforeAll { $f = New-Fixture }
    AfterAll { $f.T | Remove-TestInstance }

    It 'Remove-LaminArtifact a,b trashes both' {
        Remove-LaminArtifact $f.A1.Uid, $f.A2.Uid -Force
        (Get-LaminArtifact -Trash).Uid | Sort-Object | Should -Be (@($f.A1.Uid, $f.A2.Uid) | Sort-Object)
        Restore-LaminArtifact $f.A1.Uid, $f.A2.Uid -Confirm:$false
        Get-LaminArtifact -Trash | Should -BeNullOrEmpty
    }

    It '-Force skips the confirmation of <Name> (a non-interactive session would fail on a prompt) but not -WhatIf' -ForEach @(
        @{ Name = 'Remove-LaminArtifact' }
        @{ Name = 'Remove-LaminStorage' }
        @{ Name = 'Remove-LaminSpace' }
    ) {
        $target = switch ($Name) { 'Remove-LaminArtifact' { $f.A1.Uid } 'Remove-LaminStorage' { $f.S3.Uid } 'Remove-LaminSpace' { 'team' } }
        & $Name $target -Force -WhatIf
        switch ($Name) {
            'Remove-LaminArtifact' { Get-LaminArtifact -Trash | Should -BeNullOrEmpty }
            'Remove-LaminStorage' { Get-LaminStorage $f.S3.Uid | Should -Not -BeNullOrEmpty }
            'Remove-LaminSpace' { Get-LaminSpace team | Should -Not -BeNullOrEmpty }
        }
        $exe = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
        $out = & $exe @pre -NoProfile -NonInteractive -Command "Import-Module '$($env:LAMIN_TEST_MODULE)'; $Name '$target' -Force -ErrorAction Stop; 'done'" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out | Out-String)
        switch ($Name) {
            'Remove-LaminArtifact' { (Get-LaminArtifact -Trash).Uid | Should -Be $f.A1.Uid }
            'Remove-LaminStorage' { Get-LaminStorage $f.S3.Uid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty }
            'Remove-LaminSpace' { Get-LaminSpace team -ErrorAction SilentlyContinue | Should -BeNullOrEmpty }
        }
    }

    It '-Type validates its values (wildcards allowed)' {
        { Get-LaminStorage -Type 'nope' } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        (Get-LaminStorage -Type 'loc*').Count | Should -BeGreaterThan 0
    }

    It 'Get-LaminArtifact -Key refuses an empty pattern (it matched nothing, silently)' {
        { Get-LaminArtifact -Key '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'Get-LaminSpaceAccess lists grants' {
        $null = New-LaminSpace 'lab-group'
        $null = Grant-LaminSpaceAccess -Space 'lab-group' -User 'bob' -Role Write -Confirm:$false
        $null = Grant-LaminSpaceAccess -Space 'lab-group' -User 'carol' -Role Read -Confirm:$false
        $g = @(Get-LaminSpaceAccess -Space 'lab-group')
        $g.User | Should -Be @('alice', 'bob', 'carol')      # the creator administers it
        $g.Role | Should -Be @('Admin', 'Write', 'Read')
        $g[0].GetType().Name | Should -Be 'LaminSpaceAccess'
        (Get-LaminSpaceAccess -User 'car*').User | Should -Be 'carol'
        (Get-LaminSpace 'lab-group' | Get-LaminSpaceAccess -User bob).Role | Should -Be 'Write'
        $null = Get-LaminSpaceAccess -Space 'typo' -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike "SpaceNotFound$E"
    }

    It 'Get-LaminLookup keeps values that differ only in case, $null values and values named like members' {
        $upper = New-LaminStorage (Join-Path $f.T.Work 'case-upper') -Description 'Data'
        $lower = New-LaminStorage (Join-Path $f.T.Work 'case-lower') -Description 'data'
        $member = New-LaminStorage (Join-Path $f.T.Work 'member') -Description 'Registry'
        $l = Get-LaminLookup -Registry Storage -Field description -ReturnField uid
        $l.data | Should -BeExactly $upper.Uid           # id order: the first record keeps the plain name
        $l.data_2 | Should -BeExactly $lower.Uid
        $l.Registry | Should -BeExactly 'Storage'        # the object's own member is intact
        $l.registry_2 | Should -BeExactly $member.Uid
        $h = $l.ToHashtable()
        $h['Data'] | Should -BeExactly $upper.Uid
        $h['data'] | Should -BeExactly $lower.Uid
        # descriptions: the null ones are named '_', none is dropped
        $d = Get-LaminLookup -Registry Storage -Field description
        @($d.PSObject.Properties | Where-Object MemberType -EQ NoteProperty).Count | Should -Be @(Get-LaminStorage).Count
        $d._ | Should -Not -BeNullOrEmpty
    }
}

Describe '-WhatIf tells the truth (issue item 7)' {
    BeforeAll {
        $f = New-Fixture
        function Invoke-Child([string] $Command) {
            $exe = [Environment]::ProcessPath
            [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
            (& $exe @pre -NoProfile -NonInteractive -Command "`$PSStyle.OutputRendering = 'PlainText'; Import-Module '$($env:LAMIN_TEST_MODULE)'; Set-Location '$($f.T.Work)'; $Command" 2>&1) -join "`n"
        }
    }
    AfterAll { $f.T | Remove-TestInstance }

    It 'Remove-LaminStorage -WhatIf on a location with artifacts reports the refusal' {
        $null = Remove-LaminStorage $f.S1.Uid -WhatIf -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike "StorageHasArtifacts$E"
        $text = Invoke-Child "Remove-LaminStorage $($f.S1.Uid) -WhatIf"
        $text | Should -Not -Match 'What if'
    }

    It 'Set-LaminStorage -WhatIf names the fields it changes' {
        $text = Invoke-Child "Set-LaminStorage $($f.S2.Uid) -Description 'new text' -Lock -WhatIf"
        $text | Should -Match "Description from '' to 'new text'"
        $text | Should -Match 'IsLocked from False to True'
        (Get-LaminStorage $f.S2.Uid).Description | Should -BeNullOrEmpty
    }

    It 'Set-LaminSetting -Storage with a new path and -WhatIf says it would register and create a location, and creates nothing' {
        $text = Invoke-Child "Set-LaminSetting -Storage ./fresh -WhatIf"
        $text | Should -Match 'would be registered'
        $text | Should -Match ([regex]::Escape((Join-Path $f.T.Work 'fresh')))
        Join-Path $f.T.Work 'fresh' | Should -Not -Exist
    }

    It 'Set-LaminSetting -Storage with a uid and -WhatIf names the resolved root, not the uid stub' {
        $text = Invoke-Child "Set-LaminSetting -Storage $($f.S2.Uid) -WhatIf"
        $text | Should -Match ([regex]::Escape($f.S2.Root))
    }

    It 'Connect- and Disconnect-LaminInstance support -WhatIf and change nothing under it' {
        (Get-Command Connect-LaminInstance).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command Disconnect-LaminInstance).Parameters.Keys | Should -Contain 'WhatIf'
        Disconnect-LaminInstance -WhatIf
        (Get-LaminInstance | Where-Object IsCurrent).Name | Should -Be $f.Instance.Name
        Connect-LaminInstance -Name $f.Instance.Name -WhatIf
        (Get-LaminInstance | Where-Object IsCurrent).Name | Should -Be $f.Instance.Name
    }
}

Describe 'Names are kept on add (SPEC §4 destination keys)' {
    BeforeAll {
        $f = New-Fixture
        $dir = Join-Path $f.T.Work 'batch'
        $null = New-Item -ItemType Directory $dir
        foreach ($n in 'alpha-report.csv', 'beta-summary.csv', 'gamma-notes.txt') { $n | Set-Content (Join-Path $dir $n) }
    }
    AfterAll { $f.T | Remove-TestInstance }

    It 'Get-ChildItem -File | Add-LaminArtifact: the file name becomes the description, so Search-LaminArtifact finds it' {
        $added = @(Get-ChildItem $dir -File | Add-LaminArtifact)
        $added.Count | Should -Be 3
        $added | ForEach-Object { $_.Key | Should -BeNullOrEmpty }
        (Search-LaminArtifact 'beta-summary.csv')[0].Uid | Should -BeExactly ($added | Where-Object Description -EQ 'beta-summary.csv').Uid
        ($added.Description | Sort-Object) | Should -Be @('alpha-report.csv', 'beta-summary.csv', 'gamma-notes.txt')
    }

    It '-Description given wins over the file name; -Key wins over everything' {
        'd' | Set-Content (Join-Path $dir 'delta.csv')
        (Add-LaminArtifact (Join-Path $dir 'delta.csv') -Description 'mine').Description | Should -BeExactly 'mine'
        'e' | Set-Content (Join-Path $dir 'eps.csv')
        $a = Add-LaminArtifact (Join-Path $dir 'eps.csv') -Key 'x/e.csv' -KeyPrefix 'ignored/'
        $a.Key | Should -BeExactly 'x/e.csv'
        $a.Description | Should -BeNullOrEmpty
    }

    It '-KeyPrefix raw/ keys each file raw/ plus its file name' {
        $sub = Join-Path $f.T.Work 'pref'
        $null = New-Item -ItemType Directory $sub
        'p1' | Set-Content (Join-Path $sub 'p1.csv'); 'p2' | Set-Content (Join-Path $sub 'p2.csv')
        $added = @(Get-ChildItem $sub -File | Add-LaminArtifact -KeyPrefix raw/)
        ($added.Key | Sort-Object) | Should -Be @('raw/p1.csv', 'raw/p2.csv')
        (Search-LaminArtifact 'p2.csv')[0].Key | Should -BeExactly 'raw/p2.csv'
    }
}

Describe 'Default views fit 80 columns (issue item 5)' {
    BeforeAll {
        $f = New-Fixture
        function Show([object[]] $InputObject) { ($InputObject | Format-Table | Out-String -Width 80) -split "`r?`n" }
        function Header([string[]] $Lines) { ($Lines | Where-Object { $_ -match '\S' } | Select-Object -First 1) }
    }
    AfterAll { $f.T | Remove-TestInstance }

    It '<Name>: no line over 80 characters, the status and short columns visible' -ForEach @(
        @{ Name = 'Get-LaminStorage'; Get = { Get-LaminStorage }; Columns = 'Id', 'Uid', 'Type', 'IsManaged', 'Host', 'Space', 'Root' }
        @{ Name = 'Get-LaminStorage -Statistics'; Get = { Get-LaminStorage -Statistics }; Columns = 'Artifacts', 'Size', 'Root' }
        @{ Name = 'Search-LaminStorage'; Get = { Search-LaminStorage store }; Columns = 'Score', 'IsManaged', 'Root' }
        @{ Name = 'Get-LaminArtifact'; Get = { Get-LaminArtifact }; Columns = 'Uid', 'Size', 'Version', 'IsTrashed', 'Key' }
        @{ Name = 'Search-LaminArtifact'; Get = { Search-LaminArtifact one }; Columns = 'Score', 'Uid', 'Size', 'Key' }
        @{ Name = 'Test-LaminArtifact'; Get = { Test-LaminArtifact }; Columns = 'Status', 'Uid', 'Reason', 'FullName' }
        @{ Name = 'Test-LaminStorage'; Get = { Test-LaminStorage }; Columns = 'Healthy', 'Reachable', 'Writable', 'Problems' }
        @{ Name = 'Get-LaminStorageUsage'; Get = { Get-LaminStorageUsage }; Columns = 'Unregistered', 'Missing', 'SizeMismatch', 'Storage' }
        @{ Name = 'Get-LaminSpace'; Get = { Get-LaminSpace }; Columns = 'Id', 'Name', 'Uid' }
        @{ Name = 'Get-LaminInstance'; Get = { Get-LaminInstance }; Columns = 'IsCurrent', 'Name', 'Uid', 'Storage' }
    ) {
        $lines = Show (& $Get)
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        $header = Header $lines
        foreach ($c in $Columns) { $header | Should -Match "(^|\s)$c(\s|$)" -Because "$Name shows $c at 80 columns" }
    }

    It 'sizes are human-readable (B, KiB, MiB ...) and the long column comes last' {
        $big = Join-Path $f.T.Work 'big.bin'
        [IO.File]::WriteAllBytes($big, [byte[]]::new(3 * 1024 * 1024 + 100))
        $null = Add-LaminArtifact $big -Key 'big.bin'
        $lines = Show (Get-LaminArtifact -Key big.bin)
        ($lines -join "`n") | Should -Match '3 MiB'
        (Header (Show (Get-LaminStorage))).TrimEnd() | Should -Match 'Root$'
        (Header (Show (Get-LaminArtifact))).TrimEnd() | Should -Match 'Key$'
    }

    It 'Test-LaminStorage shows its problems as text' {
        Remove-Item (Join-Path $f.S3.Root '.lamindb/storage_uid.txt')
        $text = (Show (Test-LaminStorage $f.S3.Uid)) -join "`n"
        $text | Should -Match 'False'
        $text | Should -Not -Match 'System\.String\[\]'
    }
}

Describe 'Progress inside a long check (issue item 8)' {
    BeforeAll {
        $f = New-Fixture
        $src = Join-Path $f.T.Work 'many'
        $null = New-Item -ItemType Directory $src
        foreach ($i in 1..20) { "file $i" | Set-Content (Join-Path $src "f$i.txt") }
        $null = Get-ChildItem $src -File | Add-LaminArtifact -Storage $f.S2.Uid -KeyPrefix 'many/'
        $savedAfter = $env:LAMIN_TEST_PROGRESS_AFTER_MS
        $env:LAMIN_TEST_PROGRESS_AFTER_MS = '0'   # bars from the first moment, so a short check draws one too
        $run = { param($storage) Test-LaminArtifact -Storage $storage -Hash }
        $runAll = { Test-LaminArtifact -Hash }
    }
    AfterAll {
        $env:LAMIN_TEST_PROGRESS_AFTER_MS = $savedAfter
        $f.T | Remove-TestInstance
    }

    It 'Test-LaminArtifact -Hash of one location shows artifacts and bytes checked of the total, then completes' {
        $r = Get-ProgressRecord -ScriptBlock $run -ArgumentList $f.S2.Uid
        @($r.Output | Where-Object Status -EQ 'Match').Count | Should -Be 20
        $bars = @($r.Progress | Where-Object { $_.Activity -eq 'Re-hashing artifacts' -and $_.RecordType -ne 'Completed' })
        $bars.Count | Should -BeGreaterThan 0
        $bars[-1].StatusDescription | Should -Match '^20 of 20 artifact\(s\), \S+ \S*B of \S+ \S*B$'
        $bars[-1].PercentComplete | Should -Be 100
        $r.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'over every location, the per-location bar is a child of the outer bar' {
        $r = Get-ProgressRecord -ScriptBlock $runAll
        $outer = @($r.Progress | Where-Object { $_.StatusDescription -like '*location(s)*' })
        $outer.Count | Should -BeGreaterThan 0
        $inner = @($r.Progress | Where-Object { $_.StatusDescription -like '*artifact(s)*' })
        $inner.Count | Should -BeGreaterThan 0
        $inner | ForEach-Object { $_.ParentActivityId | Should -Be $outer[0].ActivityId }
    }

    It 'draws nothing when $ProgressPreference is SilentlyContinue' {
        $r = Get-ProgressRecord -ScriptBlock $run -ArgumentList $f.S2.Uid -ProgressPreference SilentlyContinue
        @($r.Output).Count | Should -BeGreaterThan 0
        $r.Progress | Should -HaveCount 0
    }
}
