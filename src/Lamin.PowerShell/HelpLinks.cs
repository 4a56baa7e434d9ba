namespace Lamin.PowerShell;

/// <summary>
/// Where `Get-Help &lt;cmdlet&gt; -Online` goes: the cmdlet's page under the project's docs (the manifest's ProjectUri +
/// /docs/help/; Conventions.Tests.ps1 checks they agree). Each cmdlet's attribute: HelpUri = HelpLinks.Base + "Verb-Noun".
/// </summary>
internal static class HelpLinks
{
    public const string Base = "https://example.org/lamin-powershell/docs/help/";
}
