namespace Workbench.Data.Entities;

/// <summary>
/// A free text an audit event refers to (a reviewer's note or question, the AI system's reply, a withdrawal reason…),
/// kept beside the chain so that retention can remove it. The event's hashed data carries, in the text's place,
/// <c>{"textRef": <see cref="Ref"/>, "sha256": <see cref="Sha256"/>}</c>: the chain verifies with or without the text,
/// and the text, while it exists, is checked against the digest the chain holds.
/// <see cref="Sha256"/> is SHA-256 over the UTF-8 bytes of <see cref="Salt"/> followed by those of the text, lowercase hex.
/// The salt is random per text and goes with the text when it is purged, so the digest that stays in the chain cannot be
/// tested against guesses (a short note, a name, a card's last digits) — only by whoever kept the text and its salt.
/// Rows are never deleted; a purge sets Text and Salt to null and stamps <see cref="PurgedAt"/> (the triggers of
/// AuditTextSql allow nothing else).
/// </summary>
public sealed class AuditTextRecord
{
    public long Id { get; set; }
    /// <summary>The audit event that refers to this text.</summary>
    public long AuditEventId { get; set; }
    /// <summary>The event's case, so a purge finds a case's texts by index.</summary>
    public Guid? CaseId { get; set; }
    /// <summary>The reference the event's data holds in the text's place: <c>atx_</c> and 32 hex digits.</summary>
    public required string Ref { get; set; }
    /// <summary>Where in the event's data the text stood, as a dotted JSON path (e.g. <c>details.note</c>).</summary>
    public required string Field { get; set; }
    public string? Text { get; set; }
    /// <summary>32 random hex digits; null once purged.</summary>
    public string? Salt { get; set; }
    /// <summary>SHA-256 of salt and text (see the type's summary), lowercase hex; the same value is in the chained event.</summary>
    public required string Sha256 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PurgedAt { get; set; }
}
