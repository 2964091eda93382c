using Workbench.Core.Policy;
using Workbench.Core.Review;

namespace Workbench.Web.Review;

/// <summary>
/// What approving the case executes and how an approval confirms it (<see cref="ApprovalGate"/>): send
/// <c>confirmedTool</c> = <see cref="Tool"/>, and for <c>type_amount</c> also <c>confirmedAmount</c> = <see cref="Amount"/>.
/// </summary>
public sealed record ApprovalConfirmationView(
    ApprovalGesture Gesture,
    string Tool,
    string? ToolTitle,
    string? Amount,
    string? Currency,
    bool Irreversible,
    IReadOnlyDictionary<string, string> Target,
    string Restatement)
{
    public static ApprovalConfirmationView Of(ApprovalGate g) =>
        new(g.Gesture, g.Tool, g.ToolTitle, g.AmountText, g.Currency, g.Irreversible, g.Target.ToDictionary(), g.Restatement);
}

/// <summary>A case as the review API shows it: state, claim and approvals, not the content.</summary>
public sealed record ReviewCaseView
{
    public required Guid Id { get; init; }
    public required string ExternalId { get; init; }
    public required string Workflow { get; init; }
    public required CaseStatus Status { get; init; }
    public string? Queue { get; init; }
    public CasePriority Priority { get; init; }
    public DateTimeOffset? SlaDueAt { get; init; }
    public string? ClaimedBy { get; init; }
    public DateTimeOffset? ClaimExpiresAt { get; init; }
    public string? AssignedTo { get; init; }
    public required int ApprovalsRequired { get; init; }
    public required IReadOnlyList<string> ApprovedBy { get; init; }
    public DecisionView? Decision { get; init; }
    /// <summary>
    /// When the decision reaches the AI system: until then it waits in its undo window, and the reviewer who made it
    /// may take it back (<c>POST …/undo</c>). Null once there is no decision or no window.
    /// </summary>
    public DateTimeOffset? ReleaseAt { get; init; }
    public required int Revision { get; init; }
    /// <summary>While the case is in review: what an approval must confirm, when its action needs confirming.</summary>
    public ApprovalConfirmationView? Confirmation { get; init; }
}

public abstract record ReviewResult
{
    public sealed record Ok(ReviewCaseView Case) : ReviewResult;
    public sealed record NotFound : ReviewResult;
    /// <summary>The reviewer may not do this (not his queue, self-approval, not the claim holder).</summary>
    public sealed record Forbidden(string Type, string Detail) : ReviewResult;
    /// <summary>The case's state does not allow it, or someone else acted first.</summary>
    public sealed record Conflict(string Type, string Detail, ReviewCaseView Current) : ReviewResult;
    public sealed record Invalid(IDictionary<string, string[]> Errors) : ReviewResult;
    /// <summary>A classification was given or changed: the case's classification as it stands.</summary>
    public sealed record Classified(ClassificationView Classification) : ReviewResult;
    /// <summary>Next case: nothing to claim.</summary>
    public sealed record Empty : ReviewResult;
}

/// <summary>What a person reads on a page when a review call refused.</summary>
public static class ReviewRefusals
{
    /// <summary>The refusal in words; null for a result that did what was asked.</summary>
    public static string? Describe(ReviewResult result) => result switch
    {
        ReviewResult.Conflict conflict => conflict.Detail,
        ReviewResult.Forbidden forbidden => forbidden.Detail,
        ReviewResult.Invalid invalid => string.Join(" ", invalid.Errors.Values.SelectMany(v => v)),
        ReviewResult.NotFound => "This case is no longer in a queue you work.",
        _ => null,
    };
}
