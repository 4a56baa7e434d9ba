# Meta-tests over Get-Command -Module Lamin: the PowerShell conventions every cmdlet keeps.
BeforeDiscovery {
    Import-Module $env:LAMIN_TEST_MODULE
    $script:cmdlets = Get-Command -Module Lamin -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }
    $script:changing = Get-Command -Module Lamin -CommandType Cmdlet |
        Where-Object { $_.Verb -in 'New', 'Set', 'Remove', 'Grant', 'Revoke', 'Add', 'Save', 'Restore', 'Move', 'Clear' } |
        ForEach-Object { @{ Name = $_.Name } }
    $script:removers = Get-Command -Module Lamin -CommandType Cmdlet | Where-Object Verb -EQ 'Remove' | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module $env:LAMIN_TEST_MODULE
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:manifest = Import-PowerShellDataFile $env:LAMIN_TEST_MODULE
    $script:formats = [xml](Get-Content (Join-Path (Split-Path $env:LAMIN_TEST_MODULE) 'Lamin.Format.ps1xml') -Raw)
    $script:views = $formats.Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName
    $script:common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'The manifest' {
    It 'exports an explicit list, exactly the cmdlets the module has' {
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        @($manifest.FunctionsToExport).Count | Should -Be 0
        @($manifest.AliasesToExport).Count | Should -Be 0
        @($manifest.VariablesToExport).Count | Should -Be 0
        ($manifest.CmdletsToExport | Sort-Object) | Should -Be ((Get-Command -Module Lamin -CommandType Cmdlet).Name | Sort-Object)
    }

    It 'names the cmdlets of SPEC §4' {
        foreach ($name in 'New-LaminInstance', 'Connect-LaminInstance', 'Disconnect-LaminInstance', 'Get-LaminInstance', 'Remove-LaminInstance',
            'Get-LaminSetting', 'Set-LaminSetting', 'New-LaminStorage', 'Get-LaminStorage', 'Search-LaminStorage', 'Set-LaminStorage',
            'Remove-LaminStorage', 'Get-LaminLookup', 'New-LaminSpace', 'Get-LaminSpace', 'Remove-LaminSpace', 'Grant-LaminSpaceAccess',
            'Revoke-LaminSpaceAccess', 'Add-LaminArtifact', 'Get-LaminArtifact', 'Search-LaminArtifact', 'Save-LaminArtifact',
            'Remove-LaminArtifact', 'Restore-LaminArtifact', 'Move-LaminArtifact', 'Test-LaminStorage', 'Get-LaminStorageUsage',
            'Clear-LaminStorage', 'Move-LaminStorage', 'Test-LaminArtifact') {
            Get-Command $name -Module Lamin -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because "$name is in the contract"
        }
    }
}

Describe '<Name>' -ForEach $cmdlets {
    BeforeAll { $command = Get-Command $Name -Module Lamin }

    It 'declares its output type, and each output type has a default view' {
        $types = $command.OutputType.Type | Where-Object { $_ -and $_ -ne [void] }
        if ($command.Verb -in 'Remove', 'Disconnect', 'Revoke' -and -not $types) { return }
        $types | Should -Not -BeNullOrEmpty
        # LaminLookup is the exception: its properties are the looked-up values themselves, so no fixed view.
        foreach ($t in $types | Where-Object { $_.Namespace -like 'Lamin.*' -and $_.Name -ne 'LaminLookup' }) {
            $views | Should -Contain $t.FullName -Because "$($t.FullName) needs a default view"
        }
    }

    It 'has help: a synopsis, a description for every parameter, and an example' {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"    # not the generated syntax line
        @($help.examples.example).Count | Should -BeGreaterOrEqual 1
        foreach ($p in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            (Get-Help $Name -Parameter $p).description.Text | Should -Not -BeNullOrEmpty -Because "-$p needs a description"
        }
    }

    It 'has an online help page: Get-Help -Online opens {ProjectUri}/docs/help/<Name> (issue 26 point 10)' {
        # What Get-Help -Online opens: the help's first link with a uri, else the cmdlet's HelpUri; the attribute, where
        # declared (HelpUri = HelpLinks.Base + name), names the same page.
        $online = @((Get-Help $Name).relatedLinks.navigationLink | Where-Object { $_.uri })[0].uri
        $online | Should -BeExactly "$($manifest.PrivateData.PSData.ProjectUri)/docs/help/$Name"
        if ($command.HelpUri) { $command.HelpUri | Should -BeExactly $online }
    }

    It 'follows the Verb-LaminNoun naming with an approved verb' {
        $command.Noun | Should -BeLike 'Lamin*'
        (Get-Verb).Verb | Should -Contain $command.Verb
    }
}

Describe '<Name> changes state, so it supports -WhatIf and -Confirm' -ForEach $changing {
    It 'supports ShouldProcess' {
        $command = Get-Command $Name -Module Lamin
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }
}

Describe '<Name> removes, so it asks first' -ForEach $removers {
    It 'has ConfirmImpact High' {
        $attr = (Get-Command $Name -Module Lamin).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attr.ConfirmImpact | Should -Be 'High'
    }
}

Describe 'Pipelines and completion' {
    BeforeAll {
        $t = New-TestInstance
        $s1 = New-LaminStorage -Root (Join-Path $t.Work 'one') -Description 'first one'
        $s2 = New-LaminStorage -Root (Join-Path $t.Work 'two')
        $null = New-LaminSpace -Name 'team-space'
    }
    AfterAll { $t | Remove-TestInstance }

    It '-Identity of Get/Set/Remove-LaminStorage takes string[]; records come by value through -InputObject, bound by type (SPEC §4)' {
        foreach ($name in 'Get-LaminStorage', 'Set-LaminStorage', 'Remove-LaminStorage') {
            $p = (Get-Command $name).Parameters['Identity']
            $p.ParameterType | Should -Be ([string[]])
            ($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -Not -Contain $true
            $i = (Get-Command $name).Parameters['InputObject']
            ($i.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipeline | Should -Contain $true
        }
        ($s1, $s2 | Get-LaminStorage).Uid | Should -Be @($s1.Uid, $s2.Uid)
        ($s1.Uid, $s2.Uid | Get-LaminStorage).Uid | Should -Be @($s1.Uid, $s2.Uid)
    }

    It 'Get | Set -PassThru returns what a fresh Get returns' {
        $set = Get-LaminStorage -Identity $s2.Uid | Set-LaminStorage -Description 'changed' -PassThru
        $fresh = Get-LaminStorage -Identity $s2.Uid
        ($set | ConvertTo-Json -Compress) | Should -BeExactly ($fresh | ConvertTo-Json -Compress)
    }

    It 'records round-trip through ConvertTo-Json and Export-Csv' {
        $before = Get-LaminStorage -Identity $s1.Uid
        $json = $before | ConvertTo-Json | ConvertFrom-Json
        $json.Uid | Should -BeExactly $before.Uid
        $json.Root | Should -BeExactly $before.Root
        $json.IsManaged | Should -Be $before.IsManaged
        $csv = Join-Path $t.Work 'storage.csv'
        Get-LaminStorage | Export-Csv -Path $csv
        $back = Import-Csv $csv
        ($back | Where-Object Uid -EQ $s1.Uid).Description | Should -BeExactly 'first one'
        @($back).Count | Should -Be @(Get-LaminStorage).Count
    }

    It 'completes <Script>' -ForEach @(
        @{ Script = 'Get-LaminStorage -Identity '; Expect = 'uid' }
        @{ Script = 'Set-LaminStorage -Space '; Expect = 'team-space' }
        @{ Script = 'Connect-LaminInstance '; Expect = 'instance' }
        @{ Script = 'Get-LaminStorage -Type '; Expect = 'local' }
    ) {
        $result = TabExpansion2 -inputScript $Script -cursorColumn $Script.Length
        $texts = $result.CompletionMatches.CompletionText
        switch ($Expect) {
            'uid' { $texts | Should -Contain $s1.Uid; $texts | Should -Contain $s2.Uid }
            'instance' { $texts | Should -Contain $t.Instance.Name }
            default { $texts | Should -Contain $Expect }
        }
    }

    It 'CommandCompletion.CompleteInput offers storage roots too' {
        $script_ = 'Get-LaminStorage -Identity '
        $r = [System.Management.Automation.CommandCompletion]::CompleteInput($script_, $script_.Length, $null)
        $r.CompletionMatches.ListItemText | Should -Contain $s1.Root
    }

    It 'does no registry or settings I/O at import' {
        $home_ = Join-Path $t.Work 'empty-home'
        $null = New-Item -ItemType Directory $home_
        $exe = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
        $env:LAMIN_HOME_SAVED = $env:LAMIN_HOME
        try {
            $env:LAMIN_HOME = $home_
            & $exe @pre -NoProfile -NonInteractive -Command "Import-Module '$($env:LAMIN_TEST_MODULE)'; (Get-Command -Module Lamin).Count" | Should -BeGreaterThan 20
        }
        finally { $env:LAMIN_HOME = $env:LAMIN_HOME_SAVED }
        @(Get-ChildItem -Force $home_).Count | Should -Be 0
    }
}
