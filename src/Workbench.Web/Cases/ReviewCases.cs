using Workbench.Core.Review;

namespace Workbench.Web.Cases;

/// <summary>Between the stored case and the snapshot the review rules (<see cref="ReviewRules"/>) work on.</summary>
public static class ReviewCases
{
    public static ReviewCase Snapshot(CaseRecord c) => new()
    {
        Id = c.Id,
        ExternalId = c.ExternalId,
        ClientId = c.ClientId,
        Status = c.Status,
        Workflow = c.Workflow,
        Queue = c.Queue,
        RiskTier = c.RiskTier,
        ApprovalsRequired = c.ApprovalsRequired,
        ApprovedBy = Approvers(c),
        ClaimedBy = c.ClaimedBy,
        ClaimExpiresAt = c.ClaimExpiresAt,
        AssignedTo = c.AssignedTo,
        EditedResponse = c.EditedResponse,
        EditedVariablesJson = c.EditedVariablesJson,
        EditedParametersJson = c.EditedParametersJson,
        EditedBy = c.EditedBy,
        PendingQuestion = c.PendingQuestion,
        SlaPausedAt = c.SlaPausedAt,
        Decision = c.Decision,
        DecidedAt = c.DecidedAt,
        DecisionJson = c.DecisionJson,
        ReleaseAt = c.ReleaseAt,
        UndoJson = c.UndoJson,
        PolicyVersion = c.PolicyVersion,
        SubmissionJson = c.SubmissionJson,
        DoubleReview = c.DoubleReview,
        Revision = c.Revision,
        UpdatedAt = c.UpdatedAt,
    };

    /// <summary>Writes what a rule changed back to the stored case; the revision is the caller's, bumped at commit.</summary>
    public static void Apply(CaseRecord c, ReviewCase after)
    {
        c.Status = after.Status;
        c.Queue = after.Queue;
        c.ClaimedBy = after.ClaimedBy;
        c.ClaimExpiresAt = after.ClaimExpiresAt;
        c.AssignedTo = after.AssignedTo;
        if (!after.ApprovedBy.SequenceEqual(Approvers(c), StringComparer.Ordinal))
        {
            // The stored form keeps a space at both ends so that "approved by me" is a plain LIKE '% me %'.
            c.ApprovedBy = after.ApprovedBy.Count == 0 ? " " : CaseViews.JoinReasonCodes(after.ApprovedBy);
        }
        c.EditedResponse = after.EditedResponse;
        c.EditedVariablesJson = after.EditedVariablesJson;
        c.EditedParametersJson = after.EditedParametersJson;
        c.EditedBy = after.EditedBy;
        c.PendingQuestion = after.PendingQuestion;
        c.SlaPausedAt = after.SlaPausedAt;
        c.Decision = after.Decision;
        c.DecidedAt = after.DecidedAt;
        c.DecisionJson = after.DecisionJson;
        c.ReleaseAt = after.ReleaseAt;
        c.UndoJson = after.UndoJson;
    }

    public static string[] Approvers(CaseRecord c) => c.ApprovedBy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
