<#
.SYNOPSIS
    Installs the local S3 and GCS servers the tests use (npm, pinned in package.json), once; later
    runs reuse tests/servers/node_modules. Patches s3rver's one known CopyObject fault.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot
$stamp = Join-Path $here 'node_modules/.lamin-installed'
$wanted = (Get-FileHash (Join-Path $here 'package.json')).Hash
if (-not (Test-Path $stamp) -or (Get-Content $stamp -Raw).Trim() -ne $wanted) {
    if (-not (Get-Command npm -ErrorAction SilentlyContinue)) { throw 'npm (Node.js) is needed to install the local S3/GCS servers for the tests.' }
    Write-Host 'Installing the local S3 and GCS servers (npm, about a minute the first time)...'
    Push-Location $here
    try {
        npm install --no-audit --no-fund --no-package-lock --loglevel=error | Out-Host
        if ($LASTEXITCODE) { throw "npm install failed (exit $LASTEXITCODE)" }
    }
    finally { Pop-Location }
    Set-Content -Path $stamp -Value $wanted
}
# s3rver 3.7.1 decodes x-amz-copy-source with decodeURI, leaving %2F in keys: CopyObject then fails.
$object = Join-Path $here 'node_modules/s3rver/lib/controllers/object.js'
$text = Get-Content $object -Raw
$broken = "decodeURI(ctx.headers['x-amz-copy-source'])"
if ($text.Contains($broken)) {
    Set-Content -Path $object -Value $text.Replace($broken, "decodeURIComponent(ctx.headers['x-amz-copy-source'])") -NoNewline
}
