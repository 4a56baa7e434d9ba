namespace Lamin.Core.Util;

/// <summary>Timestamps as the registry keeps them: UTC, to the millisecond (what LiteDB stores), so a
/// record returned right after a change equals the same record read back later.</summary>
public static class Clock
{
    public static DateTime UtcNow
    {
        get
        {
            var now = DateTime.UtcNow;
            return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        }
    }
}
