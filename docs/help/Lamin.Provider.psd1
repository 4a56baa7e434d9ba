@{
    Synopsis    = 'The lamin: drive: the storage locations and artifacts of the current Lamin instance, for PowerShell''s own item cmdlets.'
    Description = @'
Import-Module Lamin registers the provider Lamin (module-qualified Lamin\Lamin) and the drive lamin:. lamin:\ holds one container per storage location, named by its uid; below it the '/'-segments of the keys of its latest, non-trashed artifacts are folders, and the artifacts are leaves: the same LaminStorage and LaminArtifact records the Lamin cmdlets give. Provider-qualified paths read Lamin\Lamin::<uid>\<key>.

Records from the Lamin cmdlets carry the same PSPath as the drive gives them (an artifact's is its location and key, a location's is its uid), and no record has a property named Path: piped into Remove-Item, Move-Item, Rename-Item, Get-Content or Set-Content, a record acts exactly as the typed lamin: path does. Get-LaminArtifact <uid> | Remove-Item moves the artifact to the Lamin trash (with -WhatIf and -Confirm), never the file; | Move-Item -Destination lamin:\<other uid> is Move-LaminArtifact; Rename-Item is refused with the way to do it. The physical location is the record's FullName. An older version or a trashed artifact has no PSPath: the drive's path of a key means its latest version.

See about_Lamin_Drive for navigation, listings, content, Set-Content, Remove-Item and Move-Item in full.
'@
    Examples    = @(
        @{ Title = 'List the locations and an artifact folder'; Code = 'Get-ChildItem lamin:\; Get-ChildItem lamin:\3RsAqjF6xZkQ\raw'; Remarks = 'LaminStorage records, then the folders and latest artifacts under raw/.' }
        @{ Title = 'Trash an artifact through the pipeline'; Code = 'Get-LaminArtifact -Key raw/img2.tif | Remove-Item -WhatIf'; Remarks = 'The same as Remove-Item lamin:\<uid>\raw\img2.tif: the record moves to the Lamin trash (Restore-LaminArtifact brings it back); the file is kept.' }
        @{ Title = 'Move an artifact to another location'; Code = 'Get-ChildItem lamin:\3RsAqjF6xZkQ\raw\img2.tif | Move-Item -Destination lamin:\8kPqZ2mN4vXc'; Remarks = 'Move-LaminArtifact -Storage 8kPqZ2mN4vXc; the key stays.' }
    )
    Notes       = 'Copy-Item, Rename-Item and New-Item are refused with the Lamin cmdlet to use instead. Refusals carry the ids of about_Lamin.'
    Links       = @('about_Lamin_Drive', 'about_Lamin', 'Get-LaminArtifact', 'Move-LaminArtifact', 'Remove-LaminArtifact')
}
