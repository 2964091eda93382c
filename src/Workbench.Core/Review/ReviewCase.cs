using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Core.Review;

/// <summary>
/// The part of a case the review rules read and change. A rule never alters it: it returns the case as it is after
/// the action (<see cref="ReviewOutcome.Changed"/>), and the caller writes the new values back.
/// </summary>
public sealed record ReviewCase
{
    public required Guid Id { get; init; }
    public required string ExternalId { get; init; }
    /// <summary>The principal that submitted the case: it may never approve it.</summary>
    public required string ClientId { get; init; }
    public required CaseStatus Status { get; init; }
    /// <summary>The case's workflow: its policy says whether "unknown" is a root cause a reviewer may give.</summary>
    public string Workflow { get; init; } = "";
    public string? Queue { get; init; }
    /// <summary>The tier the case was decided at; a money action in a tier-3 case asks the approver to type the amount.</summary>
    public int RiskTier { get; init; }
    public int ApprovalsRequired { get; init; } = 1;
    /// <summary>Who approved in the current round, in order; an edit or new information starts a new round.</summary>
    public IReadOnlyList<string> ApprovedBy { get; init; } = [];
    public string? ClaimedBy { get; init; }
    public DateTimeOffset? ClaimExpiresAt { get; init; }
    public string? AssignedTo { get; init; }
    /// <summary>The response text the current round approves, when a reviewer edited it; null means the proposal's.</summary>
    public string? EditedResponse { get; init; }
    /// <summary>The template variables the current round fills the message from (all of them, as JSON), when a reviewer changed one.</summary>
    public string? EditedVariablesJson { get; init; }
    public string? EditedParametersJson { get; init; }
    public string? EditedBy { get; init; }
    public string? PendingQuestion { get; init; }
    public DateTimeOffset? SlaPausedAt { get; init; }
    public DecisionKind? Decision { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    /// <summary>The decision as it flows back to the AI system (<see cref="DecisionView"/> as JSON).</summary>
    public string? DecisionJson { get; init; }
    /// <summary>
    /// When the decision reaches the AI system: its undo window ends then. Until that moment the webhook, the
    /// long-poll and the case as the AI system reads it do not carry it.
    /// </summary>
    public DateTimeOffset? ReleaseAt { get; init; }
    /// <summary>The case as it was before the decision (<see cref="UndoState"/> as JSON), what an undo puts back.</summary>
    public string? UndoJson { get; init; }
    public required string PolicyVersion { get; init; }
    /// <summary>
    /// What the AI system sent, as JSON. Kept unparsed because only a decision or an edit needs its proposal, and a
    /// claim or a renewal should not pay for reading the evidence and the trace.
    /// </summary>
    public required string SubmissionJson { get; init; }
    /// <summary>Sampled at queue time for a blind second review once decided.</summary>
    public bool DoubleReview { get; init; }
    /// <summary>The case's concurrency token: the revision the reviewer saw must still be the case's.</summary>
    public int Revision { get; init; }
    /// <summary>When the case last changed; a decision keeps it in its <see cref="UndoState"/>, as the AI system's updatedAt while held.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// What a decision changed in the case and an undo puts back: who decided (the only one who may undo), and the
/// round's approvals and edits before his action. The case was in review, claimed by him, before any decision.
/// <paramref name="SeenUpdatedAt"/> is when the case last changed before the decision: while the decision is held, the
/// last change the AI system can see (null in states written before it was kept).
/// </summary>
public sealed record UndoState(
    string DecidedBy,
    IReadOnlyList<string> ApprovedBy,
    string? EditedResponse,
    string? EditedVariablesJson,
    string? EditedParametersJson,
    string? EditedBy,
    DateTimeOffset? SeenUpdatedAt = null);

/// <summary>Who acts: a reviewer, or a lead acting as one.</summary>
public sealed record Reviewer(string UserName, bool IsLead)
{
    /// <summary>The actor role the audit records.</summary>
    public string Role => IsLead ? "lead" : "reviewer";
}
