using Workbench.Core.Policy;
using Workbench.Web.Auth;

namespace Workbench.Web.Review;

/// <summary>Everything the case page shows, read in one go.</summary>
public sealed record CaseDetail(
    CaseRecord Case,
    CaseSubmission Submission,
    PolicyEvaluationRecord? Evaluation,
    IReadOnlyList<RuleTrace> Trace,
    IReadOnlyList<ReviewActionRecord> Actions,
    IReadOnlyList<AuditEventRecord> History)
{
    /// <summary>
    /// The AI system's answers to a reviewer's question, by the id of their <c>case.reply_received</c> event: texts kept
    /// beside the audit chain and shown only while they match the chained digest (gone once retention purged them).
    /// </summary>
    public IReadOnlyDictionary<long, string> Replies { get; init; } = new Dictionary<long, string>();

    /// <summary>
    /// The published policy the case's trace was written under (its evaluation's version), which explains it; null when
    /// that version is not stored, and the page then reads the policy in force.
    /// </summary>
    public CompiledPolicy? DecidedUnder { get; init; }

    /// <summary>The response template the current round approves: a reviewer's edit, else the proposal's; null without a response.</summary>
    public string? RoundTemplate => Case.EditedResponse ?? Submission.Proposal.Response?.Body;

    /// <summary>The variables the current round fills the template from: with a reviewer's changes, else the proposal's.</summary>
    public IReadOnlyDictionary<string, string>? RoundVariables => Case.EditedVariablesJson is { } json
        ? JsonSerializer.Deserialize<Dictionary<string, string>>(json, WorkbenchJson.Options)
        : Submission.Proposal.Response?.Variables;
}

/// <summary>The read behind the case page; a case outside the viewer's queues is not found.</summary>
public sealed class CaseDetails(IDbContextFactory<WorkbenchDbContext> dbFactory, DecidedPolicies policies)
{
    public async Task<CaseDetail?> LoadAsync(Guid id, ReviewerIdentity viewer, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.AsNoTracking().Include(x => x.Evaluation).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !viewer.MayWork(c.Queue))
        {
            return null;
        }
        var actions = await db.ReviewActions.AsNoTracking().Where(a => a.CaseId == id).OrderBy(a => a.Id).ToListAsync(ct);
        var history = await db.AuditEvents.AsNoTracking().Where(a => a.CaseId == id).OrderBy(a => a.Id).ToListAsync(ct);
        var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        var trace = c.Evaluation is null
            ? []
            : JsonSerializer.Deserialize<List<RuleTrace>>(c.Evaluation.TraceJson, WorkbenchJson.Options) ?? [];
        return new CaseDetail(c, submission, c.Evaluation, trace, actions, history)
        {
            Replies = await RepliesAsync(db, id, history, ct),
            DecidedUnder = await policies.ForCaseAsync(c, ct),
        };
    }

    private static async Task<IReadOnlyDictionary<long, string>> RepliesAsync(WorkbenchDbContext db, Guid id, List<AuditEventRecord> history, CancellationToken ct)
    {
        var places = history.Where(e => e.Type == AuditEventTypes.CaseReplyReceived)
            .SelectMany(e => AuditTexts.Places(e.DataJson).Where(p => p.Field == "message" || p.Field.EndsWith(".message", StringComparison.Ordinal))
                .Select(p => (Event: e.Id, Place: p)))
            .ToList();
        if (places.Count == 0)
        {
            return new Dictionary<long, string>();
        }
        var texts = await db.AuditTexts.AsNoTracking().Where(t => t.CaseId == id && t.Text != null).ToDictionaryAsync(t => t.Ref, StringComparer.Ordinal, ct);
        var replies = new Dictionary<long, string>();
        foreach (var (eventId, place) in places)
        {
            if (texts.TryGetValue(place.Ref, out var t) && AuditTexts.Matches(t, place.Sha256))
            {
                replies[eventId] = t.Text!;
            }
        }
        return replies;
    }

    /// <summary>The open case after (<paramref name="step"/> = 1) or before (-1) this one in its queue's order (SLA due first).</summary>
    public async Task<Guid?> NeighbourAsync(Guid id, string queue, int step, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await db.Cases.AsNoTracking()
            .Where(c => c.Queue == queue && (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview))
            .OrderBy(c => c.SlaDueAt).ThenByDescending(c => c.Priority).ThenBy(c => c.CreatedAt)
            .Select(c => c.Id).Take(1000).ToListAsync(ct);
        var at = ids.IndexOf(id);
        var next = at < 0 ? (step > 0 ? 0 : ids.Count - 1) : at + step;
        return next >= 0 && next < ids.Count && ids[next] != id ? ids[next] : null;
    }
}
