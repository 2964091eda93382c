using Workbench.Contracts;

namespace Workbench.Data.Entities;

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
