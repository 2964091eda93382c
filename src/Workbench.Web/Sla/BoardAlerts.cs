using Workbench.Core.Metrics;
using Workbench.Web.Auditing;

namespace Workbench.Web.Sla;

/// <summary>One breached case in a queue's breach alert.</summary>
/// <param name="EscalatedFrom">The queue it breached in, when the breach escalated it to the one it is in now.</param>
public sealed record BreachedCase(Guid Id, string Workflow, string RequestPreview, CaseStatus Status, DateTimeOffset DueAt, string? EscalatedFrom = null);

/// <summary>A queue's breach alert: how many of its open cases are past their SLA, the oldest overrun and the oldest cases.</summary>
public sealed record BreachGroup(string Queue, string Title, int Count, TimeSpan OldestOver, IReadOnlyList<BreachedCase> Cases);

/// <summary>The audit chain needs a lead's eyes: the latest verification found a break, or none ran for too long.</summary>
/// <param name="Kind"><c>broken</c>, <c>stale</c> (the latest run is too old) or <c>never</c> (none ran while the chain is older than the limit).</param>
public sealed record AuditChainAlert(string Kind, string Title, string Detail, long? BreakSequence, long? BreakEventId, DateTimeOffset? VerifiedAt);

/// <summary>Resolved cases, and what they cost, over one period.</summary>
/// <param name="ReviewActions">Human review actions on those cases (each costs one handle time).</param>
/// <param name="ModelCost">The model cost the submissions reported, in the board's currency.</param>
/// <param name="OtherCurrency">Cases whose reported model cost is in another currency (not converted, not counted).</param>
public sealed record PeriodCost(int Resolved, int ReviewActions, decimal ReviewerCost, decimal ModelCost, int OtherCurrency)
{
    public decimal Total => ReviewerCost + ModelCost;
    public decimal? PerCase => Resolved == 0 ? null : Math.Round(Total / Resolved, 2);
}

/// <summary>Cost per resolved case of one path (auto, clarify, approval, handoff), today and over seven days.</summary>
public sealed record PathCost(PathOutcome Path, PeriodCost Today, PeriodCost Week);

public sealed record BoardAlertsSnapshot(
    DateTimeOffset At,
    IReadOnlyList<BreachGroup> Breaches,
    AuditChainAlert? AuditChain,
    BottleneckAlert? Disagreement,
    IReadOnlyList<PathCost> Costs,
    string Currency,
    decimal ReviewerCostPerHour,
    TimeSpan HandleTime);

/// <summary>The board's alert settings (<c>Board:*</c>, beside <see cref="BoardOptions"/>).</summary>
public sealed record BoardAlertOptions
{
    /// <summary>The breached cases listed per queue (the count covers them all).</summary>
    public int BreachesListed { get; init; } = 10;
    /// <summary>No audit verification for longer than this is an alert (the schedule is daily; two hours of slack).</summary>
    public TimeSpan AuditVerificationMaxAge { get; init; } = TimeSpan.FromHours(26);
    /// <summary>The currency of <see cref="BoardOptions.ReviewerCostPerHour"/> and of the model costs added to it.</summary>
    public string Currency { get; init; } = "USD";
}

/// <summary>
/// The board's alerts and costs, beside <see cref="BoardQueries"/> (which counts the queues): SLA breaches grouped per
/// queue, the audit chain's verification, reviewer disagreement on four-eyes cases, and the cost per resolved case by
/// path. Each read is small: breaches from the open-cases partial index, disagreement from the partial index over
/// decided four-eyes cases, costs from the daily pre-aggregate on SQLite (see <c>CostsAsync</c>).
/// </summary>
public sealed class BoardAlerts(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    ActivePolicy policy,
    AuditVerifier verifier,
    TimeProvider time,
    IOptionsMonitor<BoardOptions> boardOptions,
    IOptionsMonitor<BoardAlertOptions> options)
{
    private static readonly ReviewActionKind[] Decisive = [ReviewActionKind.Approve, ReviewActionKind.ApproveWithEdits, ReviewActionKind.Reject];

    /// <param name="handleTime">The handle time the board measured (<see cref="BoardSnapshot.HandleTime"/>): each review action costs one.</param>
    public async Task<BoardAlertsSnapshot> SnapshotAsync(TimeSpan handleTime, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var rate = boardOptions.CurrentValue.ReviewerCostPerHour;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var breaches = await BreachesAsync(db, now, o.BreachesListed, ct);
        var audit = await AuditAlertAsync(db, now, o.AuditVerificationMaxAge, ct);
        var disagreement = Bottlenecks.DisagreementRising(await DisagreementPerDayAsync(db, now, ct));
        var costs = await CostsAsync(db, now, handleTime, rate, o.Currency, ct);
        return new BoardAlertsSnapshot(now, breaches, audit, disagreement, costs, o.Currency, rate, handleTime);
    }

    private async Task<List<BreachGroup>> BreachesAsync(WorkbenchDbContext db, DateTimeOffset now, int listed, CancellationToken ct)
    {
        // Open cases whose clock runs and is past due: marked breached by the SLA monitor, or due before its next sweep.
        var breached = db.Cases.AsNoTracking().Where(c =>
            (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview || c.Status == CaseStatus.AwaitingInfo)
            && c.SlaPausedAt == null && (c.SlaState == SlaState.Breached || c.SlaDueAt < now));
        var counts = await breached.GroupBy(c => c.Queue)
            .Select(g => new { Queue = g.Key, Count = g.Count(), OldestDue = g.Min(c => c.SlaDueAt) })
            .ToListAsync(ct);
        var groups = new List<BreachGroup>();
        foreach (var g in counts.Where(g => g.Queue is not null).OrderByDescending(g => g.Count).ThenBy(g => g.Queue, StringComparer.Ordinal))
        {
            var cases = await breached.Where(c => c.Queue == g.Queue).OrderBy(c => c.SlaDueAt).Take(listed)
                .Select(c => new BreachedCase(c.Id, c.Workflow, c.RequestPreview, c.Status, c.SlaDueAt!.Value, null))
                .ToListAsync(ct);
            cases = await WithEscalationAsync(db, cases, ct);
            var title = policy.Policy.FindQueue(g.Queue!)?.Title ?? g.Queue!;
            var oldest = g.OldestDue is { } due ? now - due : TimeSpan.Zero;
            groups.Add(new BreachGroup(g.Queue!, title, g.Count, oldest < TimeSpan.Zero ? TimeSpan.Zero : oldest, cases));
        }
        return groups;
    }

    /// <summary>Where each listed case breached, from its <c>case.sla_breached</c> audit event (a few rows by case id).</summary>
    private static async Task<List<BreachedCase>> WithEscalationAsync(WorkbenchDbContext db, List<BreachedCase> cases, CancellationToken ct)
    {
        var ids = cases.Select(c => (Guid?)c.Id).ToList();
        var events = await db.AuditEvents.AsNoTracking().Where(a => ids.Contains(a.CaseId) && a.Type == AuditEventTypes.CaseSlaBreached)
            .Select(a => new { a.CaseId, a.Id, a.DataJson }).ToListAsync(ct);
        var from = new Dictionary<Guid, string>();
        foreach (var e in events.OrderBy(e => e.Id))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(e.DataJson);
            if (doc.RootElement.TryGetProperty("escalatedTo", out var to) && to.ValueKind == System.Text.Json.JsonValueKind.String
                && doc.RootElement.TryGetProperty("queue", out var q) && q.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                from[e.CaseId!.Value] = q.GetString()!;
            }
        }
        return cases.Select(c => from.TryGetValue(c.Id, out var f) ? c with { EscalatedFrom = f } : c).ToList();
    }

    private async Task<AuditChainAlert?> AuditAlertAsync(WorkbenchDbContext db, DateTimeOffset now, TimeSpan maxAge, CancellationToken ct)
    {
        var latest = await verifier.LatestAsync(ct);
        DateTimeOffset? firstEvent = latest is null
            ? await db.AuditEvents.AsNoTracking().OrderBy(a => a.Sequence).Select(a => (DateTimeOffset?)a.At).FirstOrDefaultAsync(ct)
            : null;
        return AuditAlert(latest, firstEvent, now, maxAge);
    }

    /// <summary>The audit chain alert for the latest verification (null when none ran) and the chain's first event.</summary>
    internal static AuditChainAlert? AuditAlert(AuditVerificationRecord? latest, DateTimeOffset? firstEventAt, DateTimeOffset now, TimeSpan maxAge)
    {
        if (latest is { Intact: false })
        {
            var row = latest.BreakEventId is { } id ? $" (row id {id})" : "";
            return new AuditChainAlert("broken", $"The audit chain is broken at event {latest.BreakSequence}{row}",
                $"{latest.Message} Found by the {(latest.RequestedBy == AuditVerifier.Scheduled ? "scheduled verification" : $"verification {latest.RequestedBy} asked for")} {Ago(now - latest.StartedAt)}.",
                latest.BreakSequence, latest.BreakEventId, latest.StartedAt);
        }
        if (latest is not null && now - latest.StartedAt > maxAge)
        {
            return new AuditChainAlert("stale", "The audit chain has not been verified for " + Ago(now - latest.StartedAt, suffix: false),
                $"The last verification (intact) ran {Ago(now - latest.StartedAt)}; the schedule is daily. Check that the verification runs (Audit:Verification).",
                null, null, latest.StartedAt);
        }
        if (latest is null && firstEventAt is { } first && now - first > maxAge)
        {
            return new AuditChainAlert("never", "The audit chain has never been verified",
                $"Its first event is from {Ago(now - first)}; the schedule is daily. Check that the verification runs (Audit:Verification).",
                null, null, null);
        }
        return null;
    }

    /// <summary>Per day of the last seven (today last): disagreements and decided four-eyes cases (<see cref="ReviewerDisagreement"/>).</summary>
    private static async Task<IReadOnlyList<(int Disagreements, int Decisions)>> DisagreementPerDayAsync(WorkbenchDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var week = today.AddDays(-6);
        var end = now.AddDays(1);
        var rows = await (
            from c in db.Cases.AsNoTracking()
            where c.DecidedAt >= week && c.DecidedAt < end && c.ApprovalsRequired >= 2 && c.Status == CaseStatus.Decided
            join a in db.ReviewActions.AsNoTracking() on c.Id equals a.CaseId
            where Decisive.Contains(a.Kind)
            select new { c.Id, c.DecidedAt, a.Reviewer, a.Kind, a.At })
            .ToListAsync(ct);
        var cases = rows.GroupBy(r => r.Id)
            .Select(g => new FourEyesCase(g.First().DecidedAt!.Value, g.Select(r => new ReviewStep(r.Reviewer, r.Kind, r.At)).ToList()));
        return ReviewerDisagreement.PerDay(cases, DateOnly.FromDateTime(today.UtcDateTime));
    }

    /// <summary>One path pair's resolved cases and their costs over the week and today (model cost in the board's currency).</summary>
    private sealed record CostRow(PathOutcome Release, PathOutcome Execute, int Week, int Today, decimal ModelWeek, decimal ModelToday,
        int OtherWeek, int OtherToday, int ActionsWeek, int ActionsToday);

    /// <summary>
    /// Cost per resolved case by path: the cases decided since six midnights ago (and up to a day ahead of now, as
    /// everywhere on the board), "today" from this midnight. On SQLite the whole UTC days up to the end of today come
    /// from <c>board_cost_days</c> (a few rows per day, kept by triggers: Workbench.Data/BoardAggregateSql.cs) and only
    /// decisions stamped after today (a clock ahead) from the cases; elsewhere everything is counted over the cases.
    /// </summary>
    private static async Task<List<PathCost>> CostsAsync(WorkbenchDbContext db, DateTimeOffset now, TimeSpan handleTime, decimal rate, string currency, CancellationToken ct)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var week = today.AddDays(-6);
        var end = now.AddDays(1);
        List<CostRow> rows;
        if (db.Database.IsSqlite())
        {
            var tomorrow = today.AddDays(1);
            var days = await db.Set<BoardCostDayRecord>().AsNoTracking()
                .Where(d => d.Day >= week && d.Day <= today && (d.Resolved != 0 || d.ReviewActions != 0))
                .ToListAsync(ct);
            rows = days.Select(d =>
            {
                var isToday = d.Day >= today;
                var model = d.Currency == currency ? d.ModelCostMicros / 1_000_000m : 0m;
                var other = d.Currency.Length > 0 && d.Currency != currency ? d.Resolved : 0;
                return new CostRow(d.ReleaseOutcome, d.ExecuteOutcome, d.Resolved, isToday ? d.Resolved : 0, model, isToday ? model : 0m,
                    other, isToday ? other : 0, d.ReviewActions, isToday ? d.ReviewActions : 0);
            }).ToList();
            rows.AddRange(await CostsFromCasesAsync(db, tomorrow, end, today, currency, ct));
        }
        else
        {
            rows = await CostsFromCasesAsync(db, week, end, today, currency, ct);
        }

        var perAction = (decimal)handleTime.TotalHours * rate;
        static PathOutcome PathOf(PathOutcome release, PathOutcome execute) => (PathOutcome)Math.Max((int)release, (int)execute);
        return rows.GroupBy(c => PathOf(c.Release, c.Execute))
            .Where(g => g.Sum(c => c.Week) > 0)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var actionsToday = g.Sum(c => c.ActionsToday);
                var actionsWeek = g.Sum(c => c.ActionsWeek);
                return new PathCost(g.Key,
                    new PeriodCost(g.Sum(c => c.Today), actionsToday, Math.Round(actionsToday * perAction, 2), g.Sum(c => c.ModelToday), g.Sum(c => c.OtherToday)),
                    new PeriodCost(g.Sum(c => c.Week), actionsWeek, Math.Round(actionsWeek * perAction, 2), g.Sum(c => c.ModelWeek), g.Sum(c => c.OtherWeek)));
            })
            .ToList();
    }

    /// <summary>The cost rows counted over the cases decided in [from, to), "today" from <paramref name="today"/>.</summary>
    private static async Task<List<CostRow>> CostsFromCasesAsync(WorkbenchDbContext db, DateTimeOffset from, DateTimeOffset to, DateTimeOffset today,
        string currency, CancellationToken ct)
    {
        // Resolved: decided by people, approved by policy at intake, or expired with the workflow's default decision.
        var resolved = db.Cases.AsNoTracking().Where(c => c.DecidedAt >= from && c.DecidedAt < to
            && (c.Status == CaseStatus.Decided || c.Status == CaseStatus.AutoApproved || c.Status == CaseStatus.Expired));
        var cases = await resolved
            .GroupBy(c => new { c.ReleaseOutcome, c.ExecuteOutcome })
            .Select(g => new
            {
                g.Key.ReleaseOutcome,
                g.Key.ExecuteOutcome,
                Week = g.Count(),
                Today = g.Count(c => c.DecidedAt >= today),
                ModelWeek = g.Sum(c => c.ModelCostCurrency == currency ? c.ModelCostAmount ?? 0m : 0m),
                ModelToday = g.Sum(c => c.DecidedAt >= today && c.ModelCostCurrency == currency ? c.ModelCostAmount ?? 0m : 0m),
                OtherWeek = g.Count(c => c.ModelCostCurrency != null && c.ModelCostCurrency != currency),
                OtherToday = g.Count(c => c.DecidedAt >= today && c.ModelCostCurrency != null && c.ModelCostCurrency != currency),
            })
            .ToListAsync(ct);
        // Every human action on a resolved case costs a handle time: both approvals of a four-eyes case, a request for
        // info and the decision after the reply, a spot check of an auto-approved case.
        var actions = await (
            from c in resolved
            join a in db.ReviewActions.AsNoTracking() on c.Id equals a.CaseId
            group c by new { c.ReleaseOutcome, c.ExecuteOutcome } into g
            select new { g.Key.ReleaseOutcome, g.Key.ExecuteOutcome, Week = g.Count(), Today = g.Count(c => c.DecidedAt >= today) })
            .ToListAsync(ct);
        return cases.Select(c => new CostRow(c.ReleaseOutcome, c.ExecuteOutcome, c.Week, c.Today, c.ModelWeek, c.ModelToday, c.OtherWeek, c.OtherToday, 0, 0))
            .Concat(actions.Select(a => new CostRow(a.ReleaseOutcome, a.ExecuteOutcome, 0, 0, 0m, 0m, 0, 0, a.Week, a.Today)))
            .ToList();
    }

    /// <summary>"2 h 10 min", "3 d 4 h", "45 s": an overrun or an age, to the two largest units.</summary>
    public static string Span(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            t = TimeSpan.Zero;
        }
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays} d {t.Hours} h"
            : t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min"
            : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min"
            : $"{(int)t.TotalSeconds} s";
    }

    private static string Ago(TimeSpan t, bool suffix = true) => Span(t) + (suffix ? " ago" : "");
}
