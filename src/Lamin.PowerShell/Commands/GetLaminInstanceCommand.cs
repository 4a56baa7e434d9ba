using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Lists the instances known in this settings folder.</summary>
[Cmdlet(VerbsCommon.Get, "LaminInstance")]
[OutputType(typeof(LaminInstance))]
public sealed class GetLaminInstanceCommand : LaminCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(InstanceCompleter))]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void Process() => WriteObject(new InstanceService(Context).List(Name, Warn), enumerateCollection: true);
}
