using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Web.Review;

/// <summary>A reviewer's action; each kind needs its own fields (see <see cref="ReviewService.Validate"/>).</summary>
public sealed record ReviewActionRequest
{
    public required ReviewActionKind Action { get; init; }
    public string? EditedResponse { get; init; }
    public IReadOnlyDictionary<string, JsonElement>? EditedParameters { get; init; }
    public string? RejectReasonCode { get; init; }
    public string? Question { get; init; }
    public string? TargetQueue { get; init; }
    public string? Note { get; init; }
    /// <summary>The revision the reviewer saw; when given, an action on a case that changed since is refused.</summary>
    public int? ExpectedRevision { get; init; }
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
    public required int Revision { get; init; }
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
    /// <summary>Next case: nothing to claim.</summary>
    public sealed record Empty : ReviewResult;
}
