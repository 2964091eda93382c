namespace Workbench.Core.Notifications;

/// <summary>
/// A person's quiet hours in his own time zone: from <see cref="FromMinute"/> to <see cref="ToMinute"/> after local
/// midnight, spanning midnight when From is after To (22:00–07:00). Local wall-clock time, so 22:00 stays 22:00 across
/// a change to or from daylight saving time.
/// </summary>
public sealed record QuietHours(TimeZoneInfo Zone, int FromMinute, int ToMinute)
{
    public bool IsQuiet(DateTimeOffset at)
    {
        if (FromMinute == ToMinute)
        {
            return false;
        }
        var local = TimeZoneInfo.ConvertTime(at, Zone);
        var minute = (local.Hour * 60) + local.Minute;
        return FromMinute < ToMinute
            ? minute >= FromMinute && minute < ToMinute
            : minute >= FromMinute || minute < ToMinute;
    }

    /// <summary><paramref name="at"/> itself when it is not quiet, otherwise the end of the quiet hours it falls in.</summary>
    public DateTimeOffset NextAllowed(DateTimeOffset at)
    {
        if (!IsQuiet(at))
        {
            return at;
        }
        var local = TimeZoneInfo.ConvertTime(at, Zone);
        var minute = (local.Hour * 60) + local.Minute;
        var day = local.Date;
        // The end is today when it is still ahead of us, otherwise tomorrow (a span over midnight, read before midnight).
        var endDay = minute < ToMinute ? day : day.AddDays(1);
        return LocalToUtc(endDay.AddMinutes(ToMinute));
    }

    /// <summary>
    /// A local wall-clock time as an instant. A time skipped by a change to daylight saving time (02:30 that never
    /// happened) is taken as the first minute after the gap; an ambiguous one (the repeated hour) as its first occurrence.
    /// </summary>
    public DateTimeOffset LocalToUtc(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(1);
        }
        var offset = Zone.IsAmbiguousTime(unspecified) ? Zone.GetAmbiguousTimeOffsets(unspecified).Max() : Zone.GetUtcOffset(unspecified);
        return new DateTimeOffset(unspecified, offset).ToUniversalTime();
    }
}

/// <summary>When a person's digest goes out: hourly on the hour, or daily at a local minute.</summary>
public static class DigestSchedule
{
    public const string Off = "off";
    public const string Hourly = "hourly";
    public const string Daily = "daily";

    public static bool IsKnown(string digest) => digest is Off or Hourly or Daily;

    /// <summary>The first digest moment strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset Next(string digest, TimeZoneInfo zone, int dailyAtMinute, DateTimeOffset after)
    {
        var helper = new QuietHours(zone, 0, 0);
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        if (digest == Hourly)
        {
            // The next full hour in UTC is the next full hour locally too (every zone in use is offset by whole or half
            // hours; a half-hour zone gets its digest at :30 local, which is still once an hour).
            var utc = after.UtcDateTime;
            var next = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
            return new DateTimeOffset(next);
        }
        var today = helper.LocalToUtc(local.Date.AddMinutes(dailyAtMinute));
        return today > after ? today : helper.LocalToUtc(local.Date.AddDays(1).AddMinutes(dailyAtMinute));
    }
}
