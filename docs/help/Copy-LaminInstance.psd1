@{
    Synopsis    = 'Copies the current LiteDB instance into a new team instance on PostgreSQL, then retires the LiteDB registry.'
    Description = @'
Moves an instance that outgrew one machine to a team instance (the move LaminDB users make from SQLite to Postgres). Every record of the current instance's LiteDB registry is copied into the schema "lamin" of an empty PostgreSQL database: the same instance uid, and the same ids, uids, keys, hashes, versions, trash state, spaces and grants. The copy streams in batches (memory stays flat), runs in one database transaction, and is compared record by record with the source before it commits: a failed or interrupted copy leaves the destination without a registry, so a rerun starts clean. Then the source is retired: its records stay readable, but every write and Clear-LaminStorage on it refuse with InstanceMoved naming the database, on any machine (two live registries must never share one instance uid). The team instance becomes the current one under the same name; every storage location stays managed (its marker names the same instance).

The copy runs in two phases, so that two live registries never share one uid: the source is first marked "moving to <database>" (committed; from then on every write on it, from any machine, refuses with InstanceMoved), then the destination commits, then the source is retired. A copy stopped in between (the process killed, or the server's answer to the commit lost) is settled by running Copy-LaminInstance again with the same -Destination, or by the next write on the source: when the database holds this instance (same instance id and uid) the source is retired and the team instance made current; when it holds none the mark is taken back (and a rerun copies again). Copying into another database while an earlier copy is unsettled finishes the earlier one instead (InstanceMoved naming it). A commit whose answer was lost is RegistryUnavailable saying the outcome is unknown: rerun Copy-LaminInstance when the server is back.

Before it marks anything, every record is checked against the registry's text rule (no control characters other than tab and line breaks, no unpaired surrogates: PostgreSQL can't store a NUL): a record that breaks it is named with its field (InvalidArgument) and nothing is written anywhere; correct it (Set-LaminArtifact or Set-LaminStorage -Description) and copy again.

Only the instance admin may copy (AccessDenied otherwise). A database that already holds a Lamin registry → InstanceExists; an instance that is already on PostgreSQL → InvalidArgument. -WhatIf reports the counts and writes nothing. High impact: asks for confirmation. Shows progress.
'@
    Parameters  = @{
        Destination = 'The PostgreSQL database to copy into: a URL postgresql://[user@]host[:port]/database[?sslmode=...] or an Npgsql keyword string. The database must exist and hold no Lamin registry.'
        Credential  = 'The role and password for -Destination. The password stays in memory for the rest of the PowerShell process and is never written anywhere.'
    }
    Examples    = @(
        @{ Title = 'Move an instance to the lab''s server'; Code = 'Copy-LaminInstance -Destination postgresql://alice@db.lab.example/lamin -Credential (Get-Credential alice)'; Remarks = 'Copies, verifies, retires the LiteDB registry and makes the team instance current. Colleagues then run Connect-LaminInstance -Database.' }
        @{ Title = 'Finish a copy that was stopped'; Code = 'Copy-LaminInstance -Destination postgresql://alice@db.lab.example/lamin'; Remarks = 'After a crash or a lost answer (RegistryUnavailable: outcome unknown), the same command checks the database: it retires the source if the copy is there, or copies again if not.' }
        @{ Title = 'See what would be copied'; Code = 'Copy-LaminInstance postgresql://alice@db.lab.example/lamin -WhatIf'; Remarks = 'Counts the records; nothing is written.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminInstance'
    Links       = @('New-LaminInstance', 'Connect-LaminInstance', 'Get-LaminInstance')
}
