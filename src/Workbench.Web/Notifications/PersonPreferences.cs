using System.Net.Mail;
using Workbench.Core.Notifications;

namespace Workbench.Web.Notifications;

/// <summary>A person's notification choices as the sender and the preferences page use them.</summary>
public sealed record PersonPreferences
{
    public required string UserName { get; init; }
    /// <summary>The address the person typed; null to use the directory's.</summary>
    public string? Email { get; init; }
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Events { get; init; }
    public string TimeZone { get; init; } = "UTC";
    public int? QuietFromMinute { get; init; }
    public int? QuietToMinute { get; init; }
    public string Digest { get; init; } = DigestSchedule.Off;
    public int DigestAtMinute { get; init; } = 8 * 60;

    /// <summary>What a person gets before choosing: in the browser what is his to do now, by mail what a lead or admin must see.</summary>
    public static IReadOnlyList<string> DefaultChannels(string kind) => kind switch
    {
        NotificationKinds.Assigned or NotificationKinds.Mentioned or NotificationKinds.ReplyReceived or NotificationKinds.DoubleReview
            or NotificationKinds.QueueIdle => [NotificationChannels.Browser],
        _ => [NotificationChannels.Email],
    };

    public static PersonPreferences Defaults(string userName) => new()
    {
        UserName = userName,
        Events = NotificationKinds.Choosable.ToDictionary(k => k.Kind, k => DefaultChannels(k.Kind)),
    };

    public IReadOnlyList<string> ChannelsFor(string kind) =>
        Events.TryGetValue(kind, out var channels) ? channels : DefaultChannels(kind);

    public TimeZoneInfo Zone => TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public QuietHours? Quiet => QuietFromMinute is { } from && QuietToMinute is { } to ? new QuietHours(Zone, from, to) : null;

    public static PersonPreferences From(NotificationPreferenceRecord r)
    {
        var events = JsonSerializer.Deserialize<Dictionary<string, string[]>>(r.EventsJson, WorkbenchJson.Options) ?? [];
        return new PersonPreferences
        {
            UserName = r.UserName,
            Email = r.Email,
            Events = NotificationKinds.Choosable.ToDictionary(k => k.Kind,
                k => events.TryGetValue(k.Kind, out var chosen) ? (IReadOnlyList<string>)chosen : DefaultChannels(k.Kind)),
            TimeZone = r.TimeZone,
            QuietFromMinute = r.QuietFromMinute,
            QuietToMinute = r.QuietToMinute,
            Digest = r.Digest,
            DigestAtMinute = r.DigestAtMinute,
        };
    }

    /// <summary>Each mistake by field, empty when the choices can be stored.</summary>
    public IDictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (Email is { Length: > 0 } email && (email.Length > 320 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            errors["email"] = ["Not an e-mail address (name@example.com)."];
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
        {
            errors["timeZone"] = [$"'{TimeZone}' is not a time zone this server knows (an IANA name such as Europe/Berlin)."];
        }
        if (QuietFromMinute is null != QuietToMinute is null)
        {
            errors["quietHours"] = ["Give both the start and the end of the quiet hours, or neither."];
        }
        else if (QuietFromMinute is < 0 or >= 1440 || QuietToMinute is < 0 or >= 1440)
        {
            errors["quietHours"] = ["Quiet hours are times of day between 00:00 and 23:59."];
        }
        else if (QuietFromMinute is { } f && f == QuietToMinute)
        {
            errors["quietHours"] = ["The quiet hours start and end at the same time; clear them instead."];
        }
        if (!DigestSchedule.IsKnown(Digest))
        {
            errors["digest"] = ["The digest is off, hourly or daily."];
        }
        if (DigestAtMinute is < 0 or >= 1440)
        {
            errors["digestAt"] = ["The daily digest's time is a time of day between 00:00 and 23:59."];
        }
        foreach (var (kind, channels) in Events)
        {
            if (!NotificationKinds.IsKnown(kind))
            {
                errors[$"events.{kind}"] = ["Not a kind of notification."];
            }
            else if (channels.Any(c => !NotificationChannels.Personal.Contains(c)))
            {
                errors[$"events.{kind}"] = ["A person's channels are browser and email; Slack and Teams belong to a queue."];
            }
        }
        return errors;
    }
}
