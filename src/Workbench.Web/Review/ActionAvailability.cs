namespace Workbench.Web.Review;

/// <summary>What the action bar offers a reviewer on a case right now, and why not when it does not.</summary>
/// <param name="CanApprove">May approve: with edits always, as it stands when <paramref name="CanApproveAsIs"/>.</param>
/// <param name="CanApproveAsIs">May approve the message as it stands: none of its placeholders is without a value.</param>
public sealed record ActionAvailability(bool CanClaim, bool CanRelease, bool CanAct, bool CanApprove, string? Hint, bool CanApproveAsIs = true)
{
    /// <param name="missingPlaceholders">The placeholders the round's message would still show as written.</param>
    public static ActionAvailability For(ReviewCaseView c, string me, DateTimeOffset now, bool isSelfApproval, IReadOnlyList<string>? missingPlaceholders = null)
    {
        var missing = missingPlaceholders ?? [];
        var holding = c.Status == CaseStatus.InReview && c.ClaimedBy == me && c.ClaimExpiresAt > now;
        var claimable = c.Status == CaseStatus.Queued || (c.Status == CaseStatus.InReview && (c.ClaimedBy == me || c.ClaimExpiresAt <= now));
        var alreadyApproved = c.ApprovedBy.Contains(me, StringComparer.Ordinal);
        var hint = c.Status switch
        {
            CaseStatus.Decided => "This case is decided.",
            CaseStatus.AwaitingInfo => "Waiting for the AI system to answer the question.",
            CaseStatus.ClarificationRequested => "Waiting for the AI system to answer its clarifying question.",
            CaseStatus.AutoApproved => "Approved by policy; nothing to decide.",
            CaseStatus.Withdrawn => "The AI system withdrew this case.",
            CaseStatus.Expired => "This case expired.",
            CaseStatus.InReview when !holding && c.ClaimExpiresAt > now => $"{c.ClaimedBy} is reviewing this case.",
            _ when !holding => "Claim the case to act on it.",
            _ when isSelfApproval => "You submitted this case: you may reject, ask or route it, not approve it.",
            _ when alreadyApproved => $"You approved this case; approval {c.ApprovedBy.Count + 1} of {c.ApprovalsRequired} must come from another reviewer.",
            _ when missing.Count > 0 => $"The message still has {(missing.Count == 1 ? "a placeholder" : "placeholders")} without a value: " +
                string.Join(", ", missing.Select(m => "{{" + m + "}}")) + ". Approve with edits to give it a value or change the text.",
            _ => null,
        };
        var canApprove = holding && !isSelfApproval && !alreadyApproved;
        return new ActionAvailability(
            CanClaim: claimable && !holding,
            CanRelease: holding,
            CanAct: holding,
            CanApprove: canApprove,
            Hint: hint,
            CanApproveAsIs: canApprove && missing.Count == 0);
    }
}
