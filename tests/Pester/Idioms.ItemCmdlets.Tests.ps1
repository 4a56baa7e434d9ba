# Issue 26, points 1 and 8: records piped into PowerShell's own item cmdlets act exactly as the typed lamin:
# path does (SPEC §3, §8), typed as a user types them, with records from the drive (Get-ChildItem lamin:\...)
# and from the cmdlets (Get-LaminArtifact, Get-LaminStorage). Before: LaminArtifact.Path (the physical file)
# bound to -Path of the FileSystem cmdlets ahead of PSPath, so `| Remove-Item` deleted the user's real file,
# `| Set-Content` wrote into the managed object, `| Rename-Item` renamed the file; and the provider was named
# 'dynamic_code_module_Lamin.PowerShell, ...\Lamin', so Lamin\Lamin:: paths and provider help failed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $sep = [IO.Path]::DirectorySeparatorChar
    function Get-ArtifactState { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | Select-Object Uid, Key, StorageUid, IsLatest, IsTrashed, Hash | ConvertTo-Json -Compress }

    # A file registered in place (the user's own file inside the root: FullName is that file), a managed artifact
    # with two versions, and a second location.
    function New-IdiomFixture {
        $t = New-TestInstance
        $s = Get-LaminStorage -Root $t.Storage
        $real = New-TestFile (Join-Path $t.Storage 'raw/img2.tif') -Text 'the user''s own image'
        $a = @{}
        $a['raw/img2.tif'] = Add-LaminArtifact $real.FullName
        $src = Join-Path $t.Work 'src'
        $a['raw/b.txt'] = Add-LaminArtifact (New-TestFile "$src/b.txt" -Text 'bee').FullName -Key 'raw/b.txt'
        $a['raw/v.txt#1'] = Add-LaminArtifact (New-TestFile "$src/v1.txt" -Text 'v1').FullName -Key 'raw/v.txt'
        $a['raw/v.txt'] = Add-LaminArtifact (New-TestFile "$src/v2.txt" -Text 'v2').FullName -Key 'raw/v.txt' -WarningAction SilentlyContinue
        $second = New-LaminStorage (Join-Path $t.Work 'second')
        # Where the managed objects are (virtual keys: <root>/.lamindb/<uid><suffix>), known without reading a record property.
        $obj = @{}
        foreach ($k in 'raw/b.txt', 'raw/v.txt#1', 'raw/v.txt') { $obj[$k] = Join-Path $t.Storage ".lamindb/$($a[$k].Uid).txt" }
        [pscustomobject]@{ T = $t; S = $s; U = $s.Uid; A = $a; Obj = $obj; Second = $second; Real = $real.FullName }
    }
}

Describe 'Records piped into the item cmdlets act as the typed lamin: path (from <Source>)' -ForEach @(
    @{ Source = 'Get-ChildItem lamin:\<uid>\<key>'; Get = { param($f, $key) Get-ChildItem "lamin:\$($f.U)\$($key.Replace('/', '\'))" } }
    @{ Source = 'Get-LaminArtifact <uid>'; Get = { param($f, $key) Get-LaminArtifact $f.A[$key].Uid } }
) {
    BeforeEach { $f = New-IdiomFixture }
    AfterEach { $f.T | Remove-TestInstance }

    It 'carries the drive''s PSPath Lamin\Lamin::{uid}\{key} and no property named Path' {
        $r = & $Get $f 'raw/img2.tif'
        $r.PSPath | Should -BeExactly "Lamin\Lamin::$($f.U)${sep}raw${sep}img2.tif"
        $r.PSPath | Should -BeExactly (Get-Item "lamin:\$($f.U)\raw\img2.tif").PSPath
        $r.PSObject.Properties['Path'] | Should -BeNullOrEmpty
        $r.FullName | Should -BeExactly $f.Real
    }

    It '| Remove-Item moves the record to the Lamin trash and keeps the user''s file' {
        $before = Get-ArtifactState
        & $Get $f 'raw/img2.tif' | Remove-Item -WhatIf
        Get-ArtifactState | Should -BeExactly $before
        $f.Real | Should -Exist

        & $Get $f 'raw/img2.tif' | Remove-Item
        $f.Real | Should -Exist
        [IO.File]::ReadAllText($f.Real) | Should -BeExactly 'the user''s own image'
        (Get-LaminArtifact -Trash).Uid | Should -Contain $f.A['raw/img2.tif'].Uid
        Test-Path "lamin:\$($f.U)\raw\img2.tif" | Should -BeFalse
    }

    It '| Remove-Item of a managed artifact trashes it and keeps its object (Restore-LaminArtifact brings it back)' {
        $object = $f.Obj['raw/b.txt']
        & $Get $f 'raw/b.txt' | Remove-Item
        $object | Should -Exist
        (Get-LaminArtifact -Trash).Uid | Should -Contain $f.A['raw/b.txt'].Uid
        $null = Restore-LaminArtifact $f.A['raw/b.txt'].Uid
        Get-Content "lamin:\$($f.U)\raw\b.txt" | Should -BeExactly 'bee'
    }

    It '| Move-Item -Destination lamin:\{other uid} moves the artifact with its versions (Move-LaminArtifact)' {
        & $Get $f 'raw/v.txt' | Move-Item -Destination "lamin:\$($f.Second.Uid)" -WarningAction SilentlyContinue
        $moved = @(Get-LaminArtifact -Key 'raw/v.txt' -AllVersions)
        $moved.Count | Should -Be 2
        $moved.StorageUid | Sort-Object -Unique | Should -BeExactly $f.Second.Uid
        Get-Content "lamin:\$($f.Second.Uid)\raw\v.txt" | Should -BeExactly 'v2'
        Test-Path "lamin:\$($f.U)\raw\v.txt" | Should -BeFalse
    }

    It '| Rename-Item is refused as on the drive, naming the way to do it; the file and the registry stay' {
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage)
        $e = @(& { $ErrorActionPreference = 'Continue'; & $Get $f 'raw/img2.tif' | Rename-Item -NewName 'renamed.tif' } 2>&1 |
                Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
        $e[0].Exception.Message | Should -Match ([regex]::Escape('Add-LaminArtifact -Destination'))
        $f.Real | Should -Exist
        Join-Path $f.T.Storage 'raw/renamed.tif' | Should -Not -Exist
        (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage) | Should -BeExactly $before
    }

    It '| Set-Content writes a new version at the key through the drive, never into the stored object' {
        $old = $f.A['raw/b.txt']
        & $Get $f 'raw/b.txt' | Set-Content -Value 'new bee' -WarningAction SilentlyContinue
        [IO.File]::ReadAllText($f.Obj['raw/b.txt']) | Should -BeExactly 'bee'
        (Test-LaminArtifact -Identity $old.Uid -Hash).Status | Should -Be 'Match'
        $latest = Get-LaminArtifact -Key 'raw/b.txt'
        $latest.Uid | Should -Not -Be $old.Uid
        $latest.Uid.Substring(0, 16) | Should -BeExactly $old.Uid.Substring(0, 16)
        Get-Content "lamin:\$($f.U)\raw\b.txt" | Should -BeExactly 'new bee'
    }

    It '| Get-Content reads the artifact through the drive' {
        & $Get $f 'raw/v.txt' | Get-Content | Should -BeExactly 'v2'
        & $Get $f 'raw/img2.tif' | Get-Content -Raw | Should -BeExactly (Get-Content "lamin:\$($f.U)\raw\img2.tif" -Raw)
    }
}

Describe 'Records the drive does not show, and storage records, piped into the item cmdlets' {
    BeforeEach { $f = New-IdiomFixture }
    AfterEach { $f.T | Remove-TestInstance }

    It 'an older version has no PSPath: | Remove-Item refuses to bind it and deletes nothing' {
        $old = Get-LaminArtifact $f.A['raw/v.txt#1'].Uid
        $old.IsLatest | Should -BeFalse
        $old.PSPath | Should -BeNullOrEmpty
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage)
        $e = @(& { $ErrorActionPreference = 'Continue'; $old | Remove-Item } 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationErrorNullNotAllowed*'
        $f.Obj['raw/v.txt#1'] | Should -Exist
        (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage) | Should -BeExactly $before
    }

    It 'a trashed artifact has no PSPath: | Set-Content writes nothing' {
        Remove-LaminArtifact $f.A['raw/b.txt'].Uid -Confirm:$false
        $trashed = Get-LaminArtifact -Trash | Where-Object Uid -EQ $f.A['raw/b.txt'].Uid
        $trashed.PSPath | Should -BeNullOrEmpty
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage)
        $null = & { $ErrorActionPreference = 'Continue'; $trashed | Set-Content -Value 'X' } 2>&1
        [IO.File]::ReadAllText($f.Obj['raw/b.txt']) | Should -BeExactly 'bee'
        (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage) | Should -BeExactly $before
    }

    It 'a storage record (<Source>) carries Lamin\Lamin::{uid}; | Remove-Item is refused naming Remove-LaminStorage, the location stays' -ForEach @(
        @{ Source = 'Get-LaminStorage'; Get = { param($f) Get-LaminStorage $f.U } }
        @{ Source = 'Get-ChildItem lamin:\'; Get = { param($f) Get-ChildItem 'lamin:\' | Where-Object Uid -EQ $f.U } }
    ) {
        $s = & $Get $f
        $s.PSPath | Should -BeExactly "Lamin\Lamin::$($f.U)"
        $s.PSObject.Properties['Path'] | Should -BeNullOrEmpty
        $before = (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage)
        $e = @(& { $ErrorActionPreference = 'Continue'; & $Get $f | Remove-Item -Recurse } 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $e.Count | Should -Be 1
        $e[0].Exception.Message | Should -Match 'Remove-LaminStorage'
        (Get-LaminStorage $f.U).Root | Should -BeExactly $f.S.Root
        (Get-ArtifactState) + (Get-TreeSnapshot $f.T.Storage) | Should -BeExactly $before
    }

    It 'no record type has a property named Path (SPEC §3); the physical location is FullName' {
        $model = [type]((Get-LaminStorage $f.U).GetType())
        $withPath = @($model.Assembly.GetExportedTypes() | Where-Object { $_.Namespace -eq $model.Namespace -and $_.GetProperty('Path') })
        $withPath.FullName | Should -BeNullOrEmpty
        $check = @(Test-LaminArtifact -Identity $f.A['raw/b.txt'].Uid)[0]
        $check.PSObject.Properties['Path'] | Should -BeNullOrEmpty
        $check.FullName | Should -BeExactly $f.Obj['raw/b.txt']
    }
}

Describe 'The provider is the module''s own: Lamin\Lamin' {
    BeforeAll { $f = New-IdiomFixture }
    AfterAll { $f.T | Remove-TestInstance }

    It 'is registered under module Lamin, and the drive''s items carry Lamin\Lamin:: paths' {
        $p = Get-PSProvider Lamin
        $p.ModuleName | Should -BeExactly 'Lamin'
        $p.Module.Name | Should -BeExactly 'Lamin'
        (Get-ChildItem "lamin:\$($f.U)\raw").PSPath | ForEach-Object { $_ | Should -BeLike "Lamin\Lamin::$($f.U)${sep}raw${sep}*" }
        (Get-Item "lamin:\$($f.U)").PSPath | Should -BeExactly "Lamin\Lamin::$($f.U)"
    }

    It 'resolves provider-qualified paths Lamin\Lamin::{uid}\{key}' {
        (Get-ChildItem "Lamin\Lamin::$($f.U)\raw" -Name) | Should -Be @(Get-ChildItem "lamin:\$($f.U)\raw" -Name)
        Get-Content "Lamin\Lamin::$($f.U)\raw\b.txt" | Should -BeExactly 'bee'
        Test-Path "Lamin\Lamin::$($f.U)\raw\img2.tif" | Should -BeTrue
        (Get-Item (Get-LaminArtifact $f.A['raw/b.txt'].Uid).PSPath).Uid | Should -BeExactly $f.A['raw/b.txt'].Uid
    }

    It 'has provider help: Get-Help -Category Provider' {
        $help = Get-Help -Name Lamin -Category Provider
        $help.Name | Should -BeExactly 'Lamin'
        "$($help.Synopsis)" | Should -Match 'lamin: drive'
        ($help | Out-String -Width 200) | Should -Match 'Remove-Item'
    }
}
