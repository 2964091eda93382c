using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workbench.Client;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Observability;

namespace Workbench.Web.Review;

public sealed record ReviewOptions
{
    /// <summary>How long a claim lasts unless renewed (the case page renews it while open).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Per submitting client: users who may never approve that client's cases (besides the client itself).</summary>
    public Dictionary<string, string[]> SelfApprovalDeny { get; init; } = [];
}

/// <summary>
/// The one place where reviewers act on cases, used by the pages and by the review API alike. Every call checks
/// queue membership, the claim and the case's state on the server, every time; every change bumps the case's
/// revision (its concurrency token) and writes its audit event in the same transaction, so two decisions can
/// never both land and a repeated or forged action is refused instead of applied twice.
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
    public static ReviewCaseView View(CaseRecord c) => new()
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
        ApprovedBy = Approvers(c),
        Decision = CaseViews.DecisionOf(c),
        Revision = c.Revision,
    };

    private static string[] Approvers(CaseRecord c) => c.ApprovedBy.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public async Task<ReviewResult> ClaimAsync(ReviewerIdentity reviewer, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !reviewer.MayWork(c.Queue))
        {
            return new ReviewResult.NotFound();
        }
        var now = time.GetUtcNow();
        var lease = options.CurrentValue.Lease;
        if (c.Status == CaseStatus.InReview && c.ClaimedBy == reviewer.UserName)
        {
            c.ClaimExpiresAt = now + lease; // already mine: renew
        }
        else if (c.Status == CaseStatus.InReview && c.ClaimExpiresAt > now)
        {
            return new ReviewResult.Conflict(ProblemTypes.AlreadyClaimed, $"{c.ClaimedBy} is reviewing this case (claim until {c.ClaimExpiresAt:HH:mm} UTC).", View(c));
        }
        else
        {
            if (c.Status == CaseStatus.InReview)
            {
                Audit.Add(db, AuditEventTypes.CaseLeaseExpired, "system", "system", now, c.Id, new { Holder = c.ClaimedBy, c.ClaimExpiresAt });
                c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.LeaseExpired);
            }
            if (!CaseStateMachine.CanApply(c.Status, CaseTrigger.Claim))
            {
                return new ReviewResult.Conflict(ProblemTypes.IllegalTransition, new IllegalTransitionException(c.Status, CaseTrigger.Claim).Message, View(c));
            }
            c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Claim);
            c.ClaimedBy = reviewer.UserName;
            c.ClaimExpiresAt = now + lease;
            Audit.Add(db, AuditEventTypes.CaseClaimed, reviewer.UserName, Role(reviewer), now, c.Id, new { c.Queue, LeaseUntil = c.ClaimExpiresAt });
        }
        return await CommitAsync(db, c, now, ct, CaseEventKinds.Claimed, reviewer.UserName);
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
        MutateHeldAsync(reviewer, id, null, null, ct, (db, c, now) =>
        {
            c.ClaimExpiresAt = now + options.CurrentValue.Lease;
            return null;
        });

    public Task<ReviewResult> ReleaseAsync(ReviewerIdentity reviewer, Guid id, CancellationToken ct = default) =>
        MutateHeldAsync(reviewer, id, null, CaseEventKinds.Released, ct, (db, c, now) =>
        {
            c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Release);
            ClearClaim(c);
            Audit.Add(db, AuditEventTypes.CaseReleased, reviewer.UserName, Role(reviewer), now, c.Id, new { c.Queue });
            return null;
        });

    public async Task<ReviewResult> ActAsync(ReviewerIdentity reviewer, Guid id, ReviewActionRequest request, CancellationToken ct = default)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return new ReviewResult.Invalid(errors);
        }
        var notify = request.Action is ReviewActionKind.Approve or ReviewActionKind.ApproveWithEdits or ReviewActionKind.Reject or ReviewActionKind.RequestInfo;
        var kind = request.Action switch
        {
            ReviewActionKind.RequestInfo => CaseEventKinds.InfoRequested,
            ReviewActionKind.Route => CaseEventKinds.Routed,
            _ => Acted,
        };
        var result = await MutateHeldAsync(reviewer, id, request.ExpectedRevision, kind, ct, (db, c, now) => Apply(db, reviewer, c, request, now));
        if (notify && result is ReviewResult.Ok)
        {
            notifier.Notify(id);
        }
        return result;
    }

    /// <summary>A lead puts a case at the top of a named reviewer's queue.</summary>
    public async Task<ReviewResult> AssignAsync(ReviewerIdentity lead, Guid id, ReviewerIdentity assignee, CancellationToken ct = default)
    {
        if (!lead.IsLead)
        {
            return new ReviewResult.Forbidden(ProblemTypes.Forbidden, "Only a lead assigns cases.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null)
        {
            return new ReviewResult.NotFound();
        }
        if (!assignee.MayWork(c.Queue))
        {
            return new ReviewResult.Invalid(new Dictionary<string, string[]> { ["$.reviewer"] = [$"{assignee.UserName} does not work the {c.Queue} queue."] });
        }
        if (!CaseStateMachine.IsOpen(c.Status))
        {
            return new ReviewResult.Conflict(ProblemTypes.IllegalTransition, "Only an open case can be assigned.", View(c));
        }
        var now = time.GetUtcNow();
        c.AssignedTo = assignee.UserName;
        Audit.Add(db, AuditEventTypes.CaseAssigned, lead.UserName, Role(lead), now, c.Id, new { To = assignee.UserName, c.Queue });
        return await CommitAsync(db, c, now, ct, CaseEventKinds.Assigned, lead.UserName);
    }

    /// <summary>
    /// After a decision the reviewer says why the system needed a human (root cause) and whether it did at all;
    /// each is optional. Only someone who acted on the decided case can classify it.
    /// </summary>
    public async Task<ReviewResult> ClassifyAsync(ReviewerIdentity reviewer, Guid id, RootCause? rootCause, bool? necessary, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !reviewer.MayWork(c.Queue))
        {
            return new ReviewResult.NotFound();
        }
        var action = await db.ReviewActions.Where(a => a.CaseId == id && a.Reviewer == reviewer.UserName)
            .OrderByDescending(a => a.Id).FirstOrDefaultAsync(ct);
        if (action is null)
        {
            return new ReviewResult.Forbidden(ProblemTypes.NotClaimHolder, "Only a reviewer who acted on the case classifies it.");
        }
        if (rootCause is { } cause && !Enum.IsDefined(cause))
        {
            return new ReviewResult.Invalid(new Dictionary<string, string[]> { ["$.rootCause"] = ["Unknown root cause."] });
        }
        action.RootCause = rootCause ?? action.RootCause;
        action.EscalationNecessary = necessary ?? action.EscalationNecessary;
        var now = time.GetUtcNow();
        Audit.Add(db, AuditEventTypes.CaseClassified, reviewer.UserName, Role(reviewer), now, id, new { RootCause = action.RootCause, EscalationNecessary = action.EscalationNecessary });
        await db.SaveChangesAsync(ct);
        return new ReviewResult.Ok(View(c));
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
            Audit.Add(one, AuditEventTypes.CaseLeaseExpired, "system", "system", now, c.Id, new { Holder = c.ClaimedBy, c.ClaimExpiresAt });
            c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.LeaseExpired);
            ClearClaim(c);
            if (await CommitAsync(one, c, now, ct, CaseEventKinds.LeaseExpired, "system") is ReviewResult.Ok)
            {
                count++;
            }
        }
        return count;
    }

    public IDictionary<string, string[]> Validate(ReviewActionRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Enum.IsDefined(r.Action))
        {
            errors["$.action"] = ["Must be approve, approve_with_edits, reject, request_info or route."];
            return errors;
        }
        switch (r.Action)
        {
            case ReviewActionKind.ApproveWithEdits when string.IsNullOrWhiteSpace(r.EditedResponse) && r.EditedParameters is null:
                errors["$.editedResponse"] = ["Approve with edits needs the edited response or the edited parameters."];
                break;
            case ReviewActionKind.Reject when string.IsNullOrWhiteSpace(r.RejectReasonCode):
                errors["$.rejectReasonCode"] = ["A reject needs a reason code."];
                break;
            case ReviewActionKind.Reject when !policy.Policy.ReasonCodes.ContainsKey(r.RejectReasonCode!):
                errors["$.rejectReasonCode"] = [$"'{r.RejectReasonCode}' is not a reason code of the active policy."];
                break;
            case ReviewActionKind.RequestInfo when string.IsNullOrWhiteSpace(r.Question):
                errors["$.question"] = ["Request info needs the question for the AI system."];
                break;
            case ReviewActionKind.Route when string.IsNullOrWhiteSpace(r.TargetQueue):
                errors["$.targetQueue"] = ["Route needs the target queue."];
                break;
            case ReviewActionKind.Route when policy.Policy.FindQueue(r.TargetQueue!) is null:
                errors["$.targetQueue"] = [$"'{r.TargetQueue}' is not a queue of the active policy."];
                break;
        }
        if (r.EditedResponse is { Length: > 64 * 1024 })
        {
            errors["$.editedResponse"] = ["At most 65536 characters."];
        }
        if (r.Question is { Length: > 4096 } || r.Note is { Length: > 4096 })
        {
            errors["$.note"] = ["Questions and notes are at most 4096 characters."];
        }
        return errors;
    }

    private ReviewResult? Apply(WorkbenchDbContext db, ReviewerIdentity reviewer, CaseRecord c, ReviewActionRequest r, DateTimeOffset now)
    {
        var action = new ReviewActionRecord
        {
            CaseId = c.Id,
            Kind = r.Action,
            Reviewer = reviewer.UserName,
            At = now,
            Note = r.Note,
            FromQueue = c.Queue,
        };
        string auditType;
        object details;
        switch (r.Action)
        {
            case ReviewActionKind.Approve or ReviewActionKind.ApproveWithEdits:
                if (IsSelfApproval(reviewer.UserName, c.ClientId))
                {
                    return new ReviewResult.Forbidden(ProblemTypes.SelfApproval, "The principal that submitted a case, and the people on its self-approval deny list, can never approve it.");
                }
                var approvers = Approvers(c);
                if (approvers.Contains(reviewer.UserName, StringComparer.Ordinal))
                {
                    return new ReviewResult.Forbidden(ProblemTypes.SecondApproverRequired, $"You already approved this case; approval {approvers.Length + 1} of {c.ApprovalsRequired} must come from another reviewer.");
                }
                if (r.Action == ReviewActionKind.ApproveWithEdits)
                {
                    action.EditedResponse = r.EditedResponse;
                    action.EditedParametersJson = r.EditedParameters is null ? null : JsonSerializer.Serialize(r.EditedParameters, WorkbenchJson.Options);
                    action.EditDiffJson = EditDiff(c, r.EditedResponse);
                    // An edit changes what is approved: earlier approvals covered other text, so a new round starts.
                    c.EditedResponse = r.EditedResponse ?? c.EditedResponse;
                    c.EditedParametersJson = action.EditedParametersJson ?? c.EditedParametersJson;
                    c.EditedBy = reviewer.UserName;
                    approvers = [];
                }
                approvers = [.. approvers, reviewer.UserName];
                c.ApprovedBy = CaseViews.JoinReasonCodes(approvers);
                if (approvers.Length < c.ApprovalsRequired)
                {
                    c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.RecordApproval);
                    ClearClaim(c);
                    auditType = AuditEventTypes.CaseApprovalRecorded;
                    details = new { Approval = approvers.Length, Of = c.ApprovalsRequired, Edited = r.Action == ReviewActionKind.ApproveWithEdits };
                }
                else
                {
                    Decide(c, approvers, r, now);
                    Outbox.Add(db, WebhookEventTypes.CaseDecided, c, now, DecisionData(c));
                    auditType = AuditEventTypes.CaseDecided;
                    details = new { Decision = c.Decision, Reviewers = approvers };
                }
                break;
            case ReviewActionKind.Reject:
                action.RejectReasonCode = r.RejectReasonCode;
                Decide(c, [.. Approvers(c).Append(reviewer.UserName).Distinct(StringComparer.Ordinal)], r, now);
                Outbox.Add(db, WebhookEventTypes.CaseDecided, c, now, DecisionData(c));
                auditType = AuditEventTypes.CaseDecided;
                details = new { Decision = c.Decision, r.RejectReasonCode, Note = Audit.Text(r.Note) };
                break;
            case ReviewActionKind.RequestInfo:
                action.Question = r.Question;
                c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.RequestInfo);
                c.PendingQuestion = r.Question;
                if (c.Queue is not null && policy.Policy.FindQueue(c.Queue) is { PauseWhileAwaitingInfo: true })
                {
                    c.SlaPausedAt = now; // the queue stops its clock while the AI system owes the answer
                }
                ResetRound(c); // approvals given before the new information do not cover what comes after it
                ClearClaim(c);
                Outbox.Add(db, WebhookEventTypes.CaseInfoRequested, c, now, Outbox.CaseData(c, new { r.Question }));
                auditType = AuditEventTypes.CaseInfoRequested;
                details = new { Question = Audit.Text(r.Question) };
                break;
            case ReviewActionKind.Route:
                if (r.TargetQueue == c.Queue)
                {
                    return new ReviewResult.Invalid(new Dictionary<string, string[]> { ["$.targetQueue"] = ["The case is already in that queue."] });
                }
                action.TargetQueue = r.TargetQueue;
                c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Route);
                details = new { From = c.Queue, To = r.TargetQueue, Note = Audit.Text(r.Note) };
                c.Queue = r.TargetQueue;
                c.AssignedTo = null;
                ResetRound(c);
                ClearClaim(c);
                auditType = AuditEventTypes.CaseRouted;
                break;
            default:
                return new ReviewResult.Invalid(new Dictionary<string, string[]> { ["$.action"] = ["Unknown action."] });
        }
        db.ReviewActions.Add(action);
        Audit.Add(db, auditType, reviewer.UserName, Role(reviewer), now, c.Id, new { Action = r.Action, Details = details });
        if (c.Status == CaseStatus.Decided && c.DoubleReview)
        {
            // Sampled at queue time: the first decision stands and is delivered now; a blind second review is due.
            db.DoubleReviews.Add(new DoubleReviewRecord { CaseId = c.Id, Workflow = c.Workflow, Queue = c.Queue, ReadyAt = now });
        }
        return null;
    }

    /// <summary>The <c>data</c> of <c>case.decided</c>: the decision exactly as the API's decision endpoint shows it.</summary>
    internal static JsonElement DecisionData(CaseRecord c)
    {
        using var doc = JsonDocument.Parse(c.DecisionJson!);
        return doc.RootElement.Clone();
    }

    private static void Decide(CaseRecord c, string[] reviewers, ReviewActionRequest last, DateTimeOffset now)
    {
        var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        // The round's text: its edit (which started the round, so every approver saw it), else the proposal.
        var kind = last.Action switch
        {
            ReviewActionKind.Reject => DecisionKind.Rejected,
            _ when c.EditedBy is not null => DecisionKind.ApprovedWithEdits,
            _ => DecisionKind.Approved,
        };
        var response = c.EditedResponse ?? submission.Proposal.Response?.Body;
        var parameters = (c.EditedParametersJson is { } json ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, WorkbenchJson.Options) : null)
            ?? submission.Proposal.Action?.Parameters;
        c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Decide);
        c.Decision = kind;
        c.DecidedAt = now;
        c.DecisionJson = JsonSerializer.Serialize(new DecisionView
        {
            CaseId = c.Id,
            Decision = kind,
            ResponseText = kind == DecisionKind.Rejected ? null : response,
            ActionParameters = kind == DecisionKind.Rejected ? null : parameters,
            RejectReasonCode = last.RejectReasonCode,
            Note = last.Note,
            Reviewers = reviewers,
            DecidedAt = now,
            PolicyVersion = c.PolicyVersion,
        }, WorkbenchJson.Options);
        ClearClaim(c);
    }

    /// <summary>The word-level diff of the edit against the proposal, kept with the action for edit mining.</summary>
    private static string? EditDiff(CaseRecord c, string? edited)
    {
        if (edited is null)
        {
            return null;
        }
        var proposal = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)?.Proposal.Response?.Body ?? "";
        return JsonSerializer.Serialize(Workbench.Core.Review.WordDiff.Compute(proposal, edited), WorkbenchJson.Options);
    }

    /// <summary>A new approval round: no approvals yet, and back to the proposal's text.</summary>
    internal static void ResetRound(CaseRecord c)
    {
        c.ApprovedBy = " ";
        c.EditedResponse = null;
        c.EditedParametersJson = null;
        c.EditedBy = null;
    }

    private bool IsSelfApproval(string user, string clientId) =>
        string.Equals(user, clientId, StringComparison.OrdinalIgnoreCase) ||
        options.CurrentValue.SelfApprovalDeny.Any(d => string.Equals(d.Key, clientId, StringComparison.OrdinalIgnoreCase) &&
                                                       d.Value.Contains(user, StringComparer.OrdinalIgnoreCase));

    private async Task<ReviewResult> MutateHeldAsync(
        ReviewerIdentity reviewer, Guid id, int? expectedRevision, string? eventKind, CancellationToken ct,
        Func<WorkbenchDbContext, CaseRecord, DateTimeOffset, ReviewResult?> change)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["CaseId"] = id, ["Reviewer"] = reviewer.UserName });
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !reviewer.MayWork(c.Queue))
        {
            return new ReviewResult.NotFound();
        }
        var now = time.GetUtcNow();
        if (expectedRevision is { } expected && expected != c.Revision)
        {
            return new ReviewResult.Conflict(ProblemTypes.StaleRevision, "The case changed since you opened it; here is its current state.", View(c));
        }
        if (c.Status != CaseStatus.InReview || c.ClaimedBy != reviewer.UserName || c.ClaimExpiresAt <= now)
        {
            var detail = c.Status != CaseStatus.InReview
                ? $"The case is {JsonNamingPolicy.SnakeCaseLower.ConvertName(c.Status.ToString())}; claim it first."
                : c.ClaimedBy != reviewer.UserName ? $"{c.ClaimedBy} holds the claim on this case." : "Your claim ran out; claim the case again.";
            return new ReviewResult.Conflict(ProblemTypes.NotClaimHolder, detail, View(c));
        }
        var previousQueue = c.Queue;
        if (change(db, c, now) is { } refused)
        {
            return refused;
        }
        if (eventKind == Acted)
        {
            eventKind = c.Status == CaseStatus.Decided ? CaseEventKinds.Decided : CaseEventKinds.ApprovalRecorded;
        }
        var result = await CommitAsync(db, c, now, ct, eventKind, reviewer.UserName, previousQueue);
        if (eventKind == CaseEventKinds.Decided && result is ReviewResult.Ok && c.Decision is { } decision)
        {
            metrics.CaseDecided(c.Workflow, JsonNamingPolicy.SnakeCaseLower.ConvertName(decision.ToString()), now - c.CreatedAt);
        }
        return result;
    }

    private async Task<ReviewResult> CommitAsync(
        WorkbenchDbContext db, CaseRecord c, DateTimeOffset now, CancellationToken ct, string? eventKind, string actor, string? previousQueue = null)
    {
        c.UpdatedAt = now;
        c.Revision++;
        try
        {
            await db.SaveChangesAsync(ct);
            if (eventKind is not null)
            {
                events.Publish(new CaseEvent(eventKind, c.Id, c.Queue, previousQueue == c.Queue ? null : previousQueue, c.Status, actor, now));
            }
            return new ReviewResult.Ok(View(c));
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

    private static void ClearClaim(CaseRecord c)
    {
        c.ClaimedBy = null;
        c.ClaimExpiresAt = null;
    }

    /// <summary>An approve, edit or reject: decided or one approval recorded, known once the action is applied.</summary>
    private const string Acted = "acted";

    private static string Role(ReviewerIdentity r) => r.IsLead ? "lead" : "reviewer";
}
