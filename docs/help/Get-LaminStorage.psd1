@{
    Synopsis    = 'Lists storage locations, or gets one by id, uid or uid prefix.'
    Description = @'
Without parameters, returns every location the current user may see. -Identity takes an integer id, a full uid or a unique uid prefix (RecordNotFound when nothing matches, MultipleRecordsFound when a prefix is ambiguous). -Root, -Type, -Host and -Space accept wildcards. -Filter takes Django-style lookups as in LaminDB: field or field__lookup keys with lookups exact, iexact, contains, icontains, startswith, endswith, in, gt, gte, lt, lte and isnull; an unknown field fails with UnknownField naming the valid ones. -Statistics adds ArtifactCount and Size.
'@
    Parameters  = @{
        Identity   = 'An integer id, a full uid or a unique uid prefix. Takes a record or uid from the pipeline.'
        Root       = 'Only locations whose root matches; wildcards are supported.'
        Type       = 'Only locations of this type: local, s3, gs, http, https, hf; wildcards are supported.'
        Host       = 'Only local locations on this host; wildcards are supported.'
        Space      = 'Only locations in this space; wildcards are supported.'
        Managed    = 'Only locations this instance manages (-Managed) or only read-only ones (-Managed:$false).'
        Filter     = 'A hashtable of Django-style conditions, e.g. @{ root__startswith = ''s3://''; is_locked = $false }.'
        Statistics = 'Adds ArtifactCount and Size (bytes) to each location.'
    }
    Examples    = @(
        @{ Title = 'All locations as a table'; Code = 'Get-LaminStorage | Format-Table'; Remarks = 'Shows Id, Uid, Root, Type, Host, Space, IsManaged and IsLocked.' }
        @{ Title = 'One by uid prefix'; Code = 'Get-LaminStorage 3fT2'; Remarks = 'Fails with MultipleRecordsFound if two uids start with 3fT2.' }
        @{ Title = 'S3 locations that are not locked'; Code = 'Get-LaminStorage -Filter @{ root__startswith = ''s3://''; is_locked = $false }'; Remarks = 'Lookups as in LaminDB.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorage'
    Links       = @('New-LaminStorage', 'Search-LaminStorage', 'Set-LaminStorage', 'Remove-LaminStorage')
}
