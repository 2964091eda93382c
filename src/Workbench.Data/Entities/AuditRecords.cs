namespace Workbench.Data.Entities;

// The audit log: hash-chained events, their purgeable free texts, and the verifications of the chain.

/// <summary>
/// An append-only record of one state change or administrative act, with the fields of the article's event log
/// schema, chained: <see cref="Hash"/> is the SHA-256 of the event's canonical form (Audit/AuditCanonicalForm.cs),
/// which includes <see cref="Sequence"/> and <see cref="PrevHash"/>, so changing, deleting or reordering any row
/// breaks the chain at that row. Sequence, PrevHash and Hash are assigned at save time by the chain interceptor.
/// </summary>
public sealed class AuditEventRecord : Workbench.Core.Audit.IAuditEventContent
{
    public long Id { get; set; }
    /// <summary>The position in the one global chain: 1, 2, 3… without gaps.</summary>
    public long Sequence { get; set; }
    /// <summary>The previous event's <see cref="Hash"/> (64 zeros for the first event), lowercase hex.</summary>
    public string PrevHash { get; set; } = "";
    /// <summary>SHA-256 of the canonical form, lowercase hex.</summary>
    public string Hash { get; set; } = "";

    public Guid? CaseId { get; set; }
    /// <summary>A stable dotted name, e.g. <c>case.submitted</c>, <c>case.claimed</c>.</summary>
    public required string Type { get; set; }
    /// <summary>The user (reviewer id) or API client that acted, or <c>system</c>.</summary>
    public required string Actor { get; set; }
    public required string ActorRole { get; set; }
    public DateTimeOffset At { get; set; }
    public string? RequestId { get; set; }

    // The article's event schema: what was in play when this happened.
    public int? RiskTier { get; set; }
    public string? PolicyVersion { get; set; }
    public string? ModelVersion { get; set; }
    public string? PromptVersion { get; set; }
    public string? RetrievalIndexVersion { get; set; }
    /// <summary>Tool name → version as a JSON object, keys in ordinal order.</summary>
    public string? ToolVersions { get; set; }
    /// <summary>The evidence ids the system had, as a JSON array.</summary>
    public string? EvidenceIds { get; set; }
    /// <summary>Space-separated escalation reason codes.</summary>
    public string? ReasonCodes { get; set; }
    /// <summary>What a human did (approve, reject, claim…), for events by a person.</summary>
    public string? ReviewerAction { get; set; }
    /// <summary>The case's decision once it has one (approved, approved_with_edits, rejected, expired).</summary>
    public string? FinalDecision { get; set; }

    /// <summary>
    /// The event's own details (outcome, queue…) as JSON. Free texts (notes, questions, replies) are not in it since
    /// the texts moved to <c>audit_texts</c>: their place holds <c>{"textRef","sha256"}</c> (see <see cref="AuditTextRecord"/>).
    /// Events written before that hold their texts inline, as they were chained.
    /// </summary>
    public required string DataJson { get; set; }

    /// <summary>The free texts this event refers to, inserted with it (never part of the hash: the digests in <see cref="DataJson"/> are).</summary>
    public List<AuditTextRecord> Texts { get; set; } = [];
}

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

/// <summary>One run of the audit chain verification (scheduled or asked for), and what it found.</summary>
public sealed class AuditVerificationRecord
{
    public long Id { get; set; }
    /// <summary><c>scheduled</c>, or the user who asked.</summary>
    public required string RequestedBy { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public long DurationMs { get; set; }
    public bool Intact { get; set; }
    public long EventsChecked { get; set; }
    /// <summary>The last event of the chain as this run saw it: the next run checks it is still there.</summary>
    public long HeadSequence { get; set; }
    public required string HeadHash { get; set; }
    public long? BreakSequence { get; set; }
    public long? BreakEventId { get; set; }
    public string? BreakKind { get; set; }
    public string? Message { get; set; }
}

/// <summary>
/// A node of the Merkle tree over the audit events (RFC 9162; leaf <c>i</c> is the event of sequence <c>i + 1</c>, its
/// data the event's chain hash): the hash of the perfect subtree of 2^<see cref="Level"/> events from
/// <c>Index · 2^Level</c>. Only levels from <c>AuditTree.StoredLevel</c> up are stored — about one row per 128 events —
/// and only for complete subtrees; lower ones are recomputed from the events' hashes when a proof needs them. Derived
/// from the events, so any instance can extend it; a node never changes once written.
/// </summary>
public sealed class AuditTreeNodeRecord
{
    public int Level { get; set; }
    public long Index { get; set; }
    /// <summary>32 bytes.</summary>
    public required byte[] Hash { get; set; }
}

/// <summary>
/// A signed checkpoint of the audit log: the tree of the first <see cref="TreeSize"/> events had root
/// <see cref="RootHash"/> at <see cref="IssuedAt"/>, signed with the instance's audit key. The database keeps a copy for
/// the proofs API; what counts is the copy written outside (the checkpoint folder, the witness). Checkpoints form one line:
/// each names the one before it (<see cref="PreviousTreeSize"/>, unique), so two instances cannot both extend the same one.
/// </summary>
public sealed class AuditCheckpointRecord
{
    public long Id { get; set; }
    public long TreeSize { get; set; }
    /// <summary>The tree size of the checkpoint before this one (0 for the first).</summary>
    public long PreviousTreeSize { get; set; }
    /// <summary>MTH of the first <see cref="TreeSize"/> events, lowercase hex.</summary>
    public required string RootHash { get; set; }
    /// <summary>The chain hash of the event at <see cref="TreeSize"/> (the last one the checkpoint covers), lowercase hex.</summary>
    public required string HeadHash { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    /// <summary>The signed text (origin, size, root, time), exactly as signed.</summary>
    public required string Body { get; set; }
    /// <summary>ECDSA P-256 / SHA-256 over the UTF-8 body, DER, base64.</summary>
    public required string Signature { get; set; }
    /// <summary>SHA-256 of the public key's SubjectPublicKeyInfo, lowercase hex.</summary>
    public required string KeyId { get; set; }
    /// <summary>When the file was written to the checkpoint folder (null: not yet, or no folder).</summary>
    public DateTimeOffset? WrittenAt { get; set; }
    /// <summary>When the witness accepted it (null: not yet, or no witness).</summary>
    public DateTimeOffset? WitnessedAt { get; set; }
    /// <summary>The last failure to publish it, for the admin to see.</summary>
    public string? PublishError { get; set; }
}

/// <summary>
/// A table nothing keeps rows in: readiness inserts one and rolls back, which proves the instance can write (not only
/// that a connection opens).
/// </summary>
public sealed class HealthProbeRecord
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
}
