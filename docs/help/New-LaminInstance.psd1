@{
    Synopsis    = 'Creates a Lamin instance: a registry plus its default storage location, and connects to it.'
    Description = @'
Creates the instance's registry (a LiteDB file) and registers its default storage location, which the instance manages: the marker file <root>/.lamindb/storage_uid.txt is written with the new storage uid. For a local default storage the registry lives at <root>/.lamindb/lamin.db; for a cloud root it lives under the settings folder (LAMIN_HOME). The new instance becomes the current one.

The name defaults to the last segment of the root, lower-cased. A root already marked by another instance is refused (StorageAlreadyManaged) and nothing is left behind. Nothing is written under -WhatIf.

With -Database, the registry is a team instance's: the tables are created in the schema "lamin" of that existing PostgreSQL database, which many machines and users then share (Connect-LaminInstance -Database). A database that already holds a Lamin registry → InstanceExists. The settings folder keeps the connection without any password (LaminInstance.Database); the password comes from -Credential (kept in memory for the process), the connection (this command only, with a warning), PGPASSWORD or the passfile. The instance's Backend is "PostgreSQL" and its RegistryPath is empty.
'@
    Parameters  = @{
        Name    = 'The instance name: letters, digits, "-", "_" or "."; "/" is refused. Defaults to the last segment of -Storage, lower-cased.'
        Storage = 'The default storage root: a local folder (relative paths resolve against the current location, "~" expands; on Windows type a full path for another drive, D:\lab rather than D:lab), s3://bucket[/prefix] or gs://bucket[/prefix].'
        Host    = 'For a local root only (HostRequiresLocalRoot otherwise): a globally unique name for the machine or cluster that holds it. Default: none (the default storage record''s Host is $null).'
        Database = 'Creates a team instance whose registry is this PostgreSQL database: a URL postgresql://[user@]host[:port]/database[?sslmode=...] or an Npgsql keyword string Host=...;Port=...;Database=...;Username=.... The database must exist.'
        Credential = 'The role and password for -Database. The password stays in memory for the rest of the PowerShell process and is never written anywhere.'
    }
    Examples    = @(
        @{ Title = 'Create an instance on a local folder'; Code = 'New-LaminInstance -Storage ~/lab-data'; Remarks = 'Creates the instance "lab-data" with its registry at ~/lab-data/.lamindb/lamin.db and connects to it.' }
        @{ Title = 'Create a team instance on PostgreSQL'; Code = 'New-LaminInstance -Name lab -Storage s3://lab-bucket -Database postgresql://alice@db.lab.example/lamin -Credential (Get-Credential alice)'; Remarks = 'The registry lives in the schema "lamin" of the database "lamin"; colleagues join with Connect-LaminInstance -Database.' }
        @{ Title = 'Name it and say which host holds the folder'; Code = 'New-LaminInstance -Name imaging -Storage /srv/imaging -Host lab-server-1'; Remarks = 'The default storage record carries the host id.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminInstance'
    Links       = @('Connect-LaminInstance', 'Get-LaminInstance', 'Remove-LaminInstance', 'about_Lamin')
}
