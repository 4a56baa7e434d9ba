namespace Lamin.PowerShell.Commands;

/// <summary>Shows the current instance's settings, or (-LocalStorage) just this machine's local storage.</summary>
[Cmdlet(VerbsCommon.Get, "LaminSetting", DefaultParameterSetName = "All", HelpUri = HelpLinks.Base + "Get-LaminSetting")]
[OutputType(typeof(LaminSettings), ParameterSetName = ["All"])]
[OutputType(typeof(LaminStorage), ParameterSetName = ["LocalStorage"])]
public sealed class GetLaminSettingCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "LocalStorage")]
    public SwitchParameter LocalStorage { get; set; }

    protected override void Process()
    {
        if (!LocalStorage && (Context.Home.CurrentName is not { } name || Context.Home.Find(name) is null))
        {
            // No instance (issue 26): the settings still say where they were looked for and who the user is.
            WriteObject(new LaminSettings { Home = Context.Home.Path, User = Context.User });
            return;
        }
        var service = new SettingsService(Context);
        WriteObject(LocalStorage ? service.GetLocalStorage() : service.Get());
    }
}
