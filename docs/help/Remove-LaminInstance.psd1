@{
    Synopsis    = 'Deletes an instance whose storage holds nothing but its marker and registry.'
    Description = @'
Only the instance admin (the user who created it) may remove an instance (AccessDenied otherwise). Refuses (StorageNotEmpty) while the instance has artifacts or while any location it manages holds anything under .lamindb/ other than the marker and the instance's own registry files. Otherwise removes the markers of its managed locations (freeing them for other instances), deletes the registry, removes .lamindb/ and the root folder when they are left empty, and forgets the instance in the settings folder. Defaults to the current instance. High impact: asks for confirmation.

A LiteDB registry retired by Copy-LaminInstance (or marked as moving by a copy that did not finish) is the record that tells other machines where the instance went, and its locations' markers belong to the team instance now: Remove-LaminInstance refuses with InstanceMoved, naming the database, and only forgets the instance on this machine; it never deletes that registry or a marker, and removes no folder. (A copy that did not finish is settled first, as any write on it is.)

For a team instance (PostgreSQL), Remove-LaminInstance only forgets the instance on this machine (its settings entry); the registry, its records and the storage markers stay for the other machines. With -DropRegistry the instance admin also drops the schema "lamin" with every record from the database.
'@
    Parameters  = @{
        Force = 'Skips the confirmation (as in Az and AWS.Tools); never skips a refusal. -WhatIf and an explicit -Confirm still apply.'
        Name = 'The instance to remove; defaults to the current one.'
        DropRegistry = 'For a team instance (PostgreSQL): also drops the schema "lamin" and every record in it from the database. Instance admin only; refused for a LiteDB instance.'
    }
    Examples    = @(
        @{ Title = 'Remove a test instance'; Code = 'Remove-LaminInstance -Name scratch -Confirm:$false'; Remarks = 'Deletes the registry and frees the storage markers of "scratch".' }
    )
    Links       = @('New-LaminInstance')
}
