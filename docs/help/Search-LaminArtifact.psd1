@{
    Synopsis    = 'Searches artifacts by text, best match first.'
    Description = 'Searches the latest, non-trashed artifacts the same way Search-LaminStorage searches locations (key, description, uid, suffix and the other text fields), ranked by LaminDB''s weights; each result carries a Score. The hash is not text (SPEC rule 16): it matches only whole (200) or by a prefix of at least 8 characters (2), never by a piece inside it, and an artifact found only by its hash ranks after every key or description match, so -Limit never drops a real match for a hash.'
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
