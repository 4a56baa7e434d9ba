@{
    Synopsis    = 'Searches storage locations by text, best match first.'
    Description = @'
Returns locations where any text field (or the fields given with -Field) contains the query, case-insensitively unless -CaseSensitive. Results are ranked as LaminDB ranks them, summing per field: exact match 200, whole sub-phrase bounded by space or |.,;: 10, start of a word 2, end of a word 2, contained 1; each result carries that Score. Special characters are matched literally. An empty query fails with InvalidSearchQuery.
'@
    Parameters  = @{
        Query         = 'The text to look for.'
        Field         = 'Only these fields (e.g. root, description).'
        Limit         = 'At most this many results (default 20; 0 for all).'
        CaseSensitive = 'Match case exactly.'
    }
    Examples    = @(
        @{ Title = 'Find the archive'; Code = 'Search-LaminStorage archive'; Remarks = 'Best matches first, with a Score column.' }
        @{ Title = 'Search descriptions only'; Code = 'Search-LaminStorage ''raw images'' -Field description -Limit 5'; Remarks = 'At most five results.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorage'
    Links       = @('Get-LaminStorage')
}
