using Workbench.Contracts;

namespace Workbench.Core.Policy;

/// <summary>A workflow of the policy: its risk tier (a floor), default queue and autonomy stage.</summary>
public sealed record WorkflowDefinition(
    string Name,
    int Tier,
    string Queue,
    AutonomyStage Autonomy,
    double SpotCheckRate,
    IReadOnlyList<string> RequiredFields)
{
    public string? Title { get; init; }

    /// <summary>Wall-clock time from submission after which an undecided case expires (null: never).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>What an expired case's decision means for the AI system.</summary>
    public TimeoutDecision OnTimeout { get; init; } = TimeoutDecision.Reject;

    /// <summary>
    /// Whether a reviewer may record the root cause of a reviewed case as <c>unknown</c>; otherwise every decision names
    /// one of the article's classes.
    /// </summary>
    public bool AllowUnknownRootCause { get; init; }
}

/// <summary>The default decision applied when a workflow's hard timeout passes (the decision itself is <c>expired</c>).</summary>
public enum TimeoutDecision
{
    Reject,
    Approve,
}

/// <summary>What a breach of a queue's SLA does.</summary>
[Flags]
public enum BreachActions
{
    None = 0,
    /// <summary>One priority step up (urgent stays urgent).</summary>
    RaisePriority = 1,
    /// <summary>The case moves to the queue's escalation target.</summary>
    Escalate = 2,
    /// <summary>An alert for the leads (an audit event the board shows).</summary>
    AlertLead = 4,
}

/// <summary>What a queue's SLA clock measures.</summary>
public enum SlaKind
{
    AwaitApproval,
    Handoff,
    InfoReply,
    SpotCheck,
}

/// <summary>The escalation queue's own SLA a breached case runs on from the breach: what it measures, from when, until when.</summary>
public sealed record EscalationSla(SlaKind Kind, DateTimeOffset StartedAt, DateTimeOffset DueAt);

/// <summary>SLA durations of a queue per kind of work; null where the queue sets none.</summary>
public sealed record QueueSla(TimeSpan? AwaitApproval, TimeSpan? Handoff, TimeSpan? InfoReply, TimeSpan? SpotCheck)
{
    public TimeSpan? For(SlaKind kind) => kind switch
    {
        SlaKind.AwaitApproval => AwaitApproval,
        SlaKind.Handoff => Handoff,
        SlaKind.InfoReply => InfoReply,
        _ => SpotCheck,
    };
}

/// <summary>A review queue: who may work it, how fast, and where it escalates.</summary>
public sealed record QueueDefinition(
    string Name,
    string Title,
    QueueSla Sla,
    IReadOnlyDictionary<CasePriority, QueueSla> PrioritySla,
    string? EscalationTarget,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups)
{
    /// <summary>The priority's override where it sets this kind, else the queue's default.</summary>
    public TimeSpan? SlaFor(SlaKind kind, CasePriority priority)
        => (PrioritySla.TryGetValue(priority, out var p) ? p.For(kind) : null) ?? Sla.For(kind);

    /// <summary>When the queue's SLA clock runs; null is 24/7 on the wall clock.</summary>
    public BusinessHours? Hours { get; init; }

    /// <summary>The SLA clock stops while the case waits for the AI system's answer to a request for info.</summary>
    public bool PauseWhileAwaitingInfo { get; init; }

    /// <summary>What a breach does (default: raise priority, escalate where a target is set, alert the leads).</summary>
    public BreachActions OnBreach { get; init; } = BreachActions.RaisePriority | BreachActions.Escalate | BreachActions.AlertLead;

    /// <summary>The due time of work of this kind and priority started at <paramref name="start"/>, or null where the queue sets no SLA.</summary>
    public DateTimeOffset? DueAt(SlaKind kind, CasePriority priority, DateTimeOffset start)
        => SlaFor(kind, priority) is { } duration ? SlaClock.DueAt(start, duration, Hours) : null;
}

/// <summary>A reason code as reviewers see it (a chip with a description).</summary>
public sealed record ReasonCodeDefinition(string Code, string Title, string Description, RootCause? RootCauseHint);

/// <summary>A rule as written, with where its <c>when</c> starts in the policy text.</summary>
public sealed record PolicyRule(
    string Id,
    string When,
    PathOutcome Outcome,
    OutcomeScope Scope,
    string? ReasonCode,
    string? Queue,
    CasePriority? Priority,
    int? Approvals,
    string? QuestionTemplate,
    int Line,
    int Column)
{
    /// <summary>What the rule checks, in words, for the reviewer's "policy checks" panel.</summary>
    public string? Description { get; init; }
}

/// <summary>A load error: the rule it belongs to (if any) and a 1-based line and column in the policy text.</summary>
public sealed record PolicyError(string? RuleId, int Line, int Column, string Message)
{
    public override string ToString() => RuleId is null
        ? $"line {Line}, column {Column}: {Message}"
        : $"rule '{RuleId}', line {Line}, column {Column}: {Message}";
}

/// <summary>Either a compiled policy or the errors that refused it (a policy with any error is refused whole).</summary>
public sealed record PolicyLoadResult(CompiledPolicy? Policy, IReadOnlyList<PolicyError> Errors)
{
    public bool Succeeded => Policy is not null;
}

/// <summary>
/// The rules' verdict on one frame, before tier, autonomy, queue and SLA are applied. A struct: the fast path
/// allocates nothing.
/// </summary>
public readonly record struct RuleVerdict(
    PathOutcome Release,
    PathOutcome Execute,
    int FiredCount,
    int QueueRuleIndex,
    CasePriority Priority,
    int Approvals);
