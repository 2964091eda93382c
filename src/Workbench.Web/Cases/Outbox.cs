using Workbench.Client;

namespace Workbench.Web.Cases;

/// <summary>
/// Adds a webhook event to the unit of work of the state change it announces (same transaction, like
/// <see cref="Audit"/>): the change and its event commit together or not at all, and the dispatcher
/// (<c>Webhooks/WebhookDispatcher</c>) delivers whatever committed, even after a crash.
/// Every writer of a change an AI system must hear about calls this: <c>case.decided</c>, <c>case.info_requested</c>,
/// <c>case.withdrawn</c>, <c>case.sla_breached</c>, <c>case.expired</c>. Intake-time outcomes (auto_approved,
/// clarification_requested) write none: the 201 receipt already carries them to the caller that is waiting for it.
/// </summary>
public static class Outbox
{
    public static OutboxEventRecord Add(WorkbenchDbContext db, string type, CaseRecord c, DateTimeOffset at, object data, DateTimeOffset? notBefore = null)
    {
        var record = Add(db, type, c.ClientId, c.Id, c.CallbackUrl, at, data);
        record.NotBefore = notBefore;
        return record;
    }

    /// <summary>
    /// Withdraws the case's events still held back (a decision's undo window ending at <paramref name="heldUntil"/>), in
    /// the caller's transaction. Each is deleted under its FannedOutAt token: if the dispatcher fans one out between this
    /// read and the caller's SaveChanges, that fails with a concurrency error and nothing of the undo is written. If the
    /// dispatcher released the decision's event before this read, nothing is withdrawn and the answer is false: the
    /// decision has gone out and the caller must not take it back.
    /// </summary>
    public static async Task<bool> WithdrawHeldAsync(WorkbenchDbContext db, Guid caseId, DateTimeOffset heldUntil, CancellationToken ct)
    {
        var held = await db.OutboxEvents
            .Where(e => e.CaseId == caseId && e.NotBefore != null && (e.FannedOutAt == null || e.NotBefore == heldUntil)).ToListAsync(ct);
        if (held.Any(e => e.FannedOutAt != null))
        {
            return false;
        }
        db.OutboxEvents.RemoveRange(held);
        return true;
    }

    public static OutboxEventRecord Add(WorkbenchDbContext db, string type, string clientId, Guid? caseId, string? callbackUrl,
        DateTimeOffset at, object data)
    {
        var record = Event(type, clientId, caseId, callbackUrl, at, data);
        db.OutboxEvents.Add(record);
        return record;
    }

    public static OutboxEventRecord Event(string type, string clientId, Guid? caseId, string? callbackUrl, DateTimeOffset at, object data)
    {
        var messageId = "msg_" + Guid.CreateVersion7(at).ToString("N");
        var element = data as JsonElement? ?? JsonSerializer.SerializeToElement(data, WorkbenchJson.Options);
        var body = JsonSerializer.Serialize(new WebhookEvent(type, messageId, at, element), WorkbenchJson.Options);
        return new OutboxEventRecord
        {
            MessageId = messageId,
            Type = type,
            ClientId = clientId,
            CaseId = caseId,
            CallbackUrl = callbackUrl,
            Body = body,
            CreatedAt = at,
        };
    }

    /// <summary>The payload of events about a case that carry no decision.</summary>
    public static object CaseData(CaseRecord c, object? extra = null) => new CaseEventData(c.Id, c.ExternalId, c.Status, c.Queue, extra);
}
