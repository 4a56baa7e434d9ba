using Lamin.Core.Registry.Postgres;

namespace Lamin.Core.Registry;

/// <summary>
/// Copy-LaminInstance's second phase, settled (issue 25). The copy marks its LiteDB source as moving
/// (<see cref="InstanceDocument.MovingTo"/>) and commits that, then commits the destination, then retires the
/// source (<see cref="InstanceDocument.MovedTo"/>). A copy stopped in between (killed, or the destination's commit
/// answer lost) leaves the mark; the next write on the source, or a rerun of the copy, settles it here: the
/// destination decides.
/// </summary>
internal static class InstanceMove
{
    /// <summary>
    /// A registry copied to a team instance takes no more writes: two live registries must never share one instance
    /// uid. Nor does one that Copy-LaminInstance is copying (marked moving, issue 25), until the move is settled.
    /// </summary>
    internal static void RefuseIfMoved(InstanceDocument? doc, string where)
    {
        RefuseIfRetired(doc, where);
        if (doc?.MovingTo is { } moving)
            throw Moving(doc, moving, where, null);
    }

    /// <summary>A retired registry (the copy finished): InstanceMoved naming the database.</summary>
    internal static void RefuseIfRetired(InstanceDocument? doc, string where)
    {
        if (doc?.MovedTo is { } database)
            throw new LaminException(ErrorIds.InstanceMoved,
                $"The instance '{doc.Name}' was moved to the team instance in {database}; the registry {where} is kept read-only. " +
                $"Connect to the moved instance with Connect-LaminInstance -Database '{database}'.", where);
    }

    /// <summary>InstanceMoved for a registry marked as moving whose move could not be settled (<paramref name="why"/>: what stopped it).</summary>
    internal static LaminException Moving(InstanceDocument doc, string database, string where, string? why, Exception? inner = null) =>
        new(ErrorIds.InstanceMoved,
            $"The instance '{doc.Name}' is being moved to the team instance in {database} (Copy-LaminInstance did not finish)" +
            (why is null ? "" : $", and {why}") + $"; the registry {where} takes no writes until the move is settled; nothing was written. " +
            $"Run Copy-LaminInstance -Destination '{database}' from this instance to finish it (it checks the database, then retires this registry, " +
            "or takes the mark back when the database holds no copy).", where, inner);

    /// <summary>
    /// Settles the mark of <paramref name="doc"/> in <paramref name="session"/> (a write session of the source):
    /// when the database holds this instance (same instance id and uid: the copy's one transaction verified every
    /// record before it committed, so the row is there only if the whole copy is) the source is retired → true;
    /// when it holds no registry, or another instance's, the copy never committed and the mark is taken back → false.
    /// A database that can't be asked (unreachable, no password here, not admitted) settles nothing: InstanceMoved.
    /// The caller commits the session.
    /// </summary>
    internal static bool Settle(IRegistrySession session, InstanceDocument doc, PostgresConnection? destination = null)
    {
        var database = doc.MovingTo ?? throw new InvalidOperationException("no move to settle");
        bool holdsCopy;
        try
        {
            holdsCopy = PostgresRegistry.HoldsCopyOf(destination ?? RegistryFactory.Connect(database), doc);
        }
        catch (LaminException e)
        {
            throw Moving(doc, database, session.Description, $"that database could not be asked whether the copy was committed ({e.Message})", e);
        }
        if (holdsCopy) doc.MovedTo = database;
        doc.MovingTo = null;
        session.Instance.Update(doc);
        return holdsCopy;
    }
}
