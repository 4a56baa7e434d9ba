# Team instances on PostgreSQL (SPEC §7), what only a shared server has: several machines (processes with
# their own LAMIN_HOME) at once, races decided by the database, no password anywhere, the connection errors.
# Needs the server named by LAMIN_TEST_POSTGRES (build.ps1 -Task Test starts one); skipped without it.
# The behaviour shared with LiteDB runs on both backends in Storage, Space, Artifacts and BadInput.
BeforeDiscovery { $noServer = -not $env:LAMIN_TEST_POSTGRES }
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:E = ',Lamin.PowerShell.Commands.*'

    # A child process: its own LAMIN_HOME (another machine), connected to the database, waiting for "go"
    # on stdin before it runs $Work; it prints what $Work returns, one value per line, then "done".
    function Start-Machine([string] $Url, [string] $HomeDir, [string] $Work) {
        $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module `$env:LAMIN_TEST_MODULE
`$env:LAMIN_HOME = '$HomeDir'
`$null = Connect-LaminInstance -Database '$Url' -WarningAction SilentlyContinue
[Console]::Out.WriteLine('ready'); [Console]::Out.Flush()
`$null = [Console]::In.ReadLine()
try { & { $Work } | ForEach-Object { [Console]::Out.WriteLine([string]`$_) } } catch { [Console]::Out.WriteLine('error: ' + `$_.FullyQualifiedErrorId + ' ' + `$_) }
[Console]::Out.WriteLine('done'); [Console]::Out.Flush()
"@
        $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $child))
        $line = Read-LineOrFail $p -TimeoutSeconds 120
        if ($line -ne 'ready') { throw "machine did not start: $line $($p.StandardError.ReadToEnd())" }
        $p
    }

    function Read-Machine([System.Diagnostics.Process] $Process) {
        $lines = [System.Collections.Generic.List[string]]::new()
        while (($line = Read-LineOrFail $Process -TimeoutSeconds 180) -ne 'done') {
            if ($null -eq $line) { throw "machine ended early: $($Process.StandardError.ReadToEnd())" }
            $lines.Add($line)
        }
        $Process.WaitForExit()
        , $lines.ToArray()
    }

    # The server's client programs (pg_dump, pg_ctl), found as tests/servers/Start-Postgres.ps1 finds initdb:
    # Debian's /usr/lib/postgresql/<major>/bin (the newest), else one on PATH. $null when there is none.
    function Find-PostgresProgram([string] $Name) {
        $found = Get-ChildItem "/usr/lib/postgresql/*/bin/$Name" -ErrorAction SilentlyContinue |
            Sort-Object { [int]($_.Directory.Parent.Name -replace '\D', '') } -Descending | Select-Object -First 1
        if ($found) { return $found.FullName }
        $onPath = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($onPath) { $onPath.Source } else { $null }
    }

    function Get-SettingsText([string] $HomeDir) {
        Get-ChildItem -LiteralPath $HomeDir -Recurse -File -Force | ForEach-Object { [IO.File]::ReadAllText($_.FullName) }
    }
}

Describe 'Team instance: several machines on one database' -Skip:$noServer {
    BeforeEach { $t = New-TestInstance -Backend PostgreSQL }
    AfterEach { $t | Remove-TestInstance }
    AfterAll { Use-TestBackend $null }   # drops this file's database

    It 'is a PostgreSQL instance: Backend, Database without password, no registry file, settings hold no password' {
        $t.Instance.Backend | Should -BeExactly 'PostgreSQL'
        $t.Instance.Database | Should -BeExactly $t.Database.Url
        $t.Instance.RegistryPath | Should -BeNullOrEmpty
        (Get-LaminInstance).Backend | Should -BeExactly 'PostgreSQL'
        Join-Path $t.Storage '.lamindb/lamin.db' | Should -Not -Exist
        $password = (Get-TestPostgresServer).Password
        Get-SettingsText $t.Home | Should -Not -Match ([regex]::Escape($password))
        # The tables are in the schema lamin, the records there.
        Invoke-TestPostgresSql 'SELECT root FROM lamin.storage' -Database $t.Database.Name | Should -BeExactly $t.Storage
    }

    It 'a second machine (its own LAMIN_HOME) connects with -Database and sees and adds records the first sees' {
        $null = New-LaminStorage -Root (Join-Path $t.Work 'first')
        $home2 = Join-Path $t.Root 'home2'
        $m = Start-Machine -Url $t.Database.Url -HomeDir $home2 -Work "(Get-LaminStorage).Root; (New-LaminStorage -Root '$(Join-Path $t.Work 'second')').Uid"
        $m.StandardInput.WriteLine('go')
        $out = Read-Machine $m
        $out | Should -Contain (Join-Path $t.Work 'first')
        $out | Should -Contain $t.Storage
        $second = Get-LaminStorage -Root (Join-Path $t.Work 'second')
        $second.Uid | Should -BeExactly $out[-1]
        $second.IsManaged | Should -BeTrue
        Get-ChildItem (Join-Path $home2 'instances') -Filter *.json | Should -HaveCount 1
    }

    It 'machines racing to register one root get one record, and all of them that record' {
        $root = Join-Path $t.Work 'contested'
        $machines = 1..3 | ForEach-Object {
            Start-Machine -Url $t.Database.Url -HomeDir (Join-Path $t.Root "home-race-$_") -Work "(New-LaminStorage -Root '$root' -WarningAction SilentlyContinue).Uid"
        }
        foreach ($m in $machines) { $m.StandardInput.WriteLine('go') }   # all at once
        $uids = foreach ($m in $machines) { (Read-Machine $m)[-1] }
        $records = @(Get-LaminStorage -Root $root)
        $records | Should -HaveCount 1
        $uids | Should -Be @($records[0].Uid, $records[0].Uid, $records[0].Uid)
        (Get-Content (Get-MarkerPath $root) -TotalCount 1) | Should -BeExactly $records[0].Uid
        Invoke-TestPostgresSql "SELECT count(*) FROM lamin.storage WHERE root = '$root'" -Database $t.Database.Name | Should -Be 1
    }

    It '3 machines x 50 artifacts at once: each registered once, one latest version per key' {
        $machines = 1..3 | ForEach-Object {
            $src = Join-Path $t.Work "src$_"
            $null = New-Item -ItemType Directory -Path $src
            1..50 | ForEach-Object { Set-Content -LiteralPath (Join-Path $src "f$_.txt") -Value "machine $($src) file $_" -NoNewline }
            Start-Machine -Url $t.Database.Url -HomeDir (Join-Path $t.Root "home-add-$_") `
                -Work "Get-ChildItem '$src' -File | ForEach-Object { (Add-LaminArtifact -Path `$_.FullName -Key ('m$_/' + `$_.Name)).Uid }"
        }
        foreach ($m in $machines) { $m.StandardInput.WriteLine('go') }
        $uids = foreach ($m in $machines) { Read-Machine $m | ForEach-Object { $_ } }
        $uids | Where-Object { $_ -like 'error:*' } | Should -BeNullOrEmpty
        $uids | Should -HaveCount 150
        $all = @(Get-LaminArtifact)
        $all | Should -HaveCount 150
        @($all.Uid | Sort-Object -Unique) | Should -HaveCount 150
        @($all.Key | Sort-Object -Unique) | Should -HaveCount 150
        foreach ($a in $all) { $a.FullName | Should -Exist }
        (Get-Content -LiteralPath ($all | Where-Object Key -eq 'm2/f7.txt').FullName -Raw) | Should -BeExactly "machine $(Join-Path $t.Work 'src2') file 7"
    }

    It 'a new version by one machine demotes the previous one in the database (one latest per key)' {
        $f = Join-Path $t.Work 'v.txt'
        Set-Content -LiteralPath $f -Value 'one' -NoNewline
        $v1 = Add-LaminArtifact $f -Key 'k/v.txt'
        Set-Content -LiteralPath $f -Value 'two' -NoNewline
        $v2 = Add-LaminArtifact $f -Key 'k/v.txt' -WarningAction SilentlyContinue
        $rows = Invoke-TestPostgresSql "SELECT uid, is_latest FROM lamin.artifact WHERE key = 'k/v.txt' ORDER BY version" -Database $t.Database.Name
        $rows | Should -HaveCount 2
        $rows[0][0] | Should -BeExactly $v1.Uid; $rows[0][1] | Should -BeFalse
        $rows[1][0] | Should -BeExactly $v2.Uid; $rows[1][1] | Should -BeTrue
        # The database itself refuses a second latest version of the key, whoever writes.
        { Invoke-TestPostgresSql "UPDATE lamin.artifact SET is_latest = true WHERE uid = '$($v1.Uid)'" -Database $t.Database.Name } | Should -Throw '*artifact_latest_key*'
    }

    It 'a 1024-character key of multi-byte characters (3 KB in UTF-8, more than a btree entry holds) is added, versioned and found' {
        $rng = [Random]::new(15)
        $seg = { param($n) -join (1..$n | ForEach-Object { [char]$rng.Next(0x4E00, 0x9FA0) }) }
        $key = ((1..11 | ForEach-Object { & $seg 85 }) -join '/') + '/' + (& $seg 74) + '.csv'
        $key.Length | Should -Be 1024
        $f = Join-Path $t.Work 'long.csv'
        Set-Content -LiteralPath $f -Value 'one' -NoNewline
        $v1 = Add-LaminArtifact $f -Key $key
        Set-Content -LiteralPath $f -Value 'two' -NoNewline
        $v2 = Add-LaminArtifact $f -Key $key -WarningAction SilentlyContinue
        $v2.Version | Should -Be 2
        (Get-LaminArtifact -Key $key).Uid | Should -BeExactly $v2.Uid
        @(Get-LaminArtifact -Key $key -AllVersions).Uid | Should -BeExactly @($v1.Uid, $v2.Uid)
        @(Get-LaminArtifact -Key ($key.Substring(0, 700) + '*')).Uid | Should -BeExactly @($v2.Uid)
        # One latest version of a long key too, whoever writes.
        { Invoke-TestPostgresSql "UPDATE lamin.artifact SET is_latest = true WHERE uid = '$($v1.Uid)'" -Database $t.Database.Name } | Should -Throw '*artifact_latest_long_key*'
    }

    It 'Remove-LaminInstance forgets it here and keeps the registry; -DropRegistry drops the schema' {
        Remove-LaminInstance -Force
        Get-LaminInstance | Should -BeNullOrEmpty
        Invoke-TestPostgresSql "SELECT count(*) FROM lamin.instance" -Database $t.Database.Name | Should -Be 1
        $back = Connect-LaminInstance -Database $t.Database.Url -PassThru
        $back.Uid | Should -BeExactly $t.Instance.Uid
        Remove-LaminInstance -DropRegistry -Force
        Invoke-TestPostgresSql "SELECT count(*) FROM pg_namespace WHERE nspname = 'lamin'" -Database $t.Database.Name | Should -Be 0
        Get-LaminInstance | Should -BeNullOrEmpty
    }
}

Describe 'Team instance: passwords and connection errors' -Skip:$noServer {
    BeforeEach {
        $t = New-TestInstance -NoInstance
        $server = Get-TestPostgresServer
        $db = New-TestDatabase
        $env:PGPASSWORD = $null
        $cred = [pscredential]::new($server.User, (ConvertTo-SecureString $server.Password -AsPlainText -Force))
    }
    AfterEach { Remove-TestDatabase $db; $t | Remove-TestInstance }

    It '-Credential: the password stays in memory; no file of the settings folder holds it' {
        $i = New-LaminInstance -Name team -Storage $t.Storage -Database $db.Url -Credential $cred
        $i.Database | Should -BeExactly $db.Url
        $null = New-LaminStorage -Root (Join-Path $t.Work 'later')   # a later command connects with the remembered credential
        (Get-LaminStorage).Count | Should -Be 2
        Get-SettingsText $t.Home | Should -Not -Match ([regex]::Escape($server.Password))
        $null = Get-ChildItem -LiteralPath $t.Home -Recurse -File | Should -Not -BeNullOrEmpty
    }

    It 'a password written in the URL is used for that command only, with a warning, and never stored' {
        $withPassword = $db.Url -replace '@', ":$([Uri]::EscapeDataString($server.Password))@"
        $i = New-LaminInstance -Name team -Storage $t.Storage -Database $withPassword -WarningVariable w -WarningAction SilentlyContinue
        $i.Database | Should -BeExactly $db.Url
        ($w -join "`n") | Should -Match 'this command only'
        ($w -join "`n") | Should -Not -Match ([regex]::Escape($server.Password))
        Get-SettingsText $t.Home | Should -Not -Match ([regex]::Escape($server.Password))
        # The next command has no password: the server refuses the login.
        { Get-LaminStorage -ErrorAction Stop } | Should -Throw -ErrorId "RegistryAuthenticationFailed$E"
    }

    It 'no password in any file of the settings folder, in verbose output, nor anywhere in pg_dump of the database' {
        $pgDump = Find-PostgresProgram 'pg_dump'
        if (-not $pgDump) { Set-ItResult -Skipped -Because 'pg_dump is not installed here'; return }
        $i = New-LaminInstance -Name team -Storage $t.Storage -Database $db.Url -Credential $cred -Verbose 4>&1 |
            ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $_.Message | Should -Not -Match ([regex]::Escape($server.Password)) } else { $_ } }
        $i.Name | Should -Be 'team'
        $f = Join-Path $t.Work 'data.txt'; Set-Content -LiteralPath $f -Value 'what the team keeps' -NoNewline
        $a = Add-LaminArtifact $f -Key 'team/data.txt' -Verbose 4>&1 |
            ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $_.Message | Should -Not -Match ([regex]::Escape($server.Password)) } else { $_ } }
        $null = New-LaminSpace -Name 'lab'
        $null = New-LaminStorage -Root (Join-Path $t.Work 'second') -Space 'lab'
        Get-SettingsText $t.Home | Should -Not -Match ([regex]::Escape($server.Password))
        # The whole database as its owner dumps it: schema, data, comments, roles' grants.
        $env:PGPASSWORD = $server.Password
        try { $dump = & $pgDump --no-password -h $server.Host -p $server.Port -U $server.User -d $db.Name 2>&1 | Out-String }
        finally { $env:PGPASSWORD = $null }
        $LASTEXITCODE | Should -Be 0 -Because $dump
        $dump | Should -Match 'CREATE TABLE lamin\.artifact'   # a real dump of the registry ...
        $dump | Should -Match ([regex]::Escape($a.Uid))          # ... with its records
        $dump | Should -Not -Match ([regex]::Escape($server.Password))
    }

    It 'keyword options of the connection are kept in the stored connection (never the password) and used by later commands' {
        $app = 'lamin-test-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $keywords = "Host=$($server.Host);Port=$($server.Port);Database=$($db.Name);Username=$($server.User);Password=$($server.Password);" +
            "Timeout=7;Command Timeout=45;Application Name=$app;SSL Mode=Disable"
        $i = New-LaminInstance -Name team -Storage $t.Storage -Database $keywords -WarningAction SilentlyContinue
        $i.Database | Should -Not -Match ([regex]::Escape($server.Password))
        $i.Database | Should -Match "^postgresql://$([regex]::Escape($server.User))@"
        $i.Database | Should -Match 'connect_timeout=7'
        $i.Database | Should -Match 'Command%20Timeout=45'
        $i.Database | Should -Match "application_name=$app"
        $i.Database | Should -Match 'sslmode=disable'
        $settings = (Get-SettingsText $t.Home) -join "`n"
        $settings | Should -Not -Match ([regex]::Escape($server.Password))
        $settings | Should -Match "application_name=$app"
        # A later command (password from PGPASSWORD) connects with the kept options: the server sees its application name.
        $env:PGPASSWORD = $server.Password
        (Get-LaminStorage).Root | Should -Be $t.Storage
        (Get-LaminInstance | Where-Object Name -eq 'team').Database | Should -BeExactly $i.Database
        Invoke-TestPostgresSql "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'" | Should -BeGreaterThan 0
        # A second machine connecting with the stored URL gets the same options.
        $env:LAMIN_HOME = Join-Path $t.Root 'home-second'
        $null = Connect-LaminInstance -Database $i.Database
        (Get-LaminInstance | Where-Object Name -EQ 'team').Database | Should -BeExactly $i.Database
    }

    It 'a server that is not there is RegistryUnavailable naming host and port; nothing is written to settings' {
        $err = { Connect-LaminInstance -Database "postgresql://$($server.User)@127.0.0.1:1/$($db.Name)" -ErrorAction Stop } |
            Should -Throw -ErrorId "RegistryUnavailable$E" -PassThru
        $err.Exception.Message | Should -Match '127\.0\.0\.1:1\b'
        Join-Path $t.Home 'instances' | Should -Not -Exist
    }

    It 'a wrong password is RegistryAuthenticationFailed, and the message does not hold it' {
        $wrong = [pscredential]::new($server.User, (ConvertTo-SecureString 'Wr0ng-Secret-4711' -AsPlainText -Force))
        $err = { New-LaminInstance -Name team -Storage $t.Storage -Database $db.Url -Credential $wrong -ErrorAction Stop } |
            Should -Throw -ErrorId "RegistryAuthenticationFailed$E" -PassThru
        $err.Exception.Message | Should -Not -Match 'Wr0ng-Secret-4711'
        $err.Exception.Message | Should -Match ([regex]::Escape("$($server.Host):$($server.Port)"))
        $t.Storage | Should -Not -Exist
        Join-Path $t.Home 'instances' | Should -Not -Exist
    }

    It 'a database without a registry is RegistryNotFound; one with a registry is InstanceExists for New-LaminInstance' {
        $env:PGPASSWORD = $server.Password
        { Connect-LaminInstance -Database $db.Url -ErrorAction Stop } | Should -Throw -ErrorId "RegistryNotFound$E"
        $null = New-LaminInstance -Name team -Storage $t.Storage -Database $db.Url
        $other = Join-Path $t.Work 'other'
        { New-LaminInstance -Name team2 -Storage $other -Database $db.Url -ErrorAction Stop } | Should -Throw -ErrorId "InstanceExists$E"
        $other | Should -Not -Exist
        (Get-LaminInstance).Name | Should -Be @('team')
    }

    It 'a registry schema newer than the module is RegistrySchemaTooNew; nothing is written' {
        $env:PGPASSWORD = $server.Password
        $null = New-LaminInstance -Name team -Storage $t.Storage -Database $db.Url
        $null = Invoke-TestPostgresSql 'UPDATE lamin.schema_version SET version = 99' -Database $db.Name
        $env:LAMIN_HOME = Join-Path $t.Root 'home-new'
        { Connect-LaminInstance -Database $db.Url -ErrorAction Stop } | Should -Throw -ErrorId "RegistrySchemaTooNew$E"
        Join-Path $t.Root 'home-new' | Should -Not -Exist
        Invoke-TestPostgresSql 'SELECT version FROM lamin.schema_version' -Database $db.Name | Should -Be 99
    }
}

Describe 'Copy-LaminInstance: a LiteDB instance into a team instance' -Skip:$noServer {
    BeforeEach {
        $t = New-TestInstance -Backend LiteDB
        $db = New-TestDatabase
        $env:PGPASSWORD = (Get-TestPostgresServer).Password
        # A registry with every kind of record: spaces and grants, several locations, versions, the trash.
        $null = New-LaminSpace -Name lab
        $null = Grant-LaminSpaceAccess -Space lab -User bob -Role Write
        $other = New-LaminStorage -Root (Join-Path $t.Work 'other')
        $null = Set-LaminStorage -Identity $other.Uid -Space lab
        $f = Join-Path $t.Work 'f.txt'
        foreach ($v in 'one', 'two', 'three') { Set-Content -LiteralPath $f -Value $v -NoNewline; $null = Add-LaminArtifact $f -Key 'k/f.txt' -WarningAction SilentlyContinue }
        $g = Join-Path $t.Work 'g.txt'; Set-Content -LiteralPath $g -Value 'gone' -NoNewline
        $gone = Add-LaminArtifact $g -Key 'k/g.txt'
        Remove-LaminArtifact $gone.Uid -Confirm:$false
        $h = Join-Path $t.Work 'h.txt'; Set-Content -LiteralPath $h -Value 'elsewhere' -NoNewline
        $null = Add-LaminArtifact $h -Key 'h.txt' -Storage $other.Uid
        function Get-Everything {
            [ordered]@{
                Artifacts = @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id |
                    Select-Object Id, Uid, Key, Hash, HashType, Size, Version, IsLatest, IsTrashed, StorageUid, SpaceId, CreatedAt, CreatedBy, Path
                Storages  = Get-LaminStorage | Sort-Object Id | Select-Object Id, Uid, Root, Type, InstanceUid, SpaceId, IsManaged, CreatedAt
                Spaces    = Get-LaminSpace | Sort-Object Id | Select-Object Id, Uid, Name
                Grants    = Get-LaminSpaceAccess | Select-Object Space, User, Role
                Settings  = (Get-LaminSetting).Storage.Uid
            } | ConvertTo-Json -Depth 4
        }
        $before = Get-Everything
    }
    AfterEach { Remove-TestDatabase $db; $t | Remove-TestInstance }

    It '-WhatIf counts and writes nothing' {
        Copy-LaminInstance -Destination $db.Url -WhatIf
        Invoke-TestPostgresSql "SELECT count(*) FROM pg_namespace WHERE nspname = 'lamin'" -Database $db.Name | Should -Be 0
        (Get-LaminInstance).Backend | Should -BeExactly 'LiteDB'
        Get-Everything | Should -BeExactly $before
    }

    It 'copies every record with its id, makes the team instance current, and retires the source (InstanceMoved)' {
        $copied = Copy-LaminInstance -Destination $db.Url -Confirm:$false
        $copied.Backend | Should -BeExactly 'PostgreSQL'
        $copied.Uid | Should -BeExactly $t.Instance.Uid
        $copied.Name | Should -BeExactly $t.Instance.Name
        Get-Everything | Should -BeExactly $before
        # New ids continue after the copied ones.
        $i = Join-Path $t.Work 'i.txt'; Set-Content -LiteralPath $i -Value 'after' -NoNewline
        $after = Add-LaminArtifact $i -Key 'i.txt'
        $after.Id | Should -BeGreaterThan (@(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Where-Object Uid -ne $after.Uid | Measure-Object Id -Maximum).Maximum
        # The LiteDB registry, joined from another machine: readable, but writes and orphan clearing refuse.
        $env:LAMIN_HOME = Join-Path $t.Root 'home-old'
        $old = Connect-LaminInstance -Path $t.Storage -PassThru
        $old.Backend | Should -BeExactly 'LiteDB'
        @(Get-LaminArtifact -AllVersions) | Should -HaveCount 4   # three versions of k/f.txt and h.txt; g.txt is in the trash
        $err = { New-LaminSpace -Name later -ErrorAction Stop } | Should -Throw -ErrorId "InstanceMoved$E" -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape($db.Url))
        $orphan = Join-Path $t.Storage '.lamindb/orphan.bin'; Set-Content -LiteralPath $orphan -Value 'x'
        { Clear-LaminStorage -Identity $t.Storage -Orphaned -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InstanceMoved$E"
        $orphan | Should -Exist
    }

    It 'a database that already holds a registry is InstanceExists; the source stays writable' {
        $home2 = $env:LAMIN_HOME
        $env:LAMIN_HOME = Join-Path $t.Root 'home-other'
        $null = New-LaminInstance -Name occupant -Storage (Join-Path $t.Work 'occupant') -Database $db.Url
        $env:LAMIN_HOME = $home2
        { Copy-LaminInstance -Destination $db.Url -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InstanceExists$E"
        (Get-LaminInstance | Where-Object IsCurrent).Backend | Should -BeExactly 'LiteDB'
        $null = New-LaminSpace -Name still-writable
        Invoke-TestPostgresSql 'SELECT count(*) FROM lamin.artifact' -Database $db.Name | Should -Be 0
    }
}

# SPEC §7, crashes: the server killed and restarted (pg_ctl restart -m immediate) while a command runs. The
# command is stopped at a point the test observes (a test hook: the command creates a file at that point
# and waits until the test deletes it), never by a timer. A throwaway server of this Describe's own, so the
# shared test server is never restarted under other tests.
Describe 'Team instance: the server restarts in the middle of a command' -Skip:($noServer -or -not $IsLinux) {
    BeforeAll {
        $script:savedServer = $env:LAMIN_TEST_POSTGRES
        $env:LAMIN_TEST_POSTGRES = $null
        $script:own = & (Join-Path $PSScriptRoot '../servers/Start-Postgres.ps1')   # sets LAMIN_TEST_POSTGRES to it
        $script:ownServer = Get-TestPostgresServer


        # Runs $Body in a child (this LAMIN_HOME) that stops at the test hook $Pause; restarts the server
        # there, lets the child go on, and returns what it printed (one line per value, 'error: <id>' for a failure).
        function Invoke-RestartedAt([string] $Pause, [string] $Body, [int] $BatchSize = 0) {
            $file = Join-Path $t.Work ('pause-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            $child = @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; `$WarningPreference = 'SilentlyContinue'
Import-Module `$env:LAMIN_TEST_MODULE
$(Get-TestHookScript)
try { & { $Body } | ForEach-Object { [Console]::Out.WriteLine([string]`$_) } }
catch { [Console]::Out.WriteLine('error: ' + `$_.FullyQualifiedErrorId + ' ' + (`$_.Exception.Message -replace '\s+', ' ') + ' ' + (`$_.Exception.InnerException.GetType().Name)) }
[Console]::Out.WriteLine('done'); [Console]::Out.Flush()
"@
            $psi = Get-PwshStartInfo -Command $child
            $psi.Environment['LAMIN_TEST_PAUSE'] = $Pause
            $psi.Environment['LAMIN_TEST_PAUSE_FILE'] = $file
            $psi.Environment['PGPASSWORD'] = $ownServer.Password
            if ($BatchSize) { $psi.Environment['LAMIN_TEST_BATCH_SIZE'] = "$BatchSize" }
            $p = [System.Diagnostics.Process]::Start($psi)
            $lines = [System.Collections.Generic.List[string]]::new()
            $reader = $p.StandardOutput.ReadToEndAsync()
            # The child creates the file when it reaches the hook (a safety bound, not a delay).
            $watch = [Diagnostics.Stopwatch]::StartNew()
            while (-not (Test-Path -LiteralPath $file) -and -not $p.HasExited -and $watch.Elapsed.TotalSeconds -lt 180) { $null = $p.WaitForExit(50) }
            $file | Should -Exist -Because "the child reaches the hook $Pause ($($p.HasExited) $(if ($p.HasExited) { $reader.Result + $p.StandardError.ReadToEnd() }))"
            Restart-TestPostgres -Server $own
            Remove-Item -LiteralPath $file
            if (-not $p.WaitForExit(180000)) { $p.Kill($true); throw "the child did not finish after the restart" }
            $out = $reader.Result
            $p.Dispose()
            @($out -split "`r?`n" | Where-Object { $_ -ne '' })
        }
    }
    AfterAll {
        & (Join-Path $PSScriptRoot '../servers/Stop-Postgres.ps1') -Server $own
        $env:LAMIN_TEST_POSTGRES = $savedServer
        $env:PGPASSWORD = $null
    }
    BeforeEach {
        $t = New-TestInstance -NoInstance
        $db = New-TestDatabase
        $env:PGPASSWORD = $ownServer.Password
    }
    AfterEach { $t | Remove-TestInstance; Remove-TestDatabase $db }

    It 'in the middle of a 300-file ingest: every registered artifact has its complete file and hash, the rest are orphans, the next add works' {
        $null = New-LaminInstance -Name crash -Storage $t.Storage -Database $db.Url
        $src = Join-Path $t.Work 'src'; $null = New-Item -ItemType Directory $src
        1..300 | ForEach-Object { Set-Content -LiteralPath (Join-Path $src "f$_.txt") -Value "file $_ of an ingest the server dies in" -NoNewline }
        # Batches of 50: two commit, the server restarts while the third is about to commit.
        $out = Invoke-RestartedAt -Pause 'pg-commit#3' -BatchSize 50 -Body "Add-LaminArtifact -Path '$src/*' | ForEach-Object Uid"
        $out[-1] | Should -Be 'done'
        $uids = @($out | Where-Object { $_ -notmatch '^(done|error: )' })
        $errors = @($out | Where-Object { $_ -like 'error: *' })
        # Either it failed with RegistryUnavailable, or a retry at a safe point let it finish.
        if ($errors) { $errors | Should -BeLike 'error: RegistryUnavailable,*' -Because ($out -join "`n") } else { $uids | Should -HaveCount 300 }
        $uids.Count | Should -BeGreaterOrEqual 100
        # The first command after the restart, in this process whose pool held connections from before it.
        $registered = @(Get-LaminArtifact)
        @($registered.Uid | Sort-Object) | Should -Be @($uids | Sort-Object)
        $checks = @(Test-LaminArtifact -Hash)
        @($checks | Where-Object Status -in 'Missing', 'Differ', 'Error') | Should -BeNullOrEmpty
        @($checks | Where-Object Status -EQ 'Match') | Should -HaveCount $uids.Count
        foreach ($s in @($checks | Where-Object Status -EQ 'Unregistered')) { $s.FullName | Should -BeLike '*/.lamindb/*' }
        Clear-LaminStorage -Orphaned -Confirm:$false
        @(Test-LaminArtifact | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
        # The ingest resumes: the files registered before are returned, the others added.
        $again = @(Add-LaminArtifact -Path "$src/*" -WarningAction SilentlyContinue)
        $again | Should -HaveCount 300
        $all = @(Get-LaminArtifact)
        $all | Should -HaveCount 300
        @($all.Hash | Sort-Object -Unique) | Should -HaveCount 300
        @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
    }

    It 'in the middle of Move-LaminStorage: the location is where it was, nothing lost, and the move resumes' {
        $null = New-LaminInstance -Name crash -Storage $t.Storage -Database $db.Url
        $src = Join-Path $t.Work 'src'; $null = New-Item -ItemType Directory $src
        1..20 | ForEach-Object { Set-Content -LiteralPath (Join-Path $src "m$_.txt") -Value "moved file $_" -NoNewline }
        $added = @(Add-LaminArtifact -Path "$src/*")
        $dest = Join-Path $t.Work 'moved-here'
        $out = Invoke-RestartedAt -Pause 'pg-commit#1' -Body "Move-LaminStorage '$($t.Storage)' -Destination '$dest' -Confirm:`$false | ForEach-Object Root"
        $out[-1] | Should -Be 'done'
        if ($out[0] -like 'error: *') {
            $out[0] | Should -BeLike 'error: RegistryUnavailable,*'
            (Get-LaminStorage).Root | Should -Be $t.Storage   # the switch did not commit: the record is unchanged
            @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
            $moved = Move-LaminStorage $t.Storage -Destination $dest -Confirm:$false   # resumes
        }
        (Get-LaminStorage).Root | Should -Be $dest
        $after = @(Get-LaminArtifact)
        @($after.Uid | Sort-Object) | Should -Be @($added.Uid | Sort-Object)
        foreach ($a in $after) { $a.FullName | Should -BeLike "$dest*" }
        @(Test-LaminArtifact -Hash | Where-Object Status -NE 'Match') | Should -BeNullOrEmpty
        Invoke-TestPostgresSql 'SELECT root FROM lamin.storage' -Database $db.Name | Should -Be $dest
    }

    It 'in the middle of Copy-LaminInstance: the source stays current and writable, the database empty, and the copy runs again' {
        $null = New-LaminInstance -Name crash -Storage $t.Storage
        $src = Join-Path $t.Work 'src'; $null = New-Item -ItemType Directory $src
        1..30 | ForEach-Object { Set-Content -LiteralPath (Join-Path $src "c$_.txt") -Value "copied record $_" -NoNewline }
        $added = @(Add-LaminArtifact -Path "$src/*")
        $out = Invoke-RestartedAt -Pause 'pg-commit#1' -Body "Copy-LaminInstance -Destination '$($db.Url)' -Confirm:`$false | ForEach-Object Backend"
        $out[-1] | Should -Be 'done'
        if ($out[0] -like 'error: *') {
            $out[0] | Should -BeLike 'error: RegistryUnavailable,*'
            (Get-LaminInstance | Where-Object Name -EQ 'crash').Backend | Should -Be 'LiteDB'
            Invoke-TestPostgresSql "SELECT count(*) FROM pg_tables WHERE schemaname = 'lamin' AND tablename = 'instance'" -Database $db.Name | ForEach-Object {
                if ($_ -gt 0) { Invoke-TestPostgresSql 'SELECT count(*) FROM lamin.instance' -Database $db.Name | Should -Be 0 }
            }
            # The source is still the live registry: a write works there, then the copy runs again.
            $extra = Join-Path $t.Work 'extra.txt'; Set-Content -LiteralPath $extra -Value 'added after the failed copy' -NoNewline
            $added += Add-LaminArtifact $extra
            $null = Copy-LaminInstance -Destination $db.Url -Confirm:$false
        }
        (Get-LaminInstance | Where-Object Name -EQ 'crash').Backend | Should -Be 'PostgreSQL'
        $copied = @(Get-LaminArtifact)
        @($copied.Uid | Sort-Object) | Should -Be @($added.Uid | Sort-Object)
        Invoke-TestPostgresSql 'SELECT count(*) FROM lamin.artifact' -Database $db.Name | Should -Be $added.Count
        # (The retired LiteDB registry stays in the root's .lamindb/, read-only: not an artifact.)
        $checks = @(Test-LaminArtifact -Hash | Where-Object { $_.FullName -notmatch 'lamin\.db(\.lock)?$' })
        @($checks | Where-Object Status -EQ 'Match') | Should -HaveCount $added.Count
        $bad = @($checks | Where-Object Status -NE 'Match')
        $bad | Should -BeNullOrEmpty -Because ((($bad | ForEach-Object { "$($_.Status) $($_.FullName) $($_.Reason)" }) -join '; ') + ' ' + ($out -join ' '))
    }
}
