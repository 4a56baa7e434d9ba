# Refusals that used to end in UnexpectedError ("a bug in Lamin", issue 24; issue 26 point 3):
# - a confirmation nobody can answer (pwsh -NonInteractive, no -Confirm:$false) ends as PowerShell's own
#   prompt refusal (InvalidOperation, terminating) with a hint, and nothing is changed;
# - Connect-LaminInstance to a PostgreSQL server that does not offer TLS while the connection demands it
#   (sslmode=require) is RegistryUnavailable saying what to do. (Needs LAMIN_TEST_POSTGRES: the test
#   server of tests/servers/Start-Postgres.ps1 has no TLS.)
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    function Get-ArtifactState { @(Get-LaminArtifact -AllVersions) + @(Get-LaminArtifact -Trash) | Sort-Object Id | ConvertTo-Json -Depth 3 }
    function Get-State([string] $Root) { (Get-RegistrySnapshot) + (Get-ArtifactState) + (Get-TreeSnapshot $Root) }
    # Runs each command in one child `pwsh -NonInteractive` (one process start for all) and returns
    # what each ended with: "done", or "id=<FullyQualifiedErrorId>" and "details=<ErrorDetails>".
    function Invoke-NonInteractive([hashtable] $Commands, [string] $Location) {
        $text = "Import-Module `$env:LAMIN_TEST_MODULE; Set-Location -LiteralPath '$($Location.Replace("'", "''"))'`n"
        foreach ($name in $Commands.Keys) {
            $text += "'<<$name>>'; try { $($Commands[$name]) -ErrorAction Stop; 'done' } catch { 'id=' + `$_.FullyQualifiedErrorId; 'details=' + `$_.ErrorDetails.Message }`n"
        }
        $p = [Diagnostics.Process]::Start((Get-PwshStartInfo -Command $text)); $p.StandardInput.Close()
        $out = $p.StandardOutput.ReadToEnd() + $p.StandardError.ReadToEnd(); $p.WaitForExit()
        $result = @{}
        foreach ($part in ($out -split '(?m)^<<') | Select-Object -Skip 1) {
            $name, $body = $part -split '>>\r?\n', 2
            $result[$name] = $body
        }
        $result
    }
}

Describe 'Confirmations under pwsh -NonInteractive without -Confirm:$false' {
    BeforeAll {
        $t = New-TestInstance
        $other = Join-Path $t.Work 'other'
        $null = New-Item -ItemType Directory $other
        $o = New-LaminStorage $other -WarningAction SilentlyContinue
        $null = New-TestFile (Join-Path $other 'a.txt') -Text 'in other'
        $null = Add-LaminArtifact (Join-Path $other 'a.txt')
        $a = Add-LaminArtifact (New-TestFile (Join-Path $t.Work 'src/b.txt') -Text 'copied').FullName -Key 'b.txt'
        $empty = Join-Path $t.Work 'empty'
        $null = New-Item -ItemType Directory $empty
        $e = New-LaminStorage $empty -WarningAction SilentlyContinue
        $moved = Join-Path $t.Root 'moved'
        $script:state = Get-State $t.Root
        $script:results = Invoke-NonInteractive -Location $t.Work -Commands @{
            'Move-LaminStorage'               = "Move-LaminStorage $($o.Uid) -Destination '$moved'"
            'Move-LaminStorage -RemoveSource' = "Move-LaminStorage $($o.Uid) -Destination '$moved' -RemoveSource"
            'Remove-LaminArtifact'            = "Remove-LaminArtifact $($a.Uid)"
            'Remove-LaminArtifact -Permanent' = "Remove-LaminArtifact $($a.Uid) -Permanent -DeleteFile"
            'Remove-LaminStorage'             = "Remove-LaminStorage $($e.Uid)"
        }
        $script:after = Get-State $t.Root
        $script:movedExists = Test-Path -LiteralPath $moved
    }
    AfterAll { $t | Remove-TestInstance }

    It '<Name> ends with PowerShell''s own prompt refusal (InvalidOperation) and says how to run unattended' -ForEach @(
        @{ Name = 'Move-LaminStorage' }, @{ Name = 'Move-LaminStorage -RemoveSource' }, @{ Name = 'Remove-LaminArtifact' }
        @{ Name = 'Remove-LaminArtifact -Permanent' }, @{ Name = 'Remove-LaminStorage' }
    ) {
        $out = $results[$Name]
        $out | Should -Not -BeNullOrEmpty
        $out | Should -Not -Match 'UnexpectedError'
        $out | Should -Not -Match '(?m)^done'
        $out | Should -Match "(?m)^id=InvalidOperation,Lamin\.PowerShell\.Commands\.$($Name.Split(' ')[0].Replace('-', ''))Command"
        $out | Should -Match ([regex]::Escape('-Confirm:$false'))
    }

    It 'changed nothing: registry, artifacts, files; no destination folder' {
        $after | Should -BeExactly $state
        $movedExists | Should -BeFalse
    }

    It 'runs with -Confirm:$false (the hint works): Remove-LaminStorage of the empty location' {
        $uid = (Get-LaminStorage -Root (Join-Path $t.Work 'empty')).Uid
        $r = Invoke-NonInteractive -Location $t.Work -Commands @{ 'remove' = "Remove-LaminStorage $uid -Confirm:`$false" }
        $r['remove'] | Should -Match '(?m)^done'
        Get-LaminStorage $uid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Connect-LaminInstance to a server without TLS when the connection demands it' {
    It 'is RegistryUnavailable naming the server and what to do, and changes no setting (<Form>)' -Skip:(-not $env:LAMIN_TEST_POSTGRES) -ForEach @(
        @{ Form = 'URL ?sslmode=require' }, @{ Form = 'keywords SSL Mode=Require' }
    ) {
        $t = New-TestInstance
        try {
            $server = Get-TestPostgresServer
            $env:PGPASSWORD = $server.Password
            $connection = if ($Form -like 'URL*') {
                "postgresql://$([Uri]::EscapeDataString($server.User))@$($server.Host):$($server.Port)/$($server.Database)?sslmode=require"
            } else {
                "Host=$($server.Host);Port=$($server.Port);Database=$($server.Database);Username=$($server.User);SSL Mode=Require"
            }
            $before = Get-TreeSnapshot $t.Home
            $err = { Connect-LaminInstance -Database $connection } | Should -Throw -ErrorId 'RegistryUnavailable,Lamin.PowerShell.Commands.ConnectLaminInstanceCommand' -PassThru
            $err.Exception.Message | Should -Match ([regex]::Escape("$($server.Host):$($server.Port)"))
            $err.Exception.Message | Should -Match 'TLS'
            $err.Exception.Message | Should -Match 'sslmode=prefer'
            $err.Exception.Message | Should -Not -Match 'bug in Lamin'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            Get-TreeSnapshot $t.Home | Should -BeExactly $before
        }
        finally { $t | Remove-TestInstance }
    }
}
