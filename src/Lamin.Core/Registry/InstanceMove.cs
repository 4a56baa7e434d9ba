using Lamin.Core.Errors;
using Lamin.Core.Model;
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
            throw RegistrySession.Moving(doc, database, session.Description, $"that database could not be asked whether the copy was committed ({e.Message})", e);
        }
        if (holdsCopy) doc.MovedTo = database;
        doc.MovingTo = null;
        session.Instance.Update(doc);
        return holdsCopy;
    }
}
