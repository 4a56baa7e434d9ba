@{
    Synopsis    = 'Lists the spaces the current user can see.'
    Description = 'Returns the built-in space "all" and every space the current user has a grant on (all spaces for the instance creator). A name without wildcards that does not exist fails with SpaceNotFound.'
    Parameters  = @{
        Name = 'Space names (wildcards allowed). A name without wildcards that matches none is a non-terminating SpaceNotFound error.'
    }
    Examples    = @(
        @{ Title = 'List spaces'; Code = 'Get-LaminSpace'; Remarks = 'Id, Name, Uid, Description, CreatedBy and CreatedAt.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminSpace'
    Links       = @('New-LaminSpace', 'Remove-LaminSpace')
}
