using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Lists the spaces the current user can see.</summary>
[Cmdlet(VerbsCommon.Get, "LaminSpace")]
[OutputType(typeof(LaminSpace))]
public sealed class GetLaminSpaceCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void Process() => WriteObject(new SpaceService(Context).Get(Name), enumerateCollection: true);
}
