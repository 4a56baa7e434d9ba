@{
    Synopsis    = 'Copies an artifact''s file or folder to a local destination.'
    Description = 'Copies the data to -Destination (default: the current location, named after the key''s last segment or the uid), checking the recorded hash on the way; the file appears under its final name only when complete and verified (HashMismatch otherwise). An existing destination is refused (DestinationExists) unless -Force. Returns the FileInfo or DirectoryInfo written.'
    Parameters  = @{
        Identity    = 'An integer id, a full uid or a uid prefix. Takes a record or uid from the pipeline.'
        Destination = 'A file path, or an existing folder to save into.'
        Force       = 'Overwrite an existing destination.'
    }
    Examples    = @(
        @{ Title = 'Save to the current folder'; Code = 'Get-LaminArtifact -Key project/results.csv | Save-LaminArtifact'; Remarks = 'Writes ./results.csv.' }
        @{ Title = 'Save somewhere else, replacing what is there'; Code = 'Save-LaminArtifact 3fT2aB9x -Destination /tmp/copy.csv -Force'; Remarks = 'Returns the FileInfo of /tmp/copy.csv.' }
    )
    Outputs     = @('System.IO.FileInfo', 'System.IO.DirectoryInfo')
    Links       = @('Get-LaminArtifact', 'Add-LaminArtifact')
}
