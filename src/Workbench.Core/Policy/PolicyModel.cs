using Workbench.Core.Cases;

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
}

/// <summary>What a queue's SLA clock measures.</summary>
public enum SlaKind
{
    AwaitApproval,
    Handoff,
    InfoReply,
    SpotCheck,
}

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
