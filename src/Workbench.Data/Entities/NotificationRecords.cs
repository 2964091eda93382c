namespace Workbench.Data.Entities;

// Notifications to people: what is waiting to be sent, each person's and each queue's settings, browser subscriptions,
// the single-use links into a case, and where the planner has read the audit chain up to.

public enum NotificationStatus
{
    Pending,
    Sent,
    /// <summary>Retried until <see cref="NotificationRecord.RetryUntil"/> on every channel the recipient has, in vain.</summary>
    Dead,
    /// <summary>The recipient turned this kind of notification off, or has no channel that can reach him.</summary>
    Skipped,
}

/// <summary>
/// One notification for one recipient (a person, or a queue's Slack/Teams channel), planned from an audit event or a
/// scheduled check. <see cref="DedupKey"/> is unique: whichever instance plans it, and however often an event is read
/// again, a recipient gets one notification per event.
/// </summary>
public sealed class NotificationRecord
{
    public long Id { get; set; }
    /// <summary>The kind, the source (an audit sequence, a case, a queue stretch…) and the recipient.</summary>
    public required string DedupKey { get; set; }
    public required string Kind { get; set; }
    /// <summary>A user name, or <c>queue:</c> and the queue's name for the queue's channel.</summary>
    public required string Recipient { get; set; }
    public Guid? CaseId { get; set; }
    public string? Queue { get; set; }
    /// <summary>What happened, why and the next step (<c>NotificationMessage</c> as JSON), fixed when planned.</summary>
    public required string MessageJson { get; set; }
    /// <summary>Sent whatever the recipient's preferences and quiet hours say (a broken audit chain).</summary>
    public bool Always { get; set; }
    public NotificationStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset RetryUntil { get; set; }
    public int Attempts { get; set; }
    /// <summary>The claim of the instance sending it now (a compare-and-set, like webhook deliveries).</summary>
    public Guid? LeaseToken { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    /// <summary>The channels it went out on, space-separated (e.g. <c>browser email</c> after browser failed… or both chosen).</summary>
    public string? SentChannels { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>Sent inside a digest rather than alone.</summary>
    public bool InDigest { get; set; }
    public string? LastError { get; set; }
}

/// <summary>A person's choices: which events on which channels, quiet hours in his time zone, a digest instead of single messages.</summary>
public sealed class NotificationPreferenceRecord
{
    public required string UserName { get; set; }
    /// <summary>Where mails go; the directory's address when null.</summary>
    public string? Email { get; set; }
    /// <summary>Kind → channels, as JSON (<c>{"sla_breached":["email","browser"]}</c>); a kind not in it takes its defaults.</summary>
    public required string EventsJson { get; set; }
    /// <summary>An IANA time zone (<c>Europe/Berlin</c>).</summary>
    public required string TimeZone { get; set; }
    /// <summary>Quiet hours as minutes after local midnight; none when either is null. From 22:00 to 07:00 spans midnight.</summary>
    public int? QuietFromMinute { get; set; }
    public int? QuietToMinute { get; set; }
    /// <summary><c>off</c>, <c>hourly</c> or <c>daily</c>.</summary>
    public required string Digest { get; set; }
    /// <summary>The local minute of the daily digest.</summary>
    public int DigestAtMinute { get; set; }
    public DateTimeOffset? LastDigestAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A queue's people and channel: its lead, who comes next when a breach is not picked up, its Slack/Teams target.</summary>
public sealed class QueueNotificationRecord
{
    public required string Queue { get; set; }
    public string? Lead { get; set; }
    /// <summary>Space-separated user names, in order, after the lead.</summary>
    public required string EscalationChain { get; set; }
    /// <summary>Incoming-webhook URLs carry their own secret: stored protected (Data Protection), shown only as their host.</summary>
    public string? SlackUrlProtected { get; set; }
    public string? TeamsUrlProtected { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A browser's Web Push subscription (the endpoint of its push service and the keys to encrypt for it).</summary>
public sealed class PushSubscriptionRecord
{
    public Guid Id { get; set; }
    public required string UserName { get; set; }
    public required string Endpoint { get; set; }
    public required string P256dh { get; set; }
    public required string Auth { get; set; }
    public string? UserAgent { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
}

/// <summary>
/// A link into a case sent in a notification: its id travels inside a signed, time-limited token; it opens the case
/// once, for its recipient, after sign-in. <see cref="UsedAt"/> is a concurrency token, so two clicks cannot both use it.
/// </summary>
public sealed class NotificationLinkRecord
{
    public required string Id { get; set; }
    public long? NotificationId { get; set; }
    public required string UserName { get; set; }
    /// <summary>The case it is about; <see cref="Guid.Empty"/> for a link to a page that is not a case's (a queue, the audit).</summary>
    public Guid CaseId { get; set; }
    /// <summary>The local path it opens (<c>/cases/…</c>); never a URL of another site.</summary>
    public required string Path { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>How far the planner has read a source (the audit chain's sequence); a concurrency token keeps two planners apart.</summary>
public sealed class NotificationCursorRecord
{
    public required string Name { get; set; }
    public long Position { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The health of a channel as the senders saw it: shown on the admin page, and why messages went to the next channel.</summary>
public sealed class NotificationChannelStateRecord
{
    public required string Channel { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastFailureAt { get; set; }
    /// <summary>The first failure since the last success; null while it works.</summary>
    public DateTimeOffset? FailingSince { get; set; }
    public string? LastError { get; set; }
    /// <summary>Messages that went to a recipient's next channel because this one failed.</summary>
    public int Degraded { get; set; }
}
