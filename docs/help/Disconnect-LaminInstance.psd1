@{
    Synopsis    = 'Leaves the current instance.'
    Description = 'Clears the current instance in the settings folder. Nothing is deleted; connect again with Connect-LaminInstance.'
    Parameters  = @{}
    Examples    = @(
        @{ Title = 'Disconnect'; Code = 'Disconnect-LaminInstance'; Remarks = 'Commands that need an instance now report NoCurrentInstance until you connect again.' }
    )
    Links       = @('Connect-LaminInstance')
}
