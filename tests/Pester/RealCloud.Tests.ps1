# Against real AWS S3 and Google Cloud Storage: tagged RealCloud, so excluded from the default run
# (no test may need the internet or real credentials). Run them with:
#   $env:LAMIN_TEST_REAL_S3_ROOT = 's3://my-bucket/lamin-test'; $env:LAMIN_TEST_REAL_GCS_ROOT = 'gs://my-bucket/lamin-test'
#   dotnet pwsh ./build.ps1 -Task Test -TestPath tests/Pester/RealCloud.Tests.ps1 -Tag RealCloud
# with AWS credentials from the usual chain and Google application default credentials.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    function Test-RoundTrip([string] $Root) {
        $t = New-TestInstance
        try {
            $s = New-LaminStorage -Root $Root
            $s.IsManaged | Should -BeTrue
            $f = Join-Path $t.Work 'real.bin'
            $bytes = [byte[]]::new(9MB); [Random]::new(1).NextBytes($bytes); [IO.File]::WriteAllBytes($f, $bytes)
            $a = Add-LaminArtifact $f -Storage $s.Uid
            $back = Save-LaminArtifact $a.Uid -Destination (Join-Path $t.Work 'back.bin')
            (Get-FileHash $back.FullName).Hash | Should -BeExactly (Get-FileHash $f).Hash
            (Test-LaminArtifact -Identity $a.Uid -Hash).Status | Should -Be 'Match'
            Remove-LaminArtifact $a.Uid -Permanent -Confirm:$false
            Remove-LaminStorage $s.Uid -Confirm:$false
        }
        finally { $t | Remove-TestInstance }
    }
}

Describe 'Real cloud storage' -Tag RealCloud {
    It 'round-trips an artifact through a real S3 bucket, region read from the bucket' {
        if (-not $env:LAMIN_TEST_REAL_S3_ROOT) { Set-ItResult -Skipped -Because 'LAMIN_TEST_REAL_S3_ROOT is not set'; return }
        Test-RoundTrip $env:LAMIN_TEST_REAL_S3_ROOT
    }

    It 'round-trips an artifact through a real GCS bucket' {
        if (-not $env:LAMIN_TEST_REAL_GCS_ROOT) { Set-ItResult -Skipped -Because 'LAMIN_TEST_REAL_GCS_ROOT is not set'; return }
        Test-RoundTrip $env:LAMIN_TEST_REAL_GCS_ROOT
    }
}
