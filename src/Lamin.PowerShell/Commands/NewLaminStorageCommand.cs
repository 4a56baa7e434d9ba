namespace Lamin.PowerShell.Commands;

/// <summary>Registers a storage location; writes its marker only after confirmation.</summary>
[Cmdlet(VerbsCommon.New, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.Base + "New-LaminStorage")]
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
        // A local folder that does not exist is created (as LaminDB does); -WhatIf and -Confirm say so (issue 26 point 5).
        var action = plan.CreatesFolder
            ? "Create the folder (it does not exist) and register it as a storage location, writing its marker"
            : "Register storage location and write its marker";
        WriteVerbose(plan.CreatesFolder ? $"The folder '{plan.Root.Root}' does not exist; registering it creates it."
            : $"Registering {plan.Root.Type} root '{plan.Root.Root}' in space '{plan.SpaceName}' of the registry {Context.Describe()}.");
        if (!ShouldProcess(target, action)) return;
        var created = service.Create(plan, Warn).Record;
        if (plan.CreatesFolder && Directory.Exists(plan.Root.Root)) WriteVerbose($"Created the folder '{plan.Root.Root}'.");
        WriteVerbose(created.IsManaged ? $"Registered '{created.Root}' as {created.Uid}, managed by this instance (marker written)."
            : $"Registered '{created.Root}' as {created.Uid}, read-only from this instance.");
        WriteObject(created);
    }
}
