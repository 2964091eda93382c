namespace Workbench.Web.Notifications;

/// <summary>
/// What a <c>case.sla_breached</c> audit event says: the queue the case breached in, the due time it missed, and where
/// a breach escalated it, that queue and the due time of its own SLA. A breach message reads these rather than the
/// case row, because an escalated case's row already carries the escalation queue and its new due time.
/// </summary>
public sealed record SlaBreachFacts(string? Queue, DateTimeOffset? MissedDueAt, string? EscalatedTo, DateTimeOffset? EscalationDueAt)
{
    public static SlaBreachFacts Parse(string dataJson)
    {
        using var data = JsonDocument.Parse(dataJson);
        var root = data.RootElement;
        return root.ValueKind != JsonValueKind.Object
            ? new SlaBreachFacts(null, null, null, null)
            : new SlaBreachFacts(Str(root, "queue"), At(root, "slaDueAt"), Str(root, "escalatedTo"), At(root, "escalationSlaDueAt"));
    }

    /// <summary>The case as it stood when it breached: in the queue it breached in, due when it was due there.</summary>
    public CaseBrief AsBreached(CaseBrief now) => now with { Queue = Queue ?? now.Queue, SlaDueAt = MissedDueAt ?? now.SlaDueAt };

    /// <summary>The sentence on the escalation, or null where the breach escalated nothing.</summary>
    public string? Escalation() => EscalatedTo is null
        ? null
        : $"It was escalated to {EscalatedTo}" + (EscalationDueAt is { } due
            ? $", whose own SLA for it runs until {NotificationComposer.Format(due)}."
            : ".");

    private static string? Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? At(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var at) ? at : null;
}
