using System.Runtime.CompilerServices;

namespace Lamin.Core.Util;

/// <summary>
/// The core's low-level events (registry opened, gate checks, storage provider calls) for PowerShell's
/// -Debug stream (issue 26 point 10). The cmdlet base installs a sink for the duration of a call only when
/// debug output is wanted; otherwise <see cref="Write"/> costs one check: its interpolated message is not
/// even formatted. Flows into tasks the command starts (AsyncLocal), like <see cref="Cancel"/>.
/// </summary>
public static class CoreTrace
{
    private static readonly AsyncLocal<Action<string>?> Ambient = new();

    /// <summary>Whether anyone listens (a cmdlet run with -Debug or $DebugPreference set).</summary>
    public static bool IsOn => Ambient.Value is not null;

    /// <summary>Sends a message to the current sink; formats nothing when there is none.</summary>
    public static void Write([InterpolatedStringHandlerArgument] ref Message message)
    {
        if (message.Enabled) Ambient.Value?.Invoke(message.ToStringAndClear());
    }

    /// <summary>Makes <paramref name="sink"/> the current one until disposed (null: none).</summary>
    public static IDisposable Use(Action<string>? sink)
    {
        var previous = Ambient.Value;
        Ambient.Value = sink;
        return new Restore(previous);
    }

    private sealed class Restore(Action<string>? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }

    /// <summary>Formats a message only when a sink listens.</summary>
    [InterpolatedStringHandler]
    public ref struct Message
    {
        private DefaultInterpolatedStringHandler _inner;

        public Message(int literalLength, int formattedCount, out bool enabled)
        {
            Enabled = enabled = IsOn;
            _inner = enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
        }

        public bool Enabled { get; }
        public void AppendLiteral(string value) => _inner.AppendLiteral(value);
        public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);
        public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);
        public string ToStringAndClear() => _inner.ToStringAndClear();
    }
}
