using Workbench.Core.Notifications;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Notifications;

/// <summary>
/// What is about time rather than an event, checked on every planner pass, each with a key that makes it one
/// notification per person however often it is found:
/// <list type="bullet">
/// <item>a queue whose oldest queued case waited longer than <c>QueueIdleAfter</c> while nobody held a claim or acted on
/// a case in it for as long (to its reviewers, its lead and its channel; one per stretch: the key holds the oldest case);</item>
/// <item>a breached case nobody picked up: every <c>EscalateEvery</c> the next person of the escalation chain — the lead,
/// the queue's chain, then the lead of the policy's escalation queue — until it is claimed, decided, or someone told
/// opened its link;</item>
/// <item>a blind second review waiting (to the deciding queue's reviewers who did not act on the case);</item>
/// <item>a webhook endpoint failing longer than <c>WebhookFailingAfter</c> (to admins; one per failing stretch);</item>
/// <item>an audit verification that found the chain broken (to admins, always: preferences and quiet hours do not hold it back).</item>
/// </list>
/// </summary>
public sealed class ScheduledChecks(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    ActivePolicy policy,
    TimeProvider time,
    IOptionsMonitor<NotificationOptions> options,
    IOptionsMonitor<WebhookOptions> webhookOptions)
{
    private static readonly TimeSpan Lookback = TimeSpan.FromDays(2);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var rows = new List<NotificationRecord>();
        rows.AddRange(await IdleQueuesAsync(db, now, o, ct));
        rows.AddRange(await EscalationsAsync(db, now, o, ct));
        rows.AddRange(await DoubleReviewsAsync(db, now, o, ct));
        rows.AddRange(await FailingEndpointsAsync(db, now, o, ct));
        rows.AddRange(await BrokenAuditAsync(db, now, o, ct));
        var added = await NotificationRows.AddNewAsync(db, rows, ct);
        if (added == 0)
        {
            return 0;
        }
        try
        {
            await db.SaveChangesAsync(ct);
            return added;
        }
        catch (DbUpdateException)
        {
            return 0; // another instance stored the same keys first
        }
    }

    private async Task<IEnumerable<NotificationRecord>> IdleQueuesAsync(WorkbenchDbContext db, DateTimeOffset now, NotificationOptions o, CancellationToken ct)
    {
        var since = now - o.QueueIdleAfter;
        var rows = new List<NotificationRecord>();
        var waiting = await db.Cases.AsNoTracking()
            .Where(c => c.Status == CaseStatus.Queued && c.Queue != null)
            .GroupBy(c => c.Queue!)
            .Select(g => new { Queue = g.Key, Count = g.Count(), Oldest = g.Min(c => c.CreatedAt) })
            .ToListAsync(ct);
        foreach (var q in waiting.Where(w => w.Oldest <= since))
        {
            var busy = await db.Cases.AnyAsync(c => c.Queue == q.Queue && c.Status == CaseStatus.InReview, ct) ||
                       await db.ReviewActions.AnyAsync(a => a.At > since && db.Cases.Any(c => c.Id == a.CaseId && c.Queue == q.Queue), ct);
            if (busy)
            {
                continue;
            }
            var oldest = await db.Cases.AsNoTracking().Where(c => c.Queue == q.Queue && c.Status == CaseStatus.Queued)
                .OrderBy(c => c.CreatedAt).Select(c => c.Id).FirstAsync(ct);
            var message = NotificationComposer.QueueIdle(q.Queue, q.Count, now - q.Oldest, o.QueueIdleAfter);
            var people = (await Recipients.MembersAsync(db, q.Queue, ct)).Concat(await Recipients.LeadsAsync(db, q.Queue, ct));
            var source = $"{q.Queue}:{oldest:N}";
            rows.AddRange(NotificationRows.For(NotificationKinds.QueueIdle, source, people, message, now, o));
            rows.AddRange(await NotificationRows.ForQueueChannelAsync(db, NotificationKinds.QueueIdle, source, q.Queue, message, now, o, ct));
        }
        return rows;
    }

    private async Task<IEnumerable<NotificationRecord>> EscalationsAsync(WorkbenchDbContext db, DateTimeOffset now, NotificationOptions o, CancellationToken ct)
    {
        var open = new[] { CaseStatus.Queued, CaseStatus.AwaitingInfo };
        var breached = await db.Cases.AsNoTracking()
            // An escalated case breached too (it runs on its escalation queue's SLA now): its chain goes on.
            .Where(c => (c.SlaState == SlaState.Breached || c.SlaState == SlaState.Escalated) && open.Contains(c.Status) && c.SlaDueAt > now - Lookback)
            .Select(c => c.Id).Take(500).ToListAsync(ct);
        if (breached.Count == 0)
        {
            return [];
        }
        var rows = new List<NotificationRecord>();
        var cases = await Recipients.CasesAsync(db, breached, ct);
        foreach (var id in breached)
        {
            var breach = await db.AuditEvents.AsNoTracking().Where(a => a.CaseId == id && a.Type == AuditEventTypes.CaseSlaBreached)
                .OrderByDescending(a => a.Sequence).Select(a => new { a.At, a.DataJson }).FirstOrDefaultAsync(ct);
            // Acknowledged: someone told opened the case from the message since the breach.
            if (breach is null || await db.NotificationLinks.AnyAsync(l => l.CaseId == id && l.UsedAt != null && l.UsedAt >= breach.At, ct))
            {
                continue;
            }
            // Told as it breached: the queue it breached in and the due time it missed, from the breach event.
            var asBreached = SlaBreachFacts.Parse(breach.DataJson).AsBreached(cases[id]);
            if (asBreached.Queue is not { } queue)
            {
                continue;
            }
            var chain = await Recipients.EscalationChainAsync(db, queue, policy.Policy.FindQueue(queue)?.EscalationTarget, ct);
            var steps = (int)Math.Min(chain.Count - 1, Math.Floor((now - breach.At) / o.EscalateEvery));
            for (var step = 1; step <= steps; step++)
            {
                var told = string.Join(", ", chain.Take(step));
                var message = NotificationComposer.ForCase(NotificationKinds.SlaBreached, asBreached, now,
                    extra: $"You are next in the escalation chain of {queue}: {told} {(step == 1 ? "was" : "were")} told and nobody has picked it up.");
                rows.AddRange(NotificationRows.For(NotificationKinds.SlaBreached, $"case{id:N}", [chain[step]], message, now, o));
            }
        }
        return rows;
    }

    private static async Task<IEnumerable<NotificationRecord>> DoubleReviewsAsync(WorkbenchDbContext db, DateTimeOffset now, NotificationOptions o, CancellationToken ct)
    {
        var from = now - Lookback;
        var ready = await db.DoubleReviews.AsNoTracking().Where(d => d.Verdict == null && d.ReadyAt > from && d.ReadyAt <= now && d.Queue != null)
            .Select(d => new { d.CaseId, d.Queue }).Take(200).ToListAsync(ct);
        if (ready.Count == 0)
        {
            return [];
        }
        var rows = new List<NotificationRecord>();
        var cases = await Recipients.CasesAsync(db, ready.Select(r => r.CaseId).ToList(), ct);
        foreach (var r in ready.Where(r => cases.ContainsKey(r.CaseId)))
        {
            var acted = await db.ReviewActions.Where(a => a.CaseId == r.CaseId).Select(a => a.Reviewer).Distinct().ToListAsync(ct);
            var people = (await Recipients.MembersAsync(db, r.Queue!, ct)).Where(u => !acted.Contains(u));
            // Blind: the message names the case and the queue it was decided in, nothing of the first review.
            var message = NotificationComposer.ForCase(NotificationKinds.DoubleReview, cases[r.CaseId] with { Queue = r.Queue, SlaDueAt = null }, now);
            rows.AddRange(NotificationRows.For(NotificationKinds.DoubleReview, $"case{r.CaseId:N}", people, message, now, o));
        }
        return rows;
    }

    private async Task<IEnumerable<NotificationRecord>> FailingEndpointsAsync(WorkbenchDbContext db, DateTimeOffset now, NotificationOptions o, CancellationToken ct)
    {
        var since = now - o.WebhookFailingAfter;
        var failing = await db.WebhookEndpoints.AsNoTracking().Where(e => e.Enabled && e.FailingSince != null && e.FailingSince <= since)
            .Select(e => new { e.Id, e.ClientId, e.Url, FailingSince = e.FailingSince!.Value }).ToListAsync(ct);
        if (failing.Count == 0)
        {
            return [];
        }
        var admins = await Recipients.AdminsAsync(db, ct);
        var disableAfter = webhookOptions.CurrentValue.DisableAfter;
        var rows = new List<NotificationRecord>();
        foreach (var e in failing)
        {
            var lastError = await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == e.Id && d.LastError != null)
                .OrderByDescending(d => d.LastAttemptAt).Select(d => d.LastError).FirstOrDefaultAsync(ct);
            var message = NotificationComposer.WebhookFailing(e.ClientId, e.Url, e.FailingSince, now, lastError, disableAfter);
            rows.AddRange(NotificationRows.For(NotificationKinds.WebhookFailing, $"{e.Id:N}:{e.FailingSince.ToUnixTimeSeconds()}", admins, message, now, o));
        }
        return rows;
    }

    private static async Task<IEnumerable<NotificationRecord>> BrokenAuditAsync(WorkbenchDbContext db, DateTimeOffset now, NotificationOptions o, CancellationToken ct)
    {
        var from = now - Lookback;
        var broken = await db.AuditVerifications.AsNoTracking().Where(v => !v.Intact && v.StartedAt > from)
            .Select(v => new { v.Id, v.Message, v.StartedAt }).ToListAsync(ct);
        if (broken.Count == 0)
        {
            return [];
        }
        var admins = await Recipients.AdminsAsync(db, ct);
        return broken.SelectMany(v => NotificationRows.For(NotificationKinds.AuditBroken, $"verification{v.Id}", admins,
            NotificationComposer.AuditBroken(v.Id, v.Message, v.StartedAt), now, o, always: true));
    }
}
