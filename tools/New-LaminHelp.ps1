#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Writes the MAML help (<Assembly>.dll-Help.xml) of a module's cmdlets from one <Verb-Noun>.psd1 per cmdlet.
.DESCRIPTION
    Imports the module in this process; for each cmdlet of Get-Command -Module <name> -CommandType Cmdlet it reads
    <HelpSource>/<Verb-Noun>.psd1 (Import-PowerShellDataFile):
        @{  Synopsis    = 'One line.'
            Description = 'Paragraphs; a blank line separates paragraphs.'
            Parameters  = @{ Root = 'What -Root is.' }    # every parameter but the common ones (-WhatIf/-Confirm optional)
            Examples    = @( @{ Title = 'Register a folder'; Code = 'New-LaminStorage ./data'; Remarks = 'What it does.' } )
            Inputs = 'Type'; Outputs = 'Type'; Notes = 'Text.'; Links = @('about_Lamin', 'https://...')   # all optional
        }
    Syntax (one item per parameter set), types, mandatory, position, pipeline input, aliases and wildcard support
    come from the cmdlet's metadata; Inputs default to the pipeline parameters' types, Outputs to [OutputType].
    Nothing is written, and the script throws (exit 1 under -File) listing every problem, when a cmdlet has no psd1,
    no synopsis, description or example, an undocumented parameter, a documented parameter it lacks, or an unknown key.
.EXAMPLE
    dotnet pwsh -NoProfile -File tools/New-LaminHelp.ps1 -ModulePath out/Lamin -HelpSource docs/help -OutFile out/Lamin/en-US/Lamin.PowerShell.dll-Help.xml
#>
[CmdletBinding()]
param(
    # The module to document: a module folder or a .psd1 (imported into this process).
    [Parameter(Mandatory)] [string] $ModulePath,
    # The folder of the <Verb-Noun>.psd1 help sources.
    [Parameter(Mandatory)] [string] $HelpSource,
    # The MAML file to write; PowerShell looks for it as <module folder>/<culture>/<Assembly>.dll-Help.xml.
    [Parameter(Mandatory)] [string] $OutFile
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ns = @{
    msh     = 'http://msh'
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$knownKeys = 'Synopsis', 'Description', 'Parameters', 'Examples', 'Inputs', 'Outputs', 'Notes', 'Links'
$commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters
$stockDescriptions = @{   # OptionalCommonParameters: shown in the syntax, documented here unless the psd1 does
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

# ---- small XML helpers (XmlWriter does all escaping) ------------------------------------------------
function Write-Element([string] $prefix, [string] $name, [string] $text) {
    $xml.WriteElementString($prefix, $name, $ns[$prefix], $text)
}
function Write-Block([string] $blockPrefix, [string] $blockName, [scriptblock] $body) {
    # <prefix:name> with whatever $body writes inside it ($body sees the caller's variables: dynamic scope).
    $xml.WriteStartElement($blockPrefix, $blockName, $ns[$blockPrefix]); & $body; $xml.WriteEndElement()
}
function Write-Paras([string] $text) {
    # One maml:para per paragraph; a blank line separates paragraphs.
    foreach ($para in ($text -replace "`r`n", "`n") -split '\n[ \t]*\n') {
        if ($para.Trim()) { Write-Element maml para $para.Trim() }
    }
}
function Write-Description([string] $prefix, [string] $name, [string] $text) { Write-Block $prefix $name { Write-Paras $text } }
function Write-TypedEntries([string] $list, [string] $item, [object[]] $entries) {
    # inputTypes/returnValues: entries are @{ Type = ...; Text = ... }.
    Write-Block command $list {
        foreach ($entry in $entries) {
            Write-Block command $item { Write-Block dev type { Write-Element maml name $entry.Type }; Write-Description maml description $entry.Text }
        }
    }
}

# ---- cmdlet metadata ----------------------------------------------------------------------------------
function Get-TypeName([type] $type, [switch] $Short) {
    # Readable names: String[], Dictionary[String, List[Int32]], Nullable[Int32].
    if ($type.IsArray) { return (Get-TypeName $type.GetElementType() -Short:$Short) + '[]' }
    $name = if ($Short -or -not $type.Namespace) { $type.Name } else { "$($type.Namespace).$($type.Name)" }
    if ($type.IsGenericType) {
        $arguments = $type.GetGenericArguments() | ForEach-Object { Get-TypeName $_ -Short:$Short }
        $name = ($name -replace '`\d+$') + "[$($arguments -join ', ')]"
    }
    $name
}
function Get-ParameterView($parameter, [object[]] $sets) {
    # What the help shows of one parameter: its own metadata in one set, or merged over all its sets.
    $inSets = @($sets | ForEach-Object { $_.Parameters | Where-Object Name -EQ $parameter.Name })
    $positions = @($inSets | Where-Object Position -GE 0 | ForEach-Object Position)
    $pipeline = @(
        if ($inSets | Where-Object ValueFromPipeline) { 'ByValue' }
        if ($inSets | Where-Object ValueFromPipelineByPropertyName) { 'ByPropertyName' }
    )
    [pscustomobject]@{
        Name      = $parameter.Name
        Type      = $parameter.ParameterType
        IsSwitch  = $parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
        Required  = -not ($inSets | Where-Object { -not $_.IsMandatory })
        Position  = if ($positions.Count) { [string]$positions[0] } else { 'named' }
        Pipeline  = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
        Globbing  = [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        Aliases   = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
        Variable  = $parameter.ParameterType.IsArray -or $parameter.ValueFromRemainingArguments
    }
}
function Write-Parameter($view, [string] $text, [switch] $InSyntax) {
    $xml.WriteStartElement('command', 'parameter', $ns.command)
    $xml.WriteAttributeString('required', "$($view.Required)".ToLowerInvariant())
    $xml.WriteAttributeString('variableLength', "$($view.Variable)".ToLowerInvariant())
    $xml.WriteAttributeString('globbing', "$($view.Globbing)".ToLowerInvariant())
    $xml.WriteAttributeString('pipelineInput', $view.Pipeline)
    $xml.WriteAttributeString('position', $view.Position)
    $xml.WriteAttributeString('aliases', $view.Aliases)
    Write-Element maml name $view.Name
    Write-Description maml description $text
    if (-not ($InSyntax -and $view.IsSwitch)) {   # a switch shows no value in the syntax line
        $xml.WriteStartElement('command', 'parameterValue', $ns.command)
        $xml.WriteAttributeString('required', "$(-not $view.IsSwitch)".ToLowerInvariant())
        $xml.WriteAttributeString('variableLength', "$($view.Variable)".ToLowerInvariant())
        $xml.WriteString((Get-TypeName $view.Type -Short)); $xml.WriteEndElement()
    }
    $xml.WriteStartElement('dev', 'type', $ns.dev); Write-Element maml name (Get-TypeName $view.Type); $xml.WriteEndElement()
    Write-Element dev defaultValue $(if ($view.IsSwitch) { 'False' } else { 'None' })
    $xml.WriteEndElement()
}
function Get-DocumentedParameters($cmdlet) {
    # Every parameter the help shows: all but the common ones (WhatIf/Confirm stay, with stock text).
    @($cmdlet.ParameterSets | ForEach-Object Parameters | Where-Object { $_.Name -notin $commonParameters } |
        Sort-Object Name -Unique)
}

# ---- load the module and its help sources; collect every problem before writing anything -------------
$module = Import-Module (Resolve-Path $ModulePath).ProviderPath -Force -PassThru | Select-Object -First 1
$cmdlets = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
if (-not $cmdlets) { throw "Module '$($module.Name)' exports no cmdlets: nothing to document." }
$HelpSource = (Resolve-Path $HelpSource).ProviderPath
$problems = [System.Collections.Generic.List[string]]::new()
$sources = @{}
foreach ($cmdlet in $cmdlets) {
    $file = Join-Path $HelpSource "$($cmdlet.Name).psd1"
    if (-not (Test-Path $file)) { $problems.Add("$($cmdlet.Name): no help source $($cmdlet.Name).psd1"); continue }
    try { $doc = Import-PowerShellDataFile $file } catch { $problems.Add("$($cmdlet.Name): cannot read $($cmdlet.Name).psd1: $_"); continue }
    $sources[$cmdlet.Name] = $doc
    foreach ($key in $doc.Keys | Where-Object { $_ -notin $knownKeys }) { $problems.Add("$($cmdlet.Name): unknown key '$key'") }
    foreach ($key in 'Synopsis', 'Description') {
        if (-not "$($doc[$key])".Trim()) { $problems.Add("$($cmdlet.Name): no $key") }
    }
    $described = if ($doc['Parameters'] -is [hashtable]) { $doc['Parameters'] } else { @{} }
    if ($null -ne $doc['Parameters'] -and $doc['Parameters'] -isnot [hashtable]) { $problems.Add("$($cmdlet.Name): Parameters is not a hashtable") }
    $actual = Get-DocumentedParameters $cmdlet | ForEach-Object Name
    foreach ($name in $actual) {
        if (-not "$($described[$name])".Trim() -and -not $stockDescriptions.ContainsKey($name)) {
            $problems.Add("$($cmdlet.Name): parameter -$name has no description")
        }
    }
    foreach ($name in $described.Keys | Where-Object { $_ -notin $actual }) {
        $problems.Add("$($cmdlet.Name): describes parameter -$name, which the cmdlet does not have")
    }
    $examples = @($doc['Examples'] | Where-Object { $_ })
    if (-not $examples) { $problems.Add("$($cmdlet.Name): no example") }
    for ($i = 0; $i -lt $examples.Count; $i++) {
        if ($examples[$i] -isnot [hashtable] -or -not "$($examples[$i]['Code'])".Trim()) {
            $problems.Add("$($cmdlet.Name): example $($i + 1) has no Code")
        }
    }
}
# Providers of the module: <HelpSource>/<Provider>.Provider.psd1 (Synopsis, Description, Examples, Notes, Links), written as
# <providerHelp> in the same file, where Get-Help -Category Provider looks (the provider's module folder, <culture>/).
$providers = @(Get-PSProvider | Where-Object { $_.Module -and $_.Module.Name -eq $module.Name })
$providerSources = @{}
foreach ($provider in $providers) {
    $file = Join-Path $HelpSource "$($provider.Name).Provider.psd1"
    if (-not (Test-Path $file)) { $problems.Add("provider $($provider.Name): no help source $($provider.Name).Provider.psd1"); continue }
    $doc = Import-PowerShellDataFile $file
    foreach ($key in $doc.Keys | Where-Object { $_ -notin 'Synopsis', 'Description', 'Examples', 'Notes', 'Links' }) { $problems.Add("provider $($provider.Name): unknown key '$key'") }
    foreach ($key in 'Synopsis', 'Description') { if (-not "$($doc[$key])".Trim()) { $problems.Add("provider $($provider.Name): no $key") } }
    $providerSources[$provider.Name] = $doc
}
if ($problems.Count) {
    $message = "Help for module '$($module.Name)' is incomplete ($($problems.Count) problem(s)) in ${HelpSource}:`n  - " + ($problems -join "`n  - ")
    [Console]::Error.WriteLine($message)   # one problem a line; pwsh's error view folds the lines of a thrown message
    throw $message
}
$orphans = Get-ChildItem $HelpSource -Filter '*-*.psd1' | Where-Object { $_.BaseName -notin $cmdlets.Name }
foreach ($orphan in $orphans) { Write-Warning "Help source $($orphan.Name) matches no cmdlet of '$($module.Name)'." }
foreach ($helpFile in $cmdlets.HelpFile | Sort-Object -Unique | Where-Object { $_ -ne (Split-Path $OutFile -Leaf) }) {
    Write-Warning "PowerShell looks for these cmdlets' help in a file named '$helpFile', not '$(Split-Path $OutFile -Leaf)'."
}

# ---- write the MAML -------------------------------------------------------------------------------------
$OutFile = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutFile)
$null = New-Item -ItemType Directory -Path (Split-Path $OutFile) -Force
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$xml = [System.Xml.XmlWriter]::Create("$OutFile.tmp", $settings)   # moved into place once complete
try {
    $xml.WriteStartDocument()
    $xml.WriteStartElement('helpItems', $ns.msh)
    $xml.WriteAttributeString('schema', 'maml')
    foreach ($prefix in 'maml', 'command', 'dev') { $xml.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix]) }
    foreach ($cmdlet in $cmdlets) {
        $doc = $sources[$cmdlet.Name]
        $described = if ($doc['Parameters'] -is [hashtable]) { $doc['Parameters'] } else { @{} }
        $textOf = { param($name) if ("$($described[$name])".Trim()) { $described[$name] } else { $stockDescriptions[$name] } }
        $sets = @($cmdlet.ParameterSets | Sort-Object -Stable { -not $_.IsDefault })   # default set first
        Write-Block command command {
            Write-Block command details {
                Write-Element command name $cmdlet.Name
                Write-Element command verb $cmdlet.Verb
                Write-Element command noun $cmdlet.Noun
                Write-Description maml description $doc['Synopsis']
            }
            Write-Description maml description $doc['Description']

            # Syntax: one item per parameter set; positional first, then mandatory, then the rest, WhatIf/Confirm last.
            Write-Block command syntax {
                foreach ($set in $sets) {
                    Write-Block command syntaxItem {
                        Write-Element maml name $cmdlet.Name
                        $ordered = $set.Parameters | Where-Object { $_.Name -notin $commonParameters } | Sort-Object -Stable `
                            { $_.Name -in $stockDescriptions.Keys }, { $_.Position -lt 0 }, { $_.Position }, { -not $_.IsMandatory }
                        foreach ($parameter in $ordered) {
                            Write-Parameter (Get-ParameterView $parameter @($set)) (& $textOf $parameter.Name) -InSyntax
                        }
                    }
                }
            }
            $views = @(Get-DocumentedParameters $cmdlet | ForEach-Object { Get-ParameterView $_ $sets })
            Write-Block command parameters { foreach ($view in $views) { Write-Parameter $view (& $textOf $view.Name) } }

            # Inputs: the psd1's, else each by-value pipeline type, plus objects bound by property name.
            $inputs = if ($doc['Inputs']) { @($doc['Inputs'] | ForEach-Object { @{ Type = $_; Text = '' } }) } else {
                @($views | Where-Object Pipeline -Match 'ByValue' | Group-Object { Get-TypeName $_.Type } | ForEach-Object {
                        @{ Type = $_.Name; Text = "You can pipe it to -$($_.Group.Name -join ', -')." } })
                $byName = @($views | Where-Object Pipeline -Match 'ByPropertyName' | ForEach-Object Name)
                if ($byName) { @{ Type = 'System.Management.Automation.PSObject'; Text = "Properties bound by name: $($byName -join ', ')." } }
            }
            if (-not $inputs) { $inputs = @(@{ Type = 'None'; Text = 'This cmdlet takes no pipeline input.' }) }
            Write-TypedEntries inputTypes inputType $inputs
            $outputs = @(if ($doc['Outputs']) { $doc['Outputs'] } else { $cmdlet.OutputType | ForEach-Object Name })
            if (-not $outputs) { $outputs = @('None') }
            Write-TypedEntries returnValues returnValue @($outputs | ForEach-Object { @{ Type = $_; Text = '' } })
            if ($doc['Notes']) { Write-Block maml alertSet { Write-Description maml alert $doc['Notes'] } }

            Write-Block command examples {
                $examples = @($doc['Examples'] | Where-Object { $_ })
                for ($i = 0; $i -lt $examples.Count; $i++) {
                    $title = if ($examples[$i]['Title']) { "Example $($i + 1): $($examples[$i]['Title'])" } else { "Example $($i + 1)" }
                    Write-Block command example {
                        Write-Element maml title "---------- $title ----------"
                        Write-Element dev code ("$($examples[$i]['Code'])".Trim() -replace "`r`n", "`n")
                        # The trailing empty para gives a blank line before the next example.
                        Write-Block dev remarks { Write-Paras "$($examples[$i]['Remarks'])"; Write-Element maml para '' }
                    }
                }
            }

            # Related links: a URL becomes the link's uri (used by Get-Help -Online), anything else its text. The first is
            # the cmdlet's online page: its HelpUri, else <ProjectUri>/docs/help/<Verb-Noun> (issue 26 point 10).
            Write-Block command relatedLinks {
                $online = if ($cmdlet.HelpUri) { $cmdlet.HelpUri } elseif ($module.ProjectUri) { "$($module.ProjectUri)/docs/help/$($cmdlet.Name)" }
                if ($online) {
                    Write-Block maml navigationLink {
                        Write-Element maml linkText 'Online Version:'
                        Write-Element maml uri $online
                    }
                }
                foreach ($link in @($doc['Links'] | Where-Object { $_ })) {
                    $isUri = $link -match '^https?://'
                    Write-Block maml navigationLink {
                        Write-Element maml linkText $(if ($isUri) { 'Online Version:' } else { $link })
                        Write-Element maml uri $(if ($isUri) { $link } else { '' })
                    }
                }
            }
        }
    }
    foreach ($provider in $providers) {
        $doc = $providerSources[$provider.Name]
        # providerHelp and everything in it are unprefixed (the msh namespace), as the provider help format documents them.
        $paras = { param($name, $text) Write-Block '' $name { foreach ($para in ("$text" -replace "`r`n", "`n") -split '\n[ \t]*\n') { if ($para.Trim()) { Write-Element '' para $para.Trim() } } } }
        Write-Block '' providerHelp {
            Write-Element '' Name $provider.Name
            & $paras Drives (@($provider.Drives.Name) -join ', ')
            Write-Element '' Synopsis "$($doc['Synopsis'])".Trim()
            & $paras DetailedDescription $doc['Description']
            & $paras Capabilities "$($provider.Capabilities)"
            Write-Block '' Tasks {
                foreach ($example in @($doc['Examples'] | Where-Object { $_ })) {
                    Write-Block '' Task {
                        Write-Element '' Title $example['Title']
                        & $paras Description ''
                        Write-Block '' Examples {
                            Write-Block '' Example {
                                Write-Element '' Title "-------------------------- $($example['Title']) --------------------------"
                                & $paras Introduction ''
                                Write-Element '' Code ("$($example['Code'])".Trim() -replace "`r`n", "`n")
                                & $paras Remarks "$($example['Remarks'])"
                            }
                        }
                    }
                }
            }
            Write-Element '' Notes "$($doc['Notes'])".Trim()
            Write-Block '' RelatedLinks {
                foreach ($link in @($doc['Links'] | Where-Object { $_ })) {
                    Write-Block '' navigationLink { Write-Element '' linkText $link; Write-Element '' uri '' }
                }
            }
        }
    }
    $xml.WriteEndElement()   # helpItems
    $xml.WriteEndDocument()
} finally { $xml.Dispose() }
Move-Item "$OutFile.tmp" $OutFile -Force
Write-Host "Wrote help for $($cmdlets.Count) cmdlet(s) and $($providers.Count) provider(s) of '$($module.Name)' to $OutFile."
