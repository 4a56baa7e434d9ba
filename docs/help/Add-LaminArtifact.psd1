@{
    Synopsis    = 'Adds files and folders as artifacts of the current instance.'
    Description = @'
A path under a registered storage root (the deepest root wins) is registered in place: its Key is the path relative to the root, KeyIsVirtual is $false, and nothing is copied. Any other path is copied into the target storage at .lamindb/<uid><suffix> (folders: .lamindb/<uid16><suffix>), or at <root>/<key> with -KeyIsVirtual $false. The target is -Storage if given, else the local storage when keep-artifacts-local is on and one is present on this machine, else the default storage; a read-only target is refused (StorageReadOnly), and so is a local target that is not present on this machine, i.e. whose marker is missing or names another location, such as the same folder registered for another -Host (StorageNotPresent). A folder with a .lamindb/ folder anywhere below it (another location's data, an instance's registry) is refused (InvalidPath), in any letter case. With -KeyIsVirtual $false, a key whose folders lead outside the root through a symbolic link is refused (InvalidKey).

Each file is read once: it is hashed while it is copied (md5 up to 50 MiB, sha1-fl above, md5-d for folders), under a temporary name inside .lamindb/ that is renamed into place only when complete; the data is flushed to stable storage before the registry records it. A file that changes size while it is read is refused (FileChanged). Content whose hash is already registered returns the existing artifact with a warning (not for empty files, and not for in-place registrations unless -SkipHashLookup:$false). A known key with new content becomes a new version. Artifacts are registered in batches, one registry transaction per batch; long copies show progress. An item refused on its own (for example a new version of a locked key: RecordLocked) is reported as a non-terminating error naming its path, its copy is removed, and the other items of the batch are registered as if it had not been there; a record is written to the pipeline only after its transaction committed.
'@
    Parameters  = @{
        KeyPrefix = 'Without -Key, the key is this prefix followed by the file name (as Write-S3Object -KeyPrefix), e.g. -KeyPrefix raw/ gives raw/<file name>. Ignored for paths registered in place (their key is their relative path). Without -Key and -KeyPrefix a copied file has no key, and its file name becomes its description unless -Description is given, so Search-LaminArtifact finds it by name.'
        Path           = 'Files or folders to add; wildcards are supported. Takes strings from the pipeline.'
        LiteralPath    = 'Files or folders to add, taken literally. Get-ChildItem output binds here through its PSPath.'
        Key            = 'The key (a relative path such as "project/raw/sample1.fastq.gz"); its suffix must equal the file''s suffix. No "\", no "." or ".." segments, no segment named .lamindb (any letter case), at most 1024 characters and at most 255 bytes (UTF-8) per segment.'
        Destination    = 'A path on the lamin: drive naming the location and the key at once: lamin:\<uid>\<key>, or lamin:\<uid>\<folder>\ (a trailing separator, or a path that is an existing key folder, appends the file name; lamin:\<uid> alone keys by file name). Relative drive paths (.\raw\ while in lamin:\<uid>) and drives made with New-PSDrive -PSProvider Lamin work too; a path on another provider is refused (InvalidPath, terminating). -Key still wins; do not combine with -Storage. The rules of -Key -Storage apply: a read-only location is refused (StorageReadOnly). See about_Lamin_Drive.'
        Description    = 'A free-text description.'
        Storage        = 'The storage location to copy into: a root, id, uid or uid prefix.'
        KeyIsVirtual   = '$true (default): the key lives only in the registry and the data sits under .lamindb/. $false: the data is stored at <root>/<key> (needs -Key).'
        SkipHashLookup = 'Do not return an existing artifact with the same hash. -SkipHashLookup:$false makes in-place registrations look up their hash too.'
    }
    Examples    = @(
        @{ Title = 'Keep the file names as keys'; Code = 'Get-ChildItem ./raw -File | Add-LaminArtifact -KeyPrefix raw/'; Remarks = 'Each file gets the key raw/<file name>. Without -Key and -KeyPrefix the file name becomes the description, so Search-LaminArtifact <file name> finds it.' }
        @{ Title = 'Add a file with a key'; Code = 'Add-LaminArtifact ./results.csv -Key project/results.csv -Description ''run 42'''; Remarks = 'Copies the file into the default storage and registers it.' }
        @{ Title = 'Register everything already in a storage location'; Code = 'Get-ChildItem /mnt/archive/raw -File -Recurse | Add-LaminArtifact'; Remarks = 'Files under a registered root are registered in place by their relative path, never copied.' }
        @{ Title = 'Add into a folder of the lamin: drive'; Code = 'Get-ChildItem ./raw -File | Add-LaminArtifact -Destination lamin:\3RsAqjF6xZkQ\raw\'; Remarks = 'Copies each file into that location under the key raw/<file name> (PowerShell''s Copy-Item cannot copy between providers).' }
        @{ Title = 'Add a folder'; Code = 'Add-LaminArtifact ./images.zarr -Key datasets/images.zarr'; Remarks = 'One artifact with NFiles members and an md5-d hash.' }
    )
    Outputs     = 'Lamin.Core.Model.LaminArtifact'
    Links       = @('Get-LaminArtifact', 'Save-LaminArtifact', 'Remove-LaminArtifact')
}
