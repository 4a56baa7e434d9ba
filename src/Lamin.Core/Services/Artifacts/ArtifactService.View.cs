
namespace Lamin.Core.Services;

public sealed partial class ArtifactService
{
    /// <summary>
    /// One registry view: the storages by id, the access policy and the instance document. Built once
    /// per session, or once per cmdlet call for planning many paths (a snapshot without a session).
    /// </summary>
    public sealed class View
    {
        internal View(IRegistrySession s, LaminContext context, StorageService storages)
        {
            Session = s;
            Access = new AccessPolicy(s, context.User);
            Instance = s.InstanceDocument;
            Storages = s.Storages.FindAll().ToDictionary(x => x.Id, x => storages.Decorate(x, Access));
        }

        internal IRegistrySession? Session { get; private set; }
        internal AccessPolicy Access { get; }
        internal InstanceDocument Instance { get; }
        internal Dictionary<int, LaminStorage> Storages { get; }
        private readonly Dictionary<int, StorageRoot> _roots = new();

        /// <summary>Whether the registry hides any location from this role (planning views only; false elsewhere: LiteDB, admins).</summary>
        internal bool HidesLocations { get; set; }

        /// <summary>
        /// Local locations this planning view found present (SPEC §10 rule 3): a pipeline's plans read the marker
        /// once per location, not once per path (issue 15). Staging checks again at the moment of writing.
        /// </summary>
        internal HashSet<int> FoundPresent { get; } = [];

        /// <summary>
        /// The keys the inputs of this command took, per location (issue 26 point 2, SPEC §4): a second input mapping
        /// to one of them is DuplicateKey, never a version of the first. The value is the input that took it.
        /// </summary>
        internal Dictionary<(int StorageId, string Key), string> ClaimedKeys { get; } = new();

        /// <summary>The source folder resolved last, and its resolution (files of one folder come in a row).</summary>
        internal (string Folder, string Resolved)? LastSourceFolder { get; set; }

        /// <summary>The same view, detached from its (closed) session, for planning.</summary>
        internal View Detach() { Session = null; return this; }

        internal IRegistrySession RequireSession() => Session ?? throw new InvalidOperationException("This view has no open registry session.");

        internal StorageRoot RootOf(LaminStorage st)
        {
            if (!_roots.TryGetValue(st.Id, out var root)) _roots[st.Id] = root = StorageRoot.Parse(st.Root, "/");
            return root;
        }

        public LaminArtifact Decorate(LaminArtifact a)
        {
            a.Space = Access.SpaceName(a.SpaceId);
            if (Storages.TryGetValue(a.StorageId, out var st))
            {
                a.Storage = st.Root;
                a.FullName = PathOf(RootOf(st), a.StorageKey());
            }
            return a;
        }
    }
}
