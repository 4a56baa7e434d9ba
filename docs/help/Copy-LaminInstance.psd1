@{
    Synopsis    = 'Copies the current LiteDB instance into a new team instance on PostgreSQL, then retires the LiteDB registry.'
    Description = @'
Moves an instance that outgrew one machine to a team instance (the move LaminDB users make from SQLite to Postgres). Every record of the current instance's LiteDB registry is copied into the schema "lamin" of an empty PostgreSQL database: the same instance uid, and the same ids, uids, keys, hashes, versions, trash state, spaces and grants. The copy streams in batches (memory stays flat), runs in one database transaction, and is compared record by record with the source before it commits: a failed or interrupted copy leaves the destination without a registry, so a rerun starts clean. Then the source is retired: its records stay readable, but every write and Clear-LaminStorage on it refuse with InstanceMoved naming the database, on any machine (two live registries must never share one instance uid). The team instance becomes the current one under the same name; every storage location stays managed (its marker names the same instance).

Only the instance admin may copy (AccessDenied otherwise). A database that already holds a Lamin registry → InstanceExists; an instance that is already on PostgreSQL → InvalidArgument. -WhatIf reports the counts and writes nothing. High impact: asks for confirmation. Shows progress.
'@
    Parameters  = @{
        Destination = 'The PostgreSQL database to copy into: a URL postgresql://[user@]host[:port]/database[?sslmode=...] or an Npgsql keyword string. The database must exist and hold no Lamin registry.'
        Credential  = 'The role and password for -Destination. The password stays in memory for the rest of the PowerShell process and is never written anywhere.'
    }
    Examples    = @(
        @{ Title = 'Move an instance to the lab''s server'; Code = 'Copy-LaminInstance -Destination postgresql://alice@db.lab.example/lamin -Credential (Get-Credential alice)'; Remarks = 'Copies, verifies, retires the LiteDB registry and makes the team instance current. Colleagues then run Connect-LaminInstance -Database.' }
        @{ Title = 'See what would be copied'; Code = 'Copy-LaminInstance postgresql://alice@db.lab.example/lamin -WhatIf'; Remarks = 'Counts the records; nothing is written.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminInstance'
    Links       = @('New-LaminInstance', 'Connect-LaminInstance', 'Get-LaminInstance')
}
