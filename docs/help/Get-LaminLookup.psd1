@{
    Synopsis    = 'Builds an auto-complete object over a registry''s field values.'
    Description = @'
Returns one object with a property per value of -Field (default: root for Storage, name for Space, key for Artifact). Property names are the values lower-cased, with each run of characters other than letters and digits turned into "_" and a leading digit prefixed with "_"; the first record wins a name. Each property holds the record, or the value of -ReturnField. The object's ToHashtable() keeps the original values as keys.
'@
    Parameters  = @{
        Registry    = 'Which registry: Storage, Space or Artifact (default field: root, name, key).'
        Field       = 'The field whose values become property names.'
        ReturnField = 'Return this field''s value instead of the whole record.'
    }
    Examples    = @(
        @{ Title = 'Tab-complete storage roots'; Code = '$roots = Get-LaminLookup Storage; $roots._mnt_archive'; Remarks = 'The record whose root is /mnt/archive.' }
        @{ Title = 'Map roots to uids'; Code = '(Get-LaminLookup Storage -ReturnField uid).ToHashtable()'; Remarks = 'A hashtable keyed by the original roots.' }
    )
    Outputs     = 'Lamin.PowerShell.Commands.LaminLookup'
    Links       = @('Get-LaminStorage')
}
