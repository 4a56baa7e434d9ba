@{
    Synopsis    = 'Lists artifacts, or gets one by id, uid or uid prefix.'
    Description = 'By default returns the latest version of every artifact that is not in the trash. -Identity takes an integer id, a full uid or a uid prefix (a prefix of up to 16 characters prefers the latest version); a value with wildcards returns every artifact whose uid or key it matches (Get-LaminArtifact ''raw/*''). -Key accepts wildcards and uses the key index for a literal prefix. -Trash lists trashed artifacts, -AllVersions every version. -Filter takes Django-style lookups as in Get-LaminStorage.'
    Parameters  = @{
        InputObject = 'Records from the pipeline, bound by their type: a LaminArtifact (or its uid) gets that artifact, a LaminStorage lists the artifacts in that location. Any other record is refused with InvalidArgument.'
        Identity = 'One or more artifacts, each an id, a full uid or a unique uid prefix. A value with wildcards (*, ?, [ ]) is matched against the uids and keys, without regard to case, and every match is returned (none when nothing matches); the cmdlets that change an artifact act on the one artifact a pattern matches and refuse a pattern that matches several (MultipleRecordsFound).'
        Key         = 'Only artifacts whose key matches, in any letter case; wildcards as in -like (*, ?, [abc], [a-z]; a backtick escapes the next character, e.g. ''`['' for a literal bracket). A reversed range such as [z-a] is refused (InvalidArgument); an empty pattern is refused.'
        Storage     = 'Only artifacts in this storage location (root, id, uid or uid prefix).'
        Hash        = 'Only artifacts with this hash.'
        Filter      = 'A hashtable of Django-style conditions, e.g. @{ size__gt = 1MB; suffix = ''.csv'' }.'
        Trash       = 'List artifacts in the trash instead.'
        AllVersions = 'Include earlier versions, not only the latest.'
    }
    Examples    = @(
        @{ Title = 'Artifacts of piped locations'; Code = 'Get-LaminStorage -Type s3 | Get-LaminArtifact'; Remarks = 'A piped LaminStorage lists the artifacts in that location.' }
        @{ Title = 'Artifacts under a key prefix'; Code = 'Get-LaminArtifact -Key ''project/raw/*'''; Remarks = 'Latest versions only.' }
        @{ Title = 'Every version of one artifact'; Code = 'Get-LaminArtifact -Key project/results.csv -AllVersions | Sort-Object Version'; Remarks = 'Version and IsLatest tell them apart.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Add-LaminArtifact', 'Search-LaminArtifact')
}
