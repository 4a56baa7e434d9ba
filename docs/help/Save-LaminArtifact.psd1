@{
    Synopsis    = 'Copies an artifact''s file or folder to a local destination.'
    Description = 'Copies the data to -Destination (default: the current location, named after the key''s last segment or the uid), checking the recorded hash on the way; the file appears under its final name only when complete and verified (HashMismatch otherwise). An existing destination is refused (DestinationExists) unless -Force; the copy is written next to its target and swapped in, never after deleting what is there. -Force replaces only an unregistered file or folder outside every managed folder: a storage root, a .lamindb folder, a registry file or a marker is refused (InvalidPath), and so are the bytes of a registered artifact or a folder holding them (DestinationHoldsArtifact), with or without -Force. A key read from the registry that breaks the key rules is never turned into a file name (InvalidKey naming the uid). A file name or folder member the destination''s file system cannot store (on Windows the characters < > : " | ? *, a trailing dot or space, device names such as CON) is refused before anything is written (KeyNotPortable), and so are members whose names differ only in letter case where the file system ignores it (KeyCollision). Returns the FileInfo or DirectoryInfo written.'
    Parameters  = @{
        InputObject = 'LaminArtifact records (or uids) from the pipeline, saved together at the end; a folder of the lamin: drive (LaminKeyFolder) stands for the latest artifacts at and below it, each saved at its place below the destination folder (raw/sub/c.csv from a listing of raw goes to <destination>/sub/c.csv); any other record is refused with InvalidArgument.'
        Identity = 'One or more artifacts, each an id, a full uid or a unique uid prefix.'
        Destination = 'A file path, or a folder to save into: an existing folder, a path ending in a separator, or any path when several artifacts (or a drive folder) are saved (the folder is created).'
        Force       = 'Replace an existing destination that no artifact holds (never a storage root, registry, marker or registered artifact).'
    }
    Examples    = @(
        @{ Title = 'Save to the current folder'; Code = 'Get-LaminArtifact -Key project/results.csv | Save-LaminArtifact'; Remarks = 'Writes ./results.csv.' }
        @{ Title = 'Save somewhere else, replacing what is there'; Code = 'Save-LaminArtifact 3fT2aB9x -Destination /tmp/copy.csv -Force'; Remarks = 'Returns the FileInfo of /tmp/copy.csv.' }
    )
    Outputs     = @('System.IO.FileInfo', 'System.IO.DirectoryInfo')
    Links       = @('Get-LaminArtifact', 'Add-LaminArtifact')
}
