namespace Workbench.Data.Entities;

/// <summary>
/// An Idempotency-Key seen from one client, written in the same transaction as the case it created: a retry with
/// the same key and body gets the stored receipt back; the same key with another body is refused.
/// </summary>
public sealed class IdempotencyRecord
{
    public required string ClientId { get; set; }
    public required string Key { get; set; }
    /// <summary>SHA-256 of the request body, hex.</summary>
    public required string RequestHash { get; set; }
    public Guid CaseId { get; set; }
    /// <summary>The receipt as first sent.</summary>
    public required string ReceiptJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Kept at least this long (24 h by default), then purged.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}
