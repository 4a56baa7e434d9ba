namespace Lamin.PowerShell.Drive;

/// <summary>Test-Path's dynamic parameters on the lamin: drive: none; they tell the provider a call comes from Test-Path.</summary>
public sealed class TestPathParameters
{
}

/// <summary>Get-ChildItem's dynamic parameters on the lamin: drive, as FileSystem's: -File and -Directory (also with -Recurse and -Name).</summary>
public sealed class ChildItemParameters
{
    /// <summary>Artifacts only.</summary>
    [Parameter]
    [Alias("af")]
    public SwitchParameter File { get; set; }

    /// <summary>Containers only: storage locations, key folders, and artifacts whose key is also a folder.</summary>
    [Parameter]
    [Alias("ad")]
    public SwitchParameter Directory { get; set; }
}

/// <summary>Get-Content's dynamic parameters on the lamin: drive.</summary>
public sealed class ContentReaderParameters
{
    /// <summary>The whole content as one string (or one byte array with -AsByteStream).</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Bytes instead of lines of text.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }
}

/// <summary>Set-Content's dynamic parameters on the lamin: drive.</summary>
public sealed class ContentWriterParameters
{
    /// <summary>Writes bytes (byte values or byte arrays) instead of lines of text.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>Writes the strings without a newline after each.</summary>
    [Parameter]
    public SwitchParameter NoNewline { get; set; }
}
