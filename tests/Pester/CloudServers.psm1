# Starts and stops the real local S3 (s3rver) and GCS (Firebase storage emulator) servers for a test
# file, and points the SDKs at them through the standard environment variables.

function Start-CloudServers {
    <#
    .SYNOPSIS
        Starts tests/servers/cloud-servers.js; returns @{ S3; Gcs; Process }. The servers stop when
        Stop-CloudServers closes their standard input (or when this process dies).
    #>
    $script_ = Join-Path $PSScriptRoot '../servers/cloud-servers.js'
    if (-not (Test-Path (Join-Path $PSScriptRoot '../servers/node_modules/s3rver'))) {
        & (Join-Path $PSScriptRoot '../servers/Install-CloudServers.ps1')
    }
    # s3rver's ListObjectsV2 continuation tokens use DES, which Node's OpenSSL 3 only offers with the legacy provider.
    $psi = [System.Diagnostics.ProcessStartInfo]::new('node', "--openssl-legacy-provider `"$script_`"")
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    # A temporary folder of their own: the GCS emulator keeps its blobs in <tmpdir>/firebase/storage and
    # deletes that folder when it stops, which broke the emulator of every other test run on the machine.
    $tmp = Join-Path ([IO.Path]::GetTempPath()) ('lamin-cloud-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $tmp
    $psi.Environment['TMPDIR'] = $tmp
    $p = [System.Diagnostics.Process]::Start($psi)
    $line = $p.StandardOutput.ReadLine()   # the servers print one line once both listen
    if (-not $line) { throw "The local cloud servers did not start: $($p.StandardError.ReadToEnd())" }
    $urls = $line | ConvertFrom-Json
    # What the caller had, put back by Stop-CloudServers (a RealCloud test reads it meanwhile).
    $saved = @{}
    foreach ($k in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION') { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }
    $env:AWS_ACCESS_KEY_ID = 'S3RVER'
    $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'
    $env:AWS_REGION = 'us-east-1'
    $env:STORAGE_EMULATOR_HOST = ([uri]$urls.gcs).Authority
    [pscustomobject]@{ S3 = $urls.s3; Gcs = $urls.gcs; Process = $p; Temp = $tmp; SavedEnv = $saved }
}

function Stop-CloudServers {
    param([Parameter(Mandatory)] $Servers)
    if (-not $Servers -or -not $Servers.Process) { return }
    try { $Servers.Process.StandardInput.Close() } catch { }
    if (-not $Servers.Process.WaitForExit(10000)) { $Servers.Process.Kill($true) }
    if ($Servers.PSObject.Properties['Temp'] -and $Servers.Temp) { Remove-Item -LiteralPath $Servers.Temp -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Item Env:STORAGE_EMULATOR_HOST -ErrorAction SilentlyContinue
    if ($Servers.PSObject.Properties['SavedEnv'] -and $Servers.SavedEnv) {
        foreach ($k in $Servers.SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $Servers.SavedEnv[$k]) }
    }
}

function Get-S3Root {
    <# .SYNOPSIS An s3:// root on the local server: s3://<bucket>[/<prefix>]?endpoint_url=<url>. #>
    param([Parameter(Mandatory)] $Servers, [string] $Bucket = 'lamin-test', [string] $Prefix)
    $path = if ($Prefix) { "$Bucket/$Prefix" } else { $Bucket }
    "s3://$path`?endpoint_url=$($Servers.S3)"
}

Export-ModuleMember -Function Start-CloudServers, Stop-CloudServers, Get-S3Root

# ---------------------------------------------------------------------------------------------------
# More endpoints, and reading/writing objects behind Lamin's back (for Cloud tests that must check the
# bytes the servers hold, or put "existing data" into a bucket).

function Start-S3ExtraServers {
    <#
    .SYNOPSIS
        Starts tests/servers/s3-extra.js against the main s3rver: returns @{ Second; Proxy; Process }.
        Second is an independent s3rver (bucket lamin-test); Proxy forwards to $Servers.S3 and fails the
        requests its rules name (Set-S3ProxyRule). Stop with Stop-CloudServers (closes standard input).
    #>
    param([Parameter(Mandatory)] $Servers)
    $script_ = Join-Path $PSScriptRoot '../servers/s3-extra.js'
    $psi = [System.Diagnostics.ProcessStartInfo]::new('node', "--openssl-legacy-provider `"$script_`" $($Servers.S3)")
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $line = $p.StandardOutput.ReadLine()
    if (-not $line) { throw "The extra S3 servers did not start: $($p.StandardError.ReadToEnd())" }
    $urls = $line | ConvertFrom-Json
    [pscustomobject]@{ Second = $urls.second; Proxy = $urls.proxy; Process = $p }
}

$script:Http = [System.Net.Http.HttpClient]::new()

function Set-S3ProxyRule {
    <#
    .SYNOPSIS
        Replaces the proxy's failure rules and clears its log. Each rule: @{ Method; Match (regex on
        path+query); Status; Code (S3 error code in the XML body); Headers (hashtable); Action ('reset'
        drops the connection); Times (how often it fires; always when absent) }. No rules: pass through.
    #>
    param([Parameter(Mandatory)] $Extra, [object[]] $Rule = @())
    $json = ConvertTo-Json -InputObject @($Rule | ForEach-Object {
            $r = [ordered]@{ match = $_.Match }
            if ($_.Method) { $r.method = $_.Method }
            if ($_.Status) { $r.status = $_.Status }
            if ($_.Code) { $r.code = $_.Code }
            if ($_.Headers) { $r.headers = $_.Headers }
            if ($_.Action) { $r.action = $_.Action }
            if ($null -ne $_.Times) { $r.times = $_.Times }
            $r
        }) -Depth 4
    $null = $script:Http.PostAsync("$($Extra.Proxy)/__lamin/reset", [System.Net.Http.StringContent]::new('')).Result.EnsureSuccessStatusCode()
    $null = $script:Http.PostAsync("$($Extra.Proxy)/__lamin/rules", [System.Net.Http.StringContent]::new($json)).Result.EnsureSuccessStatusCode()
}

function Get-S3ProxyLog {
    <# .SYNOPSIS Every request the proxy saw since the last Set-S3ProxyRule: Method, Url (path+query), Range (header), Status (-1 dropped). #>
    param([Parameter(Mandatory)] $Extra)
    @($script:Http.GetStringAsync("$($Extra.Proxy)/__lamin/log").Result | ConvertFrom-Json)
}

function Wait-S3ProxyRequest {
    <#
    .SYNOPSIS
        Returns once the proxy has seen a request whose "METHOD path+query" matches the regular expression
        (already seen, or when it arrives); throws when none came within 60 s. Observation, not a sleep.
    #>
    param([Parameter(Mandatory)] $Extra, [Parameter(Mandatory)] [string] $Match)
    $r = $script:Http.GetAsync("$($Extra.Proxy)/__lamin/seen?match=$([uri]::EscapeDataString($Match))").Result
    if (-not $r.IsSuccessStatusCode) { throw "The proxy saw no request matching '$Match'" }
}

function ConvertTo-UrlPath([string] $Key) {
    ($Key.Split('/') | ForEach-Object { [uri]::EscapeDataString($_) }) -join '/'
}

function Get-S3Object {
    <#
    .SYNOPSIS
        Reads an object with a plain, unsigned GET (s3rver serves unsigned requests): @{ Status; Bytes }
        (Bytes $null unless 200).
    #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key)
    $r = $script:Http.GetAsync("$Endpoint/$Bucket/$(ConvertTo-UrlPath $Key)").Result
    $bytes = $null   # assigned, not emitted: a byte[] sent down the pipeline would be unrolled byte by byte
    if ($r.IsSuccessStatusCode) { $bytes = $r.Content.ReadAsByteArrayAsync().Result }
    [pscustomobject]@{ Status = [int]$r.StatusCode; Bytes = $bytes }
}

function Send-S3Object {
    <# .SYNOPSIS Writes an object with a plain, unsigned PUT (s3rver accepts it); returns the status code. #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [byte[]] $Bytes)
    $r = $script:Http.PutAsync("$Endpoint/$Bucket/$(ConvertTo-UrlPath $Key)", [System.Net.Http.ByteArrayContent]::new($Bytes)).Result
    [int]$r.StatusCode
}

function Remove-S3Object {
    <# .SYNOPSIS Deletes an object with a plain, unsigned DELETE (s3rver accepts it); returns the status code. #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key)
    [int]$script:Http.DeleteAsync("$Endpoint/$Bucket/$(ConvertTo-UrlPath $Key)").Result.StatusCode
}

function Get-S3Keys {
    <# .SYNOPSIS The keys under a prefix (ListObjectsV2, unsigned, every page), sorted. #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [string] $Prefix = '')
    $keys = [System.Collections.Generic.List[string]]::new()
    $token = $null
    do {
        $url = "$Endpoint/$Bucket`?list-type=2&prefix=$([uri]::EscapeDataString($Prefix))"
        if ($token) { $url += "&continuation-token=$([uri]::EscapeDataString($token))" }
        $r = $script:Http.GetAsync($url).Result
        if (-not $r.IsSuccessStatusCode) { throw "Listing $Bucket/$Prefix answered $([int]$r.StatusCode)" }
        [xml] $xml = $r.Content.ReadAsStringAsync().Result
        foreach ($c in @($xml.ListBucketResult.ChildNodes | Where-Object LocalName -EQ 'Contents')) { $keys.Add($c.Key) }
        $token = if ($xml.ListBucketResult.IsTruncated -eq 'true') { $xml.ListBucketResult.NextContinuationToken } else { $null }
    } while ($token)
    @($keys | Sort-Object -CaseSensitive)
}

function Get-GcsObject {
    <# .SYNOPSIS Reads an object from the GCS emulator (JSON API, alt=media): @{ Status; Bytes }. #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key)
    $r = $script:Http.GetAsync("$Endpoint/storage/v1/b/$Bucket/o/$([uri]::EscapeDataString($Key))?alt=media").Result
    $bytes = $null
    if ($r.IsSuccessStatusCode) { $bytes = $r.Content.ReadAsByteArrayAsync().Result }
    [pscustomobject]@{ Status = [int]$r.StatusCode; Bytes = $bytes }
}

function Send-GcsObject {
    <# .SYNOPSIS Uploads an object to the GCS emulator (simple media upload, one request); returns the status code. #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [byte[]] $Bytes)
    $content = [System.Net.Http.ByteArrayContent]::new($Bytes)
    $content.Headers.ContentType = 'application/octet-stream'
    $r = $script:Http.PostAsync("$Endpoint/upload/storage/v1/b/$Bucket/o?uploadType=media&name=$([uri]::EscapeDataString($Key))", $content).Result
    [int]$r.StatusCode
}

function Get-GcsKeys {
    <# .SYNOPSIS The object names under a prefix in the GCS emulator (every page), sorted. #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [string] $Prefix = '')
    $keys = [System.Collections.Generic.List[string]]::new()
    $token = $null
    do {
        $url = "$Endpoint/storage/v1/b/$Bucket/o?prefix=$([uri]::EscapeDataString($Prefix))"
        if ($token) { $url += "&pageToken=$([uri]::EscapeDataString($token))" }
        $page = $script:Http.GetStringAsync($url).Result | ConvertFrom-Json
        foreach ($item in @($page.PSObject.Properties['items'] | ForEach-Object Value)) { if ($item) { $keys.Add($item.name) } }
        $token = $page.PSObject.Properties['nextPageToken'] | ForEach-Object Value
    } while ($token)
    @($keys | Sort-Object -CaseSensitive)
}

function Remove-GcsObject {
    <# .SYNOPSIS Deletes an object in the GCS emulator (JSON API); returns the status code. #>
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key)
    [int]$script:Http.DeleteAsync("$Endpoint/storage/v1/b/$Bucket/o/$([uri]::EscapeDataString($Key))").Result.StatusCode
}

Export-ModuleMember -Function Start-S3ExtraServers, Set-S3ProxyRule, Get-S3ProxyLog, Wait-S3ProxyRequest, Get-S3Object, Send-S3Object, Remove-S3Object, Get-S3Keys,
    Get-GcsObject, Send-GcsObject, Get-GcsKeys, Remove-GcsObject
