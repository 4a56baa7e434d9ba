# Shared helpers for the Pester behaviour tests. Import with:
#   BeforeAll { Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force }
# The module under test comes from $env:LAMIN_TEST_MODULE (set by Invoke-PesterFile.ps1).
Set-StrictMode -Version Latest

if (-not $env:LAMIN_TEST_MODULE) {
    throw 'LAMIN_TEST_MODULE is not set: run the tests through tests/Pester/Invoke-PesterFile.ps1 -ModulePath <Lamin.psd1>.'
}
if (-not (Get-Module -Name Lamin)) {
    # Global, so that the test scripts (not only this helper module) see the cmdlets.
    Import-Module -Name $env:LAMIN_TEST_MODULE -Global -ErrorAction Stop
}

# The test hooks (tests/Lamin.TestHooks, src/Lamin.Core/Util/TestHooks.cs): loaded into the module's own load
# context, where Lamin.Core is, and installed for this process. They act only on the LAMIN_TEST_PAUSE /
# LAMIN_TEST_KILL / LAMIN_TEST_<NUMBER> variables a test sets. A child pwsh runs the same text after its
# Import-Module (Get-TestHookScript); production code reads none of these variables.
$script:HookScript = @'
$laminAssembly = (Get-Command -Name Get-LaminSetting -Module Lamin).ImplementingType.Assembly
$hookType = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($laminAssembly).LoadFromAssemblyPath($env:LAMIN_TEST_HOOKS).GetType('Lamin.TestHooks.EnvironmentHooks', $true)
$hookType::Install()
'@
if (-not $env:LAMIN_TEST_HOOKS -or -not (Test-Path -LiteralPath $env:LAMIN_TEST_HOOKS)) {
    throw "LAMIN_TEST_HOOKS does not name the built test hooks ($env:LAMIN_TEST_HOOKS): build the solution first (build.ps1)."
}
& ([scriptblock]::Create($script:HookScript))

function Get-TestHookScript {
    <# The PowerShell text that installs the test hooks; a child pwsh runs it right after Import-Module. #>
    $script:HookScript
}
Export-ModuleMember -Function Get-TestHookScript

$script:TestFolders = [System.Collections.Generic.List[string]]::new()
$script:SharedTestDatabase = $null

function Resolve-RealPath {
    <# An absolute path with every symlink along it resolved (as the module stores local roots). #>
    param([Parameter(Mandatory)] [string] $Path)
    $full = [System.IO.Path]::GetFullPath($Path)
    $root = [System.IO.Path]::GetPathRoot($full)
    $current = $root
    foreach ($part in $full.Substring($root.Length).Split([char[]]@('/', '\'), [System.StringSplitOptions]::RemoveEmptyEntries)) {
        $next = Join-Path $current $part
        $info = [System.IO.FileInfo]::new($next)
        if ($info.LinkTarget) {
            $target = [System.IO.Path]::GetFullPath($info.LinkTarget, $current)
            $next = Resolve-RealPath $target
        }
        $current = $next
    }
    $current
}

function New-TestFolder {
    <# A new, empty, symlink-free temporary folder; removed by Remove-TestFolder / Remove-TestInstance. #>
    param([string] $Prefix = 'lamin-test')
    $base = Resolve-RealPath ([System.IO.Path]::GetTempPath())
    $path = Join-Path $base ('{0}-{1}' -f $Prefix, [guid]::NewGuid().ToString('N').Substring(0, 10))
    $null = New-Item -ItemType Directory -Path $path -Force
    $script:TestFolders.Add($path)
    $path
}

function Remove-TestFolder {
    param([Parameter(Mandatory)] [string] $Path)
    if (Test-Path -LiteralPath $Path) {
        # Read-only bits set by a test must not make the clean-up fail.
        Get-ChildItem -LiteralPath $Path -Recurse -Force -ErrorAction SilentlyContinue |
            Where-Object { -not $_.PSIsContainer -and $_.IsReadOnly } | ForEach-Object { $_.IsReadOnly = $false }
        Remove-Item -LiteralPath $Path -Recurse -Force -ErrorAction SilentlyContinue
    }
    $null = $script:TestFolders.Remove($Path)
}

function New-TestInstance {
    <#
    Fresh LAMIN_HOME and temp folder, then New-LaminInstance with local default storage.
    Returns: Root (the temp folder), Home (LAMIN_HOME), Storage (default root), Registry (lamin.db),
    Work (an empty folder for further locations), Instance (what New-LaminInstance returned),
    and the previous environment, restored by Remove-TestInstance.
    -Backend PostgreSQL (the default while $env:LAMIN_TEST_BACKEND says so, see Use-TestBackend): the
    registry is the schema lamin in this test file's database on the test server (Database; Registry is
    $null), dropped by Remove-TestInstance (creating a database per test costs ~1 s, a schema ~0.1 s);
    the password reaches the module (and child processes) through PGPASSWORD only.
    #>
    param(
        [string] $Name,
        [string] $User = 'alice',
        [string] $StorageFolder = 'default',
        # Only the fresh LAMIN_HOME and folders; no instance is created (Instance and Registry are $null).
        [switch] $NoInstance,
        [ValidateSet('LiteDB', 'PostgreSQL')]
        [string] $Backend = $(if ($env:LAMIN_TEST_BACKEND) { $env:LAMIN_TEST_BACKEND } else { 'LiteDB' })
    )
    $saved = @{ LAMIN_HOME = $env:LAMIN_HOME; LAMIN_USER = $env:LAMIN_USER; LAMIN_REGISTRY_TIMEOUT = $env:LAMIN_REGISTRY_TIMEOUT; PGPASSWORD = $env:PGPASSWORD }
    $root = New-TestFolder
    $env:LAMIN_HOME = Join-Path $root 'home'
    $env:LAMIN_USER = $User
    $work = Join-Path $root 'work'
    $null = New-Item -ItemType Directory -Path $work
    $storage = Join-Path $root $StorageFolder
    $instance = $null
    $database = $null
    if ($Backend -eq 'PostgreSQL') {
        if (-not $script:SharedTestDatabase) { $script:SharedTestDatabase = New-TestDatabase }
        $database = $script:SharedTestDatabase
        $null = Invoke-TestPostgresSql 'DROP SCHEMA IF EXISTS lamin CASCADE' -Database $database.Name   # a test that failed before its teardown
        $env:PGPASSWORD = (Get-TestPostgresServer).Password
    }
    if (-not $NoInstance) {
        $params = @{ Storage = $storage; ErrorAction = 'Stop'; WarningAction = 'SilentlyContinue'; Confirm = $false }
        if ($Name) { $params.Name = $Name }
        if ($database) { $params.Database = $database.Url }
        $instance = New-LaminInstance @params
    }
    [pscustomobject]@{
        Backend  = $Backend
        Database = $database
        Root     = $root
        Home     = $env:LAMIN_HOME
        Storage  = $storage
        Registry = if ($instance) { $instance.RegistryPath } else { $null }
        Work     = $work
        Instance = $instance
        User     = $User
        SavedEnv = $saved
    }
}

function Remove-TestInstance {
    <# Removes the test's temp folder and restores LAMIN_HOME / LAMIN_USER / LAMIN_REGISTRY_TIMEOUT. #>
    param([Parameter(ValueFromPipeline)] $TestInstance)
    process {
        if ($null -eq $TestInstance) { return }
        foreach ($k in $TestInstance.SavedEnv.Keys) {
            [Environment]::SetEnvironmentVariable($k, $TestInstance.SavedEnv[$k])
        }
        if ($TestInstance.PSObject.Properties['Database'] -and $TestInstance.Database) {
            $null = Invoke-TestPostgresSql 'DROP SCHEMA IF EXISTS lamin CASCADE' -Database $TestInstance.Database.Name
        }
        Remove-TestFolder -Path $TestInstance.Root
    }
}

function Get-TreeSnapshot {
    <#
    Every file under a folder as "relative path | length | SHA-256", and every folder as "relative path/",
    one per line, sorted: a single string, so `Should -Be` shows the difference.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    if (-not (Test-Path -LiteralPath $Path)) { return '<missing>' }
    $full = (Get-Item -LiteralPath $Path -Force).FullName
    $lines = foreach ($item in Get-ChildItem -LiteralPath $full -Recurse -Force) {
        $rel = [System.IO.Path]::GetRelativePath($full, $item.FullName).Replace('\', '/')
        if ($item.PSIsContainer) { "$rel/" }
        else {
            $hash = (Get-FileHash -LiteralPath $item.FullName -Algorithm SHA256).Hash
            '{0} | {1} | {2}' -f $rel, $item.Length, $hash
        }
    }
    (@($lines) | Sort-Object -CaseSensitive) -join "`n"
}

function Get-RegistrySnapshot {
    <#
    What the registry holds, as the current user sees it through the cmdlets: every storage record
    (with statistics), every space and the settings, serialised to JSON.
    #>
    $settings = Get-LaminSetting -ErrorAction Stop
    [ordered]@{
        Storage  = @(Get-LaminStorage -Statistics -ErrorAction Stop | Sort-Object Id)
        Space    = @(Get-LaminSpace -ErrorAction Stop | Sort-Object Id)
        Settings = [ordered]@{
            Instance           = $settings.Instance
            InstanceUid        = $settings.InstanceUid
            DefaultStorageUid  = $settings.Storage.Uid
            KeepArtifactsLocal = $settings.KeepArtifactsLocal
        }
    } | ConvertTo-Json -Depth 4
}

function Get-MarkerPath {
    param([Parameter(Mandatory)] [string] $Root)
    Join-Path (Join-Path $Root '.lamindb') 'storage_uid.txt'
}

function Set-TestMarker {
    <# Writes <root>/.lamindb/storage_uid.txt with the given text (or bytes). #>
    param(
        [Parameter(Mandatory)] [string] $Root,
        [string] $Text,
        [byte[]] $Bytes
    )
    $marker = Get-MarkerPath $Root
    $null = New-Item -ItemType Directory -Path (Split-Path $marker) -Force
    if ($PSBoundParameters.ContainsKey('Bytes')) { [System.IO.File]::WriteAllBytes($marker, $Bytes) }
    else { [System.IO.File]::WriteAllText($marker, $Text) }
    $marker
}

function New-ForeignMarkerText {
    <# A well-formed marker as another instance would write it. #>
    param(
        [string] $StorageUid = 'F0reignStor1',
        [string] $InstanceUid = 'OtherInst123'
    )
    "$StorageUid`ncreation info:`ninstance_slug=other`ninstance_id=$([guid]::NewGuid().ToString('N'))`ninstance_uid=$InstanceUid`n"
}

function ConvertTo-Base62 {
    param([Parameter(Mandatory)] [byte[]] $Bytes)
    $alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    # Big-endian, unsigned.
    $n = [System.Numerics.BigInteger]::new([byte[]](@($Bytes[($Bytes.Length - 1)..0]) + [byte]0))
    $sb = [System.Text.StringBuilder]::new()
    while ($n -gt 0) {
        $rem = [System.Numerics.BigInteger]::Remainder($n, 62)
        $null = $sb.Insert(0, $alphabet[[int]$rem])
        $n = [System.Numerics.BigInteger]::Divide($n, 62)
    }
    $sb.ToString()
}

function Get-ExpectedInstanceUid {
    <# SPEC §2: first 12 characters of base62(MD5(GUID as 32 lowercase hex chars, UTF-8)). #>
    param([Parameter(Mandatory)] [guid] $Id)
    $md5 = [System.Security.Cryptography.MD5]::HashData([System.Text.Encoding]::UTF8.GetBytes($Id.ToString('N')))
    (ConvertTo-Base62 $md5).Substring(0, 12)
}

function Get-PwshStartInfo {
    <#
    A ProcessStartInfo that runs a script block's text in a new `pwsh -NoProfile` (works whether this
    process is pwsh itself or `dotnet pwsh.dll`). Standard input and output are redirected.
    #>
    param([Parameter(Mandatory)] [string] $Command)
    $exe = (Get-Process -Id $PID).Path
    $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        $psi.ArgumentList.Add([Environment]::GetCommandLineArgs()[0])   # pwsh.dll
    }
    foreach ($a in '-NoProfile', '-NonInteractive', '-EncodedCommand', [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($Command))) {
        $psi.ArgumentList.Add($a)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    # The child inherits this process's environment (LAMIN_HOME, LAMIN_USER, LAMIN_TEST_MODULE) as it is now.
    foreach ($k in 'LAMIN_HOME', 'LAMIN_USER', 'LAMIN_TEST_MODULE', 'LAMIN_REGISTRY_TIMEOUT') {
        $v = [Environment]::GetEnvironmentVariable($k)
        if ($null -ne $v) { $psi.Environment[$k] = $v } else { $null = $psi.Environment.Remove($k) }
    }
    $psi
}

function Read-LineOrFail {
    <# Reads one line from a child's stdout; a safety bound so a broken child can't hang the suite (not a sync delay). #>
    param(
        [Parameter(Mandatory)] [System.Diagnostics.Process] $Process,
        [int] $TimeoutSeconds = 60
    )
    $task = $Process.StandardOutput.ReadLineAsync()
    if (-not $task.Wait([TimeSpan]::FromSeconds($TimeoutSeconds))) {
        $err = if ($Process.HasExited) { $Process.StandardError.ReadToEnd() } else { '' }
        throw "The child process wrote no line within $TimeoutSeconds s. $err"
    }
    $task.Result
}

# ------------------------------------------------------------------------------------------------
# PostgreSQL (team instances, SPEC §7): the server named by LAMIN_TEST_POSTGRES (build.ps1 -Task Test
# starts a throwaway one and sets it). One behaviour suite, two backends: a test file runs a Describe
# for each entry of Get-TestBackend (-ForEach), and Use-TestBackend makes New-TestInstance create that
# backend's instance.
# ------------------------------------------------------------------------------------------------

function Get-TestBackend {
    <# The backends to run behaviour tests on, as Pester -ForEach data: LiteDB always, PostgreSQL when a test server is set. #>
    @(@{ Backend = 'LiteDB' }) + @(if ($env:LAMIN_TEST_POSTGRES) { @{ Backend = 'PostgreSQL' } })
}

function Use-TestBackend {
    <# The backend New-TestInstance creates by default, until the next call ($null: LiteDB, and the file's database is dropped). #>
    param([string] $Backend)
    $env:LAMIN_TEST_BACKEND = if ($Backend -and $Backend -ne 'LiteDB') { $Backend } else { $null }
    if (-not $Backend -and $script:SharedTestDatabase) {
        Remove-TestDatabase $script:SharedTestDatabase
        $script:SharedTestDatabase = $null
    }
}

function Get-TestPostgresServer {
    <# LAMIN_TEST_POSTGRES (an Npgsql keyword string or a postgresql:// URL) as Host, Port, User, Password, Database. #>
    $text = $env:LAMIN_TEST_POSTGRES
    if (-not $text) { throw 'LAMIN_TEST_POSTGRES is not set: run the tests with build.ps1 -Task Test (it starts a PostgreSQL server), or set it.' }
    $server = @{ Host = 'localhost'; Port = 5432; User = $null; Password = $null; Database = 'postgres' }
    if ($text -match '^postgres(ql)?://') {
        $uri = [Uri]$text
        $server.Host = $uri.Host; if ($uri.Port -gt 0) { $server.Port = $uri.Port }
        if ($uri.UserInfo) { $u, $p = $uri.UserInfo.Split(':', 2); $server.User = [Uri]::UnescapeDataString($u); if ($p) { $server.Password = [Uri]::UnescapeDataString($p) } }
        if ($uri.AbsolutePath.Length -gt 1) { $server.Database = $uri.AbsolutePath.Substring(1) }
    }
    else {
        foreach ($pair in $text.Split(';', [StringSplitOptions]::RemoveEmptyEntries)) {
            $k, $v = $pair.Split('=', 2)
            switch -Regex ($k.Trim()) {
                '^(host|server)$' { $server.Host = $v.Trim() }
                '^port$' { $server.Port = [int]$v }
                '^(username|user id|user|userid)$' { $server.User = $v.Trim() }
                '^(password|pwd)$' { $server.Password = $v }
                '^database$' { $server.Database = $v.Trim() }
            }
        }
    }
    if (-not $server.User) { $server.User = [Environment]::UserName }
    [pscustomobject]$server
}

function Restart-TestPostgres {
    <#
    Kills and restarts a throwaway server of tests/servers/Start-Postgres.ps1 (pg_ctl restart -m immediate: a crash, the
    transactions in flight are lost) and waits until it accepts connections again. Only a server a test file started
    for itself, never the shared one.
    #>
    param([Parameter(Mandatory)] $Server)
    $cmd = @((Join-Path $Server.BinDirectory 'pg_ctl'), '-D', (Join-Path $Server.Directory 'data'), '-l', (Join-Path $Server.Directory 'log'),
        '-m', 'immediate', '-w', '-t', '60', 'restart')
    if ($Server.OsUser) { $cmd = @('runuser', '-u', $Server.OsUser, '--') + $cmd }
    $out = & $cmd[0] $cmd[1..($cmd.Length - 1)] 2>&1
    if ($LASTEXITCODE -ne 0) { throw "pg_ctl restart failed: $($out | Out-String)" }
}

function Invoke-TestPostgresSql {
    <#
    Runs SQL on the test server as its (super)user, through Npgsql from the built module's folder loaded
    into the test process (the module itself keeps its own copy in its private load context). Returns the
    rows: one value per row for one column, else an array of values per row. -Database: another database than the server's.
    #>
    param([Parameter(Mandatory)] [string] $Sql, [string] $Database,
        # Seconds a statement may run (0: no limit; a bench fills millions of rows).
        [int] $TimeoutSeconds = 30)
    if (-not ('Npgsql.NpgsqlConnection' -as [type])) {
        $dll = Join-Path (Split-Path $env:LAMIN_TEST_MODULE) 'lib/Npgsql.dll'
        $null = [Reflection.Assembly]::LoadFrom($dll)
    }
    $server = Get-TestPostgresServer
    $b = [Npgsql.NpgsqlConnectionStringBuilder]::new()
    $b.Host = $server.Host; $b.Port = $server.Port; $b.Username = $server.User; $b.Password = $server.Password
    $b.Database = if ($Database) { $Database } else { $server.Database }
    $b.Pooling = $false
    $c = [Npgsql.NpgsqlConnection]::new($b.ConnectionString)
    try {
        $c.Open()
        $cmd = $c.CreateCommand(); $cmd.CommandText = $Sql; $cmd.CommandTimeout = $TimeoutSeconds
        $r = $cmd.ExecuteReader()
        try {
            while ($r.Read()) {
                $row = [object[]]::new($r.FieldCount); $null = $r.GetValues($row)
                if ($row.Count -eq 1) { $row[0] } else { , $row }
            }
        }
        finally { $r.Dispose() }
    }
    finally { $c.Dispose() }
}

function New-TestDatabase {
    <# A fresh database on the test server: Name, and Url (postgresql://user@host:port/name, no password). #>
    $server = Get-TestPostgresServer
    $name = 'lamin_p_' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $null = Invoke-TestPostgresSql "CREATE DATABASE $name"
    $hostPart = if ($server.Host.Contains(':')) { "[$($server.Host)]" } else { $server.Host }
    [pscustomobject]@{ Name = $name; Url = "postgresql://$([Uri]::EscapeDataString($server.User))@${hostPart}:$($server.Port)/$name" }
}

function Remove-TestDatabase {
    param([Parameter(Mandatory)] $Database)
    $null = Invoke-TestPostgresSql "DROP DATABASE IF EXISTS $($Database.Name) WITH (FORCE)"
}

Export-ModuleMember -Function Resolve-RealPath, New-TestFolder, Remove-TestFolder, New-TestInstance, Remove-TestInstance,
    Get-TestBackend, Use-TestBackend, Get-TestPostgresServer, Invoke-TestPostgresSql, Restart-TestPostgres, New-TestDatabase, Remove-TestDatabase,
    Get-TreeSnapshot, Get-RegistrySnapshot, Get-MarkerPath, Set-TestMarker, New-ForeignMarkerText,
    ConvertTo-Base62, Get-ExpectedInstanceUid, Get-PwshStartInfo, Read-LineOrFail

# ------------------------------------------------------------------------------------------------
# Artifact helpers (Add-LaminArtifact.Tests.ps1, ArtifactBadInput.Tests.ps1, ArtifactLifecycle.Tests.ps1)
# ------------------------------------------------------------------------------------------------

function New-TestFile {
    <#
    Writes a file, creating its folder: -Text (UTF-8, no BOM), -Bytes, or -Size bytes of seeded
    pseudo-random data (different for every -Seed); returns its FileInfo (the name may hold wildcards).
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $Text = '',
        [byte[]] $Bytes,
        [long] $Size = -1,
        [int] $Seed = 1
    )
    $dir = [System.IO.Path]::GetDirectoryName($Path)
    if ($dir) { $null = [System.IO.Directory]::CreateDirectory($dir) }
    if ($PSBoundParameters.ContainsKey('Bytes')) { [System.IO.File]::WriteAllBytes($Path, $Bytes) }
    elseif ($Size -ge 0) {
        $random = [System.Random]::new($Seed)
        $buffer = [byte[]]::new([Math]::Min([long]1MB, [Math]::Max([long]1, $Size)))
        $fs = [System.IO.File]::Create($Path)
        try {
            $left = $Size
            while ($left -gt 0) {
                $random.NextBytes($buffer)
                $n = [int][Math]::Min([long]$buffer.Length, $left)
                $fs.Write($buffer, 0, $n)
                $left -= $n
            }
        }
        finally { $fs.Dispose() }
    }
    else { [System.IO.File]::WriteAllText($Path, $Text) }
    Get-Item -LiteralPath $Path -Force
}

function ConvertTo-LaminB64 {
    <# base64url without padding, first 22 characters (LaminDB's hash encoding). #>
    param([Parameter(Mandatory)] [byte[]] $Digest)
    $s = [Convert]::ToBase64String($Digest).TrimEnd('=').Replace('+', '-').Replace('/', '_')
    $s.Substring(0, [Math]::Min(22, $s.Length))
}

function Get-ExpectedLaminHash {
    <#
    SPEC rule 21 computed here, independently of the module: a file up to 50 MiB → md5 of the content;
    larger → sha1-fl = sha1(sha1(first 50 MiB) ‖ sha1(last 50 MiB)); a folder → md5-d over the md5
    digests of its members' hash strings sorted ordinally. Returns Hash, HashType, Size (and NFiles).
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $chunk = 50MB
    if (Test-Path -LiteralPath $Path -PathType Container) {
        $files = @(Get-ChildItem -LiteralPath $Path -Recurse -File -Force)
        [string[]] $hashes = @($files | ForEach-Object { (Get-ExpectedLaminHash -Path $_.FullName).Hash })
        [Array]::Sort($hashes, [System.StringComparer]::Ordinal)
        $concat = [System.IO.MemoryStream]::new()
        foreach ($h in $hashes) {
            $d = [System.Security.Cryptography.MD5]::HashData([System.Text.Encoding]::UTF8.GetBytes($h))
            $concat.Write($d, 0, $d.Length)
        }
        $sum = 0L; foreach ($f in $files) { $sum += $f.Length }
        return [pscustomobject]@{
            Hash     = ConvertTo-LaminB64 ([System.Security.Cryptography.MD5]::HashData($concat.ToArray()))
            HashType = 'md5-d'
            Size     = $sum
            NFiles   = $files.Count
        }
    }
    $fs = [System.IO.File]::OpenRead($Path)
    try {
        $size = $fs.Length
        if ($size -le $chunk) {
            return [pscustomobject]@{ Hash = ConvertTo-LaminB64 ([System.Security.Cryptography.MD5]::HashData($fs)); HashType = 'md5'; Size = $size; NFiles = $null }
        }
        $buffer = [byte[]]::new($chunk)
        $fs.ReadExactly($buffer, 0, $chunk)
        $first = [System.Security.Cryptography.SHA1]::HashData($buffer)
        $fs.Position = $size - $chunk
        $fs.ReadExactly($buffer, 0, $chunk)
        $last = [System.Security.Cryptography.SHA1]::HashData($buffer)
        [pscustomobject]@{
            Hash     = ConvertTo-LaminB64 ([System.Security.Cryptography.SHA1]::HashData([byte[]]($first + $last)))
            HashType = 'sha1-fl'
            Size     = $size
            NFiles   = $null
        }
    }
    finally { $fs.Dispose() }
}

function Get-ArtifactSnapshot {
    <# Every artifact record the current user sees (all versions and the trash), sorted by Id, as JSON. #>
    $all = @(@(Get-LaminArtifact -AllVersions -ErrorAction Stop) + @(Get-LaminArtifact -Trash -ErrorAction Stop) | Sort-Object Id)
    ConvertTo-Json -InputObject $all -Depth 3
}

function Get-StorageTreeSnapshot {
    <#
    Get-TreeSnapshot of every registered local storage root (plus any -Path), each under a "== <root>"
    line: one string, so `Should -Be` shows the difference. -ExcludeRegistry leaves out the instance's
    own registry files (lamin.db, lamin-log.db, lamin.db.lock) when the registry is compared by other means.
    #>
    param([string[]] $Path, [switch] $ExcludeRegistry)
    $roots = @(@(Get-LaminStorage -ErrorAction Stop | Where-Object Type -EQ 'local' | ForEach-Object Root) + @($Path) |
        Where-Object { $_ } | Sort-Object -Unique -CaseSensitive)
    $parts = foreach ($root in $roots) {
        $tree = Get-TreeSnapshot -Path $root
        if ($ExcludeRegistry) {
            $tree = (@($tree -split "`n") | Where-Object { $_ -notmatch '^\.lamindb/lamin(\.db|-log\.db|\.db\.lock)( |$)' }) -join "`n"
        }
        "== $root`n$tree"
    }
    $parts -join "`n"
}

function Get-LaminTempLeftover {
    <#
    Temporaries of unfinished writes (.lamin-tmp-*, .lamin-save-*) anywhere under the given folders
    (default: every registered local storage root); their full paths, none when clean.
    #>
    param([string[]] $Path)
    if (-not $Path) { $Path = @(Get-LaminStorage -ErrorAction Stop | Where-Object Type -EQ 'local' | ForEach-Object Root) }
    foreach ($p in $Path) {
        if (Test-Path -LiteralPath $p) {
            Get-ChildItem -LiteralPath $p -Recurse -Force -ErrorAction SilentlyContinue |
                Where-Object { $_.Name -like '.lamin-tmp-*' -or $_.Name -like '.lamin-save-*' } |
                ForEach-Object FullName
        }
    }
}

function Get-ProgressRecord {
    <#
    Runs a script block in a fresh runspace (the module imported, LAMIN_* environment shared) with the
    given $ProgressPreference and returns what it wrote: Output, Progress (ProgressRecords), Errors,
    Warnings. The progress stream can't be redirected with *>&1, so this is how tests read it.
    #>
    param(
        [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
        [object[]] $ArgumentList = @(),
        [string] $ProgressPreference = 'Continue'
    )
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddScript('param($m, $pref) Import-Module -Name $m -ErrorAction Stop; $ProgressPreference = $pref').
            AddArgument($env:LAMIN_TEST_MODULE).AddArgument($ProgressPreference)
        $null = $ps.AddStatement().AddScript($ScriptBlock.ToString())
        foreach ($a in $ArgumentList) { $null = $ps.AddArgument($a) }
        $output = $ps.Invoke()
        [pscustomobject]@{
            Output   = @($output)
            Progress = @($ps.Streams.Progress)
            Errors   = @($ps.Streams.Error)
            Warnings = @($ps.Streams.Warning)
        }
    }
    finally { $ps.Dispose() }
}

Export-ModuleMember -Function New-TestFile, ConvertTo-LaminB64, Get-ExpectedLaminHash, Get-ArtifactSnapshot,
    Get-StorageTreeSnapshot, Get-LaminTempLeftover, Get-ProgressRecord

# ------------------------------------------------------------------------------------------------
# PostgreSQL login roles (issue 12, access enforced by the database): ordinary roles (the test server's
# user is a superuser, and superusers bypass row-level security), and raw SQL under such a role with psql.
# ------------------------------------------------------------------------------------------------

function New-TestRole {
    <# CREATE ROLE <prefix>_<random> LOGIN PASSWORD <random>: Name, Password, Credential. Remove-TestRole drops it. #>
    param([string] $Prefix = 'r')
    $name = ($Prefix + '_' + [guid]::NewGuid().ToString('N').Substring(0, 8)).ToLowerInvariant()
    $password = [guid]::NewGuid().ToString('N')
    $null = Invoke-TestPostgresSql "CREATE ROLE $name LOGIN PASSWORD '$password'"
    [pscustomobject]@{
        Name = $name; Password = $password
        Credential = [pscredential]::new($name, (ConvertTo-SecureString $password -AsPlainText -Force))
    }
}

function Remove-TestRole {
    <# Drops roles made by New-TestRole (after the databases they had privileges in are dropped). #>
    param([Parameter(ValueFromPipeline)] $Role)
    process { if ($Role) { $null = Invoke-TestPostgresSql "DROP ROLE IF EXISTS $($Role.Name)" } }
}

function Get-TestPsqlPath {
    <# psql: on PATH, else beside the server binaries (Debian: /usr/lib/postgresql/<major>/bin); $null when there is none. #>
    $onPath = Get-Command psql -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) { return $onPath.Source }
    Get-ChildItem '/usr/lib/postgresql/*/bin/psql' -ErrorAction SilentlyContinue |
        Sort-Object { [int]($_.Directory.Parent.Name -replace '\D', '') } -Descending | Select-Object -First 1 -ExpandProperty FullName
}

function Invoke-TestPsql {
    <#
    Runs SQL with psql as -Role (an object from New-TestRole) in -Database, the way a user bypassing the
    module would. Returns Output (the lines psql printed: unaligned, tuples only), Error (stderr) and ExitCode
    (ON_ERROR_STOP: not 0 when a statement failed). -Sql may hold several statements.
    #>
    param([Parameter(Mandatory)] $Role, [Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Sql)
    $psql = Get-TestPsqlPath
    if (-not $psql) { throw 'psql is not installed (the tests look on PATH and under /usr/lib/postgresql/*/bin).' }
    $server = Get-TestPostgresServer
    $psi = [System.Diagnostics.ProcessStartInfo]::new($psql)
    foreach ($a in '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', $server.Host, '-p', "$($server.Port)", '-U', $Role.Name, '-d', $Database, '-f', '-') {
        $psi.ArgumentList.Add($a)
    }
    $psi.Environment['PGPASSWORD'] = $Role.Password
    $psi.Environment['PGCONNECT_TIMEOUT'] = '20'
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Write($Sql); $p.StandardInput.Close()
    $err = $p.StandardError.ReadToEndAsync()
    $out = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    [pscustomobject]@{
        Output = @($out -split "`r?`n" | Where-Object { $_ -ne '' })
        Error = $err.Result
        ExitCode = $p.ExitCode
    }
}

Export-ModuleMember -Function New-TestRole, Remove-TestRole, Get-TestPsqlPath, Invoke-TestPsql

function Invoke-TestLiteDb {
    <#
    Runs PowerShell code against a LiteDB registry file opened directly (as a copied or crafted registry would
    be written by hand), in a child pwsh with the module's LiteDB.dll: the code sees the open database as `$db`.
    Fails the test when the child writes to stderr, exits non-zero or takes over a minute.
    #>
    param([Parameter(Mandatory)] [string] $Registry, [Parameter(Mandatory)] [string] $Script)
    $liteDb = Join-Path (Split-Path $env:LAMIN_TEST_MODULE) 'lib/LiteDB.dll'
    $child = "`$ErrorActionPreference = 'Stop'`nAdd-Type -LiteralPath '$liteDb'`n" +
        "`$db = [LiteDB.LiteDatabase]::new('Filename=$Registry;Connection=direct')`ntry {`n$Script`n} finally { `$db.Dispose() }"
    $p = [System.Diagnostics.Process]::Start((Get-PwshStartInfo -Command $child))
    try {
        $stderr = $p.StandardError.ReadToEndAsync()
        $null = $p.StandardOutput.ReadToEnd()
        if (-not $p.WaitForExit(60000)) { $p.Kill(); throw 'the child did not finish within 60 s' }
        if ($stderr.Result) { throw "the child failed: $($stderr.Result)" }
        if ($p.ExitCode -ne 0) { throw "the child exited with $($p.ExitCode)" }
    }
    finally { $p.Dispose() }
}

Export-ModuleMember -Function Invoke-TestLiteDb

# ------------------------------------------------------------------------------------------------
# A child pwsh stopped at a test hook (LAMIN_TEST_PAUSE / LAMIN_TEST_PAUSE_FILE, tests/Lamin.TestHooks):
# the child creates the file when it reaches the hook and waits until it is deleted. Races made deterministic.
# ------------------------------------------------------------------------------------------------

function Start-PausedChild {
    <#
    Starts $Body (PowerShell text) in a child (this LAMIN_HOME, LAMIN_USER, module, and the extra -Environment)
    that stops at the hook $Pause; returns @{ Process; File; Output } once the child is there. The child prints
    its output lines, 'error: <FullyQualifiedErrorId> <message>' for a failure, then 'done'.
    #>
    param([Parameter(Mandatory)] [string] $Pause, [Parameter(Mandatory)] [string] $Body, [Parameter(Mandatory)] [string] $Folder,
        [hashtable] $Environment = @{},
        # Return at once, without waiting for the child to reach the hook (a child that may wait elsewhere first).
        [switch] $NoWait)
    $file = Join-Path $Folder ('pause-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $child = @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; `$WarningPreference = 'SilentlyContinue'
Import-Module `$env:LAMIN_TEST_MODULE
$($script:HookScript)
try { & { $Body } | ForEach-Object { [Console]::Out.WriteLine([string]`$_) } }
catch { [Console]::Out.WriteLine('error: ' + `$_.FullyQualifiedErrorId + ' ' + (`$_.Exception.Message -replace '\s+', ' ')) }
[Console]::Out.WriteLine('done'); [Console]::Out.Flush()
"@
    $psi = Get-PwshStartInfo -Command $child
    $psi.Environment['LAMIN_TEST_PAUSE'] = $Pause
    $psi.Environment['LAMIN_TEST_PAUSE_FILE'] = $file
    foreach ($k in $Environment.Keys) { if ($null -ne $Environment[$k]) { $psi.Environment[$k] = [string]$Environment[$k] } }
    $p = [System.Diagnostics.Process]::Start($psi)
    $reader = $p.StandardOutput.ReadToEndAsync()
    if ($NoWait) { return [pscustomobject]@{ Process = $p; File = $file; Output = $reader } }
    # The child creates the file when it reaches the hook (a safety bound, not a delay).
    $watch = [Diagnostics.Stopwatch]::StartNew()
    while (-not (Test-Path -LiteralPath $file) -and -not $p.HasExited -and $watch.Elapsed.TotalSeconds -lt 180) { $null = $p.WaitForExit(50) }
    if (-not (Test-Path -LiteralPath $file)) {
        $why = if ($p.HasExited) { $reader.Result + $p.StandardError.ReadToEnd() } else { 'still running after 180 s' }
        if (-not $p.HasExited) { $p.Kill($true) }
        throw "The child did not reach the test hook $Pause ($why)."
    }
    [pscustomobject]@{ Process = $p; File = $file; Output = $reader }
}

function Complete-PausedChild {
    <# Lets a child of Start-PausedChild go on; returns the lines it printed. #>
    param([Parameter(Mandatory)] $Run)
    Remove-Item -LiteralPath $Run.File -ErrorAction SilentlyContinue
    if (-not $Run.Process.WaitForExit(180000)) { $Run.Process.Kill($true); throw 'the child did not finish' }
    $out = $Run.Output.Result
    $Run.Process.Dispose()
    @($out -split "`r?`n" | Where-Object { $_ -ne '' })
}

function Stop-PausedChild {
    <# Kills a child of Start-PausedChild where it waits (a process killed at the worst moment). #>
    param([Parameter(Mandatory)] $Run)
    $Run.Process.Kill($true)
    $null = $Run.Process.WaitForExit(60000)
    $Run.Process.Dispose()
    Remove-Item -LiteralPath $Run.File -ErrorAction SilentlyContinue
}

function Invoke-PausedChild {
    <# Start-PausedChild, then $Meanwhile here while the child waits, then Complete-PausedChild. #>
    param([Parameter(Mandatory)] [string] $Pause, [Parameter(Mandatory)] [string] $Body, [Parameter(Mandatory)] [scriptblock] $Meanwhile,
        [Parameter(Mandatory)] [string] $Folder, [hashtable] $Environment = @{})
    $run = Start-PausedChild -Pause $Pause -Body $Body -Folder $Folder -Environment $Environment
    try { $null = & $Meanwhile }
    finally { $lines = Complete-PausedChild $run }
    $lines
}

Export-ModuleMember -Function Start-PausedChild, Complete-PausedChild, Stop-PausedChild, Invoke-PausedChild
