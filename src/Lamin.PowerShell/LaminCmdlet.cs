using System.Management.Automation;
using Lamin.Core.Errors;
using Lamin.Core.Services;

namespace Lamin.PowerShell;

/// <summary>
/// The small base every Lamin cmdlet derives from: it builds the context (PowerShell's $PWD, LAMIN_HOME,
/// LAMIN_USER) and turns core refusals into ErrorRecords with the catalogue's id and category.
/// A refusal is terminating when the command was called on its own (so `try/catch` and Pester's
/// `Should -Throw` see it), and non-terminating when the target came from the pipeline (the pipeline
/// goes on with the next record) or when the caller chose an -ErrorAction (which then applies).
/// </summary>
public abstract class LaminCmdlet : PSCmdlet
{
    private LaminContext? _context;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Cancelled by Ctrl+C (StopProcessing); every long core call receives it.</summary>
    protected CancellationToken Cancellation => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    protected LaminContext Context => _context ??= LaminContext.FromEnvironment(CurrentDirectory);

    /// <summary>PowerShell's current file-system location (not the process's current directory).</summary>
    protected string CurrentDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

    protected void Warn(string message) => WriteWarning(message);

    protected sealed override void BeginProcessing() => Guard(Begin);

    protected sealed override void ProcessRecord() => Guard(Process);

    protected sealed override void EndProcessing() => Guard(End);

    protected virtual void Begin() { }

    protected abstract void Process();

    protected virtual void End() { }

    private void Guard(Action work)
    {
        try
        {
            work();
        }
        catch (LaminException e)
        {
            Report(e);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Ctrl+C: the core has already removed what it was writing; PowerShell ends the pipeline.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Report(new LaminException(ErrorIds.StorageIoError, e.Message + " Nothing else was changed; fix the cause and retry.", null, e));
        }
        catch (Exception e) when (e is not PipelineStoppedException and not OperationCanceledException
                                      and not ParameterBindingException and not RuntimeException)
        {
            // Never an unhandled .NET exception: a stable id, the type and message for the bug report.
            Report(new LaminException(ErrorIds.UnexpectedError,
                $"Unexpected {e.GetType().Name}: {e.Message} This is a bug in Lamin; please report it with the command you ran.", null, e));
        }
    }

    private void Report(LaminException e)
    {
        var record = ToErrorRecord(e);
        if (MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey("ErrorAction")) WriteError(record);
        else ThrowTerminatingError(record);
    }

    public static ErrorRecord ToErrorRecord(LaminException e) =>
        new(e, e.ErrorId, Enum.Parse<ErrorCategory>(e.Category.ToString()), e.Target);
}
