using Workbench.Core.Notifications;

namespace Workbench.Web.Notifications;

/// <summary>
/// What a notification says, fixed when it is planned: what happened, why, the next step, and where the link leads.
/// Every text in it may carry what an AI system or a client sent (an external id, a request, reason codes, queue
/// names): each channel's renderer encodes all of it as plain text — HTML-encoded in mails, plain_text in Slack,
/// escaped markdown in Teams — and the only link is <see cref="Path"/>, one of ours.
/// </summary>
public sealed record NotificationMessage
{
    public required string Kind { get; init; }
    /// <summary>One line: what happened.</summary>
    public required string Headline { get; init; }
    public required string What { get; init; }
    /// <summary>Why: reason codes, SLA left, the rule that fired.</summary>
    public IReadOnlyList<string> Why { get; init; } = [];
    public required string Next { get; init; }
    /// <summary>Label and value pairs shown beside the text (case, queue, workflow, request).</summary>
    public IReadOnlyList<Fact> Facts { get; init; } = [];
    /// <summary>The local path the link opens after sign-in (<c>/cases/…</c>, <c>/queues/…</c>, <c>/admin</c>).</summary>
    public required string Path { get; init; }
    public Guid? CaseId { get; init; }
    /// <summary>The label of the link's button.</summary>
    public string Action { get; init; } = "Open the case";

    public sealed record Fact(string Label, string Value);

    public string ToJson() => JsonSerializer.Serialize(this, WorkbenchJson.Options);

    public static NotificationMessage FromJson(string json) =>
        JsonSerializer.Deserialize<NotificationMessage>(json, WorkbenchJson.Options)
        ?? throw new InvalidOperationException("A notification without a message.");

    /// <summary>Several notifications of one person in one message: each one's headline and link, the first one's path.</summary>
    public static NotificationMessage Digest(IReadOnlyList<NotificationMessage> items) => new()
    {
        Kind = "digest",
        Headline = items.Count == 1 ? items[0].Headline : $"{items.Count} things need you in Workbench",
        What = string.Join("\n", items.Select(i => "• " + i.Headline)),
        Why = [],
        Next = items.Count == 1 ? items[0].Next : "Open Workbench to see each one; the newest first.",
        Path = items.Count == 1 ? items[0].Path : "/queues",
        CaseId = items.Count == 1 ? items[0].CaseId : null,
        Action = items.Count == 1 ? items[0].Action : "Open Workbench",
    };
}

/// <summary>The fields of a case a message speaks of.</summary>
public sealed record CaseBrief(Guid Id, string ExternalId, string Workflow, string? Queue, string ReasonCodes, DateTimeOffset? SlaDueAt,
    CasePriority Priority, int RiskTier, string RequestPreview, CaseStatus Status);

/// <summary>Writes each kind's message: what happened, why, the next step — in product words.</summary>
public static class NotificationComposer
{
    public static NotificationMessage ForCase(string kind, CaseBrief c, DateTimeOffset now, string? actor = null, string? extra = null)
    {
        var queue = c.Queue ?? "no queue";
        // The AI system's id for the case, with any character hidden from the reader in brackets: it reaches subjects,
        // headers and push titles as well as the page.
        c = c with { ExternalId = Workbench.Core.Review.HiddenCharacters.Reveal(c.ExternalId) };
        var (headline, what, next) = kind switch
        {
            NotificationKinds.Assigned => ($"Case {c.ExternalId} was assigned to you",
                $"{actor ?? "A lead"} assigned you case {c.ExternalId} ({c.Workflow}) in {queue}.",
                "Open the case, read the summary, the reasons and the proposal, then decide or ask the AI system for what is missing."),
            NotificationKinds.Mentioned => ($"{actor ?? "Someone"} mentioned you on case {c.ExternalId}",
                $"{actor ?? "Someone"} mentioned you in a note on case {c.ExternalId} ({c.Workflow}) in {queue}.",
                "Open the case to read the note and answer there."),
            NotificationKinds.SlaAtRisk => ($"SLA at risk: case {c.ExternalId} in {queue}",
                $"Case {c.ExternalId} ({c.Workflow}) has little of its SLA left and nobody has decided it.",
                $"Take it or assign it to a reviewer now; it breaches at {Due(c)}."),
            NotificationKinds.SlaBreached => ($"SLA breached: case {c.ExternalId} in {queue}",
                $"Case {c.ExternalId} ({c.Workflow}) passed its SLA without a decision." + (extra is null ? "" : " " + extra),
                "Assign it or take it now. If nobody picks it up, the next person of the queue's escalation chain is told."),
            NotificationKinds.ReplyReceived => ($"The AI system answered your question on case {c.ExternalId}",
                $"The AI system replied to the information you asked for on case {c.ExternalId} ({c.Workflow}); the case is back in {queue}.",
                "Open the case, read the answer in its history, and decide."),
            NotificationKinds.DoubleReview => ($"A blind second review is waiting: case {c.ExternalId}",
                $"Case {c.ExternalId} ({c.Workflow}) from {queue} was sampled for a blind second review, and you did not work on it.",
                "Give your own verdict; the first review stays hidden until you have."),
            _ => ($"Case {c.ExternalId}", $"Something changed on case {c.ExternalId}.", "Open the case."),
        };
        var why = new List<string>();
        var reasons = c.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (reasons.Length > 0)
        {
            why.Add("Reason codes: " + string.Join(", ", reasons));
        }
        if (c.SlaDueAt is { } due)
        {
            why.Add(due > now ? $"SLA: {Left(due - now)} left (due {Due(c)})" : $"SLA: breached {Left(now - due)} ago (was due {Due(c)})");
        }
        why.Add($"Risk tier {c.RiskTier}, priority {c.Priority.ToString().ToLowerInvariant()}");
        return new NotificationMessage
        {
            Kind = kind,
            Headline = headline,
            What = what,
            Why = why,
            Next = next,
            Path = kind == NotificationKinds.DoubleReview ? $"/double-reviews/{c.Id}" : $"/cases/{c.Id}",
            CaseId = c.Id,
            Action = kind == NotificationKinds.DoubleReview ? "Give your verdict" : "Open the case",
            Facts =
            [
                new("Case", c.ExternalId),
                new("Queue", queue),
                new("Workflow", c.Workflow),
                new("Request", Preview(c.RequestPreview)),
            ],
        };
    }

    public static NotificationMessage QueueIdle(string queue, int waiting, TimeSpan oldest, TimeSpan threshold) => new()
    {
        Kind = NotificationKinds.QueueIdle,
        Headline = $"{waiting} case{(waiting == 1 ? "" : "s")} waiting in {queue} with nobody working it",
        What = $"Nobody has claimed or acted on a case in {queue} for {Left(threshold)} while cases wait.",
        Why = [$"The oldest has waited {Left(oldest)}", $"Threshold: {Left(threshold)} without activity"],
        Next = $"Take the next case in {queue}, or ask one of its reviewers to.",
        Path = $"/queues/{Uri.EscapeDataString(queue)}",
        Action = "Open the queue",
        Facts = [new("Queue", queue), new("Waiting", waiting.ToString(System.Globalization.CultureInfo.InvariantCulture))],
    };

    public static NotificationMessage WebhookFailing(string clientId, string url, DateTimeOffset since, DateTimeOffset now, string? lastError, TimeSpan disableAfter) => new()
    {
        Kind = NotificationKinds.WebhookFailing,
        Headline = $"Webhook endpoint of {clientId} failing for {Left(now - since)}",
        What = $"Every delivery to {HostOf(url)} has failed since {since:yyyy-MM-dd HH:mm} UTC; the AI system is not hearing about its decisions.",
        Why = [$"Last error: {lastError ?? "none recorded"}", $"It is disabled after {Left(disableAfter)} of failures"],
        Next = "Check the receiver with the client's team; once it answers 2xx, replay what was dead-lettered from the admin page.",
        Path = "/admin",
        Action = "Open the webhooks",
        Facts = [new("Client", clientId), new("Endpoint", url)],
    };

    public static NotificationMessage WebhookDisabled(string clientId, string url, string reason) => new()
    {
        Kind = NotificationKinds.WebhookDisabled,
        Headline = $"Webhook endpoint of {clientId} was disabled",
        What = $"The endpoint at {HostOf(url)} was disabled: {reason}",
        Why = ["Deliveries to it wait while it is disabled; they are not lost until they run out of retries"],
        Next = "Fix the receiver, enable the endpoint again on the admin page and replay the dead-lettered deliveries.",
        Path = "/admin",
        Action = "Open the webhooks",
        Facts = [new("Client", clientId), new("Endpoint", url)],
    };

    public static NotificationMessage AuditBroken(long verificationId, string? message, DateTimeOffset at) => new()
    {
        Kind = NotificationKinds.AuditBroken,
        Headline = "The audit chain failed verification",
        What = $"The verification of {at:yyyy-MM-dd HH:mm} UTC found the audit chain broken: an event was changed, removed or reordered.",
        Why = [message ?? "No detail recorded", $"Verification {verificationId}"],
        Next = "Open the audit page, see the first broken event, and find out what wrote to the audit table outside Workbench.",
        Path = "/audit",
        Action = "Open the audit",
    };

    public static NotificationMessage Test(string channel, string by) => new()
    {
        Kind = NotificationKinds.Test,
        Headline = "Workbench test message",
        What = $"{by} sent this test from the notification settings to check the {channel} channel.",
        Why = ["Sent by hand from the admin page"],
        Next = "Nothing to do: if you read this, the channel works.",
        Path = "/admin/notifications",
        Action = "Open the settings",
    };

    internal static string Due(CaseBrief c) => c.SlaDueAt is { } d ? Format(d) : "—";

    internal static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    public static string Left(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = span.Negate();
        }
        return span.TotalMinutes < 1 ? "under a minute"
            : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min"
            : span.TotalDays < 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
            : $"{(int)span.TotalDays} d {span.Hours} h";
    }

    private static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : url;

    // The request's start as a message shows it: any character hidden from the reader in brackets where it stands.
    internal static string Preview(string request) => Workbench.Core.Review.HiddenCharacters.RevealStart(request, 201);
}
