using Workbench.Contracts;

namespace Workbench.Data.Entities;

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
