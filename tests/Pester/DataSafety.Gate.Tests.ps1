# One gate for every delete and overwrite (SPEC §10 rules 12 and 13, issue 24): Save-LaminArtifact -Force
# never replaces a storage root, a registry, a marker or a registered artifact's bytes, never deletes before its
# copy is in, and never turns a crafted key from the registry into a path. Every refusal changes nothing.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        [IO.File]::WriteAllText($Path, $Text); Get-Item -LiteralPath $Path -Force
    }
    function Get-State([string] $Root) { (Get-RegistrySnapshot) + (Get-ArtifactSnapshot) + (Get-TreeSnapshot $Root) }
    function Set-CraftedKey([string] $Registry, [string] $Uid, [string] $Key) {
        # A registry row written by hand (a copied or crafted file).
        Invoke-TestLiteDb $Registry "foreach (`$d in `$db.GetCollection('artifact').FindAll()) { if (`$d['Uid'].AsString -eq '$Uid') { `$d['Key'] = '$Key'; `$null = `$db.GetCollection('artifact').Update(`$d) } }"
    }
}

Describe 'Save-LaminArtifact -Force replaces only an unregistered file or folder outside every managed folder (rule 13)' {
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'refuses a storage root as the destination of a folder artifact, with or without -Force; the location, its marker and the registry stay' {
        New-File (Join-Path $t.Work 'bundle/a.txt') 'a' | Out-Null
        New-File (Join-Path $t.Work 'bundle/b.txt') 'b' | Out-Null
        $folder = Add-LaminArtifact (Join-Path $t.Work 'bundle') -Key 'bundle'
        $other = New-LaminStorage (Join-Path $t.Root 'other')
        $kept = New-File (Join-Path $other.Root 'kept.txt') 'kept'
        $state = Get-State $t.Root
        { Save-LaminArtifact $folder.Uid -Destination $other.Root -Force } | Should -Throw -ErrorId "InvalidPath$E"
        { Save-LaminArtifact $folder.Uid -Destination $t.Storage -Force } | Should -Throw -ErrorId "InvalidPath$E"
        Get-State $t.Root | Should -BeExactly $state
        Test-Path -LiteralPath (Get-MarkerPath $other.Root) | Should -BeTrue
        Test-Path -LiteralPath $t.Registry | Should -BeTrue
        Get-Content -LiteralPath $kept.FullName | Should -Be 'kept'
    }

    It 'refuses the bytes of a registered artifact (DestinationHoldsArtifact), with or without -Force, and the artifact still matches' {
        $loc = New-LaminStorage (Join-Path $t.Root 'lab')
        $inPlace = Add-LaminArtifact (New-File (Join-Path $loc.Root 'raw/a.txt') 'registered bytes').FullName
        $b = Add-LaminArtifact (New-File (Join-Path $t.Work 'b.txt') 'other bytes').FullName -Key 'b.txt'
        $state = Get-State $t.Root
        $err = { Save-LaminArtifact $b.Uid -Destination (Join-Path $loc.Root 'raw/a.txt') -Force } | Should -Throw -ErrorId "DestinationHoldsArtifact$E" -PassThru
        $err.Exception.Message | Should -Match $inPlace.Uid
        { Save-LaminArtifact $b.Uid -Destination (Join-Path $loc.Root 'raw/a.txt') } | Should -Throw -ErrorId "DestinationExists$E"
        Get-State $t.Root | Should -BeExactly $state
        (Test-LaminArtifact -Identity $inPlace.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'refuses a folder that holds a registered artifact as the destination of a folder artifact' {
        $loc = New-LaminStorage (Join-Path $t.Root 'lab')
        $inPlace = Add-LaminArtifact (New-File (Join-Path $loc.Root 'runs/r1.txt') 'r1').FullName
        New-File (Join-Path $t.Work 'bundle/a.txt') 'a' | Out-Null
        $folder = Add-LaminArtifact (Join-Path $t.Work 'bundle') -Key 'bundle'
        $state = Get-State $t.Root
        { Save-LaminArtifact $folder.Uid -Destination (Join-Path $loc.Root 'runs') -Force } | Should -Throw -ErrorId "DestinationHoldsArtifact$E"
        Get-State $t.Root | Should -BeExactly $state
        (Test-LaminArtifact -Identity $inPlace.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'refuses the registry file and a marker as destinations (InvalidPath)' {
        $b = Add-LaminArtifact (New-File (Join-Path $t.Work 'lamin.db') 'not a registry').FullName -Key 'lamin.db'
        $m = Add-LaminArtifact (New-File (Join-Path $t.Work 'storage_uid.txt') 'not a marker').FullName -Key 'storage_uid.txt'
        $state = Get-State $t.Root
        { Save-LaminArtifact $b.Uid -Destination $t.Registry -Force } | Should -Throw -ErrorId "InvalidPath$E"
        { Save-LaminArtifact $m.Uid -Destination (Get-MarkerPath $t.Storage) -Force } | Should -Throw -ErrorId "InvalidPath$E"
        Get-State $t.Root | Should -BeExactly $state
        Get-LaminStorage | Should -Not -BeNullOrEmpty
    }

    It 'replaces an unregistered file and an unregistered folder whole, leaving no temporary' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'src/a.txt') 'new content').FullName -Key 'a.txt'
        New-File (Join-Path $t.Work 'bundle/x.txt') 'x' | Out-Null
        $folder = Add-LaminArtifact (Join-Path $t.Work 'bundle') -Key 'bundle'
        $dest = New-File (Join-Path $t.Work 'out/a.txt') 'old content'
        New-File (Join-Path $t.Work 'out/bundle/stale.txt') 'stale' | Out-Null
        (Save-LaminArtifact $a.Uid -Destination $dest.FullName -Force) | Should -Not -BeNullOrEmpty
        Get-Content -LiteralPath $dest.FullName | Should -Be 'new content'
        $null = Save-LaminArtifact $folder.Uid -Destination (Join-Path $t.Work 'out/bundle') -Force
        Test-Path (Join-Path $t.Work 'out/bundle/stale.txt') | Should -BeFalse
        Get-Content (Join-Path $t.Work 'out/bundle/x.txt') | Should -Be 'x'
        Get-LaminTempLeftover -Path (Join-Path $t.Work 'out') | Should -BeNullOrEmpty
    }
}

Describe 'A key read from the registry is checked before it becomes a path (rule 13)' {
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'refuses to save a crafted key "x/.." (InvalidKey naming the uid), lists the record and reports it' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'in/report.txt') 'report').FullName -Key 'x/report.txt'
        $victim = Join-Path $t.Work 'victim'
        New-File (Join-Path $victim 'dest/precious.txt') 'precious' | Out-Null
        Set-CraftedKey $t.Registry $a.Uid 'x/..'
        $before = Get-TreeSnapshot $t.Root
        $err = { Save-LaminArtifact $a.Uid -Destination (Join-Path $victim 'dest/') -Force } | Should -Throw -ErrorId "InvalidKey$E" -PassThru
        $err.Exception.Message | Should -Match $a.Uid
        Get-TreeSnapshot $t.Root | Should -BeExactly $before
        Get-Content (Join-Path $victim 'dest/precious.txt') | Should -Be 'precious'
        (Get-LaminArtifact $a.Uid).Key | Should -Be 'x/..'
        $check = Test-LaminArtifact -Identity $a.Uid
        $check.Status | Should -Be 'Error'
        $check.Reason | Should -Match 'key rules'
    }
}
