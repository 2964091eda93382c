namespace Workbench.Core.Notifications;

/// <summary>What a notification is about; a person turns each on or off per channel.</summary>
public static class NotificationKinds
{
    public const string Assigned = "assigned";
    public const string Mentioned = "mentioned";
    public const string QueueIdle = "queue_idle";
    public const string SlaAtRisk = "sla_at_risk";
    public const string SlaBreached = "sla_breached";
    public const string ReplyReceived = "reply_received";
    public const string DoubleReview = "double_review";
    public const string WebhookFailing = "webhook_failing";
    public const string WebhookDisabled = "webhook_disabled";
    public const string AuditBroken = "audit_broken";
    public const string Test = "test";

    /// <summary>Every kind a person may choose, in the order the preferences page lists them, with its label.</summary>
    public static IReadOnlyList<(string Kind, string Label, string Who)> Choosable { get; } =
    [
        (Assigned, "A case is assigned to me", "reviewers"),
        (Mentioned, "Someone mentions me in a case", "everyone"),
        (ReplyReceived, "The AI system answers my question", "reviewers"),
        (DoubleReview, "A blind second review is requested", "reviewers"),
        (QueueIdle, "Cases wait in my queue with nobody working it", "reviewers and leads"),
        (SlaAtRisk, "A case's SLA is at risk", "leads"),
        (SlaBreached, "A case's SLA is breached (and its escalation)", "leads"),
        (WebhookFailing, "A webhook endpoint keeps failing", "admins"),
        (WebhookDisabled, "A webhook endpoint was disabled", "admins"),
        (AuditBroken, "The audit chain failed verification (always sent)", "admins"),
    ];

    public static bool IsKnown(string kind) => Choosable.Any(c => c.Kind == kind) || kind == Test;
}

/// <summary>The channels a notification can go out on.</summary>
public static class NotificationChannels
{
    public const string Email = "email";
    public const string Browser = "browser";
    public const string Slack = "slack";
    public const string Teams = "teams";

    /// <summary>A person's channels, in the order a failing one degrades to the next.</summary>
    public static IReadOnlyList<string> Personal { get; } = [Browser, Email];

    public static IReadOnlyList<string> All { get; } = [Email, Browser, Slack, Teams];
}
