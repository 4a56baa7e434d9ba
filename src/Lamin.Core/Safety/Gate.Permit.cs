
namespace Lamin.Core.Safety;

public static partial class Gate
{
    /// <summary>What the gate lets one operation delete: one object (a file, or a folder's members) under a root.</summary>
    public sealed class Permit
    {
        internal Permit(StorageRoot root, string key, bool? folder, string operation) { Root = root; Key = key; Folder = folder; Operation = operation; }
        public StorageRoot Root { get; }
        public string Key { get; }
        /// <summary>A file's object alone (false), a folder's members (true), or whatever is at the key (null).</summary>
        public bool? Folder { get; }
        /// <summary>The command the permit was given to (named when a conditional delete keeps the object).</summary>
        public string Operation { get; }
        /// <summary>
        /// The identity the command verified (issue 25): when set, <see cref="Delete"/> removes the file only while it
        /// still has it, and keeps (and reports) an object another client wrote since.
        /// </summary>
        public ObjectVersion? Expected { get; private init; }

        /// <summary>
        /// A member file of the folder this permit was checked for (the place rules held for the whole folder), to be
        /// deleted on its own, conditionally: a folder's members go one by one as the command verified them (issue 25).
        /// </summary>
        public Permit Member(string memberKey)
        {
            if (Folder != true || !memberKey.StartsWith(Key + "/", StringComparison.Ordinal) || memberKey.Split('/').Any(x => x is "" or "." or ".."))
                throw new InvalidOperationException($"'{memberKey}' is not a member of the folder '{Key}' this permit was given for.");
            return new Permit(Root, memberKey, false, Operation);
        }

        /// <summary>This permit, for the file as the command verified it (<paramref name="version"/>; null: unconditional).</summary>
        public Permit Expecting(ObjectVersion? version)
        {
            if (version is not null && Folder == true) throw new InvalidOperationException("A conditional delete is of one file, not a folder's members.");
            return new Permit(Root, Key, Folder, Operation) { Expected = version };
        }
    }
}

/// <summary>Who asks the gate (named in refusals), and which artifacts' own bytes its operation retires.</summary>
public sealed record GateScope(string Operation)
{
    /// <summary>Ids of the artifacts this operation removes or moves itself: their bytes don't count as live.</summary>
    public IReadOnlyCollection<int> Retiring { get; init; } = [];
}
