using Workbench.Core.Review;
using Workbench.Web.Auth;
using Workbench.Web.Observability;

namespace Workbench.Web.Review;

/// <summary>
/// The one place where reviewers act on cases, used by the pages and by the review API alike. Every call checks
/// queue membership here and the claim and the case's state with the review rules (<see cref="ReviewRules"/>, pure
/// code over a snapshot of the case), on the server, every time; every change they return bumps the case's revision
/// (its concurrency token) and is written with its audit and outbox events in the same transaction, so two decisions
/// can never both land and a repeated or forged action is refused instead of applied twice.
/// </summary>
public sealed class ReviewService(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    ActivePolicy policy,
    DecisionNotifier notifier,
    TimeProvider time,
    IOptionsMonitor<ReviewOptions> options,
    CaseEvents events,
    WorkbenchMetrics metrics,
    ILogger<ReviewService> logger)
{
    public static ReviewCaseView View(CaseRecord c, ApprovalGate? gate = null) => new()
    {
        Id = c.Id,
        ExternalId = c.ExternalId,
        Workflow = c.Workflow,
        Status = c.Status,
        Queue = c.Queue,
        Priority = c.Priority,
        SlaDueAt = c.SlaDueAt,
        ClaimedBy = c.ClaimedBy,
        ClaimExpiresAt = c.ClaimExpiresAt,
        AssignedTo = c.AssignedTo,
        ApprovalsRequired = c.ApprovalsRequired,
        ApprovedBy = ReviewCases.Approvers(c),
        Decision = CaseViews.DecisionOf(c),
        ReleaseAt = c.Decision is null ? null : c.ReleaseAt,
        Revision = c.Revision,
        Confirmation = gate is null ? null : ApprovalConfirmationView.Of(gate),
    };

    /// <summary>What approving the case now would need confirmed; read only while it is in review, when approving is possible.</summary>
    private ApprovalGate? GateOf(CaseRecord c)
    {
        if (c.Status != CaseStatus.InReview)
        {
            return null;
        }
        var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        var edited = c.EditedParametersJson is { } json ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, WorkbenchJson.Options) : null;
        return ApprovalGate.For(policy.Policy, submission, c.RiskTier, edited);
    }

    /// <summary>The rules with the policy and settings in force now (both can change while the app runs).</summary>
    private ReviewRules Rules
    {
        get
        {
            var o = options.CurrentValue;
            return new ReviewRules(policy.Policy, o.Lease, o.SelfApprovalDeny, o.UndoWindow);
        }
    }

    public async Task<ReviewResult> ClaimAsync(ReviewerIdentity reviewer, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !reviewer.MayWork(c.Queue))
        {
            return new ReviewResult.NotFound();
        }
        var now = time.GetUtcNow();
        return await WriteAsync(db, c, Rules.Claim(ReviewCases.Snapshot(c), Who(reviewer), now), now, reviewer.UserName, ct);
    }

    /// <summary>Claims the most urgent unclaimed case the reviewer may work (assigned to him first) and returns it.</summary>
    public async Task<ReviewResult> NextAsync(ReviewerIdentity reviewer, string? queue, CancellationToken ct = default)
    {
        if (queue is not null && (policy.Policy.FindQueue(queue) is null || !reviewer.MayWork(queue)))
        {
            return new ReviewResult.NotFound();
        }
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = time.GetUtcNow();
            var me = reviewer.UserName;
            var approvedByMe = $"% {me} %";
            List<Guid> candidates;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                var open = db.Cases.AsNoTracking().Where(c =>
                    (c.Status == CaseStatus.Queued || (c.Status == CaseStatus.InReview && c.ClaimExpiresAt < now)) &&
                    (c.AssignedTo == null || c.AssignedTo == me) &&
                    !EF.Functions.Like(c.ApprovedBy, approvedByMe));
                if (queue is not null)
                {
                    open = open.Where(c => c.Queue == queue);
                }
                else if (reviewer.Queues is { } mine)
                {
                    var list = mine.ToList();
                    open = open.Where(c => c.Queue != null && list.Contains(c.Queue));
                }
                candidates = await open
                    .OrderByDescending(c => c.AssignedTo == me)
                    .ThenBy(c => c.SlaDueAt)
                    .ThenByDescending(c => c.Priority)
                    .ThenBy(c => c.CreatedAt)
                    .Select(c => c.Id)
                    .Take(8)
                    .ToListAsync(ct);
            }
            if (candidates.Count == 0)
            {
                return new ReviewResult.Empty();
            }
            foreach (var id in candidates)
            {
                // Another reviewer may take it between the read and the claim: then try the next one.
                if (await ClaimAsync(reviewer, id, ct) is ReviewResult.Ok ok)
                {
                    return ok;
                }
            }
        }
        return new ReviewResult.Empty();
    }

    public Task<ReviewResult> RenewAsync(ReviewerIdentity reviewer, Guid id, CancellationToken ct = default) =>
        MutateHeldAsync(reviewer, id, ct, (c, now) => Rules.Renew(c, Who(reviewer), now));

    public Task<ReviewResult> ReleaseAsync(ReviewerIdentity reviewer, Guid id, CancellationToken ct = default) =>
        MutateHeldAsync(reviewer, id, ct, (c, now) => ReviewRules.Release(c, Who(reviewer), now));

    public async Task<ReviewResult> ActAsync(ReviewerIdentity reviewer, Guid id, ReviewActionRequest request, CancellationToken ct = default)
    {
        var rules = Rules;
        var action = request;
        var errors = rules.Validate(action);
        if (errors.Count > 0)
        {
            return new ReviewResult.Invalid(errors);
        }
        var notify = request.Action is ReviewActionKind.Approve or ReviewActionKind.ApproveWithEdits or ReviewActionKind.Reject or ReviewActionKind.RequestInfo;
        var result = await MutateHeldAsync(reviewer, id, ct, (c, now) => rules.Act(c, Who(reviewer), action, request.ExpectedRevision, now));
        if (notify && result is ReviewResult.Ok)
        {
            notifier.Notify(id);
        }
        return result;
    }

    /// <summary>
    /// The reviewer who decided takes the decision back within its undo window: the case is in review again, claimed
    /// by him, and the decision's held webhook event is withdrawn in the same transaction, so it is never sent.
    /// </summary>
    public async Task<ReviewResult> UndoAsync(ReviewerIdentity reviewer, Guid id, CancellationToken ct = default)
    {
        var rules = Rules;
        var result = await MutateHeldAsync(reviewer, id, ct, (c, now) => rules.Undo(c, Who(reviewer), now));
        if (result is ReviewResult.Ok)
        {
            notifier.Notify(id);
        }
        // The dispatcher released the decision between the undo's read and its write: to the reviewer that is an undo
        // that came too late, whatever the database called it.
        return result is ReviewResult.Conflict { Type: ProblemTypes.ConcurrentChange, Current: { Status: CaseStatus.Decided } current }
            ? Released(current)
            : result;
    }

    /// <summary>A lead puts a case at the top of a named reviewer's queue.</summary>
    public async Task<ReviewResult> AssignAsync(ReviewerIdentity lead, Guid id, ReviewerIdentity assignee, CancellationToken ct = default)
    {
        if (ReviewRules.MayAssign(Who(lead)) is { } refused)
        {
            return new ReviewResult.Forbidden(refused.Type, refused.Detail);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null)
        {
            return new ReviewResult.NotFound();
        }
        var outcome = ReviewRules.Assign(ReviewCases.Snapshot(c), Who(lead), assignee.UserName, assignee.MayWork(c.Queue));
        return await WriteAsync(db, c, outcome, time.GetUtcNow(), lead.UserName, ct);
    }

    /// <summary>Whether the case exists in a queue the reviewer works: to anyone else it is not found.</summary>
    public async Task<bool> MayWorkAsync(ReviewerIdentity reviewer, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Cases.Where(c => c.Id == id).Select(c => new { c.Queue }).FirstOrDefaultAsync(ct);
        return found is not null && reviewer.MayWork(found.Queue);
    }

    /// <summary>
    /// The reviewer gives or changes why the system needed a human (root cause) and whether it did at all, on his own
    /// latest action on the case; a lead may change the case's classification, whoever gave it. Each is optional.
    /// </summary>
    public async Task<ReviewResult> ClassifyAsync(ReviewerIdentity reviewer, Guid id, RootCause? rootCause, bool? necessary, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !reviewer.MayWork(c.Queue))
        {
            return new ReviewResult.NotFound();
        }
        // "unknown" only where the case's workflow allows it (the classes of the article otherwise).
        if (rootCause is not null && RootCauses.Check(rootCause, required: false, policy.Policy.AllowsUnknownRootCause(c.Workflow)) is { } problem)
        {
            return new ReviewResult.Invalid(new Dictionary<string, string[]> { ["$.rootCause"] = [problem] });
        }
        var actions = db.ReviewActions.Where(a => a.CaseId == id);
        if (!await actions.AnyAsync(ct) && await db.SpotChecks.FirstOrDefaultAsync(s => s.CaseId == id && s.Verdict != null, ct) is { } spot)
        {
            // Nobody acted on the case: its classification is its spot-check verdict's, under the same rules.
            return await ClassifySpotCheckAsync(db, reviewer, c, spot, rootCause, necessary, ct);
        }
        var action = await actions.Where(a => a.Reviewer == reviewer.UserName).OrderByDescending(a => a.Id).FirstOrDefaultAsync(ct);
        if (action is null && reviewer.IsLead)
        {
            // The action the case's root cause stands on (as Insights reads it), else the latest.
            action = await actions.OrderByDescending(a => a.RootCause != null).ThenByDescending(a => a.Id).FirstOrDefaultAsync(ct);
        }
        var own = action is null ? null : new Classification(action.RootCause, action.EscalationNecessary);
        switch (ReviewRules.Classify(Who(reviewer), own, action?.Reviewer, rootCause, necessary))
        {
            case ClassifyOutcome.Classified classified:
                action!.RootCause = classified.Classification.RootCause;
                action.EscalationNecessary = classified.Classification.EscalationNecessary;
                AddAudit(db, c.Id, time.GetUtcNow(), classified.Audit);
                return await SaveClassificationAsync(db, c, new ClassificationView(c.Id, action.RootCause, action.EscalationNecessary, action.Reviewer, reviewer.UserName), ct);
            case ClassifyOutcome.Refused refused:
                return Refusal(refused.Refusal, c);
            default:
                throw new InvalidOperationException("Unknown classify outcome.");
        }
    }

    /// <summary>
    /// The root cause of a spot-check verdict, changed afterwards: the verdict's reviewer or a lead, as for a review
    /// action. A spot-checked case proceeded without an escalation, so there is none to call necessary or not.
    /// </summary>
    private async Task<ReviewResult> ClassifySpotCheckAsync(
        WorkbenchDbContext db, ReviewerIdentity reviewer, CaseRecord c, SpotCheckRecord spot, RootCause? rootCause, bool? necessary, CancellationToken ct)
    {
        if (necessary is not null)
        {
            return new ReviewResult.Invalid(new Dictionary<string, string[]>
            {
                ["$.escalationNecessary"] = ["This case proceeded without an escalation and was spot-checked: there is no escalation to judge."],
            });
        }
        switch (ReviewRules.Classify(Who(reviewer), new Classification(spot.RootCause, null), spot.Reviewer, rootCause, null))
        {
            case ClassifyOutcome.Classified classified:
                spot.RootCause = classified.Classification.RootCause;
                spot.Revision++;
                AddAudit(db, c.Id, time.GetUtcNow(), classified.Audit);
                return await SaveClassificationAsync(db, c, new ClassificationView(c.Id, spot.RootCause, null, spot.Reviewer!, reviewer.UserName), ct);
            case ClassifyOutcome.Refused refused:
                return Refusal(refused.Refusal, c);
            default:
                throw new InvalidOperationException("Unknown classify outcome.");
        }
    }

    /// <summary>Returns cases whose claim ran out to their queue (the lease sweeper calls this).</summary>
    public async Task<int> ExpireLeasesAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var expired = await db.Cases.Where(c => c.Status == CaseStatus.InReview && c.ClaimExpiresAt < now).Take(500).ToListAsync(ct);
        var count = 0;
        foreach (var c in expired)
        {
            await using var one = await dbFactory.CreateDbContextAsync(ct);
            one.Attach(c);
            if (await WriteAsync(one, c, ReviewRules.ExpireLease(ReviewCases.Snapshot(c), now), now, "system", ct) is ReviewResult.Ok)
            {
                count++;
            }
        }
        return count;
    }

    public IDictionary<string, string[]> Validate(ReviewActionRequest r) => Rules.Validate(r);

    private async Task<ReviewResult> MutateHeldAsync(
        ReviewerIdentity reviewer, Guid id, CancellationToken ct, Func<ReviewCase, DateTimeOffset, ReviewOutcome> rule)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["CaseId"] = id, ["Reviewer"] = reviewer.UserName });
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !reviewer.MayWork(c.Queue))
        {
            return new ReviewResult.NotFound();
        }
        var now = time.GetUtcNow();
        return await WriteAsync(db, c, rule(ReviewCases.Snapshot(c), now), now, reviewer.UserName, ct);
    }

    /// <summary>Writes what a rule decided, in one transaction: the case's new values, its outbox and audit events, the action.</summary>
    private async Task<ReviewResult> WriteAsync(WorkbenchDbContext db, CaseRecord c, ReviewOutcome outcome, DateTimeOffset now, string actor, CancellationToken ct)
    {
        if (outcome is not ReviewOutcome.Changed changed)
        {
            return Refusal(((ReviewOutcome.Refused)outcome).Refusal, c);
        }
        var previousQueue = c.Queue;
        if (changed.UndoneBy is { } undoneBy && !await HeldDecisions.TakeBackAsync(db, c.Id, c.ReleaseAt!.Value, undoneBy, ct))
        {
            return Released(View(c));
        }
        // An undone decision never reached the AI system: to it the case last changed when it did before the decision.
        DateTimeOffset? seenChange = changed.UndoneBy is null ? null : CaseViews.SeenUpdatedAt(c);
        ReviewCases.Apply(c, changed.Case);
        foreach (var e in changed.Outbox)
        {
            Outbox.Add(db, e.Type, c, now, e.Data, e.NotBefore);
        }
        if (changed.Action is { } a)
        {
            db.ReviewActions.Add(new ReviewActionRecord
            {
                CaseId = c.Id,
                Kind = a.Kind,
                Reviewer = a.Reviewer,
                At = now,
                Note = a.Note,
                FromQueue = a.FromQueue,
                EditedResponse = a.EditedResponse,
                EditedVariablesJson = a.EditedVariablesJson,
                EditedParametersJson = a.EditedParametersJson,
                EditDiffJson = a.EditDiffJson,
                RejectReasonCode = a.RejectReasonCode,
                Question = a.Question,
                TargetQueue = a.TargetQueue,
                RootCause = a.RootCause,
            });
        }
        foreach (var e in changed.Audit)
        {
            AddAudit(db, c.Id, now, e);
        }
        if (changed.SecondReviewDue)
        {
            // Ready once the decision is out: a blind second review does not start on a decision that may still be undone.
            db.DoubleReviews.Add(new DoubleReviewRecord { CaseId = c.Id, Workflow = c.Workflow, Queue = c.Queue, ReadyAt = c.ReleaseAt ?? now });
        }
        var result = await CommitAsync(db, c, now, ct, changed.LiveKind, actor, previousQueue, seenChange);
        if (changed.LiveKind == CaseEventKinds.Decided && result is ReviewResult.Ok && c.Decision is { } decision)
        {
            metrics.CaseDecided(c.Workflow, JsonNamingPolicy.SnakeCaseLower.ConvertName(decision.ToString()), now - c.CreatedAt);
        }
        return result;
    }

    /// <summary>An undo the dispatcher's release overtook: refused as one made after the window (the decision stands).</summary>
    private static ReviewResult.Conflict Released(ReviewCaseView current) =>
        new(ProblemTypes.UndoWindowClosed,
            $"The decision was sent to the AI system at {current.ReleaseAt ?? current.Decision?.DecidedAt:HH:mm:ss} UTC while you were undoing it; it can no longer be undone.",
            current);

    private async Task<ReviewResult> CommitAsync(
        WorkbenchDbContext db, CaseRecord c, DateTimeOffset now, CancellationToken ct, string? eventKind, string actor, string? previousQueue,
        DateTimeOffset? updatedAt = null)
    {
        c.UpdatedAt = updatedAt ?? CaseViews.UpdatedAtOf(c, now);
        c.Revision++;
        try
        {
            await db.SaveChangesAsync(ct);
            if (eventKind is not null)
            {
                events.Publish(new CaseEvent(eventKind, c.Id, c.Queue, previousQueue == c.Queue ? null : previousQueue, c.Status, actor, now,
                    eventKind == CaseEventKinds.Decided ? c.ReleaseAt : null));
            }
            return new ReviewResult.Ok(View(c, GateOf(c)));
        }
        catch (DbUpdateConcurrencyException)
        {
            await using var fresh = await dbFactory.CreateDbContextAsync(ct);
            var current = await fresh.Cases.AsNoTracking().FirstAsync(x => x.Id == c.Id, ct);
            return new ReviewResult.Conflict(ProblemTypes.ConcurrentChange,
                $"Someone acted on this case at the same moment; it is now {JsonNamingPolicy.SnakeCaseLower.ConvertName(current.Status.ToString()).Replace('_', ' ')}" +
                (current.ClaimedBy is null ? "." : $", held by {current.ClaimedBy}."), View(current));
        }
    }

    /// <summary>
    /// Saves a classification with its audit event. Another change of it that landed since it was read (the action's
    /// root cause and necessity are concurrency tokens, the spot check has its Revision) makes this one write nothing.
    /// </summary>
    private static async Task<ReviewResult> SaveClassificationAsync(WorkbenchDbContext db, CaseRecord c, ClassificationView view, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return new ReviewResult.Classified(view);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new ReviewResult.Conflict(ProblemTypes.ConcurrentChange,
                "Someone changed this case's classification at the same moment; nothing of yours was recorded. Reload the case to see it.", View(c));
        }
    }

    private static void AddAudit(WorkbenchDbContext db, Guid caseId, DateTimeOffset now, AuditEntry e) =>
        Audit.Add(db, e.Type, e.Actor, e.ActorRole, now, caseId, e.Data);

    private static ReviewResult Refusal(ReviewRefusal r, CaseRecord c) => r.Kind switch
    {
        RefusalKind.Forbidden => new ReviewResult.Forbidden(r.Type, r.Detail),
        RefusalKind.Conflict => new ReviewResult.Conflict(r.Type, r.Detail, View(c)),
        _ => new ReviewResult.Invalid(new Dictionary<string, string[]> { [r.Field ?? "$"] = [r.Detail] }),
    };

    private static Reviewer Who(ReviewerIdentity r) => new(r.UserName, r.IsLead);
}
