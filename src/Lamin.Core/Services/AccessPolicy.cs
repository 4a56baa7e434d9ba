using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;

namespace Lamin.Core.Services;

/// <summary>
/// SPEC rule 18: records in "all" are open to every user of the instance; any other space is visible
/// and changeable only with a grant (Read sees, Write changes, Admin also grants); the instance
/// creator is Admin everywhere.
/// </summary>
public sealed class AccessPolicy
{
    public const int AllSpaceId = 1;
    private readonly Dictionary<int, SpaceRole> _grants;
    private readonly Dictionary<int, string> _spaceNames;

    public AccessPolicy(RegistrySession session, string user)
    {
        User = user;
        IsInstanceAdmin = string.Equals(session.InstanceDocument.CreatedBy, user, StringComparison.OrdinalIgnoreCase);
        _grants = session.SpaceAccess.FindAll()
            .Where(a => string.Equals(a.User, user, StringComparison.OrdinalIgnoreCase))
            .GroupBy(a => a.SpaceId)
            .ToDictionary(g => g.Key, g => g.Max(a => a.Role));
        _spaceNames = session.Spaces.FindAll().ToDictionary(s => s.Id, s => s.Name);
    }

    public string User { get; }
    public bool IsInstanceAdmin { get; }

    public SpaceRole? RoleOn(int spaceId) =>
        IsInstanceAdmin ? SpaceRole.Admin
        : spaceId == AllSpaceId ? SpaceRole.Write
        : _grants.TryGetValue(spaceId, out var r) ? r : null;

    public bool CanSee(int spaceId) => RoleOn(spaceId) is not null;

    public string SpaceName(int spaceId) => _spaceNames.GetValueOrDefault(spaceId, $"#{spaceId}");

    public void Require(int spaceId, SpaceRole needed, object? target, string action)
    {
        var role = RoleOn(spaceId);
        if (role is null || role < needed)
            throw new LaminException(ErrorIds.AccessDenied,
                $"User '{User}' can't {action}: it needs {needed} access to space '{SpaceName(spaceId)}' and has {(role?.ToString() ?? "none")}. " +
                $"Ask an admin of that space to run Grant-LaminSpaceAccess -Space '{SpaceName(spaceId)}' -User '{User}' -Role {needed}.", target);
    }
}
