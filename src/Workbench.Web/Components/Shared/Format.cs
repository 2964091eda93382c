namespace Workbench.Web.Components.Shared;

/// <summary>
/// How the pages write times, durations and enum values, so that the same thing reads the same everywhere.
/// Times are shown in UTC, the zone every record is kept in.
/// </summary>
public static class Format
{
    /// <summary>An enum value as the API spells it: <c>awaiting_info</c>.</summary>
    public static string Snake<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>An enum value as words for people: <c>awaiting info</c>.</summary>
    public static string Words<T>(T value) where T : struct, Enum => Snake(value).Replace('_', ' ');

    public static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd");

    /// <summary>To the minute, without the zone (tables whose header or caption says UTC).</summary>
    public static string Minute(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm");

    public static string MinuteUtc(DateTimeOffset at) => Minute(at) + " UTC";

    public static string MinuteUtc(DateTimeOffset? at) => at is { } t ? MinuteUtc(t) : "—";

    public static string Second(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss");

    /// <summary>How long something has waited: the age of a case or of the oldest case of a queue.</summary>
    public static string Age(TimeSpan? age) => age switch
    {
        null => "—",
        { TotalMinutes: < 1 } => "just now",
        { TotalHours: < 1 } a => $"{(int)a.TotalMinutes} min",
        { TotalDays: < 2 } a => $"{(int)a.TotalHours}h {a.Minutes:00}m",
        var a => $"{(int)a.Value.TotalDays} days",
    };

    /// <summary>Time left until an SLA ends, or how late it is.</summary>
    public static string SlaLeft(TimeSpan left)
    {
        var late = left < TimeSpan.Zero;
        var a = late ? left.Negate() : left;
        var text = a.TotalMinutes < 1 ? "<1 min"
            : a.TotalHours < 1 ? $"{(int)a.TotalMinutes} min"
            : a.TotalDays < 1 ? $"{(int)a.TotalHours} h {a.Minutes:00} min"
            : $"{(int)a.TotalDays} d {a.Hours} h";
        return late ? $"{text} late" : $"{text} left";
    }

    /// <summary>A configured period (an SLA target): whole hours as hours, anything else in minutes.</summary>
    public static string Period(TimeSpan? period) => period is not { } d ? "—"
        : d.TotalHours >= 1 && d.Minutes == 0 ? $"{(int)d.TotalHours} h" : $"{(int)d.TotalMinutes} min";

    public static string Minutes(TimeSpan t) => $"{t.TotalMinutes:0} min";

    public static string Milliseconds(long ms) => ms < 1000 ? $"{ms} ms" : $"{ms / 1000.0:0.0} s";

    /// <summary>How soon something is due: <c>in 3.5 h</c>; never negative.</summary>
    public static string Until(TimeSpan left) =>
        left.TotalHours >= 24 ? $"in {left.TotalDays:0.#} d" : left.TotalHours >= 1 ? $"in {left.TotalHours:0.#} h" : $"in {Math.Max(0, left.TotalMinutes):0} min";

    /// <summary>A moment near now, to the second: <c>in 40 s</c>, <c>12 min ago</c> (retries, deliveries).</summary>
    public static string FromNow(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } t)
        {
            return "—";
        }
        var delta = t - now;
        var span = delta.Duration();
        var text = span.TotalSeconds < 60 ? $"{span.TotalSeconds:0} s" : span.TotalMinutes < 60 ? $"{span.TotalMinutes:0} min" : $"{span.TotalHours:0.#} h";
        return delta < TimeSpan.Zero ? $"{text} ago" : $"in {text}";
    }

    /// <summary>When something last happened, to the minute at best: <c>within the last minute</c>, <c>3 h ago</c>.</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var span = (now - at).Duration();
        return span.TotalSeconds < 60 ? "within the last minute" : span.TotalMinutes < 60 ? $"{span.TotalMinutes:0} min ago" : span.TotalHours < 48 ? $"{span.TotalHours:0} h ago" : $"{span.TotalDays:0} days ago";
    }
}
