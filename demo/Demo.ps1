<#
.SYNOPSIS
    The main job, on an embedded default: a throw-away local instance, no cloud.
.DESCRIPTION
    Creates an instance with local default storage in a temp folder, registers a second location,
    lists, searches, moves a location into a space, shows the clear error when removing a location
    that still holds data, then removes an empty one. Everything lives under one temp folder, which
    is deleted at the end (pass -Keep to look around afterwards).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/Lamin/Lamin.psd1'),
    [switch] $Keep
)
$ErrorActionPreference = 'Stop'
$work = Join-Path ([System.IO.Path]::GetTempPath()) ("lamin-demo-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $work
$env:LAMIN_HOME = Join-Path $work 'settings'      # keep the demo out of your own ~/.lamin
Import-Module $ModulePath

function Step([string] $text) { Write-Host "`n### $text" -ForegroundColor Cyan }

try {
    Push-Location $work
    Step 'Create an instance whose default storage is ./lab-data'
    New-LaminInstance -Name demo -Storage ./lab-data | Format-Table

    Step 'Register a second location, on a named host, with a description'
    $null = New-Item -ItemType Directory -Path ./scratch
    New-LaminStorage -Root ./scratch -Host "$([Environment]::MachineName)" -Description 'Scratch area for imaging runs' | Out-Null
    New-LaminStorage -Root ./archive -Description 'Long-term archive of raw images' | Out-Null

    Step 'Get-LaminStorage | Format-Table'
    Get-LaminStorage | Format-Table

    Step 'Search-LaminStorage imaging (ranked, with a Score)'
    Search-LaminStorage imaging | Format-Table

    Step 'Pipelines: managed local locations only, as objects'
    Get-LaminStorage -Type local -Managed | Select-Object Uid, Root, Host | Format-Table

    Step 'Move the archive into a space "imaging-team"'
    New-LaminSpace -Name imaging-team -Description 'People who run the microscopes' | Out-Null
    Get-LaminStorage -Root '*archive' | Set-LaminStorage -Space imaging-team -PassThru | Format-Table

    Step 'Try to remove a location that still holds data under .lamindb/'
    $archive = Get-LaminStorage -Root '*archive'
    Set-Content -Path (Join-Path $archive.Root '.lamindb/raw-0001.tif') -Value 'pretend image'
    try {
        Remove-LaminStorage -Identity $archive.Uid -Confirm:$false
    }
    catch {
        Write-Host "Refused as expected [$($_.FullyQualifiedErrorId)]:" -ForegroundColor Yellow
        Write-Host $_.Exception.Message
    }

    Step 'Remove the empty scratch location (its marker is freed, its files stay)'
    Get-LaminStorage -Root '*scratch' | Remove-LaminStorage -Confirm:$false
    Get-LaminStorage | Format-Table

    Step 'Settings of the current instance'
    Get-LaminSetting
}
finally {
    Pop-Location
    if ($Keep) { Write-Host "`nKept $work (LAMIN_HOME=$env:LAMIN_HOME)." }
    else { Remove-Item $work -Recurse -Force }
}
