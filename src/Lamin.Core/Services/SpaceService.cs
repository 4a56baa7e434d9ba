using Lamin.Core.Query;
using Lamin.Core.Util;

namespace Lamin.Core.Services;

/// <summary>Spaces and grants (SPEC rule 18).</summary>
public sealed class SpaceService(LaminContext context)
{
    public const string AllSpaceName = "all";

    public static LaminSpace NewAllSpace(string createdBy) => new()
    {
        Id = AccessPolicy.AllSpaceId, Uid = "A1LSpace0000", Name = AllSpaceName,
        Description = "Built-in space: every user of the instance", CreatedAt = Util.Clock.UtcNow, CreatedBy = createdBy,
    };

    internal static LaminSpace FindByName(IRegistrySession s, string name)
    {
        var trimmed = name.Trim();
        return s.Spaces.FindAll().FirstOrDefault(x => string.Equals(x.Name, trimmed, StringComparison.OrdinalIgnoreCase))
            ?? throw new LaminException(ErrorIds.SpaceNotFound,
                $"The space '{name}' does not exist. List spaces with Get-LaminSpace, or create it with New-LaminSpace -Name '{trimmed}'.", name);
    }

    public List<LaminSpace> Get(string? name) => context.Registry.Read(s =>
    {
        var access = new AccessPolicy(s, context.User);
        var rows = s.Spaces.FindAll().Where(x => access.CanSee(x.Id));
        if (name is not null)
        {
            var match = Wildcard.Compile(name);
            var list = rows.Where(x => match(x.Name)).ToList();
            if (list.Count == 0 && !Wildcard.HasWildcard(name)) FindByName(s, name); // throws SpaceNotFound
            return list;
        }
        return rows.ToList();
    });

    public LaminSpace Resolve(string name) => context.Registry.Read(s => Visible(s, name));

    private LaminSpace Visible(IRegistrySession s, string name)
    {
        var space = FindByName(s, name);
        new AccessPolicy(s, context.User).Require(space.Id, SpaceRole.Read, name, $"see space '{name}'");
        return space;
    }

    public static void ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) || name.Trim().Length > 100)
            throw new LaminException(ErrorIds.InvalidArgument, "A space name must be 1–100 printable characters.", name);
    }

    public LaminSpace Create(string name, string? description) => context.Registry.Write(s =>
    {
        ValidateName(name);
        Registry.RegistryText.Check("-Name", name);
        Registry.RegistryText.Check("-Description", description);
        name = name.Trim();
        if (s.Spaces.FindAll().Any(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase)))
            throw new LaminException(ErrorIds.SpaceExists, $"A space named '{name}' already exists; use Get-LaminSpace '{name}'.", name);
        // Creating a space needs Write on "all" (every user on LiteDB; the admitted writers on PostgreSQL).
        var access = new AccessPolicy(s, context.User);
        access.Require(AccessPolicy.AllSpaceId, SpaceRole.Write, name, $"create the space '{name}'");
        var now = Util.Clock.UtcNow;
        var space = new LaminSpace { Uid = Uids.NewSpaceUid(), Name = name, Description = description, CreatedAt = now, CreatedBy = access.User };
        s.Spaces.Insert(space);
        // Whoever creates a space administers it (on PostgreSQL the database has written that grant itself).
        if (!s.SpaceAccess.FindAll().Any(a => a.SpaceId == space.Id && s.SameUser(a.User, access.User)))
            s.SpaceAccess.Insert(new LaminSpaceAccess { SpaceId = space.Id, Space = space.Name, User = access.User, Role = SpaceRole.Admin, CreatedAt = now, CreatedBy = access.User });
        return space;
    });

    public void Remove(string name) => context.Registry.Write(s =>
    {
        var space = Visible(s, name);
        if (space.Id == AccessPolicy.AllSpaceId)
            throw new LaminException(ErrorIds.SpaceIsBuiltIn, "The built-in space 'all' can't be removed.", name);
        new AccessPolicy(s, context.User).Require(space.Id, SpaceRole.Admin, name, $"remove space '{space.Name}'");
        var storages = s.CountStoragesInSpace(space.Id);
        var artifacts = s.CountArtifactsInSpace(space.Id);
        if (storages + artifacts > 0)
            throw new LaminException(ErrorIds.SpaceNotEmpty,
                $"The space '{space.Name}' still holds {storages} storage location(s) and {artifacts} artifact(s); move them out with Set-LaminStorage -Space first.", name);
        s.DeleteGrantsOfSpace(space.Id);
        s.Spaces.Delete(space.Id);
    });

    /// <summary>The grants on the spaces the user can see (SPEC §3 Get-LaminSpaceAccess), filtered by wildcard patterns.</summary>
    public List<LaminSpaceAccess> GetAccess(string? space, string? user) => context.Registry.Read(s =>
    {
        var access = new AccessPolicy(s, context.User);
        if (space is not null && !Wildcard.HasWildcard(space)) Visible(s, space); // a named space that is not there: SpaceNotFound
        var spaceMatch = space is null ? (_ => true) : Wildcard.Compile(space);
        var userMatch = user is null ? (_ => true) : Wildcard.Compile(user);
        return s.SpaceAccess.FindAll()
            .Where(g => access.CanSee(g.SpaceId))
            .Select(g => { g.Space = access.SpaceName(g.SpaceId); return g; })
            .Where(g => spaceMatch(g.Space) && userMatch(g.User))
            .OrderBy(g => g.Space, StringComparer.OrdinalIgnoreCase).ThenBy(g => g.User, StringComparer.OrdinalIgnoreCase)
            .ToList();
    });

    public LaminSpaceAccess Grant(string spaceName, string user, SpaceRole role) => context.Registry.Write(s =>
    {
        var space = Visible(s, spaceName);
        var access = new AccessPolicy(s, context.User);
        // On LiteDB every user has access to "all"; on PostgreSQL a grant on "all" admits a login role to the
        // instance (SPEC §7: the database runs the GRANTs it needs, see Upgrade-2.sql).
        if (space.Id == AccessPolicy.AllSpaceId && !access.EnforcedByRegistry)
            throw new LaminException(ErrorIds.SpaceIsBuiltIn, "Every user already has access to the built-in space 'all'; grants apply to other spaces.", spaceName);
        access.Require(space.Id, SpaceRole.Admin, spaceName, $"grant access to space '{space.Name}'");
        if (string.IsNullOrWhiteSpace(user) || user.Any(char.IsControl))
            throw new LaminException(ErrorIds.InvalidArgument, "-User must be a user handle.", user);
        Registry.RegistryText.Check("-User", user);
        user = user.Trim();
        var existing = s.SpaceAccess.FindAll().FirstOrDefault(a => a.SpaceId == space.Id && s.SameUser(a.User, user));
        var grant = existing ?? new LaminSpaceAccess { SpaceId = space.Id, Space = space.Name, User = user, CreatedAt = Util.Clock.UtcNow, CreatedBy = access.User };
        grant.Role = role;
        s.UpsertGrant(grant);
        return grant;
    });

    public bool Revoke(string spaceName, string user) => context.Registry.Write(s =>
    {
        var space = Visible(s, spaceName);
        new AccessPolicy(s, context.User).Require(space.Id, SpaceRole.Admin, spaceName, $"revoke access to space '{space.Name}'");
        var grants = s.SpaceAccess.FindAll()
            .Where(a => a.SpaceId == space.Id && s.SameUser(a.User, user.Trim())).ToList();
        foreach (var g in grants) s.SpaceAccess.Delete(g.Id);
        return grants.Count > 0;
    });
}
