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

$script:TestFolders = [System.Collections.Generic.List[string]]::new()

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
    #>
    param(
        [string] $Name,
        [string] $User = 'alice',
        [string] $StorageFolder = 'default',
        # Only the fresh LAMIN_HOME and folders; no instance is created (Instance and Registry are $null).
        [switch] $NoInstance
    )
    $saved = @{ LAMIN_HOME = $env:LAMIN_HOME; LAMIN_USER = $env:LAMIN_USER; LAMIN_REGISTRY_TIMEOUT = $env:LAMIN_REGISTRY_TIMEOUT }
    $root = New-TestFolder
    $env:LAMIN_HOME = Join-Path $root 'home'
    $env:LAMIN_USER = $User
    $work = Join-Path $root 'work'
    $null = New-Item -ItemType Directory -Path $work
    $storage = Join-Path $root $StorageFolder
    $instance = $null
    if (-not $NoInstance) {
        $params = @{ Storage = $storage; ErrorAction = 'Stop'; WarningAction = 'SilentlyContinue'; Confirm = $false }
        if ($Name) { $params.Name = $Name }
        $instance = New-LaminInstance @params
    }
    [pscustomobject]@{
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

Export-ModuleMember -Function Resolve-RealPath, New-TestFolder, Remove-TestFolder, New-TestInstance, Remove-TestInstance,
    Get-TreeSnapshot, Get-RegistrySnapshot, Get-MarkerPath, Set-TestMarker, New-ForeignMarkerText,
    ConvertTo-Base62, Get-ExpectedInstanceUid, Get-PwshStartInfo, Read-LineOrFail
