@{
    Synopsis    = 'Relocates a whole storage location to a new root.'
    Description = @'
The bulk migration LaminDB leaves manual. It plans (objects, bytes, the new root), copies every object of every artifact (files under .lamindb/ and in-place keys alike) to the destination (between two roots of one S3 endpoint the store copies each object itself, CopyObject or UploadPartCopy above 5 GiB, and on GCS the rewrite call: no byte passes through this machine), verifies sizes and hashes (an object that changed under the move stops it, and nothing is switched), writes the marker at the destination with the same uid, rewrites Root (and Type, Region, Host) in one registry transaction, removes the old marker, and with -RemoveSource deletes the source objects first and the old marker last. A source object that an artifact of another location record with the same root includes is kept, with a warning. The storage uid, artifact uids and keys do not change; in-place keys move with the root.

Before anything is copied, keys the destination's file system can't store are refused (KeyNotPortable: on Windows '< > : " | ? *', a trailing dot or space, device names such as CON, NUL, COM1), and so are keys that would be one file there because it ignores letter case, such as Data/x.csv and data/x.csv from S3 into an NTFS or macOS folder (KeyCollision).

Resumable: run it again after an interruption and objects already copied and verified are not copied again. If a -RemoveSource run was interrupted after the switch, run it again with the old root as -Identity (Move-LaminStorage <old root> <new root> -RemoveSource): it deletes each object left at the old root once the new root holds the same bytes (md5), and keeps the others. Nothing at the destination is ever overwritten: it must be empty or hold only what an interrupted run of this move copied, compared by md5 (S3 ETag or GCS md5Hash where they are one, else the bytes), never by size; anything else is DestinationNotEmpty naming it, before anything is copied. It must also not be registered, not be marked by another location, and not be inside the source. The switch adds one to the location's Generation: a write into it that was under way (Add-LaminArtifact, Move-LaminArtifact, the lamin: drive) is then refused at its commit with StorageMoved, never registered at the new root without its bytes. The location is leased for the duration; a second move or clear gets StorageLeased naming the holder. -WhatIf prints the plan. High impact: asks for confirmation.
'@
    Parameters  = @{
        InputObject = 'LaminStorage records (or uids) from the pipeline; any other record is refused with InvalidArgument.'
        Identity = 'One or more storage locations, each read in this order: all digits an id, a full uid, a unique uid prefix, else a root (normalised first: ~, relative to the current location, trailing /, FileSystem drives such as lab:/x). A local root registered for several hosts resolves to this machine''s record. Values with wildcards are matched against the roots.'
        Destination  = 'The new root: a local folder, s3://bucket[/prefix][?endpoint_url=...] or gs://bucket[/prefix].'
        RemoveSource = 'Delete the source objects once the record points to the destination (each verified there). With the old root as -Identity, finishes an interrupted -RemoveSource run.'
    }
    Examples    = @(
        @{ Title = 'Name the location by its root'; Code = 'Move-LaminStorage /mnt/old -Destination /mnt/new -WhatIf'; Remarks = '-Identity takes a root as well as an id or uid; -WhatIf says how much would be copied.' }
        @{ Title = 'See the plan'; Code = 'Move-LaminStorage /mnt/old-archive -Destination /mnt/new-archive -WhatIf'; Remarks = 'Counts, bytes and the new root; nothing changes.' }
        @{ Title = 'Move to S3 and clean up'; Code = 'Move-LaminStorage 3fT2 -Destination s3://lab-archive/imaging -RemoveSource -Confirm:$false'; Remarks = 'Returns the record with its new Root.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminStorage'
    Links       = @('Test-LaminArtifact', 'Get-LaminStorage')
}
