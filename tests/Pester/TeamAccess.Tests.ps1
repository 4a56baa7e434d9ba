# Access enforced by PostgreSQL (issue 12, SPEC §7 and rule 18): spaces as row-level security, the user as
# the login role, admission by a grant on "all". Every restriction is checked through the cmdlets AND with
# raw SQL under the role itself (psql), as someone bypassing the module would. All roles here are ordinary
# LOGIN roles: the test server's own user is a superuser, and superusers bypass row-level security.
# Needs the server named by LAMIN_TEST_POSTGRES (build.ps1 -Task Test starts one) and psql; skipped without them.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $noServer = -not $env:LAMIN_TEST_POSTGRES -or -not (Get-TestPsqlPath)
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'
    $server = Get-TestPostgresServer
    $saved = @{ LAMIN_HOME = $env:LAMIN_HOME; LAMIN_USER = $env:LAMIN_USER; PGPASSWORD = $env:PGPASSWORD }
    $env:PGPASSWORD = $null   # every role logs in with its own -Credential
    $env:LAMIN_USER = $null
    $db = New-TestDatabase
    $roles = [ordered]@{}
    # alice creates the instance (owner: Admin everywhere); bob reads "all"; carol writes "all"; dave reads
    # "all" and the space "secret"; erin is never admitted; frank is admitted and revoked again.
    foreach ($n in 'alice', 'bob', 'carol', 'dave', 'erin', 'frank') { $roles[$n] = New-TestRole -Prefix "lt$n" }
    $null = Invoke-TestPostgresSql "GRANT CREATE ON DATABASE $($db.Name) TO $($roles.alice.Name)"
    $root = New-TestFolder

    function Get-RoleUrl([string] $Name) { "postgresql://$($roles[$Name].Name)@$($server.Host):$($server.Port)/$($db.Name)" }
    # One "machine" per role: its own LAMIN_HOME, connected as that role (the credential stays in memory).
    function Use-Role([string] $Name) { $env:LAMIN_HOME = Join-Path $root "home-$Name" }
    function Connect-Role([string] $Name) {
        Use-Role $Name
        $null = Connect-LaminInstance -Database (Get-RoleUrl $Name) -Credential $roles[$Name].Credential -ErrorAction Stop
    }
    function Invoke-As([string] $Name, [string] $Sql) { Invoke-TestPsql -Role $roles[$Name] -Database $db.Name -Sql $Sql }
    function Invoke-Super([string] $Sql) { Invoke-TestPostgresSql $Sql -Database $db.Name }
    function New-File([string] $Name, [string] $Text) {
        $p = Join-Path $root "src/$Name"
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $p)
        Set-Content -LiteralPath $p -Value $Text -NoNewline
        $p
    }

    Use-Role alice
    $instance = New-LaminInstance -Name team -Storage (Join-Path $root 'default') -Database (Get-RoleUrl alice) -Credential $roles.alice.Credential
    $null = New-LaminSpace -Name 'secret'
    $hidden = New-LaminStorage -Root (Join-Path $root 'hidden') -Space 'secret'
    $open = New-LaminStorage -Root (Join-Path $root 'open')
    $hiddenArtifact = Add-LaminArtifact (New-File 'h.txt' 'hidden content') -Key 'sec/h.txt' -Storage $hidden.Uid
    $openArtifact = Add-LaminArtifact (New-File 'o.txt' 'open content') -Key 'pub/o.txt' -Storage $open.Uid
    $null = Grant-LaminSpaceAccess -Space all -User $roles.bob.Name -Role Read
    $null = Grant-LaminSpaceAccess -Space all -User $roles.carol.Name -Role Write
    $null = Grant-LaminSpaceAccess -Space all -User $roles.dave.Name -Role Read
    $null = Grant-LaminSpaceAccess -Space secret -User $roles.dave.Name -Role Read
    foreach ($n in 'bob', 'carol', 'dave') { Connect-Role $n }
}
AfterAll {
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    if ($db) { Remove-TestDatabase $db }
    $roles.Values | Remove-TestRole
    if ($root) { Remove-TestFolder $root }
}

Describe 'Access enforced by PostgreSQL: what each role sees and changes' -Skip:$noServer {
    AfterEach { Use-Role alice }

    It 'the schema is at version 7, its record tables force row-level security, and no admitted role holds TRUNCATE' {
        Invoke-Super 'SELECT version FROM lamin.schema_version' | Should -Be 7
        $forced = Invoke-Super "SELECT relname FROM pg_class WHERE relnamespace = 'lamin'::regnamespace AND relkind = 'r' AND relrowsecurity AND relforcerowsecurity ORDER BY relname"
        $forced | Should -Be @('artifact', 'space', 'storage')
        Invoke-Super "SELECT relname FROM pg_class WHERE relnamespace = 'lamin'::regnamespace AND relkind = 'r' AND NOT relrowsecurity AND relname <> 'schema_version'" | Should -BeNullOrEmpty
        foreach ($n in 'bob', 'carol', 'dave') {
            Invoke-Super "SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'lamin'::regnamespace AND c.relkind = 'r' AND has_table_privilege('$($roles[$n].Name)', c.oid, 'TRUNCATE')" | Should -Be 0
        }
        $r = Invoke-As carol 'TRUNCATE lamin.artifact'
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'permission denied'
        Invoke-Super 'SELECT count(*) FROM lamin.artifact' | Should -Be 2
    }

    It 'the creating role is Admin everywhere and is the user, whatever LAMIN_USER says' {
        $env:LAMIN_USER = 'mallory'
        try {
            (Get-LaminSetting).User | Should -BeExactly $roles.alice.Name
            (Get-LaminStorage).Uid | Should -Contain $hidden.Uid
            $hidden.CreatedBy | Should -BeExactly $roles.alice.Name
            Invoke-Super "SELECT created_by FROM lamin.instance" | Should -BeExactly $roles.alice.Name
        }
        finally { $env:LAMIN_USER = $null }
    }

    It 'a reader of all does not see a location in an ungranted space, through Get-LaminStorage nor SELECT; its UPDATE changes nothing' {
        Use-Role bob
        $seen = @(Get-LaminStorage).Uid
        $seen | Should -Contain $open.Uid
        $seen | Should -Not -Contain $hidden.Uid
        (Get-LaminSpace).Name | Should -Not -Contain 'secret'
        @(Get-LaminArtifact).Uid | Should -Not -Contain $hiddenArtifact.Uid
        @(Search-LaminStorage 'hidden').Uid | Should -Not -Contain $hidden.Uid
        # SPEC §7: rows of a space the role is not granted are invisible (not found, nothing about them named).
        $err = { Get-LaminStorage -Identity $hidden.Uid -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'RecordNotFound*'
        $err.Exception.Message | Should -Not -Match 'secret'

        $r = Invoke-As bob 'SELECT uid FROM lamin.storage ORDER BY id'
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Contain $open.Uid
        $r.Output | Should -Not -Contain $hidden.Uid
        (Invoke-As bob "SELECT count(*) FROM lamin.artifact WHERE key = 'sec/h.txt'").Output | Should -Be @('0')
        (Invoke-As bob "SELECT count(*) FROM lamin.space WHERE name = 'secret'").Output | Should -Be @('0')
        $u = Invoke-As bob "UPDATE lamin.storage SET description = 'by bob' WHERE uid = '$($hidden.Uid)' RETURNING uid"
        $u.Output | Should -BeNullOrEmpty
        $d = Invoke-As bob "DELETE FROM lamin.storage WHERE uid = '$($hidden.Uid)'"
        $d.ExitCode | Should -Not -Be 0   # a reader holds no DELETE privilege at all
        Invoke-Super "SELECT description IS NULL FROM lamin.storage WHERE uid = '$($hidden.Uid)'" | Should -BeTrue
    }

    It 'lamin.instance shows a role the default location only when it may see it (issue 28): no uid of a hidden default, through the cmdlets nor SELECT' {
        $before = (Get-LaminSetting).Storage.Uid
        $null = Set-LaminSetting -Storage $hidden.Uid
        try {
            Invoke-Super 'SELECT default_storage_uid FROM lamin.instance' | Should -Be $hidden.Uid
            foreach ($sql in 'SELECT default_storage_uid FROM lamin.instance', 'SELECT * FROM lamin.instance') {
                $r = Invoke-As bob $sql
                $r.ExitCode | Should -Not -Be 0
                $r.Error | Should -Match 'permission denied'
                $r.Output | Should -Not -Contain $hidden.Uid
            }
            (Invoke-As bob 'SELECT name FROM lamin.instance').Output | Should -Be @('team')
            (Invoke-As bob 'SELECT coalesce(lamin.visible_default_storage_uid(), ''none'')').Output | Should -Be @('none')
            (Invoke-As dave 'SELECT lamin.visible_default_storage_uid()').Output | Should -Be @($hidden.Uid)   # granted on secret: sees it
            Use-Role bob
            (Get-LaminSetting).Storage | Should -BeNullOrEmpty
            Use-Role carol
            $err = { Add-LaminArtifact (New-File 'c-default.txt' 'to the default') -ErrorAction Stop } | Should -Throw -PassThru
            $err.Exception.Message | Should -Not -Match ([regex]::Escape($hidden.Uid))
            $err.Exception.Message | Should -Match '-Storage'
            Use-Role dave
            (Get-LaminSetting).Storage.Uid | Should -Be $hidden.Uid
        }
        finally {
            Use-Role alice
            $null = Set-LaminSetting -Storage $before
        }
        Invoke-Super 'SELECT default_storage_uid FROM lamin.instance' | Should -Be $before
    }

    It 'a reader sees but cannot change: the cmdlets and raw SQL both refuse, naming the space and the role' {
        Use-Role dave
        (Get-LaminStorage -Identity $hidden.Uid).Root | Should -BeExactly $hidden.Root
        $err = { Set-LaminStorage -Identity $hidden.Uid -Description 'by dave' -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Match 'secret'
        $err.Exception.Message | Should -Match $roles.dave.Name
        { Remove-LaminArtifact -Identity $hiddenArtifact.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"

        (Invoke-As dave "SELECT uid FROM lamin.storage WHERE uid = '$($hidden.Uid)'").Output | Should -Be @($hidden.Uid)
        $r = Invoke-As dave "UPDATE lamin.storage SET description = 'by dave' WHERE uid = '$($hidden.Uid)'"
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'permission denied|needs Write|row-level security'
        Invoke-Super "SELECT description IS NULL FROM lamin.storage WHERE uid = '$($hidden.Uid)'" | Should -BeTrue
        Invoke-Super "SELECT count(*) FROM lamin.artifact WHERE uid = '$($hiddenArtifact.Uid)' AND NOT is_trashed" | Should -Be 1
    }

    It 'a writer of all changes public records but no record of a space it is not granted' {
        Use-Role carol
        (Set-LaminStorage -Identity $open.Uid -Description 'by carol' -PassThru).Description | Should -BeExactly 'by carol'
        $r = Invoke-As carol "UPDATE lamin.artifact SET description = 'raw carol' WHERE uid = '$($openArtifact.Uid)' RETURNING uid"
        $r.Output | Should -Be @($openArtifact.Uid)
        Invoke-Super "SELECT description FROM lamin.artifact WHERE uid = '$($openArtifact.Uid)'" | Should -BeExactly 'raw carol'
        # The hidden location: invisible, so untouched; moving a public one into it is refused.
        (Invoke-As carol "UPDATE lamin.storage SET description = 'x' WHERE uid = '$($hidden.Uid)' RETURNING uid").Output | Should -BeNullOrEmpty
        $secretId = Invoke-Super "SELECT id FROM lamin.space WHERE name = 'secret'"
        $m = Invoke-As carol "UPDATE lamin.storage SET space_id = $secretId WHERE uid = '$($open.Uid)'"
        $m.ExitCode | Should -Not -Be 0
        $i = Invoke-As carol "INSERT INTO lamin.storage (uid, root, type, space_id) VALUES ('RawIntoSecrt', '/raw/secret', 'local', $secretId)"
        $i.ExitCode | Should -Not -Be 0
        Invoke-Super "SELECT space_id FROM lamin.storage WHERE uid = '$($open.Uid)'" | Should -Be 1
        Invoke-Super "SELECT count(*) FROM lamin.storage WHERE uid = 'RawIntoSecrt'" | Should -Be 0
    }

    It 'LAMIN_USER=mallory does not change CreatedBy, and raw SQL can''t forge or change it' {
        Use-Role carol
        $env:LAMIN_USER = 'mallory'
        try {
            (Get-LaminSetting).User | Should -BeExactly $roles.carol.Name
            $s = New-LaminStorage -Root (Join-Path $root 'by-carol')
            $s.CreatedBy | Should -BeExactly $roles.carol.Name
            $a = Add-LaminArtifact (New-File 'c.txt' 'carol content') -Key 'pub/c.txt' -Storage $open.Uid
            $a.CreatedBy | Should -BeExactly $roles.carol.Name
        }
        finally { $env:LAMIN_USER = $null }
        Invoke-Super "SELECT created_by FROM lamin.storage WHERE uid = '$($s.Uid)'" | Should -BeExactly $roles.carol.Name
        Invoke-Super "SELECT created_by FROM lamin.artifact WHERE uid = '$($a.Uid)'" | Should -BeExactly $roles.carol.Name
        # Forging on INSERT, even claiming Copy-LaminInstance's import mode: the database writes the login role.
        $r = Invoke-As carol "SET lamin.import = 'on'; INSERT INTO lamin.storage (uid, root, type, created_by) VALUES ('ForgedByCarl', '/raw/forged', 'local', 'mallory')"
        $r.ExitCode | Should -Be 0
        Invoke-Super "SELECT created_by FROM lamin.storage WHERE uid = 'ForgedByCarl'" | Should -BeExactly $roles.carol.Name
        $u = Invoke-As carol "UPDATE lamin.storage SET created_by = 'mallory' WHERE uid = 'ForgedByCarl'"
        $u.ExitCode | Should -Not -Be 0
        $u.Error | Should -Match 'created_by'
        Invoke-Super "SELECT created_by FROM lamin.storage WHERE uid = 'ForgedByCarl'" | Should -BeExactly $roles.carol.Name
        $null = Invoke-Super "DELETE FROM lamin.storage WHERE uid = 'ForgedByCarl'"
    }

    It 'a role never admitted gets AccessDenied from connect and from every cmdlet; psql sees no table' {
        Use-Role erin
        $err = { Connect-LaminInstance -Database (Get-RoleUrl erin) -Credential $roles.erin.Credential -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Match $roles.erin.Name
        $err.Exception.Message | Should -Match 'Grant-LaminSpaceAccess -Space all'
        Join-Path $root 'home-erin/instances' | Should -Not -Exist
        # The instance known on this machine anyway (its settings entry copied from alice's): every command refuses.
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $root 'home-erin/instances')
        $entry = Get-Content -Raw (Join-Path $root 'home-alice/instances/team.json')
        Set-Content -LiteralPath (Join-Path $root 'home-erin/instances/team.json') -Value ($entry -replace [regex]::Escape($roles.alice.Name), $roles.erin.Name)
        Set-Content -LiteralPath (Join-Path $root 'home-erin/current.txt') -Value 'team'
        $f = New-File 'e.txt' 'erin content'
        $before = Invoke-Super 'SELECT count(*) FROM lamin.storage' ; $beforeA = Invoke-Super 'SELECT count(*) FROM lamin.artifact'
        foreach ($command in @(
                { Get-LaminStorage }, { Get-LaminArtifact }, { Get-LaminSpace }, { Get-LaminSpaceAccess }, { Get-LaminSetting },
                { Search-LaminArtifact 'o' }, { New-LaminStorage -Root (Join-Path $root 'by-erin') }, { Add-LaminArtifact $f -Key 'e.txt' },
                { New-LaminSpace -Name 'erins' }, { Grant-LaminSpaceAccess -Space all -User $roles.erin.Name -Role Admin },
                { Set-LaminSetting -KeepArtifactsLocal $true }, { Remove-LaminStorage -Identity $open.Uid -Confirm:$false })) {
            $e = { & $command -ErrorAction Stop } | Should -Throw -PassThru -Because "$command"
            $e.FullyQualifiedErrorId | Should -BeLike 'AccessDenied*' -Because "$command"
            $e.Exception.Message | Should -Not -Match 'Npgsql|PostgresException' -Because "$command"
        }
        Invoke-Super 'SELECT count(*) FROM lamin.storage' | Should -Be $before
        Invoke-Super 'SELECT count(*) FROM lamin.artifact' | Should -Be $beforeA
        Join-Path $root 'by-erin' | Should -Not -Exist
        $r = Invoke-As erin 'SELECT count(*) FROM lamin.storage'
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'permission denied for schema lamin'
    }

    It 'admission: a grant on all runs the GRANTs; a revoked role sees nothing any more (cmdlets and SQL), at once' {
        $null = Grant-LaminSpaceAccess -Space all -User $roles.frank.Name -Role Write
        Invoke-Super "SELECT has_table_privilege('$($roles.frank.Name)', 'lamin.artifact', 'INSERT')" | Should -BeTrue
        Connect-Role frank
        @(Get-LaminStorage).Uid | Should -Contain $open.Uid
        (Invoke-As frank 'SELECT count(*) FROM lamin.storage').Output | Should -Not -Be @('0')
        Use-Role alice
        Revoke-LaminSpaceAccess -Space all -User $roles.frank.Name
        Invoke-Super "SELECT has_schema_privilege('$($roles.frank.Name)', 'lamin', 'USAGE') OR has_table_privilege('$($roles.frank.Name)', 'lamin.storage', 'SELECT')" | Should -BeFalse
        Use-Role frank
        { Get-LaminStorage -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        { New-LaminStorage -Root (Join-Path $root 'by-frank') -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        $r = Invoke-As frank 'SELECT count(*) FROM lamin.storage'
        $r.ExitCode | Should -Not -Be 0
        # Revoking a space grant hides that space at once.
        Use-Role alice
        $null = Grant-LaminSpaceAccess -Space all -User $roles.frank.Name -Role Read
        $null = Grant-LaminSpaceAccess -Space secret -User $roles.frank.Name -Role Read
        Use-Role frank
        @(Get-LaminStorage).Uid | Should -Contain $hidden.Uid
        Use-Role alice
        Revoke-LaminSpaceAccess -Space secret -User $roles.frank.Name
        Use-Role frank
        @(Get-LaminStorage).Uid | Should -Not -Contain $hidden.Uid
        (Invoke-As frank "SELECT count(*) FROM lamin.storage WHERE uid = '$($hidden.Uid)'").Output | Should -Be @('0')
    }

    It 'a grant to a role that does not exist is InvalidArgument naming the CREATE ROLE line; nothing written' {
        $count = Invoke-Super 'SELECT count(*) FROM lamin.space_access'
        $err = { Grant-LaminSpaceAccess -Space all -User 'no_such_role_x' -Role Read -ErrorAction Stop } | Should -Throw -ErrorId "InvalidArgument$E" -PassThru
        $err.Exception.Message | Should -Match 'CREATE ROLE'
        Invoke-Super 'SELECT count(*) FROM lamin.space_access' | Should -Be $count
    }

    It 'grants are changed only by an Admin of the space: raw SQL escalation attempts fail' {
        $secretId = Invoke-Super "SELECT id FROM lamin.space WHERE name = 'secret'"
        $c = $roles.carol.Name
        foreach ($sql in @(
                "INSERT INTO lamin.space_access (space_id, user_handle, role) VALUES ($secretId, '$c', 'Admin')",
                "UPDATE lamin.space_access SET role = 'Admin' WHERE lower(user_handle) = '$c'",
                "DELETE FROM lamin.space_access WHERE space_id = 1 AND lower(user_handle) = '$($roles.bob.Name)'",
                "SELECT lamin.sync_privileges('$c', false)",
                "ALTER TABLE lamin.artifact DISABLE ROW LEVEL SECURITY",
                "ALTER TABLE lamin.artifact NO FORCE ROW LEVEL SECURITY",
                "SET row_security = off; SELECT count(*) FROM lamin.storage",
                "CREATE FUNCTION lamin.is_admin2() RETURNS boolean LANGUAGE sql AS 'SELECT true'",
                "UPDATE lamin.instance SET keep_artifacts_local = true",
                "SET ROLE $($roles.alice.Name)")) {
            $r = Invoke-As carol $sql
            $r.ExitCode | Should -Not -Be 0 -Because $sql
        }
        Invoke-Super "SELECT count(*) FROM lamin.space_access WHERE lower(user_handle) = '$c' AND role = 'Admin'" | Should -Be 0
        Invoke-Super "SELECT count(*) FROM lamin.space_access WHERE space_id = 1 AND lower(user_handle) = '$($roles.bob.Name)'" | Should -Be 1
        Invoke-Super 'SELECT keep_artifacts_local FROM lamin.instance' | Should -BeFalse
        # A space carol creates with raw SQL is hers (Admin), and can't be turned into another.
        $r = Invoke-As carol "INSERT INTO lamin.space (uid, name) VALUES ('CarolsSpace1', 'carols')"
        $r.ExitCode | Should -Be 0 -Because $r.Error
        Invoke-Super "SELECT a.role FROM lamin.space_access a JOIN lamin.space s ON s.id = a.space_id WHERE s.name = 'carols' AND a.user_handle = '$c'" | Should -BeExactly 'Admin'
        (Invoke-As carol "UPDATE lamin.space SET id = $secretId + 1000 WHERE name = 'carols'").ExitCode | Should -Not -Be 0
        $null = Invoke-Super "DELETE FROM lamin.space_access WHERE space_id = (SELECT id FROM lamin.space WHERE name = 'carols'); DELETE FROM lamin.space WHERE name = 'carols'"
    }

    It 'a function of the role''s own (pg_temp) in a WHERE clause sees only the rows the policies let through' {
        $r = Invoke-As bob @"
CREATE FUNCTION pg_temp.peek(k text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS `$`$ BEGIN RAISE NOTICE 'peek:%', k; RETURN true; END `$`$;
SELECT count(*) FROM lamin.artifact WHERE pg_temp.peek(key);
"@
        $r.ExitCode | Should -Be 0
        $r.Error | Should -Match 'peek:pub/o.txt'
        $r.Error | Should -Not -Match 'sec/h.txt'
    }
}

Describe 'Role names that differ only in case are different users (issue 28)' -Skip:$noServer {
    BeforeAll {
        # PostgreSQL folds unquoted names to lower case, but a quoted name keeps its case: "LtCase_x" and ltcase_x
        # are two roles, two logins, two users. A grant to one must never admit or widen the other.
        $suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
        function New-CaseRole([string] $Name) {
            $password = [guid]::NewGuid().ToString('N')
            $null = Invoke-TestPostgresSql "CREATE ROLE ""$Name"" LOGIN PASSWORD '$password'"
            [pscustomobject]@{ Name = $Name; Password = $password
                Credential = [pscredential]::new($Name, (ConvertTo-SecureString $password -AsPlainText -Force)) }
        }
        $script:low = New-CaseRole "ltcase_$suffix"
        $script:up = New-CaseRole "LtCase_$suffix"
        Use-Role alice
        $null = Grant-LaminSpaceAccess -Space all -User $low.Name -Role Write
        $null = Grant-LaminSpaceAccess -Space secret -User $low.Name -Role Read
        $null = Grant-LaminSpaceAccess -Space all -User $up.Name -Role Read
    }
    AfterAll {
        Use-Role alice
        foreach ($r in $low, $up) {
            foreach ($space in 'all', 'secret') { Revoke-LaminSpaceAccess -Space $space -User $r.Name -ErrorAction SilentlyContinue }
            $null = Invoke-TestPostgresSql "DROP OWNED BY ""$($r.Name)"" CASCADE" -Database $db.Name
            $null = Invoke-TestPostgresSql "DROP ROLE IF EXISTS ""$($r.Name)"""
        }
    }

    It 'each keeps its own grants: two rows in Get-LaminSpaceAccess, the lower-case role''s not replaced by the other''s' {
        $grants = @(Get-LaminSpaceAccess -Space all | Where-Object { $_.User -ceq $low.Name -or $_.User -ceq $up.Name })
        $grants.Count | Should -Be 2
        ($grants | Where-Object { $_.User -ceq $low.Name }).Role | Should -Be 'Write'
        ($grants | Where-Object { $_.User -ceq $up.Name }).Role | Should -Be 'Read'
        @(Get-LaminSpaceAccess -Space secret | Where-Object { $_.User -ceq $up.Name }).Count | Should -Be 0
    }

    It 'the role granted Read on all only sees no location of the space granted to its lower-case namesake, through the cmdlets nor SELECT, and can''t write' {
        Use-Role "case-$($up.Name)"
        $null = Connect-LaminInstance -Database "postgresql://$($up.Name)@$($server.Host):$($server.Port)/$($db.Name)" -Credential $up.Credential -ErrorAction Stop
        @(Get-LaminStorage).Uid | Should -Contain $open.Uid
        @(Get-LaminStorage).Uid | Should -Not -Contain $hidden.Uid
        (Invoke-TestPsql -Role $up -Database $db.Name -Sql "SELECT count(*) FROM lamin.storage WHERE uid = '$($hidden.Uid)'").Output | Should -Be @('0')
        { New-LaminStorage -Root (Join-Path $root "by-$($up.Name)") -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        # The lower-case role sees the space it was granted.
        Use-Role "case-$($low.Name)"
        $null = Connect-LaminInstance -Database "postgresql://$($low.Name)@$($server.Host):$($server.Port)/$($db.Name)" -Credential $low.Credential -ErrorAction Stop
        @(Get-LaminStorage).Uid | Should -Contain $hidden.Uid
    }
}

Describe 'Access enforced by PostgreSQL: hidden conflicts and refusals by the database' -Skip:$noServer {
    AfterEach { Use-Role alice }

    It 'registering a root that is registered in a space the role can''t see is AccessDenied naming nothing hidden' {
        Use-Role carol
        $tree = Get-TreeSnapshot (Join-Path $root 'hidden')
        $err = { New-LaminStorage -Root $hidden.Root -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Not -Match 'secret'
        $err.Exception.Message | Should -Not -Match $hidden.Uid
        $err.Exception.Message | Should -Not -Match 'Npgsql'
        Get-TreeSnapshot (Join-Path $root 'hidden') | Should -BeExactly $tree
        Invoke-Super "SELECT count(*) FROM lamin.storage WHERE root = '$($hidden.Root)'" | Should -Be 1
    }

    BeforeAll {
        # A location moved into "all" keeps its artifacts in their space (rule 18): one of them hidden from carol.
        Use-Role alice
        $moved = New-LaminStorage -Root (Join-Path $root 'moved') -Space 'secret'
        $secretKey = Add-LaminArtifact (New-File 'm1.txt' 'first, secret') -Key 'dup/m.txt' -Storage $moved.Uid
        $null = Set-LaminStorage -Identity $moved.Uid -Space 'all'
    }

    It 'a new version of a key whose latest version is hidden is AccessDenied; nothing registered, nothing left in storage' {
        Use-Role carol
        @(Get-LaminArtifact -Storage $moved.Uid).Uid | Should -Not -Contain $secretKey.Uid
        $tree = Get-TreeSnapshot $moved.Root
        $count = Invoke-Super 'SELECT count(*) FROM lamin.artifact'
        $err = { Add-LaminArtifact (New-File 'm2.txt' 'second, by carol') -Key 'dup/m.txt' -Storage $moved.Uid -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Not -Match $secretKey.Uid
        $err.Exception.Message | Should -Not -Match 'secret'
        Invoke-Super 'SELECT count(*) FROM lamin.artifact' | Should -Be $count
        Get-TreeSnapshot $moved.Root | Should -BeExactly $tree
        # Content that a hidden artifact already has is not deduplicated against it: carol gets her own record, told nothing of the other.
        $same = Add-LaminArtifact (New-File 'h2.txt' 'hidden content') -Key 'pub/h2.txt' -Storage $open.Uid -WarningVariable w -WarningAction SilentlyContinue
        $same.Uid | Should -Not -Be $hiddenArtifact.Uid
        "$w" | Should -Not -Match $hiddenArtifact.Uid
    }

    It 'Remove-LaminStorage of a location holding hidden artifacts is StorageHasArtifacts, naming none of them' {
        Use-Role carol
        $e1 = { Remove-LaminStorage -Identity $moved.Uid -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "StorageHasArtifacts$E" -PassThru
        $e1.Exception.Message | Should -Not -Match $secretKey.Uid
        Invoke-Super "SELECT count(*) FROM lamin.storage WHERE uid = '$($moved.Uid)'" | Should -Be 1
        Get-MarkerPath $moved.Root | Should -Exist
    }

    It 'Move-LaminStorage of a location holding hidden artifacts is AccessDenied; nothing moved' {
        Use-Role carol
        $dest = Join-Path $root 'moved-elsewhere'
        { Move-LaminStorage -Identity $moved.Uid -Destination $dest -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E"
        $dest | Should -Not -Exist
        Invoke-Super "SELECT root FROM lamin.storage WHERE uid = '$($moved.Uid)'" | Should -BeExactly $moved.Root
    }

    It 'Clear-LaminStorage -Orphaned by a role that can''t see an artifact keeps that artifact''s bytes' {
        Use-Role carol
        $secretKey.FullName | Should -Exist
        Clear-LaminStorage -Identity $moved.Uid -Orphaned -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $secretKey.FullName | Should -Exist
        Use-Role alice
        (Get-LaminArtifact -Identity $secretKey.Uid).FullName | Should -BeExactly $secretKey.FullName
    }

    It 'a refusal by the database itself (a privilege taken away behind the module) is AccessDenied, never a half-done change' {
        $null = Invoke-Super "REVOKE INSERT ON lamin.artifact FROM $($roles.carol.Name)"
        try {
            Use-Role carol
            $tree = Get-TreeSnapshot $open.Root
            $count = Invoke-Super 'SELECT count(*) FROM lamin.artifact'
            $err = { Add-LaminArtifact (New-File 'r.txt' 'refused by the database') -Key 'pub/r.txt' -Storage $open.Uid -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
            $err.Exception.Message | Should -Match $roles.carol.Name
            $err.Exception.Message | Should -Not -Match 'Npgsql'
            $err.Exception.InnerException | Should -Not -BeNullOrEmpty
            Invoke-Super 'SELECT count(*) FROM lamin.artifact' | Should -Be $count
            Get-TreeSnapshot $open.Root | Should -BeExactly $tree
        }
        finally { $null = Invoke-Super "GRANT INSERT ON lamin.artifact TO $($roles.carol.Name)" }
    }
}

Describe 'Access enforced by PostgreSQL: a version-1 registry is upgraded by its owner only' -Skip:$noServer {
    It 'a non-owner connecting first is AccessDenied and changes nothing; the owner''s connect upgrades it to the current version with the rows kept' {
        $db1 = New-TestDatabase
        try {
            $owner = $roles.alice
            $null = Invoke-TestPostgresSql "GRANT CREATE ON DATABASE $($db1.Name) TO $($owner.Name)"
            $v1 = Get-Content -Raw (Join-Path $PSScriptRoot '../../src/Lamin.Core/Registry/Postgres/Schema.sql')
            $r = Invoke-TestPsql -Role $owner -Database $db1.Name -Sql (@"
$v1
INSERT INTO lamin.schema_version (id, version) VALUES (1, 1);
INSERT INTO lamin.space (id, uid, name) VALUES (1, 'A1LSpace0000', 'all');
INSERT INTO lamin.instance (id, instance_id, instance_uid, name) VALUES (1, '10075f07-0b0b-48b0-9006-18724fb3be62', '7clAMMtTbqlK', 'old');
INSERT INTO lamin.storage (uid, root, type) VALUES ('OldStorage01', '/old/root', 'local');
INSERT INTO lamin.space_access (space_id, user_handle, role) VALUES (1, '$($roles.bob.Name)', 'Read');
GRANT USAGE ON SCHEMA lamin TO $($roles.bob.Name);
GRANT SELECT ON ALL TABLES IN SCHEMA lamin TO $($roles.bob.Name);
"@)
            $r.ExitCode | Should -Be 0 -Because $r.Error
            $url = { param($n) "postgresql://$($roles[$n].Name)@$($server.Host):$($server.Port)/$($db1.Name)" }
            $env:LAMIN_HOME = Join-Path $root 'home-upgrade-bob'
            $err = { Connect-LaminInstance -Database (& $url bob) -Credential $roles.bob.Credential -ErrorAction Stop } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
            $err.Exception.Message | Should -Match 'upgrad'
            Invoke-TestPostgresSql 'SELECT version FROM lamin.schema_version' -Database $db1.Name | Should -Be 1
            $env:LAMIN_HOME = Join-Path $root 'home-upgrade-alice'
            $i = Connect-LaminInstance -Database (& $url alice) -Credential $owner.Credential -PassThru
            $i.Uid | Should -BeExactly '7clAMMtTbqlK'
            Invoke-TestPostgresSql 'SELECT version FROM lamin.schema_version' -Database $db1.Name | Should -Be 7
            (Get-LaminStorage -Identity 'OldStorage01').Root | Should -BeExactly '/old/root'
            (Get-LaminStorage -Identity 'OldStorage01').Generation | Should -Be 0   # version 4: every location starts at generation 0
            Invoke-TestPostgresSql "SELECT count(*) FROM pg_policies WHERE schemaname = 'lamin'" -Database $db1.Name | Should -BeGreaterThan 10
            Invoke-TestPostgresSql "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'lamin'::regnamespace AND p.proowner <> (SELECT nspowner FROM pg_namespace WHERE nspname = 'lamin')" -Database $db1.Name | Should -Be 0
            # bob, admitted in version 1 only by hand, now reads through the policies (Read on all).
            $env:LAMIN_HOME = Join-Path $root 'home-upgrade-bob'
            $null = Connect-LaminInstance -Database (& $url bob) -Credential $roles.bob.Credential
            (Get-LaminStorage -Identity 'OldStorage01').Uid | Should -BeExactly 'OldStorage01'
        }
        finally { Use-Role alice; Remove-TestDatabase $db1 }
    }
}

Describe 'A location nested in a visible one, in a space the role cannot see (SPEC §10 rule 12, issue 24)' -Skip:$noServer {
    BeforeAll {
        # alice: "open" (space all) holds "open/inner" (space secret) with a file registered there in place.
        Use-Role alice
        $script:inner = New-LaminStorage -Root (Join-Path $root 'open/inner') -Space 'secret' -WarningAction SilentlyContinue
        $script:innerFile = Join-Path $inner.Root 'n.txt'
        Set-Content -LiteralPath $innerFile -Value 'inner bytes' -NoNewline
        $script:innerArtifact = Add-LaminArtifact $innerFile
    }
    AfterEach { Use-Role alice }

    It 'carol (Write on all, not on secret) cannot register the hidden location''s file in place through the outer one: AccessDenied, naming nothing hidden' {
        Connect-Role carol
        $before = Invoke-Super 'SELECT count(*) FROM lamin.artifact'
        $err = { Add-LaminArtifact $innerFile } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($inner.Uid))
        $err.Exception.Message | Should -Not -Match 'secret'
        Invoke-Super 'SELECT count(*) FROM lamin.artifact' | Should -Be $before
        Get-Content -LiteralPath $innerFile -Raw | Should -BeExactly 'inner bytes'
    }

    It 'carol cannot save over the hidden artifact''s bytes with -Force: the gate asks the registry and names nothing' {
        Connect-Role carol
        $mine = Add-LaminArtifact (New-File 'c.txt' 'carol bytes') -Key 'pub/c.txt' -Storage $open.Uid
        $err = { Save-LaminArtifact $mine.Uid -Destination $innerFile -Force } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($inner.Uid))
        Get-Content -LiteralPath $innerFile -Raw | Should -BeExactly 'inner bytes'
        Use-Role alice
        (Test-LaminArtifact -Identity $innerArtifact.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'a seeded fuzz as carol never changes a byte of the hidden nested location, and every refusal is catalogued (seed <Seed>)' -ForEach @(@{ Seed = 24 }, @{ Seed = 2412 }) {
        $catalogue = Get-Content (Join-Path $PSScriptRoot '../../src/Lamin.Core/Errors/LaminError.cs') -Raw
        $known = [regex]::Matches($catalogue, 'public const string (\w+) = nameof') | ForEach-Object { $_.Groups[1].Value }
        $rng = [Random]::new($Seed)
        Use-Role alice
        $sub = Join-Path $inner.Root "sub$Seed"
        $null = New-Item -ItemType Directory -Force $sub
        Set-Content -LiteralPath (Join-Path $sub 'm.txt') -Value "member $Seed" -NoNewline
        $null = Add-LaminArtifact $sub
        $innerBefore = Get-TreeSnapshot $inner.Root
        $targets = @($innerFile, (Join-Path $sub 'm.txt'), $sub, $inner.Root, (Join-Path $inner.Root '.lamindb/storage_uid.txt'),
                     (Join-Path $root "open/free-$Seed.txt"), (Join-Path $root "open/pub-$Seed"))
        Set-Content -LiteralPath $targets[5] -Value 'free' -NoNewline
        Connect-Role carol
        $mine = [System.Collections.Generic.List[string]]::new()
        $unmapped = [System.Collections.Generic.List[string]]::new()
        $steps = [System.Collections.Generic.List[string]]::new()
        foreach ($i in 1..30) {
            $op = $rng.Next(5)
            $target = $targets[$rng.Next($targets.Count)]
            $errs = @()
            try {
                switch ($op) {
                    0 { $steps.Add("add in place $target"); $a = Add-LaminArtifact $target -ErrorAction Stop; if ($a) { $mine.Add($a.Uid) } }
                    1 {
                        $f = New-File "fz-$Seed-$i.txt" "carol $Seed $i"
                        $steps.Add("add copy $f"); $mine.Add((Add-LaminArtifact $f -Key "pub/fz-$Seed-$i.txt" -Storage $open.Uid -ErrorAction Stop).Uid)
                    }
                    2 { if ($mine.Count) { $u = $mine[$rng.Next($mine.Count)]; $steps.Add("save $u -Force -> $target"); $null = Save-LaminArtifact $u -Destination $target -Force -ErrorAction Stop } }
                    3 { if ($mine.Count) { $u = $mine[$rng.Next($mine.Count)]; $steps.Add("remove $u -Permanent -DeleteFile"); Remove-LaminArtifact $u -Permanent -DeleteFile -Confirm:$false -ErrorAction Stop; $null = $mine.Remove($u) } }
                    4 { $steps.Add('clear orphans in open'); $null = Clear-LaminStorage -Identity $open.Uid -Orphaned -OlderThan ([TimeSpan]::Zero) -Confirm:$false -ErrorAction Stop }
                }
            }
            catch { $errs = @($_) }
            foreach ($e in $errs) { if (($e.FullyQualifiedErrorId -split ',')[0] -notin $known) { $unmapped.Add("$($steps[-1]) -> $($e.FullyQualifiedErrorId)") } }
            Get-TreeSnapshot $inner.Root | Should -BeExactly $innerBefore -Because "after '$($steps[-1])' (step $i, seed $Seed)"
        }
        $unmapped | Should -BeNullOrEmpty
        Use-Role alice
        $bad = @(Test-LaminArtifact -Hash -ErrorAction Stop | Where-Object { $_.Uid -and "$($_.Status)" -notin 'Match', 'Superseded' } | ForEach-Object { "$($_.Uid) $($_.Status) $($_.Reason)" })
        $bad | Should -BeNullOrEmpty
        $steps.Count | Should -BeGreaterThan 20
    }
}

Describe 'On S3, a location nested in a visible one, in a space the role cannot see (SPEC §10 rule 12, issue 24)' -Tag Cloud -Skip:$noServer {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'CloudServers.psm1') -Force
        $script:servers = Start-CloudServers
        $script:p = 'team' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        # alice: s3://…/<p>/outer (space all) holds s3://…/<p>/outer/inner (space secret), with an artifact copied
        # into each and one object of the inner location registered in place at inner/data/x.txt.
        Use-Role alice
        $script:outerS3 = New-LaminStorage -Root (Get-S3Root $servers -Prefix "$p/outer")
        $script:innerS3 = New-LaminStorage -Root (Get-S3Root $servers -Prefix "$p/outer/inner") -Space 'secret' -WarningAction SilentlyContinue
        $script:innerS3Artifact = Add-LaminArtifact (New-File "s3-inner-$p.txt" 'hidden s3 bytes') -Key 'sec/n.txt' -Storage $innerS3.Uid
        $null = Add-LaminArtifact (New-File "s3-outer-$p.txt" 'open s3 bytes') -Key 'pub/o.txt' -Storage $outerS3.Uid
        Send-S3Object $servers.S3 'lamin-test' "$p/outer/inner/data/x.txt" ([Text.Encoding]::UTF8.GetBytes('in place, hidden')) | Should -Be 200
        $script:inPlaceUrl = "s3://lamin-test/$p/outer/inner/data/x.txt?endpoint_url=$($servers.S3)"
        $script:inPlace = Add-LaminArtifact $inPlaceUrl
        $inPlace.StorageUid | Should -Be $innerS3.Uid
        $script:innerKeys = @(Get-S3Keys $servers.S3 'lamin-test' "$p/outer/inner/")
        $innerKeys.Count | Should -Be 3 # the marker, the copied artifact's bytes, the object registered in place
    }
    AfterAll {
        Use-Role alice
        if ($script:servers) { Stop-CloudServers $script:servers }
    }
    BeforeEach { Connect-Role carol }
    AfterEach {
        @(Get-S3Keys $servers.S3 'lamin-test' "$p/outer/inner/") | Should -Be $innerKeys
        [Text.Encoding]::UTF8.GetString((Get-S3Object $servers.S3 'lamin-test' "$p/outer/inner/data/x.txt").Bytes) | Should -BeExactly 'in place, hidden'
        Use-Role alice
        (Test-LaminArtifact -Identity $innerS3Artifact.Uid -Hash).Status | Should -Be 'Match'
        (Test-LaminArtifact -Identity $inPlace.Uid -Hash).Status | Should -Be 'Match'
    }

    It 'carol''s orphan clearing of the outer location touches nothing of the hidden inner one; an orphan of the outer goes' {
        $stray = "$p/outer/.lamindb/stray-$p.bin"
        Send-S3Object $servers.S3 'lamin-test' $stray ([Text.Encoding]::UTF8.GetBytes('stray')) | Should -Be 200
        $orphans = @(Clear-LaminStorage -Identity $outerS3.Uid -Orphaned -OlderThan ([TimeSpan]::Zero) -Confirm:$false -PassThru -ErrorAction Stop)
        @($orphans | ForEach-Object Key) | Should -Be @(".lamindb/stray-$p.bin")
        (Get-S3Object $servers.S3 'lamin-test' $stray).Status | Should -Be 404
    }

    It 'carol cannot register the hidden location''s object in place through the outer one: AccessDenied naming nothing hidden' {
        $err = { Add-LaminArtifact $inPlaceUrl } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($innerS3.Uid))
        $err.Exception.Message | Should -Not -Match 'secret'
    }

    It 'carol cannot write her artifact at a real key of the outer location that lies in the hidden one: AccessDenied, nothing written' {
        $f = New-File "s3-carol-$p.txt" 'carol  bytes!!!!'
        # Over the hidden object, and beside it (a new object inside the hidden location): refused before anything is written.
        foreach ($k in 'inner/data/x.txt', 'inner/data/new.txt') {
            $err = { Add-LaminArtifact $f -Key $k -KeyIsVirtual:$false -Storage $outerS3.Uid } | Should -Throw -ErrorId "AccessDenied$E" -PassThru
            $err.Exception.Message | Should -Not -Match ([regex]::Escape($innerS3.Uid))
            Get-LaminArtifact -Key $k -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
    }
}
