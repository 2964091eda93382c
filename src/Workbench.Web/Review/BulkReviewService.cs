using Workbench.Core.Review;
using Workbench.Web.Auth;

namespace Workbench.Web.Review;

/// <summary>
/// What a bulk action did to one case of the selection: done, or refused with the reason. A decision done carries
/// <paramref name="ReleaseAt"/>, the end of its undo window, when it has one.
/// </summary>
public sealed record BulkCaseOutcome(Guid Id, string ExternalId, bool Done, string? Reason, DateTimeOffset? ReleaseAt = null);

/// <summary>
/// A lead's actions on several cases of a queue at once: assign to a reviewer, route to a queue, approve. Each case
/// goes through <see cref="ReviewService"/> exactly as a single action from the case page would (claim, the review
/// rules on the case's snapshot, the audit and outbox in the same transaction); a case refused by the rules is
/// reported with the reason and left as it was (a claim taken for the action is released). Approving is further
/// limited to what <see cref="BulkApproval"/> allows, and the lead may take his approvals back while their undo
/// windows last. Only leads: anyone else is refused before a case is read.
/// </summary>
public sealed class BulkReviewService(IDbContextFactory<WorkbenchDbContext> dbFactory, ReviewService reviews, ActivePolicy policy)
{
    /// <summary>One screen of the queue grid; more than that is not a selection a lead has looked at.</summary>
    public const int MaxCases = 100;

    public const string NotLead = "Only a lead may act on several cases at once.";

    /// <param name="fromQueue">The queue the lead selected the cases in: a case that has left it since is refused, not acted on where it is now.</param>
    public Task<IReadOnlyList<BulkCaseOutcome>> AssignAsync(ReviewerIdentity lead, IReadOnlyCollection<Guid> ids, ReviewerIdentity assignee,
        string? fromQueue = null, CancellationToken ct = default) =>
        EachAsync(lead, ids, fromQueue, ct, async (c, _) => Describe(await reviews.AssignAsync(lead, c.Id, assignee, ct)));

    /// <param name="fromQueue">The queue the lead selected the cases in: a case that has left it since is refused, not routed from where it is now.</param>
    public Task<IReadOnlyList<BulkCaseOutcome>> RouteAsync(ReviewerIdentity lead, IReadOnlyCollection<Guid> ids, string targetQueue,
        string? fromQueue = null, CancellationToken ct = default) =>
        EachAsync(lead, ids, fromQueue, ct, (c, _) => ClaimAndActAsync(lead, c.Id, new ReviewActionRequest
        {
            Action = ReviewActionKind.Route,
            TargetQueue = targetQueue,
            Note = "Routed with other cases from the queue.",
        }, ct));

    /// <param name="fromQueue">The queue the lead selected the cases in: a case that has left it since is refused, not approved.</param>
    public Task<IReadOnlyList<BulkCaseOutcome>> ApproveAsync(ReviewerIdentity lead, IReadOnlyCollection<Guid> ids, string? fromQueue = null,
        CancellationToken ct = default) =>
        EachAsync(lead, ids, fromQueue, ct, async (c, submission) =>
        {
            if (BulkApproval.Refusal(policy.Policy, submission, c.RiskTier) is { } refusal)
            {
                return refusal;
            }
            // A reversible catalogued money tool still asks for its confirmation: the lead gave it in the bulk
            // dialog, which restated every case; the review rules check it as they check the case page's.
            var gate = ApprovalGate.For(policy.Policy, submission, c.RiskTier);
            return await ClaimAndActAsync(lead, c.Id, new ReviewActionRequest
            {
                Action = ReviewActionKind.Approve,
                ConfirmedTool = gate?.Tool,
                ConfirmedAmount = gate?.AmountText,
            }, ct);
        });

    /// <summary>
    /// What approving the selection would do, for the lead to read before he confirms: per case, the action restated
    /// (<see cref="BulkCaseOutcome.Reason"/> holds it when <see cref="BulkCaseOutcome.Done"/> is true) or why it is refused.
    /// Nothing is written.
    /// </summary>
    public async Task<IReadOnlyList<BulkCaseOutcome>> PreviewApprovalAsync(ReviewerIdentity lead, IReadOnlyCollection<Guid> ids, string? fromQueue = null,
        CancellationToken ct = default)
    {
        if (!lead.IsLead)
        {
            return ids.Select(id => new BulkCaseOutcome(id, "", false, NotLead)).ToList();
        }
        var list = ids.Distinct().Take(MaxCases).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cases = await db.Cases.AsNoTracking().Where(c => list.Contains(c.Id)).ToListAsync(ct);
        return cases.Select(c =>
        {
            if (LeftQueue(c, fromQueue) is { } left)
            {
                return new BulkCaseOutcome(c.Id, c.ExternalId, false, left);
            }
            var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
            return BulkApproval.Refusal(policy.Policy, submission, c.RiskTier) is { } refusal
                ? new BulkCaseOutcome(c.Id, c.ExternalId, false, refusal)
                : new BulkCaseOutcome(c.Id, c.ExternalId, true, ApprovalGate.For(policy.Policy, submission, c.RiskTier)?.Restatement
                    ?? (submission.Proposal.Action is { } action ? action.Tool : "sends the proposed response; no action"));
        }).OrderBy(o => o.Done).ThenBy(o => o.ExternalId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The lead takes back approvals he made together, each within its own undo window, through the review rules as
    /// the case page's undo (only the one who decided; audited per case). The bulk approval claimed each case for him
    /// from its queue, so each goes back there unclaimed, as before the approval.
    /// </summary>
    public Task<IReadOnlyList<BulkCaseOutcome>> UndoApprovalsAsync(ReviewerIdentity lead, IReadOnlyCollection<Guid> ids, CancellationToken ct = default) =>
        EachAsync(lead, ids, null, ct, async (c, _) =>
        {
            var undone = await reviews.UndoAsync(lead, c.Id, ct);
            if (undone is not ReviewResult.Ok)
            {
                return Describe(undone);
            }
            return Describe(await reviews.ReleaseAsync(lead, c.Id, ct));
        });

    private async Task<Step> ClaimAndActAsync(ReviewerIdentity lead, Guid id, ReviewActionRequest request, CancellationToken ct)
    {
        var claim = await reviews.ClaimAsync(lead, id, ct);
        if (claim is not ReviewResult.Ok claimed)
        {
            return Describe(claim);
        }
        var acted = await reviews.ActAsync(lead, id, request with { ExpectedRevision = claimed.Case.Revision }, ct);
        if (acted is ReviewResult.Ok ok)
        {
            return new Step(null, ok.Case.ReleaseAt);
        }
        await reviews.ReleaseAsync(lead, id, ct);
        return Describe(acted);
    }

    /// <summary>One case's part of a bulk action: refused with the reason (null when done), and a decision's release time.</summary>
    private sealed record Step(string? Refusal, DateTimeOffset? ReleaseAt = null)
    {
        public static implicit operator Step(string? refusal) => new(refusal);
    }

    private async Task<IReadOnlyList<BulkCaseOutcome>> EachAsync(ReviewerIdentity lead, IReadOnlyCollection<Guid> ids, string? fromQueue, CancellationToken ct,
        Func<CaseRecord, CaseSubmission, Task<Step>> act)
    {
        if (!lead.IsLead)
        {
            return ids.Select(id => new BulkCaseOutcome(id, "", false, NotLead)).ToList();
        }
        if (ids.Count > MaxCases)
        {
            return ids.Select(id => new BulkCaseOutcome(id, "", false, $"At most {MaxCases} cases at once.")).ToList();
        }
        var list = ids.Distinct().ToList();
        List<CaseRecord> cases;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            cases = await db.Cases.AsNoTracking().Where(c => list.Contains(c.Id)).ToListAsync(ct);
        }
        var outcomes = new List<BulkCaseOutcome>();
        foreach (var id in list)
        {
            var c = cases.FirstOrDefault(x => x.Id == id);
            if (c is null)
            {
                outcomes.Add(new(id, "", false, "The case no longer exists."));
                continue;
            }
            if (LeftQueue(c, fromQueue) is { } left)
            {
                outcomes.Add(new(id, c.ExternalId, false, left));
                continue;
            }
            var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
            var step = await act(c, submission);
            outcomes.Add(new(id, c.ExternalId, step.Refusal is null, step.Refusal, step.ReleaseAt));
        }
        return outcomes;
    }

    /// <summary>Why a case selected in <paramref name="fromQueue"/> is no longer acted on from there; null while it is in it.</summary>
    private static string? LeftQueue(CaseRecord c, string? fromQueue) =>
        fromQueue is null || c.Queue == fromQueue ? null
        : c.Queue is { } now ? $"It left this queue since it was selected: it is in {now} now."
        : "It left this queue since it was selected.";

    private static string? Describe(ReviewResult result) => result switch
    {
        ReviewResult.Ok => null,
        ReviewResult.NotFound => "The case is not in a queue you work.",
        ReviewResult.Forbidden f => f.Detail,
        ReviewResult.Conflict c => c.Detail,
        ReviewResult.Invalid i => string.Join(" ", i.Errors.SelectMany(e => e.Value)),
        _ => "Not possible now.",
    };
}
