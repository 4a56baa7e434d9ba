@{
    Synopsis    = 'Lists storage locations, or gets one by id, uid or uid prefix.'
    Description = @'
Without parameters, returns every location the current user may see. -Identity takes an integer id, a full uid or a unique uid prefix (RecordNotFound when nothing matches, MultipleRecordsFound when a prefix is ambiguous). -Root, -Type, -Host and -Space accept wildcards. -Filter takes Django-style lookups as in LaminDB: field or field__lookup keys with lookups exact, iexact, contains, icontains, startswith, endswith, in, gt, gte, lt, lte and isnull; an unknown field fails with UnknownField naming the valid ones. -Statistics adds ArtifactCount and Size.
'@
    Parameters  = @{
        InputObject = 'Records from the pipeline, bound by their type: a LaminStorage (or its uid) gets that location, a LaminSpace lists the locations in that space. Any other record is refused with InvalidArgument, never bound through its Uid.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots and uids, never normalised, and every match is returned (none when nothing matches); Set- and Remove-LaminStorage refuse a pattern that matches several (MultipleRecordsFound).'
        Root = 'Only locations with this root: a plain root is normalised first (trailing /, ./x, //, relative to the current location, FileSystem drives), a value with wildcards is matched as typed.'
        Type = 'Only locations of this type: local, s3, gs, http, https or hf (wildcards allowed); any other value is refused.'
        Host       = 'Only local locations on this host; wildcards are supported.'
        Space      = 'Only locations in this space; wildcards are supported.'
        Managed    = 'Only locations this instance manages (-Managed) or only read-only ones (-Managed:$false).'
        Filter     = 'A hashtable of Django-style conditions, e.g. @{ root__startswith = ''s3://''; is_locked = $false }.'
        Statistics = 'Adds ArtifactCount and Size (bytes) to each location.'
    }
    Examples    = @(
        @{ Title = 'Locations of a space'; Code = 'Get-LaminSpace team | Get-LaminStorage'; Remarks = 'A piped LaminSpace lists the locations in that space.' }
        @{ Title = 'By root'; Code = 'Get-LaminStorage ./data/'; Remarks = 'A root is normalised first (relative to the current location, trailing / dropped) and looked up after ids and uids.' }
        @{ Title = 'All locations as a table'; Code = 'Get-LaminStorage | Format-Table'; Remarks = 'Shows Id, Uid, Root, Type, Host, Space, IsManaged and IsLocked.' }
        @{ Title = 'One by uid prefix'; Code = 'Get-LaminStorage 3fT2'; Remarks = 'Fails with MultipleRecordsFound if two uids start with 3fT2.' }
        @{ Title = 'S3 locations that are not locked'; Code = 'Get-LaminStorage -Filter @{ root__startswith = ''s3://''; is_locked = $false }'; Remarks = 'Lookups as in LaminDB.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorage'
    Links       = @('New-LaminStorage', 'Search-LaminStorage', 'Set-LaminStorage', 'Remove-LaminStorage')
}
