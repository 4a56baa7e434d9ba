namespace Lamin.PowerShell;

/// <summary>
/// The base of the cmdlets that act on artifacts named by -Identity or piped as -InputObject (Remove, Restore,
/// Move): each named artifact resolved once, through one ArtifactService per call.
/// Each cmdlet still declares its own -Identity and -InputObject: their attributes differ from cmdlet to cmdlet,
/// and PowerShell lists a cmdlet's parameters in reflection order, the derived class's first, so parameters
/// declared here would move behind every other one in Get-Help, tab completion and Get-Command.
/// </summary>
public abstract class ArtifactCommandBase : LaminCmdlet
{
    /// <summary>
    /// Each artifact of this call (the piped records when there are any, else the -Identity values), resolved,
    /// to <paramref name="work"/> with the service that resolved it. A refusal of one value is non-terminating
    /// and the next goes on (<see cref="LaminCmdlet.Dispatch(IEnumerable{PSObject}?, IEnumerable{string}?, Action{RecordKind, string}, RecordKind[])"/>).
    /// </summary>
    protected void ForEachArtifact(PSObject[]? input, string[]? identity, Action<ArtifactService, LaminArtifact> work, params RecordKind[] accepted)
    {
        var service = new ArtifactService(Context);
        Dispatch(input, identity, (_, value) => work(service, service.Resolve(value)), accepted);
    }
}
