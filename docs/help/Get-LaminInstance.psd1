@{
    Synopsis    = 'Lists the instances known in this settings folder.'
    Description = 'Returns one LaminInstance per instance known in LAMIN_HOME, with its default storage root read from its registry and IsCurrent set for the connected one. An instance whose registry cannot be read is still listed, with a warning.'
    Parameters  = @{
        Name = 'Instance names (wildcards allowed). A name without wildcards that matches none is a non-terminating InstanceNotFound error, as Get-LaminSpace reports SpaceNotFound.'
    }
    Examples    = @(
        @{ Title = 'List instances'; Code = 'Get-LaminInstance'; Remarks = 'Shows Name, Uid, Storage, KeepArtifactsLocal and IsCurrent.' }
        @{ Title = 'Which one is current'; Code = 'Get-LaminInstance | Where-Object IsCurrent'; Remarks = 'Filters the objects in the pipeline.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminInstance'
    Links       = @('New-LaminInstance', 'Connect-LaminInstance')
}
