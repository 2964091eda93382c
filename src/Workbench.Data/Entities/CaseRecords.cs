using Workbench.Contracts;

namespace Workbench.Data.Entities;

// A case and what hangs off it: the policy evaluation, reviewers' actions, downstream outcomes, the blind second review and the idempotency key that created it.

/// <summary>
/// One case. The submission is kept whole as JSON (what the AI system sent, for review and reconstruction);
/// the columns the queues filter, sort and count on are copied out of it.
/// </summary>
public sealed class CaseRecord
{
    public Guid Id { get; set; }
    /// <summary>The API client (or principal) that submitted the case; a client sees only its own cases.</summary>
    public required string ClientId { get; set; }
    public required string ExternalId { get; set; }
    public required string Workflow { get; set; }
    public required string TaskType { get; set; }
    public int RiskTier { get; set; }
    public CaseStatus Status { get; set; }
    public string? Queue { get; set; }
    public CasePriority Priority { get; set; }
    public PathOutcome ReleaseOutcome { get; set; }
    public PathOutcome ExecuteOutcome { get; set; }
    /// <summary>Space-separated, with a leading and trailing space, so a filter is a plain LIKE '% CODE %'.</summary>
    public required string ReasonCodes { get; set; }
    public DateTimeOffset? SlaDueAt { get; set; }
    /// <summary>When the SLA clock started (shifted by a pause), so the monitor knows the share of the SLA left.</summary>
    public DateTimeOffset? SlaStartedAt { get; set; }
    /// <summary>Set while the clock is stopped (awaiting info in a queue that pauses for it).</summary>
    public DateTimeOffset? SlaPausedAt { get; set; }
    public SlaState SlaState { get; set; }
    public int ApprovalsRequired { get; set; } = 1;
    public bool SpotCheck { get; set; }
    /// <summary>Sampled at queue time for a blind second review (Learning:DoubleReview:Share); see DoubleReviewRecord.</summary>
    public bool DoubleReview { get; set; }
    public required string RequesterId { get; set; }
    /// <summary>
    /// Whether the policy counted the requester as authenticated when it decided the case: the AI system's word, unless
    /// the policy takes that word only from the systems it lists and this case's client is not one.
    /// </summary>
    public bool RequesterAuthenticated { get; set; }
    /// <summary>The first 500 characters of the request, for lists and search.</summary>
    public required string RequestPreview { get; set; }
    public required string SubmissionJson { get; set; }
    public string? CallbackUrl { get; set; }
    /// <summary>The model cost the submission reported (<c>modelCost</c>), for the board's cost per path.</summary>
    public decimal? ModelCostAmount { get; set; }
    public string? ModelCostCurrency { get; set; }
    public required string PolicyVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The open question to the AI system (request for info, or the intake clarifying question).</summary>
    public string? PendingQuestion { get; set; }

    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimExpiresAt { get; set; }
    /// <summary>A lead assigned the case to this reviewer: it is at the top of his queue.</summary>
    public string? AssignedTo { get; set; }
    /// <summary>
    /// The response text the current approval round approves, when a reviewer edited it; null means the proposal.
    /// An edit starts a new round, so every approval counted covers exactly this text.
    /// </summary>
    public string? EditedResponse { get; set; }
    /// <summary>The template variables the current round fills the message from (all of them, as JSON), when a reviewer changed one.</summary>
    public string? EditedVariablesJson { get; set; }
    public string? EditedParametersJson { get; set; }
    public string? EditedBy { get; set; }
    /// <summary>Reviewers who approved in the current round, space-separated with leading and trailing space (four-eyes).</summary>
    public string ApprovedBy { get; set; } = " ";

    public DecisionKind? Decision { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    /// <summary>The decision that flows back to the AI system (Workbench.Contracts.DecisionView as JSON).</summary>
    public string? DecisionJson { get; set; }
    /// <summary>
    /// When the decision reaches the AI system (the end of its undo window). Before then the AI system's reads and
    /// long-polls see the case in review and its case.decided event waits in the outbox (not_before).
    /// </summary>
    public DateTimeOffset? ReleaseAt { get; set; }
    /// <summary>The case before the decision (Workbench.Core UndoState as JSON): what an undo within the window puts back.</summary>
    public string? UndoJson { get; set; }

    /// <summary>When retention removed the case's content (Workbench.Core ContentPurge); null while it is whole.</summary>
    public DateTimeOffset? PurgedAt { get; set; }
    /// <summary>The retention (days after closing) that applied when the content was purged.</summary>
    public int? RetentionDays { get; set; }
    /// <summary>SHA-256 (lowercase hex) of the content the purge removed, in the form RetentionPurge.PurgedContent documents.</summary>
    public string? PurgedContentSha256 { get; set; }

    /// <summary>Bumped by every state change; two reviewers can never both decide.</summary>
    public int Revision { get; set; }

    public PolicyEvaluationRecord? Evaluation { get; set; }
    public List<ReviewActionRecord> Actions { get; set; } = [];
    /// <summary>The spot check of a sampled proceed case, written with the case; null for every other case.</summary>
    public SpotCheckRecord? SpotCheckItem { get; set; }
}

/// <summary>The policy engine's decision for a case at intake, with the trace of every rule.</summary>
public sealed class PolicyEvaluationRecord
{
    public Guid CaseId { get; set; }
    public PathOutcome Release { get; set; }
    public PathOutcome Execute { get; set; }
    public required string ReasonCodesJson { get; set; }
    public string? Queue { get; set; }
    public CasePriority Priority { get; set; }
    public DateTimeOffset? SlaDueAt { get; set; }
    public int ApprovalsRequired { get; set; }
    public int RiskTier { get; set; }
    public AutonomyStage AutonomyStage { get; set; }
    public bool SpotCheck { get; set; }
    public string? ClarifyingQuestion { get; set; }
    public required string PolicyVersion { get; set; }
    public required string TraceJson { get; set; }
    public DateTimeOffset EvaluatedAt { get; set; }
}

/// <summary>A reviewer's structured action, kept for learning (edits as text plus diff).</summary>
public sealed class ReviewActionRecord
{
    public long Id { get; set; }
    public Guid CaseId { get; set; }
    public ReviewActionKind Kind { get; set; }
    public required string Reviewer { get; set; }
    public DateTimeOffset At { get; set; }
    public string? EditedResponse { get; set; }
    /// <summary>The template variables this edit changed, as JSON.</summary>
    public string? EditedVariablesJson { get; set; }
    public string? EditedParametersJson { get; set; }
    public string? EditDiffJson { get; set; }
    public string? RejectReasonCode { get; set; }
    public string? Question { get; set; }
    public string? FromQueue { get; set; }
    public string? TargetQueue { get; set; }
    public string? Note { get; set; }
    public RootCause? RootCause { get; set; }
    public bool? EscalationNecessary { get; set; }
}

/// <summary>What happened after the decision was used, as the AI system reported it.</summary>
public sealed class DownstreamOutcomeRecord
{
    public long Id { get; set; }
    public Guid CaseId { get; set; }
    public DownstreamOutcome Outcome { get; set; }
    public string? Note { get; set; }
    public required string ReportedBy { get; set; }
    public DateTimeOffset ReportedAt { get; set; }
}

/// <summary>
/// A blind second review of a case sampled at queue time (<see cref="CaseRecord.DoubleReview"/>). The row appears when the
/// first review decides the case (that decision takes effect and is delivered as usual); a second reviewer who did not act
/// on the case then gives a verdict without seeing the first decision. The verdict changes nothing about the case: it is
/// the second label of the pair behind the reviewer-agreement kappa.
/// </summary>
public sealed class DoubleReviewRecord
{
    public Guid CaseId { get; set; }
    public required string Workflow { get; set; }
    /// <summary>The queue that decided the case: its members are the possible second reviewers.</summary>
    public string? Queue { get; set; }
    /// <summary>When the first decision made the case ready for its second review.</summary>
    public DateTimeOffset ReadyAt { get; set; }
    /// <summary>The second reviewer's label: approved, approved_with_edits or rejected; null while pending.</summary>
    public DecisionKind? Verdict { get; set; }
    public string? Reviewer { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public string? EditedResponse { get; set; }
    public string? RejectReasonCode { get; set; }
    public string? Note { get; set; }
    /// <summary>Concurrency token: two second reviewers can never both record a verdict.</summary>
    public int Revision { get; set; }
}

/// <summary>
/// The spot check of a proceed case the policy sampled (<see cref="CaseRecord.SpotCheck"/>): the case proceeded for the AI
/// system and stays auto-approved; this item is what a reviewer of the spot-check queue claims and gives a verdict on.
/// Written with the case, in the same transaction. Its state (open, in review, reviewed, not reviewed) follows from
/// the verdict, the claim and <see cref="AgesOutAt"/> (Workbench.Core SpotCheckRules.StateOf).
/// </summary>
public sealed class SpotCheckRecord
{
    public Guid CaseId { get; set; }
    public required string Workflow { get; set; }
    /// <summary>The spot-check queue the case was sampled into: its members review it.</summary>
    public string? Queue { get; set; }
    public DateTimeOffset SampledAt { get; set; }
    /// <summary>The queue's spot_check SLA, when it sets one.</summary>
    public DateTimeOffset? DueAt { get; set; }
    /// <summary>After this an unreviewed spot check leaves the sample as "not reviewed" (Learning:SpotCheck:AgeOut).</summary>
    public DateTimeOffset AgesOutAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimExpiresAt { get; set; }
    public SpotCheckVerdict? Verdict { get; set; }
    public string? Reviewer { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public string? EditedResponse { get; set; }
    public string? EditedParametersJson { get; set; }
    public string? RejectReasonCode { get; set; }
    /// <summary>Why the system would have needed a human; required when the reviewer disagrees.</summary>
    public RootCause? RootCause { get; set; }
    public string? Note { get; set; }
    /// <summary>Concurrency token: two reviewers can never both claim or both give the verdict.</summary>
    public int Revision { get; set; }
}

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

/// <summary>
/// An internal note on a case: reviewers and leads talking to each other. Never part of what flows back to the AI
/// system; its text is a free text retention purges with the case's others.
/// </summary>
public sealed class CaseNoteRecord
{
    public long Id { get; set; }
    public Guid CaseId { get; set; }
    public required string Author { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset At { get; set; }
    public List<CaseMentionRecord> Mentions { get; set; } = [];
}

/// <summary>A person a note mentions: what his queues page lists under "Mentions", newest first.</summary>
public sealed class CaseMentionRecord
{
    public long Id { get; set; }
    public long NoteId { get; set; }
    public Guid CaseId { get; set; }
    public required string UserName { get; set; }
    public DateTimeOffset At { get; set; }
}
