
namespace Lamin.Core.Roots;

/// <summary>A root after parsing and normalisation (SPEC rules 1–2). <see cref="Root"/> is what the registry stores.</summary>
public sealed record StorageRoot(string Root, string Type, string? Bucket, string? Prefix, string? EndpointUrl)
{
    public bool IsLocal => Type == "local";
    public bool IsCloud => Type is "s3" or "gs";

    /// <summary>The root without its query string (how an object path under it starts).</summary>
    /// A '?' inside the bucket's key part is a key character: only "?endpoint_url=" starts the query.
    public string PathPart => EndpointUrl is null ? Root : Root[..Root.IndexOf(EndpointQuery, StringComparison.Ordinal)];

    /// <summary>What starts the query of an S3 root; any other '?' is part of the key (SPEC rule 20).</summary>
    public const string EndpointQuery = "?endpoint_url=";

    public static readonly string[] SupportedTypes = ["local", "gs", "s3", "hf", "http", "https"];

    /// <summary>The protocol before "://" ("local" when there is none, or "file").</summary>
    public static string DetectType(string root)
    {
        int i = root.IndexOf("://", StringComparison.Ordinal);
        if (i <= 0) return "local";
        var protocol = root[..i].ToLowerInvariant();
        // A Windows drive letter ("C:\x") has no "://"; anything before "://" is a protocol.
        return protocol == "file" ? "local" : protocol;
    }

    /// <summary>
    /// Parses and normalises a root: expands "~", resolves relative local paths against
    /// <paramref name="currentDirectory"/> (PowerShell's $PWD, not the process's), resolves symlinks,
    /// uses "/" for cloud roots, drops trailing "/", keeps "?endpoint_url=" for S3.
    /// </summary>
    public static StorageRoot Parse(string? root, string currentDirectory) => Parse(root, currentDirectory, null);

    /// <summary>
    /// As <see cref="Parse(string?, string)"/>; a local root is read with the Windows path rules when the platform
    /// of the context has them (<see cref="ILocalPlatform.WindowsPaths"/>) or when <paramref name="windows"/> is given (SPEC §11).
    /// </summary>
    public static StorageRoot Parse(string? root, string currentDirectory, IWindowsPathSystem? windows)
    {
        if (string.IsNullOrWhiteSpace(root))
            throw new LaminException(ErrorIds.InvalidRoot, "The root can't be empty. Pass a local folder, s3://bucket[/prefix] or gs://bucket[/prefix].", root);
        // As given (SPEC §10 rule 16): "data " is another folder than "data"; no space is trimmed.
        if (root.Any(char.IsControl))
            throw new LaminException(ErrorIds.InvalidRoot, "The root contains control characters; pass a plain path or URL.", root);

        var type = DetectType(root);
        if (!SupportedTypes.Contains(type))
            throw new LaminException(ErrorIds.UnsupportedProtocol,
                $"Protocol {type} is not supported, valid protocols are local, gs, s3, hf, http, https.", root);

        StorageRoot parsed = type switch
        {
            "local" => windows is null && ProbeMemo.Current is { } memo
                ? memo.Roots.GetOrAdd((root, currentDirectory), _ => ParseLocal(root, currentDirectory, null))
                : ParseLocal(root, currentDirectory, windows),
            "s3" or "gs" => ParseBucket(root, type),
            _ => new StorageRoot(root.TrimEnd('/'), type, null, null, null),
        };
        if (parsed.Root.Contains(".lamindb", StringComparison.OrdinalIgnoreCase)) // any case: one folder on Windows and macOS
            throw new LaminException(ErrorIds.InvalidRoot,
                "Please pass a folder name that does not end or contain \".lamindb\": it is the folder Lamin manages inside every storage location.", root);
        return parsed;
    }

    private static StorageRoot ParseLocal(string root, string currentDirectory, IWindowsPathSystem? windows)
    {
        if ((windows ?? LocalPlatform.Current.WindowsPaths) is { } system)
        {
            // SPEC §11: one canonical root per folder: drive-relative roots against the current location, "\\?\",
            // 8.3 names, trailing dots and the typed case reduced to the names on disk, a mapped drive to its UNC share.
            var expanded = FileUris.IsFileUri(root) ? root : LocalPaths.ExpandHome(root);
            string canonical;
            try { canonical = WindowsPaths.Canonicalize(expanded, currentDirectory, system); }
            catch (Exception e) when (e is not LaminException && windows is null)
            {
                canonical = LocalPaths.Resolve(FileUris.IsFileUri(root) ? FileUris.ToWindowsPath(root) : root, currentDirectory); // the OS said nothing: as typed
            }
            return new StorageRoot(windows is null ? system.ResolveLinks(canonical) : canonical, "local", null, null, null);
        }
        // file: roots are URIs (percent-escapes decoded; another host is refused here), not sliced strings.
        if (root.StartsWith("file://", StringComparison.OrdinalIgnoreCase)) root = FileUris.ToPosixPath(root);
        var full = LocalPaths.Resolve(root, currentDirectory);
        return new StorageRoot(full, "local", null, null, null);
    }

    private static StorageRoot ParseBucket(string root, string type)
    {
        var rest = root[(type.Length + 3)..];
        string? endpoint = null;
        // Keys may hold '?' (SPEC rule 20): only "?endpoint_url=" starts the query, so s3://b/x?y.csv?endpoint_url=…
        // is the key x?y.csv at that endpoint. A '?' followed by another name=http(s)://… is a mistyped query.
        int q = rest.IndexOf(EndpointQuery, StringComparison.Ordinal);
        if (q < 0 && System.Text.RegularExpressions.Regex.Match(rest, @"\?([A-Za-z_]+)=https?(://|%3A)", System.Text.RegularExpressions.RegexOptions.IgnoreCase) is { Success: true } m)
            throw new LaminException(ErrorIds.InvalidRoot,
                $"Unknown query parameter '{m.Groups[1].Value}' in root; only s3:// roots take one, '?endpoint_url=<url>'.", Redact(root));
        if (q >= 0)
        {
            var query = rest[(q + 1)..];
            rest = rest[..q];
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var name = Uri.UnescapeDataString(kv[0]);
                if (type != "s3" || name != "endpoint_url")
                    throw new LaminException(ErrorIds.InvalidRoot,
                        $"Unknown query parameter '{name}' in root; only s3:// roots take one, '?endpoint_url=<url>'.", Redact(root));
                if (endpoint is not null)
                    throw new LaminException(ErrorIds.InvalidRoot, "Multiple values for endpoint_url query parameter.", Redact(root));
                endpoint = Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : "").TrimEnd('/');
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
                    throw new LaminException(ErrorIds.InvalidRoot,
                        $"endpoint_url '{Redact(endpoint)}' is not an http(s) URL, e.g. ?endpoint_url=http://127.0.0.1:9000.", Redact(root));
                // SPEC §10 rule 11: the registry would keep a password verbatim; credentials come from the SDK chain.
                if (u.UserInfo.Length > 0 || endpoint.Contains('@'))
                    throw new LaminException(ErrorIds.InvalidRoot,
                        $"endpoint_url '{Redact(endpoint)}' carries credentials, which would be stored in the registry. Pass the endpoint without them " +
                        "and give the credentials through the AWS SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or an instance role).", Redact(root));
            }
        }
        var segments = rest.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
            throw new LaminException(ErrorIds.InvalidRoot, $"The root '{root}' names no bucket; pass {type}://<bucket>[/<prefix>].", root);
        var bucket = segments[0];
        if (!IsValidBucketName(bucket))
            throw new LaminException(ErrorIds.InvalidRoot,
                $"'{bucket}' is not a valid bucket name: use 3–63 lower-case letters, digits, '.', '-' or '_', starting and ending with a letter or digit.", root);
        if (segments.Any(s => s is "." or ".."))
            throw new LaminException(ErrorIds.InvalidRoot, $"The root '{root}' contains a '.' or '..' segment; pass the prefix itself.", root);
        var prefix = segments.Length > 1 ? string.Join('/', segments[1..]) : null;
        var normal = $"{type}://{bucket}" + (prefix is null ? "" : "/" + prefix) + (endpoint is null ? "" : "?endpoint_url=" + endpoint);
        return new StorageRoot(normal, type, bucket, prefix, endpoint);
    }

    /// <summary>The text with any "user:password@" of a URL in it (plain or percent-encoded) replaced by "***@" (for messages and error targets).</summary>
    public static string Redact(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"(?<=(://|%3A%2F%2F))([^/@?#%]|%(?!40)[0-9A-F]{2})*(@|%40)", "***@", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    private static bool IsValidBucketName(string b) =>
        b.Length is >= 3 and <= 222
        && char.IsAsciiLetterLower(b[0]) | char.IsAsciiDigit(b[0])
        && char.IsAsciiLetterLower(b[^1]) | char.IsAsciiDigit(b[^1])
        && b.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_');

    /// <summary>Instance name from a root: the last path segment, lower-cased, query ignored (LaminDB 2.13.2).</summary>
    public string InferName()
    {
        var p = PathPart.TrimEnd('/', '\\');
        int i = p.LastIndexOfAny(['/', '\\']);
        var last = i >= 0 ? p[(i + 1)..] : p;
        if (last.EndsWith(':')) last = last.TrimEnd(':');
        return last.ToLowerInvariant();
    }
}
