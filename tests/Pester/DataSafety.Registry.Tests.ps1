# SPEC §10, registry side (issue 9): a refused item never sinks its batch (rule 8), version families move
# together (rule 9), moves keep bytes other artifacts include and write only where the location is present
# (rules 1, 3), names read from a registry never become paths outside LAMIN_HOME (rule 6), only the instance
# admin removes an instance (rule 7), and AccessDenied names only what the user may see.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    function New-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Path (Split-Path $Path) -Force
        [IO.File]::WriteAllText($Path, $Text); Get-Item $Path
    }
    function Get-ArtifactSnapshot { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }
    function Get-State([string] $Root) { (Get-ArtifactSnapshot) + (Get-TreeSnapshot $Root) }
    # A tree without the registry's own files (LiteDB rewrites its pages on every transaction).
    function Get-DataTree([string] $Root) { ((Get-TreeSnapshot $Root) -split "`n" | Where-Object { $_ -notmatch '^\.lamindb/lamin' }) -join "`n" }
    function Get-Family([string] $Stem) { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Where-Object { $_.Uid.StartsWith($Stem) } | Sort-Object Version }
}

Describe 'Add-LaminArtifact: one refused item does not sink its batch (rule 8)' {
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'Get-ChildItem raw -File | Add-LaminArtifact: a locked key is reported, the other files are registered' {
        $raw = Join-Path $t.Storage 'raw'
        New-File (Join-Path $raw 'a.csv') 'a1' | Out-Null
        $b = New-File (Join-Path $raw 'b.csv') 'b1'
        New-File (Join-Path $raw 'c.csv') 'c1' | Out-Null
        $locked = Add-LaminArtifact $b.FullName
        Set-LaminArtifact $locked.Uid -Lock
        [IO.File]::WriteAllText($b.FullName, 'b2')   # a new version of a locked key

        $out = @(Get-ChildItem $raw -File | Add-LaminArtifact -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)

        @($out.Key | Sort-Object) | Should -Be @('raw/a.csv', 'raw/c.csv')
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike "RecordLocked$E"
        $ev[0].TargetObject | Should -Be $b.FullName
        (Get-LaminArtifact -Key 'raw/a.csv').Hash | Should -Not -BeNullOrEmpty
        (Get-LaminArtifact -Key 'raw/c.csv').Hash | Should -Not -BeNullOrEmpty
        @(Get-LaminArtifact -Key 'raw/b.csv' -AllVersions).Uid | Should -Be @($locked.Uid)
    }

    It 'a refused copy leaves no object behind while the in-place item of the same batch is registered' {
        $src = New-File (Join-Path $t.Work 'k.csv') 'k1'
        $locked = Add-LaminArtifact $src.FullName -Key 'k.csv'
        Set-LaminArtifact $locked.Uid -Lock
        $other = New-LaminStorage (Join-Path $t.Work 'other')
        $inPlace = New-File (Join-Path $other.Root 'x.csv') 'in place'
        $outside = New-File (Join-Path $t.Work 'new.csv') 'k2'
        $tree = Get-DataTree $t.Storage

        # One batch: the in-place file becomes key k.csv in 'other'; the copy would be a new version of the locked k.csv.
        $out = @($inPlace.FullName, $outside.FullName | Add-LaminArtifact -Key 'k.csv' -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)

        $out.Count | Should -Be 1
        $out[0].Storage | Should -Be $other.Root
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike "RecordLocked$E"
        $ev[0].TargetObject | Should -Be $outside.FullName
        (Get-LaminArtifact -Key 'k.csv' -Storage $other.Uid).Uid | Should -BeExactly $out[0].Uid
        @(Get-LaminArtifact -Key 'k.csv' -Storage $t.Storage -AllVersions).Uid | Should -Be @($locked.Uid)
        Get-DataTree $t.Storage | Should -BeExactly $tree   # the refused copy's object is gone, nothing else written
    }

    It 'called on its own with several paths: registers the others, then stops with the refusal' {
        $raw = Join-Path $t.Storage 'raw'
        $a = New-File (Join-Path $raw 'a.csv') 'a1'
        $b = New-File (Join-Path $raw 'b.csv') 'b1'
        $locked = Add-LaminArtifact $b.FullName
        Set-LaminArtifact $locked.Uid -Lock
        [IO.File]::WriteAllText($b.FullName, 'b2')
        { Add-LaminArtifact -Path $a.FullName, $b.FullName -WarningAction SilentlyContinue } | Should -Throw -ErrorId "RecordLocked$E"
        (Get-LaminArtifact -Key 'raw/a.csv').Uid | Should -Not -BeNullOrEmpty
    }
}

Describe 'Move-LaminArtifact: the whole version family moves (rule 9)' {
    BeforeEach {
        $t = New-TestInstance; Push-Location $t.Work
        $f = Join-Path $t.Work 'v.csv'
        $v1 = Add-LaminArtifact (New-File $f 'one').FullName -Key 'data/v.csv'
        $v2 = Add-LaminArtifact (New-File $f 'two').FullName -Key 'data/v.csv' -WarningAction SilentlyContinue
        $other = New-LaminStorage (Join-Path $t.Work 'other')
    }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'moves v1 and v2 together; the next version in the new location is v3 of the same stem, and only it is latest' {
        $m = Move-LaminArtifact $v2.Uid -Storage $other.Uid -Confirm:$false -PassThru -WarningAction SilentlyContinue
        $m.Uid | Should -BeExactly $v2.Uid
        $family = Get-Family $v1.Stem
        @($family.Storage | Select-Object -Unique) | Should -Be @($other.Root)
        $v1.FullName | Should -Not -Exist
        $v2.FullName | Should -Not -Exist
        [IO.File]::ReadAllText((Get-LaminArtifact $v1.Uid).FullName) | Should -BeExactly 'one'
        [IO.File]::ReadAllText((Get-LaminArtifact $v2.Uid).FullName) | Should -BeExactly 'two'

        $v3 = Add-LaminArtifact (New-File $f 'three').FullName -Key 'data/v.csv' -Storage $other.Uid -WarningAction SilentlyContinue
        $v3.Uid.Substring(0, 16) | Should -BeExactly $v1.Uid.Substring(0, 16)
        $v3.Version | Should -Be 3
        @(Get-Family $v1.Stem | Where-Object IsLatest).Uid | Should -Be @($v3.Uid)
    }

    It 'carries trashed versions too' {
        Remove-LaminArtifact $v1.Uid -Confirm:$false
        Move-LaminArtifact $v2.Uid -Storage $other.Uid -Confirm:$false -WarningAction SilentlyContinue
        (Get-LaminArtifact -Trash | Where-Object Uid -EQ $v1.Uid).Storage | Should -Be $other.Root
        $v1.FullName | Should -Not -Exist
    }

    It 'refuses when any version of the family is locked (RecordLocked) and changes nothing' {
        Set-LaminArtifact $v1.Uid -Lock
        $state = Get-State $t.Root
        { Move-LaminArtifact $v2.Uid -Storage $other.Uid -Confirm:$false } | Should -Throw -ErrorId "RecordLocked$E"
        Get-State $t.Root | Should -BeExactly $state
    }

    It 'refuses when the target already holds the same key in another family (DestinationExists) and changes nothing' {
        $theirs = Add-LaminArtifact (New-File (Join-Path $t.Work 'w.csv') 'theirs').FullName -Key 'data/v.csv' -Storage $other.Uid
        $state = Get-State $t.Root
        $err = { Move-LaminArtifact $v2.Uid -Storage $other.Uid -Confirm:$false } | Should -Throw -ErrorId "DestinationExists$E" -PassThru
        $err.Exception.Message | Should -Match $theirs.Uid
        Get-State $t.Root | Should -BeExactly $state
    }

    It 'moves folder versions that share one object once; the source object goes' {
        $d = Join-Path $t.Work 'dir'
        New-File (Join-Path $d 'a') '0' | Out-Null; New-File (Join-Path $d 'b') '1' | Out-Null
        $f1 = Add-LaminArtifact $d -Key 'folder'
        New-File (Join-Path $d 'c') '2' | Out-Null
        $f2 = Add-LaminArtifact $d -Key 'folder' -WarningAction SilentlyContinue
        $f2.FullName | Should -Be $f1.FullName
        $m = Move-LaminArtifact $f2.Uid -Storage $other.Uid -Confirm:$false -PassThru -WarningAction SilentlyContinue
        @((Get-Family $f1.Stem).Storage | Select-Object -Unique) | Should -Be @($other.Root)
        $f1.FullName | Should -Not -Exist
        @(Get-ChildItem $m.FullName -File).Count | Should -Be 3
        (Test-LaminArtifact -Identity $f2.Uid -Hash | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
    }
}

Describe 'Move-LaminArtifact: bytes others include stay, the target must be present (rules 1, 3)' {
    BeforeEach { $t = New-TestInstance; Push-Location $t.Work; $other = New-LaminStorage (Join-Path $t.Work 'other') }
    AfterEach { Pop-Location; $t | Remove-TestInstance }

    It 'keeps a file a registered folder includes and warns naming the folder artifact' {
        $data = Join-Path $t.Storage 'data'
        $x = New-File (Join-Path $data 'x.csv') 'member'
        New-File (Join-Path $data 'y.csv') 'other member' | Out-Null
        $folder = Add-LaminArtifact $data
        $file = Add-LaminArtifact $x.FullName
        Move-LaminArtifact $file.Uid -Storage $other.Uid -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        $x.FullName | Should -Exist
        [IO.File]::ReadAllText($x.FullName) | Should -BeExactly 'member'
        "$w" | Should -Match $folder.Uid
        (Get-LaminArtifact $file.Uid).Storage | Should -Be $other.Root
        (Test-LaminArtifact -Identity $folder.Uid -Hash | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
    }

    It 'refuses a local target that is not present on this machine (StorageNotPresent) and writes nothing' {
        $a = Add-LaminArtifact (New-File (Join-Path $t.Work 'm.txt') 'moving').FullName
        Remove-Item -LiteralPath (Get-MarkerPath $other.Root)
        $state = Get-State $t.Root
        { Move-LaminArtifact $a.Uid -Storage $other.Uid -Confirm:$false } | Should -Throw -ErrorId "StorageNotPresent$E"
        Get-State $t.Root | Should -BeExactly $state
    }
}

Describe 'Instances: registry names and removal (rules 6, 7)' {
    BeforeEach { $t = New-TestInstance -Name 'zzzzzzzzzzzzzzzzz' }
    AfterEach { $t | Remove-TestInstance }

    It 'refuses a registry whose instance name would become a path outside LAMIN_HOME (InvalidInstanceName)' {
        $escape = Join-Path $t.Root 'esc'
        $null = New-Item -ItemType Directory $escape
        Disconnect-LaminInstance
        # Craft the registry: the name is stored as UTF-8 of the same length ('../../esc/escaped' from instances/ lands in <root>/esc).
        $latin1 = [Text.Encoding]::Latin1
        $text = $latin1.GetString([IO.File]::ReadAllBytes($t.Registry))
        $text.Contains('zzzzzzzzzzzzzzzzz') | Should -BeTrue
        [IO.File]::WriteAllBytes($t.Registry, $latin1.GetBytes($text.Replace('zzzzzzzzzzzzzzzzz', '../../esc/escaped')))
        $env:LAMIN_HOME = Join-Path $t.Root 'home2'

        { Connect-LaminInstance -Path $t.Storage } | Should -Throw -ErrorId "InvalidInstanceName$E"
        Get-TreeSnapshot $escape | Should -BeExactly ''
        Get-ChildItem -LiteralPath $t.Root -Recurse -Filter '*escaped*' | Should -BeNullOrEmpty
        Get-LaminInstance | Should -BeNullOrEmpty
    }

    It 'Remove-LaminInstance needs the instance admin (AccessDenied) and removes nothing otherwise' {
        $before = Get-TreeSnapshot $t.Root
        $env:LAMIN_USER = 'bob'
        { Remove-LaminInstance -Name $t.Instance.Name -Confirm:$false } | Should -Throw -ErrorId "AccessDenied$E"
        Get-TreeSnapshot $t.Root | Should -BeExactly $before
        $env:LAMIN_USER = 'alice'
        Remove-LaminInstance -Name $t.Instance.Name -Confirm:$false
        $t.Registry | Should -Not -Exist
    }
}

Describe 'AccessDenied names only what the user may see' {
    BeforeAll {
        $t = New-TestInstance
        $null = New-LaminSpace 'secret'
        $hiddenRoot = Join-Path $t.Work 'hiddenroot'
        $hidden = New-LaminStorage $hiddenRoot -Space 'secret'
        $inHidden = Add-LaminArtifact (New-File (Join-Path $t.Work 'h.txt') 'hidden').FullName -Storage $hidden.Uid
        $outsideFile = New-File (Join-Path $t.Work 'o.txt') 'outside'
        $env:LAMIN_USER = 'bob'
    }
    AfterAll { $t | Remove-TestInstance }

    It '<Case>' -ForEach @(
        @{ Case = 'Get-LaminStorage by uid'; Run = { Get-LaminStorage -Identity $hidden.Uid } }
        @{ Case = 'Get-LaminArtifact by uid'; Run = { Get-LaminArtifact -Identity $inHidden.Uid } }
        @{ Case = 'Add-LaminArtifact -Storage by uid'; Run = { Add-LaminArtifact $outsideFile.FullName -Storage $hidden.Uid } }
    ) {
        $err = $Run | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($hiddenRoot))
        $err.Exception.Message | Should -Not -Match 'secret'
    }
}
