@{
    Synopsis    = 'Makes an instance current, by name or by the location of its registry.'
    Description = @'
With -Name, connects to an instance known in this settings folder. With -Path, opens the registry at a storage root (<root>/.lamindb/lamin.db) or at a registry file, remembers the instance in the settings folder and connects to it: this is how a colleague's instance on a shared folder is joined. A missing or damaged registry is reported (RegistryNotFound, RegistryCorrupt) and never re-created.

With -Database, connects to a team instance whose registry is a PostgreSQL database (see New-LaminInstance -Database), from any machine and any settings folder. The settings folder keeps the connection without any password. A database without a Lamin registry → RegistryNotFound; a server that can't be reached, or that does not offer the TLS the connection demands (sslmode=require, verify-ca, verify-full) → RegistryUnavailable (naming host and port and what to do, nothing written to settings); a refused login, a server certificate this machine does not trust (give sslrootcert) or a certificate or key file that can't be read → RegistryAuthenticationFailed; a registry written by a newer module → RegistrySchemaTooNew.
'@
    Parameters  = @{
        Name     = 'The name of an instance known here (see Get-LaminInstance).'
        Path     = 'A storage root that holds .lamindb/lamin.db, or the path of a registry file.'
        PassThru = 'Returns the instance that is now current.'
        Database = 'A team instance''s PostgreSQL database: a URL postgresql://[user@]host[:port]/database[?sslmode=...] or an Npgsql keyword string Host=...;Port=...;Database=...;Username=.... A password written into it is used for this command only (with a warning); give it with -Credential, PGPASSWORD or the passfile instead.'
        Credential = 'The role and password for -Database. The password stays in memory for the rest of the PowerShell process and is never written anywhere.'
    }
    Examples    = @(
        @{ Title = 'Switch to another instance'; Code = 'Connect-LaminInstance imaging'; Remarks = 'Later commands work on the instance "imaging".' }
        @{ Title = 'Join a team instance on PostgreSQL'; Code = 'Connect-LaminInstance -Database postgresql://alice@db.lab.example:5432/lamin -Credential (Get-Credential alice)'; Remarks = 'Connects to the registry in that database; the password is kept in memory only.' }
        @{ Title = 'Join an instance on a shared folder'; Code = 'Connect-LaminInstance -Path /mnt/shared/project -PassThru'; Remarks = 'Reads /mnt/shared/project/.lamindb/lamin.db and connects.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminInstance'
    Links       = @('Disconnect-LaminInstance', 'Get-LaminInstance', 'New-LaminInstance')
}
