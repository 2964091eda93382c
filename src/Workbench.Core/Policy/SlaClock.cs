namespace Workbench.Core.Policy;

/// <summary>
/// When a queue's SLA clock runs: an IANA time zone, working days, one daily window and a holiday list, all in the
/// zone's local time. A queue without business hours runs 24/7 on the wall clock (<see cref="SlaClock"/> with null).
/// </summary>
/// <remarks>
/// The window is in local wall-clock time, so on a DST change day a 09:00–17:00 window still opens at 09:00 local and
/// lasts 8 real hours; a window that spans the change (00:00–24:00) lasts 23 or 25 real hours that day. A local time
/// that does not exist (the spring-forward gap) moves to the first instant after the gap; one that occurs twice
/// (fall back) takes its first occurrence.
/// </remarks>
public sealed record BusinessHours
{
    public BusinessHours(TimeZoneInfo zone, IReadOnlySet<DayOfWeek> days, TimeOnly open, TimeSpan close, IReadOnlySet<DateOnly> holidays)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (days.Count == 0)
        {
            throw new ArgumentException("Business hours need at least one working day.", nameof(days));
        }
        if (close <= open.ToTimeSpan() || close > TimeSpan.FromDays(1))
        {
            throw new ArgumentException("Business hours must close after they open, at 24:00 at the latest.", nameof(close));
        }
        Zone = zone;
        Days = days;
        Open = open;
        Close = close;
        Holidays = holidays;
    }

    public TimeZoneInfo Zone { get; }
    public IReadOnlySet<DayOfWeek> Days { get; }
    public TimeOnly Open { get; }
    /// <summary>Closing time as an offset from local midnight (24:00 allowed).</summary>
    public TimeSpan Close { get; }
    public IReadOnlySet<DateOnly> Holidays { get; }

    public bool IsWorkingDay(DateOnly day) => Days.Contains(day.DayOfWeek) && !Holidays.Contains(day);

    /// <summary>The instants the window of a local day opens and closes.</summary>
    public (DateTimeOffset Open, DateTimeOffset Close) Window(DateOnly day)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return (ToInstant(midnight + Open.ToTimeSpan()), ToInstant(midnight + Close));
    }

    /// <summary>The instant <paramref name="duration"/> of business time after <paramref name="start"/>, in UTC.</summary>
    public DateTimeOffset Add(DateTimeOffset start, TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "An SLA cannot be negative.");
        }
        var remaining = duration;
        // Start on the local day before: a window closing at 24:00 the previous local day may still contain start.
        var day = LocalDay(start).AddDays(-1);
        for (var guard = 0; guard < 366 * 20; guard++, day = day.AddDays(1))
        {
            if (!IsWorkingDay(day))
            {
                continue;
            }
            var (open, close) = Window(day);
            var from = start > open ? start : open;
            if (from >= close)
            {
                continue;
            }
            var available = close - from;
            if (remaining <= available)
            {
                // UTC, like every time the app stores (PostgreSQL's timestamptz takes offset 0 only).
                return (from + remaining).ToUniversalTime();
            }
            remaining -= available;
        }
        throw new InvalidOperationException("The business calendar has no working time in twenty years.");
    }

    /// <summary>Business time between two instants (zero when <paramref name="to"/> is not after <paramref name="from"/>).</summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return TimeSpan.Zero;
        }
        var total = TimeSpan.Zero;
        var last = LocalDay(to);
        for (var day = LocalDay(from).AddDays(-1); day <= last; day = day.AddDays(1))
        {
            if (!IsWorkingDay(day))
            {
                continue;
            }
            var (open, close) = Window(day);
            var a = from > open ? from : open;
            var b = to < close ? to : close;
            if (b > a)
            {
                total += b - a;
            }
        }
        return total;
    }

    private DateOnly LocalDay(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    private DateTimeOffset ToInstant(DateTime local)
    {
        if (Zone.IsInvalidTime(local))
        {
            // In the spring-forward gap: the clock jumps from just before the gap to its end. Walk forward a minute at
            // a time (gaps are whole minutes in tzdata) to the first local time that exists.
            var probe = local;
            do
            {
                probe = probe.AddMinutes(1);
            }
            while (Zone.IsInvalidTime(probe));
            return new DateTimeOffset(probe, Zone.GetUtcOffset(probe));
        }
        if (Zone.IsAmbiguousTime(local))
        {
            // Occurs twice: the first occurrence carries the larger (summer) offset.
            var offset = Zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset);
        }
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }
}

/// <summary>SLA due-time math in one place: wall clock for a 24/7 queue, business time where the queue has hours.</summary>
public static class SlaClock
{
    public static DateTimeOffset DueAt(DateTimeOffset start, TimeSpan duration) => start + duration;

    public static DateTimeOffset DueAt(DateTimeOffset start, TimeSpan duration, BusinessHours? hours) =>
        hours is null ? start + duration : hours.Add(start, duration).ToUniversalTime();

    /// <summary>SLA time that passed between two instants (business time where the queue has hours).</summary>
    public static TimeSpan Elapsed(DateTimeOffset from, DateTimeOffset to, BusinessHours? hours) =>
        hours is null ? (to > from ? to - from : TimeSpan.Zero) : hours.Between(from, to);

    /// <summary>
    /// Restarts a clock stopped at <paramref name="pausedAt"/>: the SLA time left then is left from <paramref name="now"/>,
    /// and the start moves by the same business time, so the share left is what it was at the pause.
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset Due) Resume(
        DateTimeOffset start, DateTimeOffset due, DateTimeOffset pausedAt, DateTimeOffset now, BusinessHours? hours)
    {
        if (now <= pausedAt)
        {
            return (start, due);
        }
        var left = Elapsed(pausedAt, due, hours);
        var newDue = DueAt(now, left, hours);
        var total = Elapsed(start, due, hours);
        // Start = due minus the whole SLA in business time; found as "now minus what was used", walking back.
        var used = total - left;
        var newStart = hours is null ? now - used : BackFrom(now, used, hours);
        return (newStart, newDue);
    }

    private static DateTimeOffset BackFrom(DateTimeOffset end, TimeSpan duration, BusinessHours hours)
    {
        // Business time is monotone in the start: bisect to the second over a year and a bit (any SLA is far shorter).
        var lo = end - TimeSpan.FromDays(400);
        var hi = end;
        while (hi - lo > TimeSpan.FromSeconds(1))
        {
            var mid = lo + (hi - lo) / 2;
            if (hours.Between(mid, end) > duration)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return hi;
    }

    /// <summary>
    /// The share of the SLA still left at <paramref name="now"/> (1 at the start, 0 at the due time, negative after it),
    /// measured in the queue's own time: a case that waits over a weekend loses nothing.
    /// </summary>
    public static double ShareLeft(DateTimeOffset start, DateTimeOffset due, DateTimeOffset now, BusinessHours? hours)
    {
        var total = Elapsed(start, due, hours);
        if (total <= TimeSpan.Zero)
        {
            return now < due ? 1 : 0;
        }
        var left = now <= due ? Elapsed(now, due, hours) : -Elapsed(due, now, hours);
        return left / total;
    }
}
