using Workbench.Contracts;

namespace Workbench.Data.Entities;

/// <summary>A reviewer's structured action, kept for learning (edits as text plus diff).</summary>
public sealed class ReviewActionRecord
{
    public long Id { get; set; }
    public Guid CaseId { get; set; }
    public ReviewActionKind Kind { get; set; }
    public required string Reviewer { get; set; }
    public DateTimeOffset At { get; set; }
    public string? EditedResponse { get; set; }
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
