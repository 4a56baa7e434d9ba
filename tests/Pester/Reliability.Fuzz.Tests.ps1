# Hostile input: a seeded fuzz over roots, keys, uids, filters and search strings. Every case ends in
# success or an ErrorRecord whose id is in the catalogue (src/Lamin.Core/Errors/LaminError.cs) or is one
# of PowerShell's own parameter-binding ids; never an unmapped .NET exception; and nothing is written
# outside the storage roots and the settings folder. Also: keys and in-place registration never escape
# a root, registry and settings files are private, and odd markers get a clear error.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $catalogue = Get-Content (Join-Path $PSScriptRoot '../../src/Lamin.Core/Errors/LaminError.cs') -Raw
    $script:ids = [regex]::Matches($catalogue, 'public const string (\w+) = nameof') | ForEach-Object { $_.Groups[1].Value }
    $script:seed = 424242
    $script:rng = [Random]::new($seed)
    Write-Host "fuzz seed: $seed"
    $script:pieces = @('..', '.', '/', '\', '%2F', '%2e%2e', '%00', "`0", "`t", "`n", "`r", [string][char]0x1F, [string][char]0x7F,
        'C:\x', 'C:/x', '\\srv\share', '//srv/share', "caf$([char]0xE9)", "cafe$([char]0x301)", '.lamindb', ' ', '~', '*', '?', '[', ']',
        "$([char]0x65E5)$([char]0x672C)", [char]::ConvertFromUtf32(0x1F600), 's3://', 'gs://', 'file://', 'ftp://', '?endpoint_url=', '&', "'", '"', '$x', '`')
    function Get-FuzzString([int] $MaxPieces = 6) {
        if ($rng.Next(20) -eq 0) { return ('x' * $rng.Next(1000, 10001)) }
        $sb = [System.Text.StringBuilder]::new()
        for ($i = 0; $i -lt $rng.Next(1, $MaxPieces + 1); $i++) {
            if ($rng.Next(3) -eq 0) { $null = $sb.Append([char]$rng.Next(32, 127)) } else { $null = $sb.Append($pieces[$rng.Next($pieces.Count)]) }
        }
        $sb.ToString()
    }
    $script:cases = 0; $script:failures = [System.Collections.Generic.List[string]]::new()
    function Invoke-Case([string] $What, [scriptblock] $Case) {
        $script:cases++
        try { $null = & $Case }
        catch {
            $id = ($_.FullyQualifiedErrorId -split ',')[0]
            $known = $id -in $ids -or $id -match '^(Parameter|Argument|MissingArgument|PositionalParameterNotFound|NamedParameterNotFound|AmbiguousParameter)'
            if (-not $known) { $script:failures.Add("$What -> $($_.FullyQualifiedErrorId): $($_.Exception.Message)") }
        }
    }
    $script:E = ',Lamin.PowerShell.Commands.*'
}

Describe 'Seeded fuzz' {
    BeforeAll {
        $t = New-TestInstance
        $parent = Split-Path $t.Root
        $script:outside = @(Get-ChildItem -LiteralPath $t.Root -Force | Where-Object Name -NotIn 'home', 'work', 'default').Name
        $sandbox = New-Item -ItemType Directory (Join-Path $t.Work 'a/b/c/d/e/f/g/h') -Force
        Push-Location $sandbox
        $file = Join-Path $t.Work 'fuzz.txt'; [IO.File]::WriteAllText($file, 'fuzz')
        $ErrorActionPreference = 'Stop'; $WarningPreference = 'SilentlyContinue'; $ProgressPreference = 'SilentlyContinue'
        $script:realHome = [Environment]::GetFolderPath('UserProfile')
        $homeBefore = Get-ChildItem -Force $realHome | ForEach-Object Name
        # "~" expands to HOME: point it into the sandbox so that a fuzzed "~/x" root stays inside.
        $script:savedHome = $env:HOME
        $env:HOME = (New-Item -ItemType Directory (Join-Path $t.Work 'fuzz-home')).FullName
        # Paths resolve through PowerShell's provider, whose "~" is the FileSystem provider's Home (read at
        # startup, not from $env:HOME): point that into the sandbox too, or "~/../.." would reach "/".
        $script:savedProviderHome = (Get-PSProvider FileSystem).Home
        (Get-PSProvider FileSystem).Home = $env:HOME
    }
    AfterAll {
        Pop-Location
        $env:HOME = $savedHome
        (Get-PSProvider FileSystem).Home = $savedProviderHome
        Write-Host "fuzz cases tried: $cases (seed $seed); unmapped: $($failures.Count)"
        $t | Remove-TestInstance
    }

    It 'roots (400 cases)' {
        foreach ($i in 1..400) {
            $s = Get-FuzzString
            if ($s -match '^(s3|gs)://') { $s = $s.Insert(5, '!') }   # never a valid bucket: no test reaches a network
            $expanded = if ($s.Trim() -match '^~([/\\]|$)') { $env:HOME + $s.Trim().Substring(1) } else { $s }
            # As the module resolves local paths: through PowerShell's provider ("\" and "\x" are drive-relative, "~" the provider's home).
            $resolved = try { [IO.Path]::GetFullPath($ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($s.Trim())) } catch { $null }
            $inside = $resolved -and $resolved.StartsWith($t.Work + [IO.Path]::DirectorySeparatorChar)
            if ($inside -or $s -match '://') { Invoke-Case "root '$s'" { New-LaminStorage -Root $s } }
            else { Invoke-Case "root '$s' (WhatIf)" { New-LaminStorage -Root $s -WhatIf } }
        }
        $failures | Should -BeNullOrEmpty
    }

    It 'keys, virtual and real (600 cases)' {
        foreach ($i in 1..600) {
            $k = (Get-FuzzString) + '.txt'
            $virtual = $i % 3 -ne 0
            Invoke-Case "key '$k' virtual=$virtual" { Add-LaminArtifact -LiteralPath $file -Key $k -KeyIsVirtual $virtual -SkipHashLookup }
        }
        $failures | Should -BeNullOrEmpty
    }

    It 'uids and stubs (400 cases)' {
        foreach ($i in 1..400) {
            $u = Get-FuzzString 3
            Invoke-Case "identity '$u'" { Get-LaminStorage -Identity $u }
            Invoke-Case "artifact identity '$u'" { Get-LaminArtifact -Identity $u }
        }
        $failures | Should -BeNullOrEmpty
    }

    It 'filter hashtables (400 cases)' {
        $fields = 'id', 'uid', 'root', 'type', 'region', 'host', 'instance_uid', 'is_locked', 'created_at', 'space_id'
        $lookups = '', '__exact', '__iexact', '__contains', '__icontains', '__startswith', '__endswith', '__in', '__gt', '__gte', '__lt', '__lte', '__isnull', '__bogus', '__in__x'
        foreach ($i in 1..400) {
            $field = if ($rng.Next(4) -eq 0) { Get-FuzzString 2 } else { $fields[$rng.Next($fields.Count)] }
            $key = $field + $lookups[$rng.Next($lookups.Count)]
            $value = switch ($rng.Next(6)) { 0 { Get-FuzzString } 1 { $rng.Next() } 2 { $null } 3 { @((Get-FuzzString 2), 3) } 4 { [datetime]::UtcNow } 5 { @{ nested = 1 } } }
            Invoke-Case "filter $key" { Get-LaminStorage -Filter @{ $key = $value } }
            Invoke-Case "artifact filter $key" { Get-LaminArtifact -Filter @{ $key = $value } }
        }
        $failures | Should -BeNullOrEmpty
    }

    It 'search strings (300 cases)' {
        foreach ($i in 1..300) {
            $q = Get-FuzzString
            Invoke-Case "search '$q'" { Search-LaminStorage -Query $q }
            Invoke-Case "artifact search '$q'" { Search-LaminArtifact -Query $q -Field ('key', (Get-FuzzString 1))[$rng.Next(2)] }
        }
        $failures | Should -BeNullOrEmpty
    }

    It 'wrote nothing outside the roots and the settings folder' {
        @(Get-ChildItem -LiteralPath $t.Root -Force | Where-Object Name -NotIn 'home', 'work', 'default').Name | Should -Be $outside
        (Get-ChildItem -Force $realHome | ForEach-Object Name) | Should -Be $homeBefore
        # Real keys landed inside the default root only.
        foreach ($a in Get-LaminArtifact -AllVersions) { $a.FullName | Should -BeLike "$($t.Storage)*" }
        $cases | Should -BeGreaterThan 3000
    }
}

Describe 'Nothing escapes a root' {
    BeforeEach { $t = New-TestInstance; $loc = New-LaminStorage (Join-Path $t.Work 'store') }
    AfterEach { $t | Remove-TestInstance }

    It 'copies (never registers in place) a symlink inside a storage that points outside it' -Skip:($IsWindows) { # symlinks need privileges on Windows
        $outsideFile = Join-Path $t.Work 'outside.txt'; [IO.File]::WriteAllText($outsideFile, 'outside')
        $link = Join-Path $loc.Root 'link.txt'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $outsideFile
        $a = Add-LaminArtifact $link
        $a.Storage | Should -Not -Be $loc.Root
        $a.KeyIsVirtual | Should -BeTrue
        $a.FullName | Should -BeLike "$($t.Storage)/.lamindb/*"
    }

    It 'refuses keys that climb out or name a drive or a share: <Key>' -ForEach @(
        @{ Key = '../escape.txt' }, @{ Key = 'a/../../escape.txt' }, @{ Key = 'C:/escape.txt' }, @{ Key = 'C:\escape.txt' },
        @{ Key = '\\server\share\escape.txt' }, @{ Key = '/etc/escape.txt' }, @{ Key = 'a/%2e%2e/%2e%2e/escape.txt' }, @{ Key = "a/`0/escape.txt" }
    ) {
        $f = Join-Path $t.Work 'k.txt'; [IO.File]::WriteAllText($f, 'k')
        { Add-LaminArtifact $f -Key $Key -KeyIsVirtual $false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidKey$E"
        Join-Path $t.Work 'escape.txt' | Should -Not -Exist
    }
}

Describe 'Private files and odd markers' {
    BeforeEach { $t = New-TestInstance }
    AfterEach { $t | Remove-TestInstance }

    It 'creates the registry, its lock and the settings files readable by their owner only' -Skip:($IsWindows) {
        foreach ($f in @($t.Registry, "$($t.Registry).lock") + @(Get-ChildItem $env:LAMIN_HOME -Recurse -File).FullName) {
            (& stat -c '%a' $f) | Should -BeExactly '600' -Because $f
        }
    }

    It 'refuses a marker that is <Case> with MarkerInvalid and changes nothing' -ForEach @(
        @{ Case = 'huge (1 MiB)'; Make = { param($m) [IO.File]::WriteAllBytes($m, [byte[]]::new(1MB)) } }
        @{ Case = 'binary'; Make = { param($m) [IO.File]::WriteAllBytes($m, [byte[]](0x4C, 0x00, 0xFF, 0x01)) } }
        @{ Case = 'a directory'; Make = { param($m) $null = New-Item -ItemType Directory $m } }
    ) {
        $root = Join-Path $t.Work 'odd'
        $marker = Get-MarkerPath $root
        $null = New-Item -ItemType Directory (Split-Path $marker) -Force
        & $Make $marker
        $before = Get-TreeSnapshot $root
        { New-LaminStorage -Root $root -ErrorAction Stop } | Should -Throw -ErrorId "MarkerInvalid$E"
        Get-TreeSnapshot $root | Should -BeExactly $before
        Get-LaminStorage -Root $root | Should -BeNullOrEmpty
    }
}

# The same hostile input against a team instance (issue 12): filters, keys, roots, uids and search strings
# that look like SQL (quotes, ;, comments, %, _, backslashes, NUL, dollar quotes, statements), entered by an
# ordinary admitted role (Write on "all", row-level security in force). Every outcome is success or a
# catalogued error id, and nothing outside the instance's tables changes: a canary table in another schema,
# the list of tables, functions and roles of the database, and the role's privileges are as they were.
Describe 'Seeded fuzz on PostgreSQL: input that looks like SQL' -Skip:(-not $env:LAMIN_TEST_POSTGRES) {
    BeforeAll {
        $t = New-TestInstance -Backend PostgreSQL
        $server = Get-TestPostgresServer
        $writer = New-TestRole -Prefix 'fuzzwriter'
        $null = Grant-LaminSpaceAccess -Space all -User $writer.Name -Role Write
        $dbName = $t.Database.Name
        $null = Invoke-TestPostgresSql -Database $dbName @"
DROP SCHEMA IF EXISTS canary CASCADE;
CREATE SCHEMA canary; CREATE TABLE canary.t (x text); INSERT INTO canary.t VALUES ('untouched');
GRANT USAGE ON SCHEMA canary TO $($writer.Name); GRANT SELECT ON canary.t TO $($writer.Name);
"@
        function Get-DatabaseState {
            Invoke-TestPostgresSql -Database $dbName @"
SELECT string_agg(x, ',' ORDER BY x) FROM canary.t
UNION ALL SELECT string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' ORDER BY 1) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
UNION ALL SELECT string_agg(p.oid::regprocedure::text || ':' || p.prosecdef, ',' ORDER BY 1) FROM pg_proc p WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
UNION ALL SELECT string_agg(rolname || ':' || rolsuper::text || rolbypassrls::text || rolcreaterole::text, ',' ORDER BY 1) FROM pg_roles WHERE rolsuper OR rolbypassrls OR rolname = '$($writer.Name)'
UNION ALL SELECT COALESCE(string_agg(roleid::regrole::text, ',' ORDER BY 1), '') FROM pg_auth_members WHERE member = '$($writer.Name)'::regrole
UNION ALL SELECT string_agg(c.relname || ':' || array_to_string(c.relacl, ';'), ',' ORDER BY 1) FROM pg_class c WHERE c.relnamespace = 'lamin'::regnamespace
UNION ALL SELECT count(*)::text FROM pg_policies WHERE schemaname = 'lamin'
"@
        }
        $stateBefore = Get-DatabaseState
        $env:LAMIN_HOME = Join-Path $t.Root 'home-writer'
        $hostPart = if ($server.Host.Contains(':')) { "[$($server.Host)]" } else { $server.Host }
        $savedPassword = $env:PGPASSWORD; $env:PGPASSWORD = $null
        $null = Connect-LaminInstance -Database "postgresql://$($writer.Name)@${hostPart}:$($server.Port)/$dbName" -Credential $writer.Credential
        $null = New-Item -ItemType Directory (Join-Path $t.Work 'pg-sandbox')
        Push-Location (Join-Path $t.Work 'pg-sandbox')
        $file = Join-Path $t.Work 'pgfuzz.txt'; [IO.File]::WriteAllText($file, 'pg fuzz')
        $ErrorActionPreference = 'Stop'; $WarningPreference = 'SilentlyContinue'; $ProgressPreference = 'SilentlyContinue'
        $script:sqlPieces = @("'", "''", '"', ';', '--', '/*', '*/', '%', '_', '\', '\\', "`0", '$$', '$1', '::text', ' OR 1=1', "' OR '1'='1",
            "'; DROP TABLE canary.t; --", '); DELETE FROM lamin.storage; --', 'lamin.artifact', 'pg_sleep(0)', "E'\x00'", '\x', 'ILIKE', 'ESCAPE',
            '*', '?', '[a-z]', ' ', "`t", "`n", 'é', [char]::ConvertFromUtf32(0x1F600), 'a', 'k', '/', '.txt')
        function Get-SqlFuzzString([int] $MaxPieces = 6) {
            $sb = [System.Text.StringBuilder]::new()
            for ($i = 0; $i -lt $rng.Next(1, $MaxPieces + 1); $i++) {
                if ($rng.Next(4) -eq 0) { $null = $sb.Append([char]$rng.Next(32, 127)) } else { $null = $sb.Append($sqlPieces[$rng.Next($sqlPieces.Count)]) }
            }
            $sb.ToString()
        }
        $script:failures.Clear()
    }
    AfterAll {
        Pop-Location
        $env:PGPASSWORD = $savedPassword
        Write-Host "PostgreSQL fuzz cases tried: $cases in all (seed $seed); unmapped: $($failures.Count)"
        $null = Invoke-TestPostgresSql 'DROP SCHEMA IF EXISTS canary CASCADE' -Database $dbName
        $t | Remove-TestInstance
        Use-TestBackend $null   # drops this file's database (and the writer's privileges with it)
        $writer | Remove-TestRole
    }

    It 'roots, keys, uids, filters and search strings (1,000 cases) end in success or a catalogued error' {
        foreach ($i in 1..100) {
            $s = Get-SqlFuzzString
            Invoke-Case "pg root '$s'" { New-LaminStorage -Root (Join-Path $t.Work ('r' + $s)) }
            $k = (Get-SqlFuzzString) + '.txt'
            Invoke-Case "pg key '$k'" { Add-LaminArtifact -LiteralPath $file -Key $k -SkipHashLookup }
        }
        $fields = 'uid', 'key', 'root', 'description', 'hash', 'space_id', 'created_by', 'suffix'
        $lookups = '', '__exact', '__iexact', '__contains', '__icontains', '__startswith', '__endswith', '__in', '__gt', '__lt', '__isnull'
        foreach ($i in 1..200) {
            $u = Get-SqlFuzzString 3
            Invoke-Case "pg identity '$u'" { Get-LaminArtifact -Identity $u }
            Invoke-Case "pg key filter '$u'" { Get-LaminArtifact -Key ($u + '*') }
            $key = $fields[$rng.Next($fields.Count)] + $lookups[$rng.Next($lookups.Count)]
            $value = if ($rng.Next(4) -eq 0) { @((Get-SqlFuzzString 2), (Get-SqlFuzzString 2)) } else { Get-SqlFuzzString }
            Invoke-Case "pg filter $key = '$value'" { Get-LaminArtifact -Filter @{ $key = $value } }
            $q = Get-SqlFuzzString
            Invoke-Case "pg search '$q'" { Search-LaminArtifact -Query $q }
        }
        $failures | Should -BeNullOrEmpty
    }

    It 'changed nothing outside the instance''s tables: canary, tables, functions, roles, privileges, policies' {
        Get-DatabaseState | Should -Be $stateBefore
        # The records entered are the role's own, in "all".
        Invoke-TestPostgresSql "SELECT count(*) FROM lamin.artifact WHERE created_by <> '$($writer.Name)'" -Database $dbName | Should -Be 0
        Invoke-TestPostgresSql 'SELECT count(*) FROM lamin.artifact' -Database $dbName | Should -BeGreaterThan 0
    }
}
