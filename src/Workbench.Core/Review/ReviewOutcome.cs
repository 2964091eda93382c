using Workbench.Contracts;

namespace Workbench.Core.Review;

public enum RefusalKind
{
    /// <summary>The reviewer may not do this (not a lead, self-approval, a second approval of his own).</summary>
    Forbidden,
    /// <summary>The case's state does not allow it (claimed by another, not claimed, changed since it was read).</summary>
    Conflict,
    /// <summary>A field of the action is wrong; <see cref="ReviewRefusal.Field"/> names it.</summary>
    Invalid,
}

/// <summary>Why a rule refused an action: a stable problem type and a detail the reviewer can read.</summary>
public sealed record ReviewRefusal(RefusalKind Kind, string Type, string Detail, string? Field = null)
{
    public static ReviewRefusal Forbidden(string type, string detail) => new(RefusalKind.Forbidden, type, detail);

    public static ReviewRefusal Conflict(string type, string detail) => new(RefusalKind.Conflict, type, detail);

    public static ReviewRefusal Invalid(string field, string detail) => new(RefusalKind.Invalid, ProblemTypes.Validation, detail, field);
}

/// <summary>
/// An audit event to write in the change's transaction: its type (<c>AuditEventTypes</c>), who, and its data, whose
/// shape the audit chain, the history tab and the reconstruction read. Texts people wrote are <c>AuditFreeText</c>.
/// </summary>
public sealed record AuditEntry(string Type, string Actor, string ActorRole, object Data);

/// <summary>
/// A webhook event (<see cref="WebhookEventTypes"/>) to write to the outbox in the change's transaction; not sent
/// before <paramref name="NotBefore"/> (a decision's undo window), when given.
/// </summary>
public sealed record OutboxEntry(string Type, object Data, DateTimeOffset? NotBefore = null);

/// <summary>A reviewer's action as it is kept for learning: the edit as text and as a word diff, the reason, the route.</summary>
public sealed record RecordedAction(ReviewActionKind Kind, string Reviewer, string? FromQueue, string? Note)
{
    public string? EditedResponse { get; init; }
    /// <summary>The variables this edit changed, as JSON.</summary>
    public string? EditedVariablesJson { get; init; }
    public string? EditedParametersJson { get; init; }
    public string? EditDiffJson { get; init; }
    public string? RejectReasonCode { get; init; }
    public string? Question { get; init; }
    public string? TargetQueue { get; init; }
    public RootCause? RootCause { get; init; }
}

/// <summary>What a review rule says about an action: refused, or the changes to write. The caller must look.</summary>
public abstract record ReviewOutcome
{
    public sealed record Refused(ReviewRefusal Refusal) : ReviewOutcome;

    /// <summary>The case after the action, and everything that goes with it into the same transaction.</summary>
    public sealed record Changed(ReviewCase Case) : ReviewOutcome
    {
        /// <summary>The live event to publish once committed (<see cref="CaseEventKinds"/>); null publishes none.</summary>
        public string? LiveKind { get; init; }
        public IReadOnlyList<AuditEntry> Audit { get; init; } = [];
        public IReadOnlyList<OutboxEntry> Outbox { get; init; } = [];
        public RecordedAction? Action { get; init; }
        /// <summary>The case was sampled for a blind second review and is now decided: the second review is due.</summary>
        public bool SecondReviewDue { get; init; }
        /// <summary>
        /// The decision was undone: whatever the decision wrote for later is withdrawn in the same transaction (its held
        /// outbox event, its blind second review, the deciding action kept for learning).
        /// </summary>
        public string? UndoneBy { get; init; }
    }
}

/// <summary>A reviewer's classification of a decided case: why it needed a human, and whether it did at all.</summary>
public sealed record Classification(RootCause? RootCause, bool? EscalationNecessary);

public abstract record ClassifyOutcome
{
    public sealed record Refused(ReviewRefusal Refusal) : ClassifyOutcome;

    public sealed record Classified(Classification Classification, AuditEntry Audit) : ClassifyOutcome;
}
