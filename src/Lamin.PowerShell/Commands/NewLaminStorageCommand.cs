using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Registers a storage location; writes its marker only after confirmation.</summary>
[Cmdlet(VerbsCommon.New, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(LaminStorage))]
public sealed class NewLaminStorageCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [AllowEmptyString]
    public string Root { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Description { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Space { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public new string? Host { get; set; }

    protected override void Process()
    {
        var service = new StorageService(Context);
        var plan = service.Plan(ResolveLocalPath(Root), Host, Description, Space);
        if (plan.Existing is not null)
        {
            Warn($"returning the existing storage location with the same root and host: {plan.Existing.Root} (uid {plan.Existing.Uid})");
            WriteObject(plan.Existing);
            return;
        }
        var target = plan.Root.Root + (plan.Host is null ? "" : $" (host {plan.Host})");
        if (!ShouldProcess(target, "Register storage location and write its marker")) return;
        WriteObject(service.Create(plan, Warn).Record);
    }
}
