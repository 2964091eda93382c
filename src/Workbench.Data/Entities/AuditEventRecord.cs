namespace Workbench.Data.Entities;

/// <summary>
/// An append-only record of one state change or administrative act, with the fields of the article's event log
/// schema, chained: <see cref="Hash"/> is the SHA-256 of the event's canonical form (Audit/AuditCanonicalForm.cs),
/// which includes <see cref="Sequence"/> and <see cref="PrevHash"/>, so changing, deleting or reordering any row
/// breaks the chain at that row. Sequence, PrevHash and Hash are assigned at save time by the chain interceptor.
/// </summary>
public sealed class AuditEventRecord
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
