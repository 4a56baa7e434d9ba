@{
    Synopsis    = 'Shows the current instance''s settings.'
    Description = @'
Returns a LaminSettings object: the instance name and uid, the default storage record, the local storage record (keep-artifacts-local mode, or $null), the mode flag, the current user and the settings folder. With no instance connected it still answers, with only the settings folder (Home, where LAMIN_HOME points or ~/.lamin) and the user: the place to look when a scheduled task says NoCurrentInstance. With -LocalStorage, returns only this machine's local storage location, and fails with KeepArtifactsLocalOff when the mode is off or NoLocalStorage when no local location's marker is present on this machine.
'@
    Parameters  = @{
        LocalStorage = 'Return only the local storage location found on this machine (errors when there is none).'
    }
    Examples    = @(
        @{ Title = 'Show the settings'; Code = 'Get-LaminSetting'; Remarks = 'Instance, storage, local storage, mode, user and settings folder.' }
        @{ Title = 'Where do new artifacts go on this machine?'; Code = '(Get-LaminSetting).Storage.Root'; Remarks = 'The default storage root.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminSettings'
    Links       = @('Set-LaminSetting')
}
