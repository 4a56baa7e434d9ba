namespace Lamin.PowerShell;

/// <summary>
/// The small base every Lamin cmdlet derives from: it builds the context (PowerShell's $PWD, LAMIN_HOME,
/// LAMIN_USER) and turns core refusals into ErrorRecords with the catalogue's id and category.
/// SPEC §4: a refusal about one input is non-terminating (WriteError: -ErrorAction, 2>$null,
/// -ErrorVariable and $ErrorActionPreference apply, a pipeline goes on with the next input); only the
/// errors that stop the whole command (<see cref="TerminatingIds"/>, and invalid parameter combinations
/// raised through <see cref="Terminate"/>) are terminating.
/// </summary>
public abstract class LaminCmdlet : PSCmdlet
{
    private LaminContext? _context;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Cancelled by Ctrl+C (StopProcessing); every long core call receives it.</summary>
    protected CancellationToken Cancellation => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    protected LaminContext Context => _context ??= NewContext();

    private LaminContext NewContext()
    {
        var context = LaminContext.FromEnvironment(CurrentDirectory);
        context.Opened = text => Say(debug: false, text); // -Verbose: which registry this command uses (first used maybe on a worker thread)
        return context;
    }

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
            // Every SDK call the core makes for this command stops with it (Ctrl+C, PowerShell.Stop()).
            _pipelineThread = Environment.CurrentManagedThreadId;
            using (Lamin.Core.Util.Cancel.Use(_stop.Token))
            using (Lamin.Core.Util.CoreTrace.Use(DebugSink()))
            {
                try { work(); }
                finally { FlushFromWorkers(); }
            }
        }
        catch (LaminException e)
        {
            Report(e);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Ctrl+C: the core has already removed what it was writing; PowerShell ends the pipeline.
        }
        catch (UnauthorizedAccessException e)
        {
            // A folder without write permission: PermissionDenied with what to do, not the raw OS error (issue 26 point 10).
            Report(AccessDenial.From(e));
        }
        catch (IOException e)
        {
            Report(IoFailure(e));
        }
        catch (Exception e) when (e is not PipelineStoppedException and not OperationCanceledException
                                      and not ParameterBindingException and not RuntimeException)
        {
            // Never an unhandled .NET exception: a stable id, the type and message for the bug report.
            Report(new LaminException(ErrorIds.UnexpectedError,
                $"Unexpected {e.GetType().Name}: {e.Message} This is a bug in Lamin; please report it with the command you ran.", null, e));
        }
    }

    // ------------------------------------------------------------ the core's events on -Debug (issue 26 point 10)

    private readonly System.Collections.Concurrent.ConcurrentQueue<(bool Debug, string Text)> _fromWorkers = new();
    private int _pipelineThread;

    /// <summary>
    /// The one sink for the core's low-level events (<see cref="Lamin.Core.Util.CoreTrace"/>): WriteDebug, only
    /// when debug output is wanted (-Debug, or $DebugPreference other than SilentlyContinue/Ignore); null
    /// otherwise, so the core formats nothing.
    /// </summary>
    private Action<string>? DebugSink()
    {
        var wanted = MyInvocation.BoundParameters.TryGetValue("Debug", out var d) ? LanguagePrimitives.IsTrue(d)
            : GetVariableValue("DebugPreference") is ActionPreference p && p is not ActionPreference.SilentlyContinue and not ActionPreference.Ignore;
        return wanted ? text => Say(debug: true, text) : null;
    }

    /// <summary>
    /// A verbose or debug line from the core: written now on the pipeline thread; from one of the core's worker threads
    /// (parallel hashing, downloads) it waits in a queue for the pipeline thread, the only one PowerShell lets write.
    /// </summary>
    private void Say(bool debug, string text)
    {
        if (Environment.CurrentManagedThreadId != _pipelineThread) { _fromWorkers.Enqueue((debug, text)); return; }
        FlushFromWorkers();
        if (debug) WriteDebug(text);
        else WriteVerbose(text);
    }

    private void FlushFromWorkers()
    {
        if (Environment.CurrentManagedThreadId != _pipelineThread) return;
        while (_fromWorkers.TryDequeue(out var queued))
        {
            if (queued.Debug) WriteDebug(queued.Text);
            else WriteVerbose(queued.Text);
        }
    }

    /// <summary>
    /// Cmdlet.WriteVerbose, except under -Debug without -Verbose: there PowerShell (7.6) makes a compiled cmdlet's
    /// verbose line ask "Continue with this operation?" (it fails under -NonInteractive), so the line goes to the
    /// debug stream, which -Debug shows anyway.
    /// </summary>
    protected new void WriteVerbose(string text)
    {
        if (!MyInvocation.BoundParameters.ContainsKey("Verbose")
            && MyInvocation.BoundParameters.TryGetValue("Debug", out var d) && LanguagePrimitives.IsTrue(d))
            WriteDebug(text);
        else base.WriteVerbose(text);
    }

    /// <summary>A failure of the file system or a stream that the core did not catalogue: StorageIoError, nothing else changed.</summary>
    internal static LaminException IoFailure(Exception e) =>
        new(ErrorIds.StorageIoError, e.Message + " Nothing else was changed; fix the cause and retry.", null, e);

    /// <summary>SPEC §4: the errors after which nothing can proceed; every other refusal is about one input.</summary>
    public static readonly IReadOnlySet<string> TerminatingIds = new HashSet<string>(StringComparer.Ordinal)
    {
        ErrorIds.NoCurrentInstance, ErrorIds.RegistryNotFound, ErrorIds.RegistryCorrupt, ErrorIds.RegistryBusy,
        "RegistryUnavailable", "RegistryAuthenticationFailed", "RegistrySchemaTooNew", "InstanceMoved",
    };

    private void Report(LaminException e)
    {
        var record = ToErrorRecord(e);
        if (TerminatingIds.Contains(e.ErrorId)) ThrowTerminatingError(record);
        else WriteError(record);
    }

    /// <summary>An invalid parameter combination: nothing can proceed, so the error is terminating (SPEC §4).</summary>
    protected void Terminate(LaminException e) => ThrowTerminatingError(ToErrorRecord(e));

    /// <summary>
    /// Runs <paramref name="work"/> for each value and reports a refusal of one value as a non-terminating
    /// error, so the other values go on (`Remove-LaminArtifact a,b`); terminating ids still stop the command.
    /// </summary>
    protected void ForEachValue<T>(IEnumerable<T> values, Action<T> work)
    {
        foreach (var v in values)
        {
            try { work(v); }
            catch (LaminException e) when (!TerminatingIds.Contains(e.ErrorId)) { WriteError(ToErrorRecord(e)); }
        }
    }

    /// <summary>
    /// Cmdlet.ShouldProcess (every Lamin cmdlet calls this one), except that a confirmation nobody can answer
    /// (`pwsh -NonInteractive`, a host without a user interface) ends as PowerShell's own refusal does for
    /// Remove-Item: the engine's error (InvalidOperation, or the host's), terminating, nothing changed, with
    /// a hint to pass -Confirm:$false (or -Force) — never UnexpectedError (issue 24, issue 26 point 3).
    /// </summary>
    protected new bool ShouldProcess(string target, string action)
    {
        try { return base.ShouldProcess(target, action); }
        catch (PSInvalidOperationException e) { throw PromptRefused(e, e.ErrorRecord); }
        catch (System.Management.Automation.Host.HostException e) { throw PromptRefused(e, e.ErrorRecord); }
        // Only the engine and the host run in this try. Issue 24 reported a NullReferenceException from this prompt under
        // -NonInteractive (PowerShell 7.6 throws PSInvalidOperationException; a host whose UI lacks parts may fail this
        // way): still "nobody can answer", not a fault of Lamin.
        catch (NullReferenceException e) { throw PromptRefused(e, new ErrorRecord(e, "InvalidOperation", ErrorCategory.InvalidOperation, target)); }
    }

    /// <summary>Ends the command with the engine's own prompt refusal, plus what to pass to run unattended.</summary>
    private Exception PromptRefused(Exception e, ErrorRecord engine)
    {
        var force = MyInvocation.MyCommand.Parameters.ContainsKey("Force") ? " (or -Force)" : "";
        var record = new ErrorRecord(engine, e)
        {
            ErrorDetails = new ErrorDetails(
                $"{e.Message} {MyInvocation.MyCommand.Name} asks for a confirmation, and nobody can answer it here; nothing was changed. " +
                $"To run it unattended, pass -Confirm:$false{force}; -WhatIf shows what it would do."),
        };
        ThrowTerminatingError(record);
        return e; // not reached: ThrowTerminatingError always throws
    }

    /// <summary>How a confirmation (-WhatIf, -Confirm) names an artifact: its uid and its key (its path when it has none).</summary>
    protected static string Target(LaminArtifact a) => $"{a.Uid} ({a.Key ?? a.FullName})";

    /// <summary>How a confirmation (-WhatIf, -Confirm) names a storage location: its root and its uid.</summary>
    protected static string Target(LaminStorage s) => $"{s.Root} ({s.Uid})";

    /// <summary>
    /// ShouldProcess, except that -Force skips the confirmation (as in Az and AWS.Tools, SPEC §4) unless
    /// -WhatIf or -Confirm was asked for; it never skips a refusal (those run before this call).
    /// </summary>
    protected bool ShouldProcessUnlessForced(bool force, string target, string action)
    {
        var whatIf = MyInvocation.BoundParameters.ContainsKey("WhatIf")
                     || (SessionState.PSVariable.GetValue("WhatIfPreference") is { } w && LanguagePrimitives.IsTrue(w));
        if (force && !whatIf && !MyInvocation.BoundParameters.ContainsKey("Confirm"))
        {
            WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\" (-Force: not confirmed).");
            return true;
        }
        return ShouldProcess(target, action);
    }

    // ------------------------------------------------------------ pipeline input by record type (SPEC §4)

    /// <summary>Binds one piped object by its record type, never through another record's Uid.</summary>
    protected static PipedRecord Classify(object? input) => PipedRecord.Of(input);

    /// <summary>
    /// The values of one call: the piped objects (-InputObject), classified by record type, or the
    /// -Identity strings. Each goes to <paramref name="work"/> with its kind when the cmdlet takes that
    /// kind (<paramref name="accepted"/>; a plain identity always); any other record is refused with
    /// InvalidArgument. A refusal of one value is non-terminating and the next value goes on.
    /// A key folder of the lamin: drive (when <see cref="RecordKind.KeyFolder"/> is accepted) stands for its
    /// latest, non-trashed artifacts: each goes on as an artifact (to <paramref name="folderMember"/> with
    /// the folder's key when given), once per command even when the folder's own items follow it in the
    /// pipeline (Get-ChildItem -Recurse emits a folder and then what is in it).
    /// </summary>
    protected void Dispatch(IEnumerable<PSObject>? input, IEnumerable<string>? identities, Action<RecordKind, string> work, params RecordKind[] accepted) =>
        Dispatch(input, identities, work, null, accepted);

    // Every artifact given so far, to act once on one reached again through a folder: compact (UidSet), not flat.
    private Lamin.Core.Util.UidSet? _fromFolders;
    private readonly Lamin.Core.Util.UidSet _piped = new();

    protected void Dispatch(IEnumerable<PSObject>? input, IEnumerable<string>? identities, Action<RecordKind, string> work,
        Action<string, LaminArtifact>? folderMember, params RecordKind[] accepted)
    {
        var items = input is not null
            ? input.Select(Classify)
            : (identities ?? []).Select(i => new PipedRecord(RecordKind.Identity, i, "string"));
        ForEachValue(items, r =>
        {
            if (r.Value is null || (r.Kind != RecordKind.Identity && !accepted.Contains(r.Kind))) throw NotAccepted(r, accepted);
            if (r.Kind == RecordKind.KeyFolder)
            {
                var slash = r.Value.IndexOf('/');
                var (storageUid, folder) = slash < 0 ? (r.Value, "") : (r.Value[..slash], r.Value[(slash + 1)..]);
                _fromFolders ??= new Lamin.Core.Util.UidSet();
                ForEachValue(new DriveService(Context).ArtifactsInFolder(storageUid, folder), a =>
                {
                    if (_piped.Contains(a.Uid) || _fromFolders.Contains(a.Uid)) return;
                    _fromFolders.Add(a.Uid);
                    if (folderMember is not null) folderMember(folder, a);
                    else work(RecordKind.Artifact, a.Uid);
                });
                return;
            }
            // An artifact already reached through a piped folder is not acted on twice.
            if (r.Kind == RecordKind.Artifact)
            {
                if (_fromFolders?.Contains(r.Value) == true) return;
                _piped.Add(r.Value);
            }
            work(r.Kind, r.Value);
        });
    }

    /// <summary>The refusal for a piped object this cmdlet does not take (never bound through a property it happens to have).</summary>
    protected LaminException NotAccepted(PipedRecord r, IReadOnlyCollection<RecordKind> accepted) =>
        new(ErrorIds.InvalidArgument,
            $"{MyInvocation.MyCommand.Name} does not take a {r.TypeName} from the pipeline; pipe " +
            string.Join(", ", accepted.Select(k => k == RecordKind.KeyFolder ? "a LaminKeyFolder (a folder of the lamin: drive)" : "a Lamin" + k)) + (accepted.Count > 0 ? " or " : "") + "an identity string, or pass -Identity.",
            r.Value);

    // ------------------------------------------------------------ paths through PowerShell's providers (SPEC §4)

    /// <summary>
    /// A local path or root as the user typed it, resolved through PowerShell's provider paths: URL roots
    /// (s3://, gs://, http(s)://, hf://, any scheme://) and lamin: paths are kept as they are (the core
    /// recognises them), `~` is expanded by the core; a path on a FileSystem drive becomes its file-system
    /// path; a path on another provider → InvalidPath. Values with wildcards are kept (they are matched).
    /// The value is used exactly as given (SPEC §10 rule 16): "report.txt " is another file than "report.txt",
    /// so no space is trimmed (where Windows drops a trailing space, the core refuses it: KeyNotPortable).
    /// </summary>
    protected string? ResolveLocalPath(string? value, bool keepWildcards = false)
    {
        if (string.IsNullOrWhiteSpace(value)) return value; // nothing to resolve: the core refuses an empty root or name
        var v = value;
        if (IsUrl(v) || v.StartsWith('~') || v.StartsWith("lamin:", StringComparison.OrdinalIgnoreCase)) return value;
        if (keepWildcards && WildcardPattern.ContainsWildcardCharacters(v)) return value;
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(v, out provider, out _);
        }
        catch (System.Management.Automation.DriveNotFoundException e)
        {
            throw new LaminException(ErrorIds.InvalidPath,
                $"'{value}' names the drive '{e.ItemName}', which does not exist; pass a file-system path, or an s3://, gs://, http(s):// or hf:// root.", value, e);
        }
        catch (ProviderNotFoundException e)
        {
            throw new LaminException(ErrorIds.InvalidPath, $"'{value}' names a provider that does not exist; pass a file-system path.", value, e);
        }
        catch (NotSupportedException e)
        {
            throw new LaminException(ErrorIds.InvalidPath, $"'{value}' can't be read as a path: {e.Message}", value, e);
        }
        if (provider.Name != "FileSystem")
            throw new LaminException(ErrorIds.InvalidPath,
                $"'{value}' is a path on PowerShell's {provider.Name} provider, not a file-system path; pass a folder on a FileSystem drive, or an s3://, gs://, http(s):// or hf:// root.", value);
        return resolved;
    }

    /// <summary>
    /// A storage identity (-Identity, -Storage): ids, uids and stubs are letters and digits only and go to
    /// the core unchanged (it reads them first, SPEC §4); anything else is a root, resolved as a path, as
    /// given (no trimming, SPEC §10 rule 16: " abc" is not the uid abc but a folder named " abc").
    /// </summary>
    protected string ResolveStorageIdentity(string value)
    {
        if (value.Length > 0 && value.All(char.IsAsciiLetterOrDigit)) return value;
        if (WildcardPattern.ContainsWildcardCharacters(value)) return value;
        return ResolveLocalPath(value)!;
    }

    internal static bool IsUrl(string v)
    {
        var i = v.IndexOf("://", StringComparison.Ordinal);
        return i > 0 && char.IsAsciiLetter(v[0]) && v[..i].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }

    public static ErrorRecord ToErrorRecord(LaminException e) =>
        new(e, e.ErrorId, Enum.Parse<ErrorCategory>(e.Category.ToString()), e.Target);
}
