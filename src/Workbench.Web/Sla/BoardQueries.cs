// Over 400 lines on purpose: every figure of the SLA board comes from the one SnapshotAsync below, over one time window
// and one read of the aggregates, so that the board's numbers agree with each other; split, that window would travel.
using Workbench.Core.Metrics;
using Workbench.Core.Policy;

namespace Workbench.Web.Sla;

/// <summary>The board's settings (<c>Board:*</c>).</summary>
public sealed record BoardOptions
{
    /// <summary>
    /// What an hour of a reviewer costs, for the cost per path and the policy simulation's estimates: the one setting
    /// for both (<see cref="ReviewerCostFrom"/>). Settable for that resolution only.
    /// </summary>
    public decimal ReviewerCostPerHour { get; set; } = 60m;
    /// <summary>The handle time assumed where there are too few decisions to measure one.</summary>
    public TimeSpan DefaultHandleTime { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>The service level the staffing forecast plans for: this share picked up within the queue's SLA.</summary>
    public double ServiceLevelTarget { get; init; } = 0.80;

    public const decimal DefaultReviewerCostPerHour = 60m;

    /// <summary>
    /// The cost of a reviewer hour: <c>Board:ReviewerCostPerHour</c>; where only the older
    /// <c>Learning:Simulation:ReviewerCostPerHour</c> is set, that one; else 60. The board and the simulation both read it.
    /// </summary>
    public static decimal ReviewerCostFrom(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var board = configuration.GetSection("Board").GetValue<decimal?>("ReviewerCostPerHour");
        var legacy = configuration.GetSection("Learning:Simulation").GetValue<decimal?>("ReviewerCostPerHour");
        return board ?? legacy ?? DefaultReviewerCostPerHour;
    }
}

public sealed record QueueBoardRow(
    string Queue, string Title, int Open, int InReview, int AwaitingInfo, int AtRisk, int Breached, TimeSpan? OldestAge,
    int Arrivals24h, int Completions24h, int ArrivalsLastHour, int CompletionsLastHour,
    double? AttainmentToday, double? Attainment7d, StaffingForecast? Staffing, int ActiveReviewers, DateTimeOffset? NextDue, TimeSpan? SlaTarget)
{
    /// <summary>Cases waiting for a reviewer to take them: open, not in review, not waiting for the AI system's answer.</summary>
    public int Waiting => Open - InReview - AwaitingInfo;

    /// <summary>
    /// How the board colours "Active": an alarm only when work waits and nobody is active; a warning when work waits
    /// and fewer reviewers are active than the forecast needs. Nobody active over an empty queue is no problem.
    /// </summary>
    public BoardSignal ActiveSignal =>
        Waiting <= 0 ? BoardSignal.None
        : ActiveReviewers == 0 ? BoardSignal.Alarm
        : Staffing is { } s && s.Agents > ActiveReviewers ? BoardSignal.Warn
        : BoardSignal.None;
}

/// <summary>How a board figure is coloured: as is, amber, red.</summary>
public enum BoardSignal
{
    None,
    Warn,
    Alarm,
}

public sealed record ReviewerBoardRow(string Reviewer, int InHand, int DecidedToday, TimeSpan? MedianHandleTime);

public sealed record PathTiming(PathOutcome Path, int Decided, TimeSpan P50, TimeSpan P90, decimal Cost);

public sealed record LeadAlert(Guid? CaseId, DateTimeOffset At, string Message);

public sealed record BoardSnapshot(
    DateTimeOffset At,
    IReadOnlyList<QueueBoardRow> Queues,
    IReadOnlyList<DateTimeOffset> Hours,
    int[] ArrivalsPerHour,
    int[] CompletionsPerHour,
    IReadOnlyList<PathTiming> Paths,
    IReadOnlyList<ReviewerBoardRow> Reviewers,
    IReadOnlyList<DateOnly> Days,
    IReadOnlyDictionary<string, int[]> ReasonsPerDay,
    IReadOnlyList<BottleneckAlert> Bottlenecks,
    IReadOnlyList<LeadAlert> LeadAlerts,
    TimeSpan HandleTime);

/// <summary>
/// The reads behind the lead's board, never by loading the case table. The open-case figures (open, in review, at
/// risk, breached, oldest, next due, claims) read the partial index over the open cases only. On SQLite the figures
/// over time ranges (24 h series, attainment, the week's reason mix) come from pre-aggregates per hour and per day that
/// triggers on <c>cases</c> keep in the same transaction as every write (Workbench.Data/BoardAggregateSql.cs), plus the
/// cases of the last hour; on PostgreSQL and SQL Server they are counted over the cases' time indexes. The decision-time
/// percentiles read the latest 5,000 decisions of the week.
/// </summary>
public sealed class BoardQueries(IDbContextFactory<WorkbenchDbContext> dbFactory, ActivePolicy policy, TimeProvider time, IOptionsMonitor<BoardOptions> options)
{
    private const int PercentileSample = 5000;

    public async Task<BoardSnapshot> SnapshotAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var compiled = policy.Policy;
        var hourStart = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var since24h = hourStart.AddHours(-23);
        var lastHour = now.AddHours(-1);
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        // Every time range is closed on both sides: with an upper bound SQLite picks the time index (covering) instead
        // of walking a Queue index to save the GROUP BY sort.
        var end = now.AddDays(1);
        var week = today.AddDays(-6);
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        // The open cases are read from their partial index (IX_cases_open_board): each query repeats the index's filter,
        // "Status" IN ('queued', 'in_review', 'awaiting_info'), which is how SQLite knows the index holds every row it needs.
        var openRows = await OpenCases(db)
            .GroupBy(c => c.Queue)
            .Select(g => new
            {
                Queue = g.Key,
                Open = g.Count(),
                InReview = g.Count(c => c.Status == CaseStatus.InReview),
                AwaitingInfo = g.Count(c => c.Status == CaseStatus.AwaitingInfo),
                AtRisk = g.Count(c => c.SlaState == SlaState.AtRisk),
                Breached = g.Count(c => c.SlaState == SlaState.Breached || (c.SlaDueAt < now && c.SlaPausedAt == null)),
                Oldest = g.Min(c => (DateTimeOffset?)c.CreatedAt),
            })
            .ToListAsync(ct);
        // Separate small queries, not correlated subqueries inside the grouping (which SQLite runs once per group over
        // the whole table).
        var nextDueRows = await OpenCases(db)
            .Where(c => c.SlaDueAt >= now && c.SlaPausedAt == null && c.Status != CaseStatus.AwaitingInfo)
            .GroupBy(c => c.Queue).Select(g => new { Queue = g.Key, Due = g.Min(c => c.SlaDueAt) })
            .ToListAsync(ct);
        var claims = await OpenCases(db)
            .Where(c => c.Status == CaseStatus.InReview && c.ClaimedBy != null)
            .GroupBy(c => new { c.Queue, c.ClaimedBy }).Select(g => new { g.Key.Queue, Reviewer = g.Key.ClaimedBy!, Count = g.Count() })
            .ToListAsync(ct);

        var window = new TimeWindow(now, hourStart, since24h, lastHour, today, week, end);
        var figures = db.Database.IsSqlite() ? await FromAggregatesAsync(db, window, ct) : await FromCasesAsync(db, window, ct);

        // Time to decision by path: the latest decisions of the week (a capped sample, newest first).
        var decided = await db.Cases.AsNoTracking()
            .Where(c => c.DecidedAt >= week && c.DecidedAt < end && c.Status == CaseStatus.Decided)
            .OrderByDescending(c => c.DecidedAt)
            .Take(PercentileSample)
            .Select(c => new { c.ReleaseOutcome, c.ExecuteOutcome, c.CreatedAt, c.DecidedAt })
            .ToListAsync(ct);

        // Reviewers: cases in hand now, decisions today and the gaps between a reviewer's decisions (handle time).
        var inHand = claims.GroupBy(c => c.Reviewer).ToDictionary(g => g.Key, g => g.Sum(c => c.Count), StringComparer.Ordinal);
        var actionsToday = await db.ReviewActions.AsNoTracking()
            .Where(a => a.At >= today && (a.Kind == ReviewActionKind.Approve || a.Kind == ReviewActionKind.ApproveWithEdits || a.Kind == ReviewActionKind.Reject))
            .Select(a => new { a.Reviewer, a.At }).ToListAsync(ct);

        var latestPublish = await db.PolicyVersions.AsNoTracking().OrderByDescending(p => p.PublishedAt)
            .Select(p => new { p.Version, p.PublishedAt }).FirstOrDefaultAsync(ct);
        var leadAlerts = await db.AuditEvents.AsNoTracking().Where(a => a.Type == SlaMonitor.LeadAlertType)
            .OrderByDescending(a => a.Id).Take(10).Select(a => new { a.CaseId, a.At, a.DataJson }).ToListAsync(ct);

        // --- shaping (in memory, over the small results above). Cases without a queue (proceed, clarify) are dropped
        // here rather than in the queries: "Queue IS NOT NULL" in a WHERE makes SQLite walk a Queue index over every case.
        var openByQueue = openRows.Where(x => x.Queue is not null).ToDictionary(x => x.Queue!);
        var nextDue = nextDueRows.Where(x => x.Queue is not null).ToDictionary(x => x.Queue!, x => x.Due);
        var hours = Enumerable.Range(0, 24).Select(h => since24h.AddHours(h)).ToList();

        var handleTime = MedianGap(actionsToday.Select(a => (a.Reviewer, a.At))) ?? o.DefaultHandleTime;
        var reviewers = inHand.Keys.Union(actionsToday.Select(a => a.Reviewer)).Order(StringComparer.Ordinal)
            .Select(r => new ReviewerBoardRow(r, inHand.GetValueOrDefault(r), actionsToday.Count(a => a.Reviewer == r),
                MedianGap(actionsToday.Where(a => a.Reviewer == r).Select(a => (a.Reviewer, a.At)))))
            .ToList();

        var paths = decided
            .GroupBy(d => (PathOutcome)Math.Max((int)d.ReleaseOutcome, (int)d.ExecuteOutcome))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var times = g.Select(d => d.DecidedAt!.Value - d.CreatedAt).Order().ToList();
                return new PathTiming(g.Key, times.Count, Percentile(times, 0.5), Percentile(times, 0.9),
                    Math.Round(times.Count * (decimal)handleTime.TotalHours * o.ReviewerCostPerHour, 2));
            })
            .ToList();

        var days = Enumerable.Range(0, 7).Select(d => DateOnly.FromDateTime(week.AddDays(d).UtcDateTime)).ToList();
        var reasonsPerDay = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var reasonsPerQueue = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var weekArrivals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (queue, reasonCodes, perDay) in figures.Reasons)
        {
            var total = perDay.Sum();
            weekArrivals[queue] = weekArrivals.GetValueOrDefault(queue) + total;
            var queueReasons = reasonsPerQueue.TryGetValue(queue, out var qr) ? qr : reasonsPerQueue[queue] = new(StringComparer.Ordinal);
            foreach (var code in reasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var series = reasonsPerDay.TryGetValue(code, out var s) ? s : reasonsPerDay[code] = new int[7];
                for (var d = 0; d < 7; d++)
                {
                    series[d] += perDay[d];
                }
                queueReasons[code] = queueReasons.GetValueOrDefault(code) + total;
            }
        }

        var rows = new List<QueueBoardRow>();
        foreach (var q in compiled.Queues)
        {
            openByQueue.TryGetValue(q.Name, out var s);
            figures.Attainment.TryGetValue(q.Name, out var at);
            var arrived24 = figures.Arrivals24h.GetValueOrDefault(q.Name);
            var sla = q.SlaFor(SlaKind.AwaitApproval, CasePriority.Normal) ?? q.SlaFor(SlaKind.Handoff, CasePriority.Normal) ?? q.SlaFor(SlaKind.SpotCheck, CasePriority.Normal);
            var staffing = sla is { } target && arrived24 > 0
                ? ErlangC.AgentsNeeded(arrived24 / 24.0, handleTime, o.ServiceLevelTarget, target)
                : null;
            rows.Add(new QueueBoardRow(q.Name, q.Title, s?.Open ?? 0, s?.InReview ?? 0, s?.AwaitingInfo ?? 0, s?.AtRisk ?? 0, s?.Breached ?? 0,
                s?.Oldest is { } oldest ? now - oldest : null,
                arrived24, figures.Completions24h.GetValueOrDefault(q.Name),
                figures.ArrivalsLastHour.GetValueOrDefault(q.Name), figures.CompletionsLastHour.GetValueOrDefault(q.Name),
                at.Today == 0 ? null : (double)at.TodayMet / at.Today,
                at.Week == 0 ? null : (double)at.WeekMet / at.Week,
                staffing, claims.Count(c => c.Queue == q.Name), nextDue.GetValueOrDefault(q.Name), sla));
        }

        var alerts = new List<BottleneckAlert>();
        foreach (var r in rows)
        {
            if (Bottlenecks.ArrivalsExceedCompletions(r.Queue, r.ArrivalsLastHour, r.CompletionsLastHour) is { } a)
            {
                alerts.Add(a);
            }
            if (reasonsPerQueue.TryGetValue(r.Queue, out var reasons) &&
                Bottlenecks.DominantReasonCode(r.Queue, weekArrivals.GetValueOrDefault(r.Queue), reasons) is { } d)
            {
                alerts.Add(d);
            }
        }
        // Specialist queues: those no workflow sends its cases to first (escalation and routing targets).
        var firstLine = compiled.Workflows.Values.Select(w => w.Queue).Append(compiled.DefaultQueue).Append(compiled.SpotCheckQueue).ToHashSet(StringComparer.Ordinal);
        if (Bottlenecks.ExceptionsPileUp(rows.Where(r => !firstLine.Contains(r.Queue)).ToDictionary(r => r.Queue, r => r.Open)) is { } pile)
        {
            alerts.Add(pile);
        }
        if (latestPublish is not null && now - latestPublish.PublishedAt is var since && since > TimeSpan.FromHours(1) && since < TimeSpan.FromHours(24))
        {
            var dayBefore = latestPublish.PublishedAt.AddDays(-1);
            var before = await db.Cases.AsNoTracking().CountAsync(c => c.Queue != null && c.CreatedAt >= dayBefore && c.CreatedAt < latestPublish.PublishedAt, ct);
            var after = await db.Cases.AsNoTracking().CountAsync(c => c.Queue != null && c.CreatedAt >= latestPublish.PublishedAt, ct);
            if (Bottlenecks.SpikeAfterPublish(latestPublish.Version, before / 24.0, after / since.TotalHours) is { } spike)
            {
                alerts.Add(spike);
            }
        }

        return new BoardSnapshot(now, rows, hours, figures.ArrivalsPerHour, figures.CompletionsPerHour, paths, reviewers, days, reasonsPerDay, alerts,
            leadAlerts.Select(a => new LeadAlert(a.CaseId, a.At, AlertMessage(a.DataJson))).ToList(), handleTime);
    }

    private static IQueryable<CaseRecord> OpenCases(WorkbenchDbContext db) => db.Cases.AsNoTracking()
        .Where(c => c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview || c.Status == CaseStatus.AwaitingInfo);

    /// <summary>The time ranges of one snapshot (all UTC; <c>End</c> is a day ahead so that every range is closed).</summary>
    private sealed record TimeWindow(
        DateTimeOffset Now, DateTimeOffset HourStart, DateTimeOffset Since24h, DateTimeOffset LastHour, DateTimeOffset Today, DateTimeOffset Week, DateTimeOffset End)
    {
        public int HourIndex(DateTimeOffset t) => Math.Clamp((int)(t - Since24h).TotalHours, 0, 23);

        public int DayIndex(DateTimeOffset t) => Math.Clamp((int)(t - Week).TotalDays, 0, 6);
    }

    private record struct Attained(int Week, int WeekMet, int Today, int TodayMet);

    /// <summary>The figures over time ranges: the 24 h series, per-queue counts, SLA attainment and the week's reason mix.</summary>
    private sealed class TimeFigures
    {
        public int[] ArrivalsPerHour { get; } = new int[24];
        public int[] CompletionsPerHour { get; } = new int[24];
        public Dictionary<string, int> Arrivals24h { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Completions24h { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> ArrivalsLastHour { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> CompletionsLastHour { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, Attained> Attainment { get; } = new(StringComparer.Ordinal);
        /// <summary>Arrivals per day of the week (index 0 = six days ago) per queue and stored reason-code list.</summary>
        public List<(string Queue, string ReasonCodes, int[] PerDay)> Reasons { get; } = [];

        public void Arrival(TimeWindow w, string queue, DateTimeOffset at, int count = 1)
        {
            ArrivalsPerHour[w.HourIndex(at)] += count;
            Arrivals24h[queue] = Arrivals24h.GetValueOrDefault(queue) + count;
        }

        public void Completion(TimeWindow w, string queue, DateTimeOffset at, int count = 1)
        {
            CompletionsPerHour[w.HourIndex(at)] += count;
            Completions24h[queue] = Completions24h.GetValueOrDefault(queue) + count;
        }

        public void Attain(string queue, bool today, int decided, int met)
        {
            var a = Attainment.GetValueOrDefault(queue);
            Attainment[queue] = today
                ? new Attained(a.Week + decided, a.WeekMet + met, a.Today + decided, a.TodayMet + met)
                : a with { Week = a.Week + decided, WeekMet = a.WeekMet + met };
        }
    }

    /// <summary>
    /// SQLite: whole hours and days from the pre-aggregates the triggers on <c>cases</c> keep (BoardAggregateSql) — a
    /// week is ~1,200 hourly rows and ~3,500 daily reason rows however many cases it held — and from the cases only the
    /// last hour (not hour-aligned: now − 1 h) and anything stamped after the current hour (a clock ahead), both small
    /// ranges of the time indexes.
    /// </summary>
    private static async Task<TimeFigures> FromAggregatesAsync(WorkbenchDbContext db, TimeWindow w, CancellationToken ct)
    {
        var f = new TimeFigures();
        var hourRows = await db.Set<BoardHourRecord>().AsNoTracking()
            .Where(h => h.Hour >= w.Week && h.Hour <= w.HourStart).ToListAsync(ct);
        foreach (var h in hourRows)
        {
            if (h.Hour >= w.Since24h)
            {
                f.Arrival(w, h.Queue, h.Hour, h.Arrivals);
                f.Completion(w, h.Queue, h.Hour, h.Completions);
            }
            f.Attain(h.Queue, h.Hour >= w.Today, h.SlaDecided, h.SlaMet);
        }
        var dayRows = await db.Set<BoardReasonDayRecord>().AsNoTracking()
            .Where(d => d.Day >= w.Week && d.Day <= w.Today && d.Arrivals != 0).ToListAsync(ct);
        foreach (var d in dayRows)
        {
            var perDay = new int[7];
            perDay[w.DayIndex(d.Day)] = d.Arrivals;
            f.Reasons.Add((d.Queue, d.ReasonCodes, perDay));
        }

        var nextHour = w.HourStart.AddHours(1);
        var tomorrow = w.Today.AddDays(1);
        var recentArrivals = await db.Cases.AsNoTracking().Where(c => c.CreatedAt >= w.LastHour && c.CreatedAt < w.End)
            .Select(c => new { c.Queue, c.CreatedAt, c.ReasonCodes }).ToListAsync(ct);
        foreach (var a in recentArrivals.Where(a => a.Queue is not null))
        {
            f.ArrivalsLastHour[a.Queue!] = f.ArrivalsLastHour.GetValueOrDefault(a.Queue!) + 1;
            if (a.CreatedAt >= nextHour)
            {
                f.Arrival(w, a.Queue!, a.CreatedAt);
            }
            if (a.CreatedAt >= tomorrow)
            {
                var perDay = new int[7];
                perDay[6] = 1;
                f.Reasons.Add((a.Queue!, a.ReasonCodes, perDay));
            }
        }
        var recentCompletions = await db.Cases.AsNoTracking().Where(c => c.DecidedAt >= w.LastHour && c.DecidedAt < w.End)
            .Select(c => new { c.Queue, c.DecidedAt, c.SlaDueAt }).ToListAsync(ct);
        foreach (var c in recentCompletions.Where(c => c.Queue is not null))
        {
            f.CompletionsLastHour[c.Queue!] = f.CompletionsLastHour.GetValueOrDefault(c.Queue!) + 1;
            if (c.DecidedAt >= nextHour)
            {
                f.Completion(w, c.Queue!, c.DecidedAt!.Value);
                if (c.SlaDueAt is { } due)
                {
                    f.Attain(c.Queue!, true, 1, c.DecidedAt <= due ? 1 : 0);
                }
            }
        }
        return f;
    }

    /// <summary>PostgreSQL and SQL Server: the same figures counted over the cases' time indexes.</summary>
    private static async Task<TimeFigures> FromCasesAsync(WorkbenchDbContext db, TimeWindow w, CancellationToken ct)
    {
        var f = new TimeFigures();
        // One narrow row per arrival and completion of the last 24 hours: the hourly series and the last-hour counts.
        // Cases without a queue (proceed, clarify) are dropped here rather than in the queries: "Queue IS NOT NULL" in
        // a WHERE can make the planner walk a Queue index over every case.
        var arrivals = await db.Cases.AsNoTracking().Where(c => c.CreatedAt >= w.Since24h && c.CreatedAt < w.End)
            .Select(c => new { c.Queue, c.CreatedAt }).ToListAsync(ct);
        foreach (var a in arrivals.Where(a => a.Queue is not null))
        {
            f.Arrival(w, a.Queue!, a.CreatedAt);
            if (a.CreatedAt >= w.LastHour)
            {
                f.ArrivalsLastHour[a.Queue!] = f.ArrivalsLastHour.GetValueOrDefault(a.Queue!) + 1;
            }
        }
        var completions = await db.Cases.AsNoTracking().Where(c => c.DecidedAt >= w.Since24h && c.DecidedAt < w.End)
            .Select(c => new { c.Queue, c.DecidedAt }).ToListAsync(ct);
        foreach (var c in completions.Where(c => c.Queue is not null))
        {
            f.Completion(w, c.Queue!, c.DecidedAt!.Value);
            if (c.DecidedAt >= w.LastHour)
            {
                f.CompletionsLastHour[c.Queue!] = f.CompletionsLastHour.GetValueOrDefault(c.Queue!) + 1;
            }
        }

        var week = w.Week;
        var today = w.Today;
        var end = w.End;
        var attainmentRows = await db.Cases.AsNoTracking()
            .Where(c => c.DecidedAt >= week && c.DecidedAt < end && c.SlaDueAt != null)
            .GroupBy(c => c.Queue)
            .Select(g => new
            {
                Queue = g.Key,
                Week = g.Count(),
                WeekMet = g.Count(c => c.DecidedAt <= c.SlaDueAt),
                Today = g.Count(c => c.DecidedAt >= today),
                TodayMet = g.Count(c => c.DecidedAt >= today && c.DecidedAt <= c.SlaDueAt),
            })
            .ToListAsync(ct);
        foreach (var a in attainmentRows.Where(a => a.Queue is not null))
        {
            f.Attainment[a.Queue!] = new Attained(a.Week, a.WeekMet, a.Today, a.TodayMet);
        }

        // Reason-code mix per day of the week: grouped by the stored code list (few distinct lists), split by the caller.
        var reasonLists = await db.Cases.AsNoTracking().Where(c => c.CreatedAt >= week && c.CreatedAt < end)
            .GroupBy(c => new { c.ReasonCodes, c.Queue })
            .Select(g => new
            {
                g.Key.Queue,
                g.Key.ReasonCodes,
                D0 = g.Count(c => c.CreatedAt < week.AddDays(1)),
                D1 = g.Count(c => c.CreatedAt >= week.AddDays(1) && c.CreatedAt < week.AddDays(2)),
                D2 = g.Count(c => c.CreatedAt >= week.AddDays(2) && c.CreatedAt < week.AddDays(3)),
                D3 = g.Count(c => c.CreatedAt >= week.AddDays(3) && c.CreatedAt < week.AddDays(4)),
                D4 = g.Count(c => c.CreatedAt >= week.AddDays(4) && c.CreatedAt < week.AddDays(5)),
                D5 = g.Count(c => c.CreatedAt >= week.AddDays(5) && c.CreatedAt < week.AddDays(6)),
                D6 = g.Count(c => c.CreatedAt >= week.AddDays(6)),
            })
            .ToListAsync(ct);
        foreach (var r in reasonLists.Where(r => r.Queue is not null))
        {
            f.Reasons.Add((r.Queue!, r.ReasonCodes, [r.D0, r.D1, r.D2, r.D3, r.D4, r.D5, r.D6]));
        }
        return f;
    }

    private static string AlertMessage(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }

    /// <summary>Handle time as the median gap between one reviewer's consecutive decisions (gaps over an hour are breaks).</summary>
    internal static TimeSpan? MedianGap(IEnumerable<(string Reviewer, DateTimeOffset At)> decisions)
    {
        var gaps = decisions.GroupBy(d => d.Reviewer)
            .SelectMany(g =>
            {
                var times = g.Select(x => x.At).Order().ToList();
                return times.Zip(times.Skip(1), (a, b) => b - a);
            })
            .Where(g => g > TimeSpan.Zero && g <= TimeSpan.FromHours(1))
            .Order()
            .ToList();
        return gaps.Count < 3 ? null : Percentile(gaps, 0.5);
    }

    /// <summary>Nearest-rank percentile of a sorted list.</summary>
    internal static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
