
namespace Lamin.Core.Safety;

public static partial class Gate
{
    /// <summary>A file or object as one comparable string: a local path, or a cloud store's bucket path with its endpoint.</summary>
    private readonly record struct Place(string Type, string? Endpoint, string Path, bool IgnoreCase)
    {
        /// <summary>An object under a location's root: compared as that root's file system compares names (its rules are known, never probed again).</summary>
        public static Place Of(StorageRoot root, string key) => root.IsLocal
            ? OfLocal(System.IO.Path.Combine(root.Root, key.Replace('/', System.IO.Path.DirectorySeparatorChar)), LocationRules.For(root))
            : new Place(root.Type, root.EndpointUrl, LocalPaths.TrimTrailingSeparator(root.PathPart) + "/" + key, false);

        /// <summary>A local path; <paramref name="rules"/> say how its names compare (default: this OS's, never a probe per path).</summary>
        public static Place OfLocal(string path, FileSystemRules? rules = null)
        {
            var full = System.IO.Path.GetFullPath(path);
            return new Place("local", null, LocalPaths.TrimTrailingSeparator(full), (rules ?? FileSystemRules.ForCurrentOs()).Comparison != StringComparison.Ordinal);
        }

        public static Place OfRoot(string type, string root)
        {
            if (type == "local") return OfLocal(root, LocationRules.ForLocal(root));
            var parsed = StorageRoot.Parse(root, "/");
            return new Place(parsed.Type, parsed.EndpointUrl, LocalPaths.TrimTrailingSeparator(parsed.PathPart), false);
        }

        public bool SameStore(Place other) => Type == other.Type && string.Equals(Endpoint, other.Endpoint, StringComparison.OrdinalIgnoreCase);

        public bool IsSameAs(Place other, StringComparison cmp) => string.Equals(Path, other.Path, cmp);

        /// <summary>True when this place lies strictly below <paramref name="other"/>.</summary>
        public bool IsUnder(Place other, StringComparison cmp)
        {
            if (Path.Length <= other.Path.Length || !Path.StartsWith(other.Path, cmp)) return false;
            return other.Path[^1] is '/' or '\\' || Path[other.Path.Length] is '/' or '\\';
        }

        public string RelativeTo(Place root) => Path.Length == root.Path.Length ? "" : LocalPaths.RelativeKey(Path, root.Path);
    }
}
