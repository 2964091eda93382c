using Workbench.Contracts;

namespace Workbench.Data.Entities;

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
