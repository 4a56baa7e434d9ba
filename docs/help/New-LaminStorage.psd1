@{
    Synopsis    = 'Registers a storage location in the current instance.'
    Description = @'
Normalises the root (expands "~", resolves relative paths against the current location and symlinks; on Windows a root relative to another drive than the current location's, such as D:lab, is refused: type D:\lab, drops a trailing "/", keeps ?endpoint_url= for S3-compatible endpoints), checks it, then, after confirmation, reads or writes the marker <root>/.lamindb/storage_uid.txt:
- no marker: it is written and the location is managed by this instance;
- a marker of this instance: managed here, with the marker's uid;
- a marker of another instance: the location is registered read-only with InstanceUid "__unknown__" and a warning;
- no write access: registered read-only with InstanceUid $null and a warning.
A local folder that does not exist yet is created (as LaminDB does): -WhatIf and -Confirm say "Create the folder (it does not exist) and register it as a storage location" instead of "Register storage location", nothing is created under -WhatIf, and -Verbose reports "Created the folder". Check the path for typos before confirming.
The type comes from the protocol: local, s3, gs, http, https or hf; any other protocol is refused (UnsupportedProtocol). http(s):// and hf:// roots are registered read-only (InstanceUid $null): Lamin never reads or writes them.
Registering the same (root, host) again returns the existing record with a warning, also when several processes race. Local roots are unique per (root, host); cloud roots per root. A root containing ".lamindb" is refused (InvalidRoot), and so is a local root that is a regular file or lies below one; an unknown protocol too (UnsupportedProtocol). A marker that starts with a UTF-8 byte-order mark is read as any other. Nothing is written under -WhatIf.
'@
    Parameters  = @{
        Root        = 'A local folder, s3://bucket[/prefix][?endpoint_url=<url>], gs://bucket[/prefix], or an http(s):// or hf:// root (read-only). Takes pipeline input, also from the FullName of Get-ChildItem output.'
        Description = 'A free-text description. Control characters other than tab and line breaks (a NUL, …) and unpaired surrogates are refused on every backend (InvalidArgument), before anything is written.'
        Space       = 'The space to put the location in (default: all). Needs Write access on that space.'
        Host        = 'For local roots only (HostRequiresLocalRoot otherwise): a globally unique name for the machine or cluster behind the folder, so the same path on two hosts can be two locations. Default: none (the record''s Host is $null), not this machine''s name.'
    }
    Examples    = @(
        @{ Title = 'Register a local folder'; Code = 'New-LaminStorage -Root /mnt/archive -Host lab-server-1 -Description ''raw images'''; Remarks = 'Writes /mnt/archive/.lamindb/storage_uid.txt and returns the record.' }
        @{ Title = 'Register an S3 prefix on a custom endpoint'; Code = 'New-LaminStorage ''s3://my-bucket/project?endpoint_url=http://127.0.0.1:9000'''; Remarks = 'The endpoint is part of the root.' }
        @{ Title = 'Register every sub-folder'; Code = 'Get-ChildItem /data -Directory | New-LaminStorage'; Remarks = 'Each folder becomes a location.' }
        @{ Title = 'See whether a folder would be created'; Code = 'New-LaminStorage -Root /mnt/archiv -WhatIf'; Remarks = 'What if: Performing the operation "Create the folder (it does not exist) and register it as a storage location, writing its marker" on target "/mnt/archiv". A typo shows here; nothing is created.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorage'
    Links       = @('Get-LaminStorage', 'Remove-LaminStorage', 'Set-LaminStorage')
}
