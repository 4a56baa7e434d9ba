@{
    Synopsis    = 'Searches artifacts by text, best match first.'
    Description = 'Searches the latest, non-trashed artifacts the same way Search-LaminStorage searches locations (key, description, uid, suffix and the other text fields), ranked by LaminDB''s weights; each result carries a Score.'
    Parameters  = @{
        Query         = 'The text to look for.'
        Field         = 'Only these fields (e.g. key, description).'
        Limit         = 'At most this many results (default 20; 0 for all).'
        CaseSensitive = 'Match case exactly.'
    }
    Examples    = @(
        @{ Title = 'Find results files'; Code = 'Search-LaminArtifact results'; Remarks = 'Best matches first, with a Score column.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Get-LaminArtifact')
}
