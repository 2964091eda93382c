using Workbench.Core.Review;
using Workbench.Web.Auth;

namespace Workbench.Web.Review;

/// <summary>A spot check as the review API shows it: where it is, who holds it, the verdict; and what the AI system got.</summary>
public sealed record SpotCheckView
{
    public required Guid CaseId { get; init; }
    public required string ExternalId { get; init; }
    public required string Workflow { get; init; }
    public string? Queue { get; init; }
    public required SpotCheckState State { get; init; }
    public required DateTimeOffset SampledAt { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public required DateTimeOffset AgesOutAt { get; init; }
    public string? ClaimedBy { get; init; }
    public DateTimeOffset? ClaimExpiresAt { get; init; }
    public SpotCheckVerdict? Verdict { get; init; }
    public string? Reviewer { get; init; }
    public DateTimeOffset? ReviewedAt { get; init; }
    public string? EditedResponse { get; init; }
    public string? RejectReasonCode { get; init; }
    public RootCause? RootCause { get; init; }
    public string? Note { get; init; }
    /// <summary>The decision the AI system got at intake (approved by policy); the spot check never changes it.</summary>
    public DecisionView? Decision { get; init; }
    public required int Revision { get; init; }
}

/// <summary>A spot check waiting in a queue, for the list.</summary>
public sealed record PendingSpotCheck(Guid CaseId, string ExternalId, string Workflow, string? Queue, int RiskTier, string RequestPreview,
    DateTimeOffset SampledAt, DateTimeOffset? DueAt, DateTimeOffset AgesOutAt, string? ClaimedBy);

public abstract record SpotCheckResult
{
    public sealed record Ok(SpotCheckView SpotCheck) : SpotCheckResult;
    public sealed record NotFound : SpotCheckResult;
    public sealed record Forbidden(string Type, string Detail) : SpotCheckResult;
    public sealed record Conflict(string Type, string Detail, SpotCheckView Current) : SpotCheckResult;
    public sealed record Invalid(IDictionary<string, string[]> Errors) : SpotCheckResult;
    /// <summary>Next spot check: nothing open.</summary>
    public sealed record Empty : SpotCheckResult;
}

/// <summary>
/// Spot checks of sampled proceed cases: the reviewer of the spot-check queue claims one, reads what the AI system
/// sent and got, and records agree / would have edited / would have rejected with a root cause. The rules are
/// <see cref="SpotCheckRules"/>; this loads, writes back with the audit event in one transaction (the item's revision
/// is the concurrency token) and never touches the case, which stays auto-approved.
/// </summary>
public sealed class SpotCheckService(IDbContextFactory<WorkbenchDbContext> dbFactory, ActivePolicy policy, TimeProvider time, IOptionsMonitor<ReviewOptions> options)
{
    private SpotCheckRules Rules
    {
        get
        {
            var o = options.CurrentValue;
            return new SpotCheckRules(policy.Policy, o.Lease, o.SelfApprovalDeny);
        }
    }

    /// <summary>The open spot checks of the reviewer's queues (held ones too, with who holds them), oldest first.</summary>
    public async Task<IReadOnlyList<PendingSpotCheck>> PendingAsync(ReviewerIdentity me, int take = 100, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await Mine(Open(db, now), me)
            .OrderBy(s => s.SampledAt)
            .Join(db.Cases, s => s.CaseId, c => c.Id, (s, c) => new { s, c.ExternalId, c.RiskTier, c.RequestPreview })
            .Take(take)
            .ToListAsync(ct);
        return [.. rows.Select(r => new PendingSpotCheck(r.s.CaseId, r.ExternalId, r.s.Workflow, r.s.Queue, r.RiskTier, r.RequestPreview, r.s.SampledAt,
            r.s.DueAt, r.s.AgesOutAt, r.s.ClaimExpiresAt > now ? r.s.ClaimedBy : null))];
    }

    /// <summary>The spot check of a case, for a member of its queue; null for anyone else (and for a case that has none).</summary>
    public async Task<SpotCheckView?> FindAsync(ReviewerIdentity me, Guid caseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await LoadAsync(db, caseId, tracked: false, ct);
        return loaded is { } l && me.MayWork(l.Record.Queue) ? View(l.Record, l.Case, time.GetUtcNow()) : null;
    }

    /// <summary>Claims the oldest open spot check of the reviewer's queues (or of one queue).</summary>
    public async Task<SpotCheckResult> NextAsync(ReviewerIdentity me, string? queue, CancellationToken ct = default)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = time.GetUtcNow();
            List<Guid> candidates;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                var open = Mine(Open(db, now), me).Where(s => s.ClaimedBy == null || s.ClaimExpiresAt <= now);
                if (queue is not null)
                {
                    open = open.Where(s => s.Queue == queue);
                }
                candidates = await open.OrderBy(s => s.SampledAt).Select(s => s.CaseId).Take(8).ToListAsync(ct);
            }
            if (candidates.Count == 0)
            {
                return new SpotCheckResult.Empty();
            }
            foreach (var id in candidates)
            {
                // Another reviewer may take it between the read and the claim: then try the next one.
                if (await ClaimAsync(me, id, ct) is SpotCheckResult.Ok ok)
                {
                    return ok;
                }
            }
        }
        return new SpotCheckResult.Empty();
    }

    public Task<SpotCheckResult> ClaimAsync(ReviewerIdentity me, Guid caseId, CancellationToken ct = default) =>
        ChangeAsync(me, caseId, (s, now) => Rules.Claim(s, Who(me), now), ct);

    public Task<SpotCheckResult> ReleaseAsync(ReviewerIdentity me, Guid caseId, CancellationToken ct = default) =>
        ChangeAsync(me, caseId, (s, now) => SpotCheckRules.Release(s, Who(me), now), ct);

    public async Task<SpotCheckResult> RecordAsync(ReviewerIdentity me, Guid caseId, SpotCheckVerdictRequest request, CancellationToken ct = default)
    {
        string? workflow;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            workflow = await db.SpotChecks.AsNoTracking().Where(s => s.CaseId == caseId).Select(s => s.Workflow).FirstOrDefaultAsync(ct);
        }
        if (workflow is null)
        {
            return new SpotCheckResult.NotFound();
        }
        var rules = Rules;
        var errors = rules.Validate(request, workflow);
        return errors.Count > 0
            ? new SpotCheckResult.Invalid(errors)
            : await ChangeAsync(me, caseId, (s, now) => SpotCheckRules.Record(s, Who(me), request, now), ct);
    }

    public IDictionary<string, string[]> Validate(SpotCheckVerdictRequest request, string workflow) => Rules.Validate(request, workflow);

    private async Task<SpotCheckResult> ChangeAsync(ReviewerIdentity me, Guid caseId, Func<SpotCheckItem, DateTimeOffset, SpotCheckOutcome> rule,
        CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await LoadAsync(db, caseId, tracked: true, ct) is not { } loaded || !me.MayWork(loaded.Record.Queue))
        {
            return new SpotCheckResult.NotFound();
        }
        var (record, c) = loaded;
        var now = time.GetUtcNow();
        switch (rule(Snapshot(record, c), now))
        {
            case SpotCheckOutcome.Refused { Refusal: var r }:
                return r.Kind switch
                {
                    RefusalKind.Forbidden => new SpotCheckResult.Forbidden(r.Type, r.Detail),
                    RefusalKind.Conflict => new SpotCheckResult.Conflict(r.Type, r.Detail, View(record, c, now)),
                    _ => new SpotCheckResult.Invalid(new Dictionary<string, string[]> { [r.Field ?? "$"] = [r.Detail] }),
                };
            case SpotCheckOutcome.Changed changed:
                Apply(record, changed.Item);
                record.Revision++;
                Audit.Add(db, changed.Audit.Type, changed.Audit.Actor, changed.Audit.ActorRole, now, caseId, changed.Audit.Data);
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateConcurrencyException)
                {
                    await using var fresh = await dbFactory.CreateDbContextAsync(ct);
                    var current = await LoadAsync(fresh, caseId, tracked: false, ct);
                    return new SpotCheckResult.Conflict(ProblemTypes.ConcurrentChange, "Another reviewer acted on this spot check at the same moment.",
                        View(current!.Value.Record, current.Value.Case, now));
                }
                return new SpotCheckResult.Ok(View(record, c, now));
            default:
                throw new InvalidOperationException("Unknown spot-check outcome.");
        }
    }

    /// <summary>Unreviewed items still in the sample.</summary>
    private static IQueryable<SpotCheckRecord> Open(WorkbenchDbContext db, DateTimeOffset now) =>
        db.SpotChecks.AsNoTracking().Where(s => s.Verdict == null && s.AgesOutAt > now);

    private static IQueryable<SpotCheckRecord> Mine(IQueryable<SpotCheckRecord> items, ReviewerIdentity me)
    {
        if (me.Queues is not { } mine)
        {
            return items;
        }
        var list = mine.ToList();
        return items.Where(s => s.Queue != null && list.Contains(s.Queue));
    }

    private static async Task<(SpotCheckRecord Record, CaseRecord Case)?> LoadAsync(WorkbenchDbContext db, Guid caseId, bool tracked, CancellationToken ct)
    {
        var items = tracked ? db.SpotChecks : db.SpotChecks.AsNoTracking();
        var record = await items.FirstOrDefaultAsync(s => s.CaseId == caseId, ct);
        if (record is null)
        {
            return null;
        }
        var c = await db.Cases.AsNoTracking().FirstAsync(x => x.Id == caseId, ct);
        return (record, c);
    }

    private static SpotCheckItem Snapshot(SpotCheckRecord s, CaseRecord c) => new()
    {
        CaseId = s.CaseId,
        ExternalId = c.ExternalId,
        ClientId = c.ClientId,
        Workflow = s.Workflow,
        Queue = s.Queue,
        SampledAt = s.SampledAt,
        AgesOutAt = s.AgesOutAt,
        ClaimedBy = s.ClaimedBy,
        ClaimExpiresAt = s.ClaimExpiresAt,
        Verdict = s.Verdict,
        Reviewer = s.Reviewer,
        ReviewedAt = s.ReviewedAt,
        EditedResponse = s.EditedResponse,
        EditedParametersJson = s.EditedParametersJson,
        RejectReasonCode = s.RejectReasonCode,
        RootCause = s.RootCause,
        Note = s.Note,
        Revision = s.Revision,
    };

    private static void Apply(SpotCheckRecord s, SpotCheckItem after)
    {
        s.ClaimedBy = after.ClaimedBy;
        s.ClaimExpiresAt = after.ClaimExpiresAt;
        s.Verdict = after.Verdict;
        s.Reviewer = after.Reviewer;
        s.ReviewedAt = after.ReviewedAt;
        s.EditedResponse = after.EditedResponse;
        s.EditedParametersJson = after.EditedParametersJson;
        s.RejectReasonCode = after.RejectReasonCode;
        s.RootCause = after.RootCause;
        s.Note = after.Note;
    }

    public static SpotCheckView View(SpotCheckRecord s, CaseRecord c, DateTimeOffset now) => new()
    {
        CaseId = s.CaseId,
        ExternalId = c.ExternalId,
        Workflow = s.Workflow,
        Queue = s.Queue,
        State = SpotCheckRules.StateOf(Snapshot(s, c), now),
        SampledAt = s.SampledAt,
        DueAt = s.DueAt,
        AgesOutAt = s.AgesOutAt,
        ClaimedBy = s.ClaimExpiresAt > now ? s.ClaimedBy : null,
        ClaimExpiresAt = s.ClaimExpiresAt > now ? s.ClaimExpiresAt : null,
        Verdict = s.Verdict,
        Reviewer = s.Reviewer,
        ReviewedAt = s.ReviewedAt,
        EditedResponse = s.EditedResponse,
        RejectReasonCode = s.RejectReasonCode,
        RootCause = s.RootCause,
        Note = s.Note,
        Decision = CaseViews.DecisionOf(c),
        Revision = s.Revision,
    };

    private static Reviewer Who(ReviewerIdentity r) => new(r.UserName, r.IsLead);
}
