# Storage locations: New/Get/Search/Set/Remove-LaminStorage and Get-LaminLookup (SPEC §3, rules 1–17).
AfterAll { Stop-CloudServers $script:servers }
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $backends = Get-TestBackend   # LiteDB, and PostgreSQL when LAMIN_TEST_POSTGRES names a server
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
    $script:servers = Start-CloudServers   # real local S3 and GCS servers: no test reaches the internet
    $script:E = ',Lamin.PowerShell.Commands.*'   # FullyQualifiedErrorId = "<Id>,Lamin.PowerShell.Commands.<Verb><Noun>Command"

    function Get-LookupName([string] $Value) {
        # SPEC §3: lower-cased, each run of non letters/digits -> '_', a leading digit prefixed with '_'.
        $n = $Value.ToLowerInvariant() -replace '[^\p{L}\p{N}]+', '_'
        if ($n -match '^\d') { $n = "_$n" }
        $n
    }

    function Switch-Case([string] $Text) {
        -join ($Text.ToCharArray() | ForEach-Object { if ([char]::IsUpper($_)) { [char]::ToLowerInvariant($_) } else { [char]::ToUpperInvariant($_) } })
    }
}

Describe 'New-LaminStorage (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'registers a free local folder: writes the marker, IsManaged, this instance''s uid' {
        $root = Join-Path $t.Work 'free'
        $s = New-LaminStorage -Root $root -Description 'first'
        $s.GetType().Name | Should -Be 'LaminStorage'
        $s.Root | Should -Be $root
        $s.Type | Should -BeExactly 'local'
        $s.Uid | Should -MatchExactly '^[0-9A-Za-z]{12}$'
        $s.InstanceUid | Should -BeExactly $t.Instance.Uid
        $s.IsManaged | Should -BeTrue
        $s.Space | Should -BeExactly 'all'
        $s.Description | Should -BeExactly 'first'
        # The user: LAMIN_USER on LiteDB; the login role on PostgreSQL, which LAMIN_USER can't change (SPEC §7).
        $s.CreatedBy | Should -BeExactly $(if ($Backend -eq 'PostgreSQL') { (Get-TestPostgresServer).User } else { 'alice' })
        $s.Region | Should -BeNullOrEmpty
        $s.Host | Should -BeNullOrEmpty
        $lines = Get-Content -LiteralPath (Get-MarkerPath $root)
        $lines[0] | Should -BeExactly $s.Uid
        ($lines -join "`n") | Should -Match ([regex]::Escape($t.Instance.Uid))
        (Get-LaminStorage -Identity $s.Uid).Root | Should -Be $root
    }

    It 'keeps CreatedAt/UpdatedAt in UTC (SPEC §3)' {
        $s = New-LaminStorage -Root (Join-Path $t.Work 'utc')
        $g = Get-LaminStorage -Identity $s.Uid
        $g.CreatedAt.Kind | Should -Be 'Utc'
        $g.UpdatedAt.Kind | Should -Be 'Utc'
        $s.CreatedAt.Kind | Should -Be 'Utc'
    }

    It 'resolves a relative root against PowerShell''s $PWD, not the process directory' {
        $here = Join-Path $t.Work 'cwd'
        $null = New-Item -ItemType Directory -Path $here
        Push-Location $here
        try {
            [Environment]::CurrentDirectory | Should -Not -Be $here
            $s = New-LaminStorage -Root 'rel/sub'
            $s2 = New-LaminStorage -Root './x/../y'
        }
        finally { Pop-Location }
        $s.Root | Should -Be (Join-Path $here 'rel/sub')
        Get-MarkerPath (Join-Path $here 'rel/sub') | Should -Exist
        $s2.Root | Should -Be (Join-Path $here 'y')
    }

    It 'expands ~ to the home folder' -Skip:$IsWindows {
        $savedHome = $env:HOME
        $fakeHome = Join-Path $t.Root 'fakehome'
        $null = New-Item -ItemType Directory -Path $fakeHome
        $env:HOME = $fakeHome
        try { $s = New-LaminStorage -Root '~/lamin-tilde' }
        finally { $env:HOME = $savedHome }
        $s.Root | Should -Be (Join-Path $fakeHome 'lamin-tilde')
        Get-MarkerPath (Join-Path $fakeHome 'lamin-tilde') | Should -Exist
    }

    It 'resolves symlinks before looking the root up' -Skip:($IsWindows) { # symlinks need privileges on Windows
        $real = Join-Path $t.Work 'real'
        $null = New-Item -ItemType Directory -Path $real
        $link = Join-Path $t.Work 'link'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $real
        $s = New-LaminStorage -Root $link
        $s.Root | Should -Be $real
        Get-MarkerPath $real | Should -Exist

        $again = New-LaminStorage -Root $real -WarningVariable w -WarningAction SilentlyContinue
        $again.Uid | Should -BeExactly $s.Uid
        $w | Should -Not -BeNullOrEmpty
        @(Get-LaminStorage -Root $real) | Should -HaveCount 1
        $linkedChild = New-LaminStorage -Root (Join-Path $link 'child')
        $linkedChild.Root | Should -Be (Join-Path $real 'child')
    }

    It 'drops a trailing separator (local and cloud)' {
        $s = New-LaminStorage -Root ((Join-Path $t.Work 'trail') + '/')
        $s.Root | Should -Be (Join-Path $t.Work 'trail')
        $c = New-LaminStorage -Root "s3://lamin-test/pre/?endpoint_url=$($servers.S3)/" -WarningAction SilentlyContinue
        $c.Root | Should -BeExactly "s3://lamin-test/pre?endpoint_url=$($servers.S3)"
    }

    It 'is idempotent: the same root again returns the existing record with a warning' {
        $root = Join-Path $t.Work 'twice'
        $first = New-LaminStorage -Root $root
        $second = New-LaminStorage -Root $root -WarningVariable w -WarningAction SilentlyContinue
        $third = New-LaminStorage -Root ($root + '/') -WarningAction SilentlyContinue
        $second.Uid | Should -BeExactly $first.Uid
        $third.Uid | Should -BeExactly $first.Uid
        "$w" | Should -Match 'existing'
        @(Get-LaminStorage -Root $root) | Should -HaveCount 1
    }

    It 'takes -Host for a local root' {
        $s = New-LaminStorage -Root (Join-Path $t.Work 'hosted') -Host 'node-1'
        $s.Host | Should -BeExactly 'node-1'
        (Get-LaminStorage -Identity $s.Uid).Host | Should -BeExactly 'node-1'
    }

    It 'refuses -Host with a cloud root (HostRequiresLocalRoot)' {
        $err = { New-LaminStorage -Root 's3://some-bucket' -Host 'node-1' -ErrorAction Stop } | Should -Throw -ErrorId "HostRequiresLocalRoot$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-LaminStorage -Type s3) | Should -BeNullOrEmpty
    }

    It 'registers the same root on two hosts as two records (uniqueness is root + host)' {
        $root = Join-Path $t.Work 'shared'
        $a = New-LaminStorage -Root $root -Host 'node-a' -WarningAction SilentlyContinue
        $b = New-LaminStorage -Root $root -Host 'node-b' -WarningAction SilentlyContinue
        $b.Host | Should -BeExactly 'node-b'
        $b.Uid | Should -Not -Be $a.Uid
        @(Get-LaminStorage -Root $root) | Should -HaveCount 2
        (Get-LaminStorage -Root $root | Sort-Object Host).Host | Should -Be @('node-a', 'node-b')
    }

    It 'treats roots that differ only in letter case as different folders on a case-sensitive file system' -Skip:($IsWindows -or $IsMacOS) {
        $lower = New-LaminStorage -Root (Join-Path $t.Work 'data')
        $upper = New-LaminStorage -Root (Join-Path $t.Work 'Data') -WarningAction SilentlyContinue
        $upper.Root | Should -BeExactly (Join-Path $t.Work 'Data')
        $upper.Uid | Should -Not -Be $lower.Uid
        Get-MarkerPath (Join-Path $t.Work 'Data') | Should -Exist
    }

    It 'writes nothing at all under -WhatIf' {
        $root = Join-Path $t.Work 'whatif'
        $disk = Get-TreeSnapshot $t.Root
        $reg = Get-RegistrySnapshot
        $out = New-LaminStorage -Root $root -WhatIf
        $out | Should -BeNullOrEmpty
        $root | Should -Not -Exist
        Get-TreeSnapshot $t.Root | Should -BeExactly $disk
        Get-RegistrySnapshot | Should -BeExactly $reg
    }

    It 'registers an <Type> root on the local server as managed, with its marker in the bucket' -ForEach @(
        @{ Type = 's3'; Region = 'us-east-1' }
        @{ Type = 'gs'; Region = $null }
    ) {
        # One prefix per backend: the marker another backend's instance left there would make it another instance's.
        $root = if ($Type -eq 's3') { Get-S3Root $servers -Prefix "managed-$Backend" } else { "gs://lamin-gcs-test/managed-$Backend" }
        $s = New-LaminStorage -Root $root
        $s.Type | Should -BeExactly $Type
        $s.Region | Should -Be $Region
        $s.IsManaged | Should -BeTrue
        $s.InstanceUid | Should -BeExactly $t.Instance.Uid
        (Test-LaminStorage -Identity $s.Uid).MarkerUid | Should -BeExactly $s.Uid
    }

    It 'registers <Root> read-only with a warning' -ForEach @(
        @{ Root = 'https://example.org/datasets'; Type = 'https' }
        @{ Root = 'hf://datasets/org/name'; Type = 'hf' }
    ) {
        $disk = Get-TreeSnapshot $t.Work
        $s = New-LaminStorage -Root $Root -WarningVariable w -WarningAction SilentlyContinue
        $s.Root | Should -BeExactly $Root
        $s.Type | Should -BeExactly $Type
        $s.IsManaged | Should -BeFalse
        $s.InstanceUid | Should -BeNullOrEmpty
        "$w" | Should -Match 'read-only'
        (Get-LaminStorage -Identity $s.Uid).IsManaged | Should -BeFalse
        Get-TreeSnapshot $t.Work | Should -BeExactly $disk   # nothing written for the location (the registry itself changes)
    }

    It 'keeps ?endpoint_url= on S3 roots' {
        $s = New-LaminStorage -Root "s3://lamin-test/pre/?endpoint_url=$($servers.S3)/" -WarningAction SilentlyContinue
        $s.Root | Should -BeExactly "s3://lamin-test/pre?endpoint_url=$($servers.S3)"
    }
}

Describe 'New-LaminStorage: the three ownership cases (rule 5) (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'free: no marker -> writes one, managed here' {
        $root = Join-Path $t.Work 'free'
        $null = New-Item -ItemType Directory -Path $root
        $s = New-LaminStorage -Root $root
        $s.InstanceUid | Should -BeExactly $t.Instance.Uid
        (Get-Content (Get-MarkerPath $root) -TotalCount 1) | Should -BeExactly $s.Uid
    }

    It 'ours: a marker naming this instance -> adopts its storage uid, managed here, marker untouched' {
        $root = Join-Path $t.Work 'ours'
        $marker = Set-TestMarker -Root $root -Text (New-ForeignMarkerText -StorageUid 'OurOwnStor12' -InstanceUid $t.Instance.Uid)
        $disk = Get-TreeSnapshot $root
        $s = New-LaminStorage -Root $root
        $s.Uid | Should -BeExactly 'OurOwnStor12'
        $s.InstanceUid | Should -BeExactly $t.Instance.Uid
        $s.IsManaged | Should -BeTrue
        Get-TreeSnapshot $root | Should -BeExactly $disk
    }

    It "another instance's marker -> adopts its uid, InstanceUid '__unknown__', warns, read-only" {
        $root = Join-Path $t.Work 'theirs'
        $null = Set-TestMarker -Root $root -Text (New-ForeignMarkerText -StorageUid 'TheirStore12' -InstanceUid 'SomeoneElse1')
        $disk = Get-TreeSnapshot $root
        $s = New-LaminStorage -Root $root -WarningVariable w -WarningAction SilentlyContinue
        $s.Uid | Should -BeExactly 'TheirStore12'
        $s.InstanceUid | Should -BeExactly '__unknown__'
        $s.IsManaged | Should -BeFalse
        "$w" | Should -Match 'another'
        Get-TreeSnapshot $root | Should -BeExactly $disk
        (Get-LaminStorage -Managed:$false).Uid | Should -Contain 'TheirStore12'
    }
}

Describe 'Get-LaminStorage (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeAll {
        $t = New-TestInstance
        $null = New-LaminSpace -Name 'proj'
        $s1 = New-LaminStorage -Root (Join-Path $t.Work 'alpha') -Description 'raw files'
        $s2 = New-LaminStorage -Root (Join-Path $t.Work 'beta') -Host 'node-1'
        $s3 = New-LaminStorage -Root (Join-Path $t.Work 'gamma') -Space 'proj'
        $c1 = New-LaminStorage -Root (Get-S3Root $servers -Prefix "prefix-$Backend") -WarningAction SilentlyContinue
        $default = Get-LaminStorage -Identity 1
    }
    AfterAll { $t | Remove-TestInstance }

    It 'returns every record a wildcard -Identity matches (SPEC §4); Set and Remove still refuse such a pattern (MultipleRecordsFound)' {
        $pattern = Join-Path $t.Work '*a'
        @(Get-LaminStorage -Identity $pattern | ForEach-Object Uid | Sort-Object) | Should -Be @(@($s1.Uid, $s2.Uid, $s3.Uid) | Sort-Object)
        @(Get-LaminStorage $pattern, $s1.Uid).Count | Should -Be 4
        @(Get-LaminStorage -Identity '*no-such-location*').Count | Should -Be 0
        { Set-LaminStorage -Identity $pattern -Description 'x' -ErrorAction Stop } | Should -Throw -ErrorId "MultipleRecordsFound$E"
        { Remove-LaminStorage -Identity $pattern -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "MultipleRecordsFound$E"
        (Get-LaminStorage -Identity $s1.Uid).Description | Should -Be 'raw files'
    }

    It 'lists every record' {
        (Get-LaminStorage).Uid | Should -Be @($default.Uid, $s1.Uid, $s2.Uid, $s3.Uid, $c1.Uid)
    }

    It '-Identity takes an integer id, a full uid and a unique stub' {
        (Get-LaminStorage -Identity $s2.Id).Uid | Should -BeExactly $s2.Uid
        (Get-LaminStorage -Identity "$($s2.Id)").Uid | Should -BeExactly $s2.Uid
        (Get-LaminStorage -Identity $s1.Uid).Root | Should -Be $s1.Root
        (Get-LaminStorage $s1.Uid.Substring(0, 8)).Uid | Should -BeExactly $s1.Uid
    }

    It '-Identity with no match is RecordNotFound, suggesting -Root' {
        $err = { Get-LaminStorage -Identity 'zzzzzzzzzzzz' -ErrorAction Stop } | Should -Throw -ErrorId "RecordNotFound$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match '-Root'
        { Get-LaminStorage -Identity 999 -ErrorAction Stop } | Should -Throw -ErrorId "RecordNotFound$E"
    }

    It '-Identity compares uids case-sensitively (base62)' {
        $swapped = Switch-Case $s1.Uid
        (Get-LaminStorage | Where-Object Uid -CEQ $swapped) | Should -BeNullOrEmpty   # no such record
        { Get-LaminStorage -Identity $swapped -ErrorAction Stop } | Should -Throw -ErrorId "RecordNotFound$E"
    }

    It '-Root, -Type, -Host and -Space take wildcards' {
        (Get-LaminStorage -Root '*/alpha').Uid | Should -Be @($s1.Uid)
        (Get-LaminStorage -Root '*/?eta').Uid | Should -Be @($s2.Uid)
        (Get-LaminStorage -Root 's3://*').Uid | Should -Be @($c1.Uid)
        (Get-LaminStorage -Type 's*').Uid | Should -Be @($c1.Uid)
        @(Get-LaminStorage -Type local) | Should -HaveCount 4
        (Get-LaminStorage -Host 'node-*').Uid | Should -Be @($s2.Uid)
        (Get-LaminStorage -Space 'pr*').Uid | Should -Be @($s3.Uid)
        @(Get-LaminStorage -Space 'all') | Should -HaveCount 4
        Get-LaminStorage -Root '*/nothing-like-this' | Should -BeNullOrEmpty
    }

    It '-Managed keeps the writable ones, -Managed:$false the others' {
        $ro = New-LaminStorage -Root 'https://example.org/read-only' -WarningAction SilentlyContinue
        try {
            (Get-LaminStorage -Managed).Uid | Should -Be @($default.Uid, $s1.Uid, $s2.Uid, $s3.Uid, $c1.Uid)
            (Get-LaminStorage -Managed:$false).Uid | Should -Be @($ro.Uid)
        }
        finally { Remove-LaminStorage -Identity $ro.Uid -Confirm:$false }
    }

    It '-Filter supports the Django-style lookups, combined with AND' {
        (Get-LaminStorage -Filter @{ root__startswith = 's3://' }).Uid | Should -Be @($c1.Uid)
        (Get-LaminStorage -Filter @{ root__endswith = '/gamma' }).Uid | Should -Be @($s3.Uid)
        (Get-LaminStorage -Filter @{ root__contains = 'ALPHA' }) | Should -BeNullOrEmpty
        (Get-LaminStorage -Filter @{ root__icontains = 'ALPHA' }).Uid | Should -Be @($s1.Uid)
        (Get-LaminStorage -Filter @{ root__iexact = $s2.Root.ToUpperInvariant() }).Uid | Should -Be @($s2.Uid)
        (Get-LaminStorage -Filter @{ id__in = @($s1.Id, $s3.Id) }).Uid | Should -Be @($s1.Uid, $s3.Uid)
        (Get-LaminStorage -Filter @{ id__gt = $s2.Id }).Uid | Should -Be @($s3.Uid, $c1.Uid)
        (Get-LaminStorage -Filter @{ id__gte = $s2.Id; id__lt = $c1.Id }).Uid | Should -Be @($s2.Uid, $s3.Uid)
        (Get-LaminStorage -Filter @{ id__lte = 1 }).Uid | Should -Be @($default.Uid)
        (Get-LaminStorage -Filter @{ description__isnull = $false }).Uid | Should -Be @($s1.Uid)
        @(Get-LaminStorage -Filter @{ host__isnull = $true }) | Should -HaveCount 4
        (Get-LaminStorage -Filter @{ type = 's3' }).Uid | Should -Be @($c1.Uid)
        (Get-LaminStorage -Filter @{ type = 'local'; host = 'node-1' }).Uid | Should -Be @($s2.Uid)
        (Get-LaminStorage -Filter @{ space = 'proj' }).Uid | Should -Be @($s3.Uid)
        @(Get-LaminStorage -Filter @{ created_at__gte = $default.CreatedAt.AddMinutes(-1) }) | Should -HaveCount 5
        Get-LaminStorage -Filter @{ created_at__gt = [datetime]::UtcNow.AddDays(1) } | Should -BeNullOrEmpty
        (Get-LaminStorage -Filter @{ is_locked = $false; root__startswith = 's3' }).Uid | Should -Be @($c1.Uid)
    }

    It '-Filter with an unknown field is UnknownField naming the valid ones' {
        $err = { Get-LaminStorage -Filter @{ colour = 'red' } -ErrorAction Stop } | Should -Throw -ErrorId "UnknownField$E" -PassThru
        $err.Exception.Message | Should -Match 'colour'
        $err.Exception.Message | Should -Match 'root'
        $err.Exception.Message | Should -Match 'description'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It '-Filter with an unknown lookup is UnknownFieldLookup' {
        { Get-LaminStorage -Filter @{ root__regex = '.*' } -ErrorAction Stop } | Should -Throw -ErrorId "UnknownFieldLookup$E"
    }

    It '-Statistics gives ArtifactCount 0 and Size 0 (and nothing without it)' {
        $stats = Get-LaminStorage -Statistics
        $stats | Should -HaveCount 5
        $stats | ForEach-Object { $_.ArtifactCount | Should -Be 0; $_.Size | Should -Be 0 }
        (Get-LaminStorage -Identity $s1.Uid).ArtifactCount | Should -BeNullOrEmpty
    }

    It 'accepts a uid from the pipeline' {
        ($s3.Uid | Get-LaminStorage).Root | Should -Be $s3.Root
        ([pscustomobject]@{ Uid = $s2.Uid } | Get-LaminStorage).Root | Should -Be $s2.Root
    }

    It 'a bad uid from the pipeline is a non-terminating error; the pipeline goes on' {
        $out = 'zzzzzzzzzzzz', $s1.Uid | Get-LaminStorage -ErrorAction SilentlyContinue -ErrorVariable errs
        $out.Uid | Should -Be @($s1.Uid)
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "RecordNotFound$E"
    }

    It 'round-trips through ConvertTo-Json' {
        $back = Get-LaminStorage -Identity $s2.Uid | ConvertTo-Json | ConvertFrom-Json
        $back.Uid | Should -BeExactly $s2.Uid
        $back.Host | Should -BeExactly 'node-1'
        $back.IsManaged | Should -BeTrue
    }
}

Describe 'Get-LaminStorage -Identity with an ambiguous stub (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeAll {
        $t = New-TestInstance
        # Create records until two uids share a first letter (a letter, so it can't be read as an id).
        $pair = $null
        for ($n = 0; $n -lt 120 -and -not $pair; $n++) {
            $null = New-LaminStorage -Root (Join-Path $t.Work "s$n")
            $pair = Get-LaminStorage | Where-Object { $_.Uid -cmatch '^[A-Za-z]' } |
                Group-Object { $_.Uid.Substring(0, 1) } -CaseSensitive | Where-Object Count -GE 2 | Select-Object -First 1
        }
    }
    AfterAll { $t | Remove-TestInstance }

    It 'is MultipleRecordsFound, listing the candidates' {
        $pair | Should -Not -BeNullOrEmpty
        $stub = [string]$pair.Name
        $err = { Get-LaminStorage -Identity $stub -ErrorAction Stop } | Should -Throw -ErrorId "MultipleRecordsFound$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        foreach ($uid in $pair.Group.Uid) { $err.Exception.Message | Should -Match $uid }
    }
}

Describe 'Search-LaminStorage' {
    BeforeAll {
        $t = New-TestInstance
        $descs = 'unrelated', 'metadata', 'raw data', 'database', 'data', 'Data Lake', 'a.b', 'axb', 'x,delta;y', 'deltas'
        $rec = @{}
        $i = 0
        foreach ($d in $descs) { $rec[$d] = New-LaminStorage -Root (Join-Path $t.Work "loc$i") -Description $d; $i++ }
    }
    AfterAll { $t | Remove-TestInstance }

    It 'ranks by the LaminDB weights and carries a Score' {
        $r = Search-LaminStorage -Query 'data' -Field description
        $r.Description | Should -Be @('data', 'raw data', 'Data Lake', 'metadata', 'database')
        # 'data': exact 200 + sub-phrase 10 + word start 2 + word end 2 + contains 1; 'raw data' and 'Data Lake':
        # 10 + 2 + 2 + 1 (ties keep registry order); 'metadata': end 2 + 1; 'database': start 2 + 1.
        $r.Score | Should -Be @(215, 15, 15, 3, 3)
        $r[0].Uid | Should -BeExactly $rec['data'].Uid
    }

    It 'a sub-phrase may be bounded by , and ; but a word start/end only by space or |' {
        $r = Search-LaminStorage -Query 'delta' -Field description
        $r.Description | Should -Be @('x,delta;y', 'deltas')
        $r.Score | Should -Be @(11, 3)   # 10 + contains 1; start 2 + contains 1
    }

    It 'searches every text field by default' {
        $r = Search-LaminStorage 'data'
        $r[0].Description | Should -BeExactly 'data'
        $r.Description | Should -Not -Contain 'unrelated'
        (Search-LaminStorage 'loc3').Uid | Should -Contain $rec['database'].Uid
    }

    It '-Field restricts the fields' {
        Search-LaminStorage -Query 'data' -Field root | Should -BeNullOrEmpty
        @(Search-LaminStorage -Query 'work' -Field root) | Should -HaveCount 10
    }

    It '-Limit caps the number of results' {
        (Search-LaminStorage -Query 'data' -Field description -Limit 2).Description | Should -Be @('data', 'raw data')
    }

    It '-CaseSensitive' {
        (Search-LaminStorage -Query 'Data' -Field description -CaseSensitive).Description | Should -Be @('Data Lake')
        @(Search-LaminStorage -Query 'Data' -Field description) | Should -HaveCount 5
    }

    It 'treats special characters literally' {
        (Search-LaminStorage -Query 'a.b' -Field description).Description | Should -Be @('a.b')
        Search-LaminStorage -Query '(x' -Field description | Should -BeNullOrEmpty
    }

    It 'refuses an empty query (InvalidSearchQuery)' -ForEach @(@{ Q = '' }, @{ Q = '   ' }, @{ Q = $null }) {
        $err = { Search-LaminStorage -Query $Q -ErrorAction Stop } | Should -Throw -ErrorId "InvalidSearchQuery$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Set-LaminStorage (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach {
        $t = New-TestInstance
        $s = New-LaminStorage -Root (Join-Path $t.Work 'one') -Description 'before'
    }
    AfterEach { $t | Remove-TestInstance }

    It '-Description changes the description; an empty one clears it' {
        Set-LaminStorage -Identity $s.Uid -Description 'after'
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeExactly 'after'
        Set-LaminStorage -Identity $s.Uid -Description ''
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeNullOrEmpty
    }

    It '-Space moves the record into a space' {
        $null = New-LaminSpace -Name 'team'
        Set-LaminStorage -Identity $s.Uid -Space 'team'
        (Get-LaminStorage -Identity $s.Uid).Space | Should -BeExactly 'team'
    }

    It '-PassThru returns what a fresh Get-LaminStorage returns' {
        $p = Set-LaminStorage -Identity $s.Uid -Description 'passed' -PassThru
        $fresh = Get-LaminStorage -Identity $s.Uid
        $p.Description | Should -BeExactly 'passed'
        ($p | ConvertTo-Json -Compress) | Should -BeExactly ($fresh | ConvertTo-Json -Compress)
    }

    It '-Lock makes every change fail with RecordLocked until -Unlock' {
        Set-LaminStorage -Identity $s.Uid -Lock
        $locked = Get-LaminStorage -Identity $s.Uid
        $locked.IsLocked | Should -BeTrue
        $before = Get-RegistrySnapshot

        $err = { Set-LaminStorage -Identity $s.Uid -Description 'no' -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $null = New-LaminSpace -Name 'team'
        $before = Get-RegistrySnapshot
        { Set-LaminStorage -Identity $s.Uid -Space 'team' -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        { Remove-LaminStorage -Identity $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RecordLocked$E"
        Get-RegistrySnapshot | Should -BeExactly $before
        Get-MarkerPath $s.Root | Should -Exist

        Set-LaminStorage -Identity $s.Uid -Unlock
        (Get-LaminStorage -Identity $s.Uid).IsLocked | Should -BeFalse
        Set-LaminStorage -Identity $s.Uid -Description 'yes'
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeExactly 'yes'
    }

    It 'Get-LaminStorage | Set-LaminStorage changes every record' {
        $null = New-LaminStorage -Root (Join-Path $t.Work 'two')
        Get-LaminStorage | Set-LaminStorage -Description 'bulk'
        (Get-LaminStorage).Description | Should -Be @('bulk', 'bulk', 'bulk')
    }

    It 'in a pipeline a locked record is a non-terminating error and the others still change' {
        $two = New-LaminStorage -Root (Join-Path $t.Work 'two')
        Set-LaminStorage -Identity $s.Uid -Lock
        Get-LaminStorage | Set-LaminStorage -Description 'bulk' -ErrorAction SilentlyContinue -ErrorVariable errs
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "RecordLocked$E"
        (Get-LaminStorage -Identity $s.Uid).Description | Should -BeExactly 'before'
        (Get-LaminStorage -Identity $two.Uid).Description | Should -BeExactly 'bulk'
    }

    It 'changes nothing under -WhatIf' {
        $before = Get-RegistrySnapshot
        Set-LaminStorage -Identity $s.Uid -Description 'whatif' -WhatIf
        Get-RegistrySnapshot | Should -BeExactly $before
    }
}

Describe 'Remove-LaminStorage (rules 9-14, in order) (<Backend>)' -ForEach $backends {
    BeforeAll { Use-TestBackend $Backend }
    AfterAll { Use-TestBackend $null }
    BeforeEach {
        $t = New-TestInstance
        $s = New-LaminStorage -Root (Join-Path $t.Work 'victim')
    }
    AfterEach { $t | Remove-TestInstance }

    It '-Permanent $false is SoftDeleteNotSupported, before anything else' {
        Set-LaminStorage -Identity $s.Uid -Lock
        $before = Get-RegistrySnapshot
        $err = { Remove-LaminStorage -Identity $s.Uid -Permanent $false -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId "SoftDeleteNotSupported$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        { Remove-LaminStorage -Identity 1 -Permanent $false -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "SoftDeleteNotSupported$E"
        Get-RegistrySnapshot | Should -BeExactly $before
    }

    It 'a location holding artifacts, trashed ones too, is StorageHasArtifacts (rule 10, before rule 12)' {
        $file = Join-Path $t.Root 'in.txt'
        Set-Content -LiteralPath $file -Value 'hello' -NoNewline
        $a = Add-LaminArtifact -Path $file -Storage $s.Uid
        $stats = Get-LaminStorage -Identity $s.Uid -Statistics
        $stats.ArtifactCount | Should -Be 1
        $stats.Size | Should -Be 5

        $err = { Remove-LaminStorage -Identity $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageHasArtifacts$E" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        Remove-LaminArtifact -Identity $a.Uid -Confirm:$false          # to the trash: still counts
        { Remove-LaminStorage -Identity $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageHasArtifacts$E"
        Get-MarkerPath $s.Root | Should -Exist

        Remove-LaminArtifact -Identity $a.Uid -Permanent -Confirm:$false
        Remove-LaminStorage -Identity $s.Uid -Confirm:$false
        Get-LaminStorage -Root $s.Root | Should -BeNullOrEmpty
    }

    It 'a read-only location: only the record goes, no file is touched' {
        $theirs = Join-Path $t.Work 'theirs'
        $null = Set-TestMarker -Root $theirs -Text (New-ForeignMarkerText)
        Set-Content -LiteralPath (Join-Path $theirs '.lamindb/their-object.bin') -Value 'data'
        $ro = New-LaminStorage -Root $theirs -WarningAction SilentlyContinue
        $ro.IsManaged | Should -BeFalse
        $disk = Get-TreeSnapshot $t.Work

        Remove-LaminStorage -Identity $ro.Uid -Confirm:$false

        { Get-LaminStorage -Identity $ro.Uid -ErrorAction Stop } | Should -Throw -ErrorId "RecordNotFound$E"
        Get-TreeSnapshot $t.Work | Should -BeExactly $disk   # marker and object untouched
    }

    It 'a managed location with objects under .lamindb/ is StorageNotEmpty, listing them' {
        $null = New-Item -ItemType Directory -Path (Join-Path $s.Root '.lamindb/sub')
        Set-Content -LiteralPath (Join-Path $s.Root '.lamindb/stray-one.txt') -Value '1'
        Set-Content -LiteralPath (Join-Path $s.Root '.lamindb/sub/stray-two.txt') -Value '2'
        $disk = Get-TreeSnapshot $t.Root
        $before = Get-RegistrySnapshot

        $err = { Remove-LaminStorage -Identity $s.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageNotEmpty$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape('.lamindb/stray-one.txt'))
        $err.Exception.Message | Should -Match ([regex]::Escape('.lamindb/sub/stray-two.txt'))
        $err.Exception.Message | Should -Not -Match 'storage_uid'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        Get-TreeSnapshot $t.Root | Should -BeExactly $disk
        Get-RegistrySnapshot | Should -BeExactly $before
    }

    It 'files outside .lamindb/ do not count' {
        Set-Content -LiteralPath (Join-Path $s.Root 'user-file.csv') -Value 'a,b'
        Remove-LaminStorage -Identity $s.Uid -Confirm:$false
        Join-Path $s.Root 'user-file.csv' | Should -Exist
        Get-MarkerPath $s.Root | Should -Not -Exist
    }

    It 'the default storage is StorageIsDefault ("switch to another first")' {
        $before = Get-RegistrySnapshot
        $err = { Remove-LaminStorage -Identity 1 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageIsDefault$E" -PassThru
        $err.Exception.Message | Should -Match 'switch to another first'
        Get-RegistrySnapshot | Should -BeExactly $before
        Get-MarkerPath $t.Storage | Should -Exist
    }

    It 'checks .lamindb/ (rule 12) before the default (rule 13)' {
        Set-Content -LiteralPath (Join-Path $t.Storage '.lamindb/stray.txt') -Value 'x'
        { Remove-LaminStorage -Identity 1 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageNotEmpty$E"
    }

    It 'otherwise removes the marker, then the record' {
        Remove-LaminStorage -Identity $s.Uid -Confirm:$false
        Get-MarkerPath $s.Root | Should -Not -Exist
        { Get-LaminStorage -Identity $s.Uid -ErrorAction Stop } | Should -Throw -ErrorId "RecordNotFound$E"
        # The location is free again: registering it again writes a new marker with a new uid.
        $again = New-LaminStorage -Root $s.Root
        $again.Uid | Should -Not -BeExactly $s.Uid
        $again.IsManaged | Should -BeTrue
    }

    It 'does nothing under -WhatIf' {
        $disk = Get-TreeSnapshot $t.Root
        $before = Get-RegistrySnapshot
        Remove-LaminStorage -Identity $s.Uid -WhatIf
        Get-TreeSnapshot $t.Root | Should -BeExactly $disk
        Get-RegistrySnapshot | Should -BeExactly $before
    }

    It 'Get-LaminStorage -Root x | Remove-LaminStorage -Confirm:$false' {
        Get-LaminStorage -Root $s.Root | Remove-LaminStorage -Confirm:$false
        Get-LaminStorage -Root $s.Root | Should -BeNullOrEmpty
        Get-MarkerPath $s.Root | Should -Not -Exist
        @(Get-LaminStorage) | Should -HaveCount 1
    }

    It '[pscustomobject]@{Uid=...} | Remove-LaminStorage (by property name)' {
        [pscustomobject]@{ Uid = $s.Uid } | Remove-LaminStorage -Confirm:$false
        Get-LaminStorage -Root $s.Root | Should -BeNullOrEmpty
    }

    It 'a uid string from the pipeline (by value)' {
        $s.Uid | Remove-LaminStorage -Confirm:$false
        Get-LaminStorage -Root $s.Root | Should -BeNullOrEmpty
    }
}

Describe 'Get-LaminLookup' {
    BeforeAll {
        $t = New-TestInstance
        $a = New-LaminSpace -Name 'Team A' -Description 'first'
        $b = New-LaminSpace -Name '2nd-team.v2' -Description 'second'
        $loc = New-LaminStorage -Root (Join-Path $t.Work 'My Data-1') -Description 'Raw Files!'
    }
    AfterAll { $t | Remove-TestInstance }

    It 'names properties after the values: lower-cased, non letters/digits -> _, leading digit prefixed' {
        $l = Get-LaminLookup -Registry Space
        $l.team_a.Uid | Should -BeExactly $a.Uid
        $l._2nd_team_v2.Uid | Should -BeExactly $b.Uid
        $l.all.Name | Should -BeExactly 'all'
        $s = Get-LaminLookup -Registry Storage
        $name = Get-LookupName $loc.Root
        $name | Should -Match '_my_data_1$'
        $s.$name.Uid | Should -BeExactly $loc.Uid
    }

    It '-Field chooses the field, -ReturnField the value held' {
        $l = Get-LaminLookup -Registry Storage -Field description -ReturnField uid
        $l.raw_files_ | Should -BeExactly $loc.Uid
        (Get-LaminLookup -Registry Space -ReturnField description).team_a | Should -BeExactly 'first'
    }

    It 'ToHashtable() keeps the original values as keys' {
        $h = (Get-LaminLookup -Registry Space).ToHashtable()
        $h.Keys | Should -Contain 'Team A'
        $h.Keys | Should -Contain '2nd-team.v2'
        $h['Team A'].Uid | Should -BeExactly $a.Uid
        (Get-LaminLookup -Registry Storage -Field description -ReturnField uid).ToHashtable()['Raw Files!'] | Should -BeExactly $loc.Uid
    }

    It 'an unknown -Field is UnknownField' {
        { Get-LaminLookup -Registry Storage -Field colour -ErrorAction Stop } | Should -Throw -ErrorId "UnknownField$E"
        { Get-LaminLookup -Registry Space -ReturnField colour -ErrorAction Stop } | Should -Throw -ErrorId "UnknownField$E"
    }
}
