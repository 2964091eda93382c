namespace Workbench.Contracts;

/// <summary>Where a case is in its life. See docs/design.md "Case statuses".</summary>
public enum CaseStatus
{
    Queued,
    InReview,
    Decided,
    AwaitingInfo,
    AutoApproved,
    ClarificationRequested,
    Withdrawn,
    Expired,
}

/// <summary>The four outcomes of the article, in the default order of severity (least first).</summary>
public enum PathOutcome
{
    Proceed,
    AwaitApproval,
    Clarify,
    Handoff,
}

public enum OutcomeScope
{
    Release,
    Execute,
    Both,
}

public enum AutonomyStage
{
    RecommendOnly,
    ApproveAll,
    Sampled,
    Auto,
}

public enum CasePriority
{
    Low,
    Normal,
    High,
    Urgent,
}

public enum EvidenceAuthority
{
    Authoritative,
    Secondary,
    Unverified,
}

public enum ToolStepStatus
{
    Succeeded,
    Failed,
    TimedOut,
    Skipped,
}

public enum DecisionKind
{
    Approved,
    ApprovedWithEdits,
    Rejected,
    Expired,
}

public enum ReviewActionKind
{
    Approve,
    ApproveWithEdits,
    Reject,
    RequestInfo,
    Route,
}

public enum DownstreamOutcome
{
    Correct,
    Incorrect,
    RolledBack,
    Complaint,
}

/// <summary>The article's root-cause classes, one per reviewed case.</summary>
public enum RootCause
{
    Prompt,
    RetrievalMiss,
    RetrievalConflict,
    ToolFailure,
    PolicyTooStrict,
    PolicyTooLoose,
    MissingBusinessData,
    UserAmbiguity,
    UnsupportedTask,
    /// <summary>The reviewer cannot tell; accepted only where the policy allows it for the workflow.</summary>
    Unknown,
}

public enum UserRole
{
    Reviewer,
    Lead,
    Admin,
}

/// <summary>Where a case stands against its SLA (the SLA monitor moves it forward, never back).</summary>
public enum SlaState
{
    OnTrack,
    AtRisk,
    Breached,
    /// <summary>
    /// Breached in its queue and escalated: the escalation queue's own SLA runs from the breach. Past that one it is
    /// breached again (and escalated on, where that queue escalates).
    /// </summary>
    Escalated,
}
