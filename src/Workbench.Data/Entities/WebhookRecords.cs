namespace Workbench.Data.Entities;

/// <summary>
/// One event an AI system must hear about (decided, info requested, SLA breached, expired, withdrawn), written in the
/// same transaction as the state change it announces (<c>Outbox.Add</c>). The dispatcher fans it out to deliveries.
/// </summary>
public sealed class OutboxEventRecord
{
    /// <summary>Ascending with commit order per writer; deliveries of one case go out in this order.</summary>
    public long Id { get; set; }
    /// <summary>The <c>webhook-id</c> of every delivery of this event, on every retry: <c>msg_…</c>.</summary>
    public required string MessageId { get; set; }
    public required string Type { get; set; }
    public required string ClientId { get; set; }
    public Guid? CaseId { get; set; }
    /// <summary>The case's callback URL at the time of the event, if it had one.</summary>
    public string? CallbackUrl { get; set; }
    /// <summary>The exact body sent (and signed) on every attempt.</summary>
    public required string Body { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When the dispatcher turned it into deliveries; null while waiting.</summary>
    public DateTimeOffset? FannedOutAt { get; set; }
    /// <summary>
    /// Not fanned out before this moment: a decision's undo window. An undo deletes the event in the transaction that
    /// takes the decision back; fanning out marks it under the FannedOutAt token, so only one of the two can win.
    /// </summary>
    public DateTimeOffset? NotBefore { get; set; }
    /// <summary>
    /// When retention masked the body's texts (the case's content was purged and none of its deliveries was still
    /// pending). A purged event is never sent again: a replay is refused and a delivery claimed anyway is dead-lettered.
    /// </summary>
    public DateTimeOffset? PurgedAt { get; set; }
}

/// <summary>A client's webhook endpoint. Secrets are stored protected (ASP.NET Core Data Protection), never in plain text.</summary>
public sealed class WebhookEndpointRecord
{
    public Guid Id { get; set; }
    public required string ClientId { get; set; }
    public required string Url { get; set; }
    /// <summary>Space-separated event types with a leading and trailing space; <c>" * "</c> for every type.</summary>
    public required string EventTypes { get; set; }
    public bool Enabled { get; set; } = true;
    public required string SecretProtected { get; set; }
    /// <summary>The secret before the last rotation: it signs too until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecretProtected { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The first failed attempt since the last delivered one; null while the endpoint works.</summary>
    public DateTimeOffset? FailingSince { get; set; }
    /// <summary>Why it was disabled, when the dispatcher (not an admin) disabled it after failing too long.</summary>
    public string? DisabledReason { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }
}

/// <summary>
/// One attempt of a delivery as the receiver answered it: status code, latency and the first 4 KiB of the body, kept
/// for the admin page (as Stripe and Svix show them); retention deletes them with the case's content and once they are
/// older than <c>Retention:WebhookAttemptDays</c>.
/// </summary>
public sealed class WebhookAttemptRecord
{
    public long Id { get; set; }
    public long DeliveryId { get; set; }
    public Guid? EndpointId { get; set; }
    public Guid? CaseId { get; set; }
    public DateTimeOffset At { get; set; }
    public int? StatusCode { get; set; }
    public int LatencyMs { get; set; }
    /// <summary>The first 4 KiB of the response body (UTF-8, cut at a character boundary); null when there was none.</summary>
    public string? ResponseBody { get; set; }
    public string? Error { get; set; }
}

/// <summary>
/// A client's settings for per-case <c>callbackUrl</c>s: the hosts they may point at, and the secret that signs them
/// (stored protected; the previous one signs too during a rotation's overlap).
/// </summary>
public sealed class WebhookClientRecord
{
    public required string ClientId { get; set; }
    /// <summary>Space-separated host names, lower case.</summary>
    public required string CallbackHosts { get; set; }
    public required string SecretProtected { get; set; }
    public string? PreviousSecretProtected { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Dead,
}

/// <summary>One event to one target (an endpoint, or the case's callback URL), with its retry state.</summary>
public sealed class WebhookDeliveryRecord
{
    public long Id { get; set; }
    public long EventId { get; set; }
    public required string MessageId { get; set; }
    public required string Type { get; set; }
    public required string ClientId { get; set; }
    public Guid? CaseId { get; set; }
    /// <summary>The endpoint's id, or <c>callback:</c> and the URL; ordering per case is per target.</summary>
    public required string TargetKey { get; set; }
    public Guid? EndpointId { get; set; }
    public required string Url { get; set; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>A failure after this dead-letters the delivery; a replay sets it afresh.</summary>
    public DateTimeOffset RetryUntil { get; set; }
    /// <summary>The claim of the instance sending it now; another may take it once the lease ran out.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }
    public Guid? LeaseToken { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public int? LastLatencyMs { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
}
