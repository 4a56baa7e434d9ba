
namespace Lamin.Core.Services;

/// <summary>
/// SPEC rule 18: records in "all" are open to every user of the instance; any other space is visible
/// and changeable only with a grant (Read sees, Write changes, Admin also grants); the instance
/// creator is Admin everywhere.
/// On a registry that enforces access itself (PostgreSQL, SPEC §7) the user is the one the database names
/// (its login role, whatever LAMIN_USER says), the admin is the role that owns the registry, and "all"
/// is open only to the roles granted on it (the grant admits them); the database applies the same rules
/// to every query, so these checks only give the refusal its message early.
/// </summary>
public sealed class AccessPolicy
{
    public const int AllSpaceId = 1;
    private readonly Dictionary<int, SpaceRole> _grants;
    private readonly Dictionary<int, string> _spaceNames;

    public AccessPolicy(IRegistrySession session, string user)
    {
        var identity = session.Identity;
        if (identity is not null) user = identity.User;
        User = user;
        EnforcedByRegistry = identity is not null;
        // SPEC §11: "CORP\alice" and a bare "alice" (a local account on any machine) are different users.
        IsInstanceAdmin = identity?.IsAdmin ?? Util.UserHandles.Same(session.InstanceDocument.CreatedBy, user);
        _grants = session.SpaceAccess.FindAll()
            .Where(a => session.SameUser(a.User, user))
            .GroupBy(a => a.SpaceId)
            .ToDictionary(g => g.Key, g => g.Max(a => a.Role));
        _spaceNames = session.Spaces.FindAll().ToDictionary(s => s.Id, s => s.Name);
    }

    public string User { get; }
    public bool IsInstanceAdmin { get; }

    /// <summary>True when the registry enforces access itself (PostgreSQL): "all" needs a grant too.</summary>
    public bool EnforcedByRegistry { get; }

    public SpaceRole? RoleOn(int spaceId) =>
        IsInstanceAdmin ? SpaceRole.Admin
        : spaceId == AllSpaceId && !EnforcedByRegistry ? SpaceRole.Write
        : _grants.TryGetValue(spaceId, out var r) ? r : null;

    public bool CanSee(int spaceId) => RoleOn(spaceId) is not null;

    public string SpaceName(int spaceId) => _spaceNames.GetValueOrDefault(spaceId, $"#{spaceId}");

    /// <summary>
    /// AccessDenied unless the user has <paramref name="needed"/> on the space. <paramref name="action"/> must
    /// name only what the user typed or may see: when the user can't see the space at all, the message
    /// names neither the space nor anything in it (SPEC §10, issue 9 fault 11).
    /// </summary>
    public void Require(int spaceId, SpaceRole needed, object? target, string action)
    {
        var role = RoleOn(spaceId);
        if (role is not null && role >= needed) return;
        string message =
            role is null && spaceId == AllSpaceId
                ? $"User '{User}' can't {action}: the role is not admitted to this instance. " +
                  $"Ask an admin of the instance to run Grant-LaminSpaceAccess -Space all -User '{User}' -Role Read (or Write)."
            : role is null
                ? $"User '{User}' can't {action}: it is in a space they have no access to. " +
                  "Ask an admin of the instance or of that space to grant access with Grant-LaminSpaceAccess."
            : spaceId == AllSpaceId && !EnforcedByRegistry
                ? $"User '{User}' can't {action}: only the instance admin (the user who created the instance) may; " +
                  $"every other user has {role} access to the space '{SpaceName(spaceId)}'."
            : $"User '{User}' can't {action}: it needs {needed} access to space '{SpaceName(spaceId)}' and has {role}. " +
              $"Ask an admin of that space to run Grant-LaminSpaceAccess -Space '{SpaceName(spaceId)}' -User '{User}' -Role {needed}.";
        throw new LaminException(ErrorIds.AccessDenied, message, target);
    }
}
