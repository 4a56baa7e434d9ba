@{
    Synopsis    = 'The lamin: drive: the storage locations and artifacts of the current Lamin instance, for PowerShell''s own item cmdlets.'
    Description = @'
Import-Module Lamin registers the provider Lamin (module-qualified Lamin\Lamin) and the drive lamin:. lamin:\ holds one container per storage location, named by its uid; below it the '/'-segments of the keys of its latest, non-trashed artifacts are folders, and the artifacts are leaves: the same LaminStorage and LaminArtifact records the Lamin cmdlets give. Provider-qualified paths read Lamin\Lamin::<uid>\<key>.

Records from the Lamin cmdlets carry the same PSPath as the drive gives them (an artifact's is its location and key, a location's is its uid), and no record has a property named Path: piped into Remove-Item, Move-Item, Rename-Item, Get-Content or Set-Content, a record acts exactly as the typed lamin: path does. Get-LaminArtifact <uid> | Remove-Item moves the artifact to the Lamin trash (with -WhatIf and -Confirm), never the file; | Move-Item -Destination lamin:\<other uid> is Move-LaminArtifact; Rename-Item is refused with the way to do it. The physical location is the record's FullName. An older version or a trashed artifact has no PSPath: the drive's path of a key means its latest version.

Listings look like the FileSystem drive's: one table per folder, headed "Directory: lamin:\<uid>\<folder>", with Mode (d: a container; r: a locked artifact, or a location not managed from here), LastWriteTime, Size and Name; a location's Name shows its root (<uid> -> <root>). Get-ChildItem takes the provider's dynamic parameters -File (artifacts only) and -Directory (containers only: locations and key folders; an artifact whose key is also a folder is both), also with -Recurse, -Depth, -Filter and -Name.

New-PSDrive -PSProvider Lamin -Root makes a drive for one location (its uid, id or root) or one key folder of it: -Root lamin:\<uid>\raw, <uid>\raw or Lamin\Lamin::<uid>\raw. Items listed through it keep their PSPath (Lamin\Lamin::<uid>\raw\<name>). A root that is an artifact is refused (InvalidPath), one that does not exist too (PathNotFound).

See about_Lamin_Drive for navigation, listings, content, Set-Content, Remove-Item and Move-Item in full.
'@
    Examples    = @(
        @{ Title = 'List the locations and an artifact folder'; Code = 'Get-ChildItem lamin:\; Get-ChildItem lamin:\3RsAqjF6xZkQ\raw'; Remarks = 'LaminStorage records, then the folders and latest artifacts under raw/.' }
        @{ Title = 'Only the artifacts of a tree, or only its folders'; Code = 'Get-ChildItem lamin:\3RsAqjF6xZkQ -Recurse -File; Get-ChildItem lamin:\3RsAqjF6xZkQ -Recurse -Directory -Name'; Remarks = 'One table per folder of LaminArtifact records; then the relative paths of the key folders.' }
        @{ Title = 'A drive for one folder'; Code = 'New-PSDrive -Name raw -PSProvider Lamin -Root lamin:\3RsAqjF6xZkQ\raw; Get-ChildItem raw:'; Remarks = 'raw: shows the key folder raw of location 3RsAqjF6xZkQ; its items are the same records as under lamin:\3RsAqjF6xZkQ\raw.' }
        @{ Title = 'Trash an artifact through the pipeline'; Code = 'Get-LaminArtifact -Key raw/img2.tif | Remove-Item -WhatIf'; Remarks = 'The same as Remove-Item lamin:\<uid>\raw\img2.tif: the record moves to the Lamin trash (Restore-LaminArtifact brings it back); the file is kept.' }
        @{ Title = 'Move an artifact to another location'; Code = 'Get-ChildItem lamin:\3RsAqjF6xZkQ\raw\img2.tif | Move-Item -Destination lamin:\8kPqZ2mN4vXc'; Remarks = 'Move-LaminArtifact -Storage 8kPqZ2mN4vXc; the key stays.' }
    )
    Notes       = 'Copy-Item, Rename-Item and New-Item are refused with the Lamin cmdlet to use instead. Refusals carry the ids of about_Lamin.'
    Links       = @('about_Lamin_Drive', 'about_Lamin', 'Get-LaminArtifact', 'Move-LaminArtifact', 'Remove-LaminArtifact')
}
