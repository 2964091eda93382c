using Workbench.Core.Policy;
using Workbench.Web.Auth;

namespace Workbench.Web.Review;

/// <summary>A blind second review waiting for a reviewer: nothing of the first review in it.</summary>
public sealed record PendingDoubleReview(Guid CaseId, string ExternalId, string Workflow, string? Queue, int RiskTier, string RequestPreview,
    DateTimeOffset ReadyAt);

/// <summary>The second reviewer's verdict: approve, approve_with_edits or reject. It changes nothing about the case.</summary>
public sealed record DoubleReviewVerdictRequest
{
    public required ReviewActionKind Verdict { get; init; }
    public string? EditedResponse { get; init; }
    public string? RejectReasonCode { get; init; }
    public string? Note { get; init; }
}

/// <summary>A recorded verdict, as its own reviewer sees it.</summary>
public sealed record DoubleReviewVerdictView(DecisionKind Verdict, string Reviewer, DateTimeOffset ReviewedAt, string? EditedResponse, string? RejectReasonCode,
    string? Note);

/// <summary>
/// The case as the blind second reviewer sees it: what the AI system submitted and what the policy said at intake —
/// never the first reviewer's decision, edits, notes, actions or the case's history.
/// </summary>
public sealed record BlindReviewView
{
    public required Guid CaseId { get; init; }
    public required string ExternalId { get; init; }
    public required string Workflow { get; init; }
    public string? Queue { get; init; }
    public required int RiskTier { get; init; }
    public required IReadOnlyList<string> ReasonCodes { get; init; }
    public required DateTimeOffset ReadyAt { get; init; }
    /// <summary>The submission exactly as the AI system sent it.</summary>
    public required JsonElement Submission { get; init; }
    /// <summary>Set once this reviewer gave the verdict.</summary>
    public DoubleReviewVerdictView? Verdict { get; init; }
}

public abstract record DoubleReviewResult
{
    public sealed record Ok(DoubleReviewVerdictView Verdict) : DoubleReviewResult;
    public sealed record NotFound : DoubleReviewResult;
    public sealed record Conflict(string Type, string Detail) : DoubleReviewResult;
    public sealed record Invalid(IDictionary<string, string[]> Errors) : DoubleReviewResult;
}

/// <summary>
/// Blind double review. Cases are sampled at queue time; the first review decides and its decision takes effect as
/// usual; then one second reviewer — a member of the deciding queue who did not act on the case — labels the case
/// without seeing the first review. Until that verdict is in, the case page withholds the decision, notes, edits and
/// history from everyone but the reviewers who acted on the case, so that no possible second reviewer can look first.
/// </summary>
public sealed class DoubleReviewService(IDbContextFactory<WorkbenchDbContext> dbFactory, ActivePolicy policy, TimeProvider time)
{
    public const string AlreadyReviewed = ProblemTypes.DoubleReviewDone;

    public async Task<IReadOnlyList<PendingDoubleReview>> PendingAsync(ReviewerIdentity me, int take = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        // Ready once the first decision is out of its undo window (ReadyAt).
        var pending = db.DoubleReviews.AsNoTracking().Where(d => d.Verdict == null && d.ReadyAt <= now &&
            !db.ReviewActions.Any(a => a.CaseId == d.CaseId && a.Reviewer == me.UserName));
        if (me.Queues is { } mine)
        {
            var list = mine.ToList();
            pending = pending.Where(d => d.Queue != null && list.Contains(d.Queue));
        }
        return await pending.OrderBy(d => d.ReadyAt)
            .Join(db.Cases, d => d.CaseId, c => c.Id, (d, c) => new PendingDoubleReview(d.CaseId, c.ExternalId, d.Workflow, d.Queue, c.RiskTier, c.RequestPreview, d.ReadyAt))
            .Take(take)
            .ToListAsync(ct);
    }

    /// <summary>The blind view, for a reviewer who may give (or gave) the verdict; null for anyone else.</summary>
    public async Task<(BlindReviewView View, CaseRecord Case, CaseSubmission Submission, IReadOnlyList<RuleTrace> Trace)?> BlindAsync(
        ReviewerIdentity me, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var d = await db.DoubleReviews.AsNoTracking().FirstOrDefaultAsync(x => x.CaseId == id, ct);
        if (d is null || !await MayReviewAsync(db, d, me, ct))
        {
            return null;
        }
        var c = await db.Cases.AsNoTracking().Include(x => x.Evaluation).FirstAsync(x => x.Id == id, ct);
        var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        var trace = c.Evaluation is null ? [] : JsonSerializer.Deserialize<List<RuleTrace>>(c.Evaluation.TraceJson, WorkbenchJson.Options) ?? [];
        using var json = JsonDocument.Parse(c.SubmissionJson);
        var view = new BlindReviewView
        {
            CaseId = c.Id,
            ExternalId = c.ExternalId,
            Workflow = c.Workflow,
            Queue = d.Queue,
            RiskTier = c.RiskTier,
            ReasonCodes = c.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            ReadyAt = d.ReadyAt,
            Submission = json.RootElement.Clone(),
            Verdict = VerdictOf(d),
        };
        // Only what the AI system sent and the policy said: the copy the page renders carries nothing of the first review.
        var blind = new CaseRecord
        {
            Id = c.Id,
            ClientId = c.ClientId,
            ExternalId = c.ExternalId,
            Workflow = c.Workflow,
            TaskType = c.TaskType,
            RiskTier = c.RiskTier,
            Status = CaseStatus.InReview,
            Queue = d.Queue,
            Priority = c.Priority,
            ReleaseOutcome = c.ReleaseOutcome,
            ExecuteOutcome = c.ExecuteOutcome,
            ReasonCodes = c.ReasonCodes,
            ApprovalsRequired = c.ApprovalsRequired,
            RequesterId = c.RequesterId,
            RequesterAuthenticated = c.RequesterAuthenticated,
            RequestPreview = c.RequestPreview,
            SubmissionJson = c.SubmissionJson,
            PolicyVersion = c.PolicyVersion,
            CreatedAt = c.CreatedAt,
            UpdatedAt = c.CreatedAt,
            Evaluation = c.Evaluation,
        };
        return (view, blind, submission, trace);
    }

    public async Task<DoubleReviewResult> SubmitAsync(ReviewerIdentity me, Guid id, DoubleReviewVerdictRequest request, CancellationToken ct = default)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return new DoubleReviewResult.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var d = await db.DoubleReviews.FirstOrDefaultAsync(x => x.CaseId == id, ct);
        if (d is null || !await MayReviewAsync(db, d, me, ct))
        {
            return new DoubleReviewResult.NotFound();
        }
        if (d.Verdict is not null)
        {
            return new DoubleReviewResult.Conflict(AlreadyReviewed, $"{d.Reviewer} already gave this case its second review.");
        }
        var now = time.GetUtcNow();
        d.Verdict = request.Verdict switch
        {
            ReviewActionKind.ApproveWithEdits => DecisionKind.ApprovedWithEdits,
            ReviewActionKind.Reject => DecisionKind.Rejected,
            _ => DecisionKind.Approved,
        };
        d.Reviewer = me.UserName;
        d.ReviewedAt = now;
        d.EditedResponse = request.Verdict == ReviewActionKind.ApproveWithEdits ? request.EditedResponse : null;
        d.RejectReasonCode = request.Verdict == ReviewActionKind.Reject ? request.RejectReasonCode : null;
        d.Note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note;
        d.Revision++;
        Audit.Add(db, AuditEventTypes.CaseDoubleReviewed, me.UserName, me.IsLead ? "lead" : "reviewer", now, id,
            new { Verdict = d.Verdict, d.RejectReasonCode, Edited = d.EditedResponse is not null });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new DoubleReviewResult.Conflict(AlreadyReviewed, "Another reviewer gave this case its second review at the same moment.");
        }
        return new DoubleReviewResult.Ok(VerdictOf(d)!);
    }

    /// <summary>
    /// Whether the case page must withhold the first review from this viewer: a blind second review is pending and the
    /// viewer did not act on the case (so he could still be its second reviewer).
    /// </summary>
    public async Task<bool> WithholdsAsync(Guid id, string viewer, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DoubleReviews.AnyAsync(d => d.CaseId == id && d.Verdict == null, ct) &&
               !await db.ReviewActions.AnyAsync(a => a.CaseId == id && a.Reviewer == viewer, ct);
    }

    public IDictionary<string, string[]> Validate(DoubleReviewVerdictRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        switch (r.Verdict)
        {
            case ReviewActionKind.Approve:
                break;
            case ReviewActionKind.ApproveWithEdits when string.IsNullOrWhiteSpace(r.EditedResponse):
                errors["$.editedResponse"] = ["Approve with edits needs the text as you would release it."];
                break;
            case ReviewActionKind.ApproveWithEdits:
                break;
            case ReviewActionKind.Reject when string.IsNullOrWhiteSpace(r.RejectReasonCode):
                errors["$.rejectReasonCode"] = ["A reject needs a reason code."];
                break;
            case ReviewActionKind.Reject when !policy.Policy.ReasonCodes.ContainsKey(r.RejectReasonCode!):
                errors["$.rejectReasonCode"] = [$"'{r.RejectReasonCode}' is not a reason code of the active policy."];
                break;
            case ReviewActionKind.Reject:
                break;
            default:
                errors["$.verdict"] = ["A second review is approve, approve_with_edits or reject."];
                break;
        }
        if (r.EditedResponse is { Length: > 64 * 1024 })
        {
            errors["$.editedResponse"] = ["At most 65536 characters."];
        }
        if (r.Note is { Length: > 4096 })
        {
            errors["$.note"] = ["At most 4096 characters."];
        }
        return errors;
    }

    /// <summary>A queue member who did not act on the case; once the verdict is in, only its reviewer.</summary>
    private static async Task<bool> MayReviewAsync(WorkbenchDbContext db, DoubleReviewRecord d, ReviewerIdentity me, CancellationToken ct) =>
        d.Verdict is not null
            ? d.Reviewer == me.UserName
            : me.MayWork(d.Queue) && !await db.ReviewActions.AnyAsync(a => a.CaseId == d.CaseId && a.Reviewer == me.UserName, ct);

    private static DoubleReviewVerdictView? VerdictOf(DoubleReviewRecord d) =>
        d.Verdict is { } v ? new DoubleReviewVerdictView(v, d.Reviewer!, d.ReviewedAt!.Value, d.EditedResponse, d.RejectReasonCode, d.Note) : null;
}
