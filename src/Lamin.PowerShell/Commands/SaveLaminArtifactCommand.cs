using System.Management.Automation;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Copies an artifact's file or folder to a local destination, verifying its hash.</summary>
[Cmdlet(VerbsData.Save, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo), typeof(DirectoryInfo))]
public sealed class SaveLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ValidateNotNullOrEmpty]
    public string Identity { get; set; } = "";

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var service = new ArtifactService(Context);
        var artifact = service.Resolve(Identity);
        var dest = Destination is null ? null : GetUnresolvedProviderPathFromPSPath(Destination);
        if (!ShouldProcess($"{artifact.Uid} ({artifact.Path})", $"Save to {dest ?? CurrentDirectory}")) return;
        var progress = new ProgressReporter(this, $"Saving {artifact.Uid}", artifact.Size, artifact.NFiles ?? 1);
        string written;
        try { written = service.Save(artifact.Uid, dest, Force, progress, Cancellation); }
        finally { progress.Complete(); }
        WriteObject(Directory.Exists(written) ? new DirectoryInfo(written) : new FileInfo(written));
    }
}
