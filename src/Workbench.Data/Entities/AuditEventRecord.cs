namespace Workbench.Data.Entities;

/// <summary>An append-only record of one state change or administrative act.</summary>
public sealed class AuditEventRecord
{
    public long Id { get; set; }
    public Guid? CaseId { get; set; }
    /// <summary>A stable dotted name, e.g. <c>case.submitted</c>, <c>case.claimed</c>.</summary>
    public required string Type { get; set; }
    public required string Actor { get; set; }
    public required string ActorRole { get; set; }
    public DateTimeOffset At { get; set; }
    public string? RequestId { get; set; }
    /// <summary>The event's fields (tier, versions, reason codes, action, decision…) as JSON.</summary>
    public required string DataJson { get; set; }
}
