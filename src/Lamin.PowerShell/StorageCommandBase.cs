namespace Lamin.PowerShell;

/// <summary>
/// The base of the cmdlets that act on storage locations named by -Identity or piped as -InputObject (Test,
/// Clear, Remove, Move, Get-LaminStorageUsage): each named location resolved as the user typed it
/// (<see cref="LaminCmdlet.ResolveStorageIdentity"/>).
/// Each cmdlet declares its own -Identity and -InputObject, for the reason given on <see cref="ArtifactCommandBase"/>.
/// </summary>
public abstract class StorageCommandBase : LaminCmdlet
{
    /// <summary>
    /// Each storage location of this call (the piped records when there are any, else the -Identity values) to
    /// <paramref name="work"/>, as an identity the core reads; with neither, <paramref name="work"/> runs once with
    /// null (every location you may see). A refusal of one value is non-terminating and the next goes on.
    /// </summary>
    protected void ForEachStorage(PSObject[]? input, string[]? identity, Action<string?> work)
    {
        if (input is null && identity is null) { work(null); return; }
        Dispatch(input, identity, (_, value) => work(ResolveStorageIdentity(value)), RecordKind.Storage);
    }
}
