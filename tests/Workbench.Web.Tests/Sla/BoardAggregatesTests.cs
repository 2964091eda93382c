using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Auth;
using Workbench.Web.Review;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Sla;

/// <summary>
/// The board reads whole hours and days from pre-aggregates that triggers on <c>cases</c> keep (SQLite). Here a few
/// hundred cases across queues, hours, statuses and paths — many on the exact boundaries of the board's ranges — are
/// written, moved between queues, decided, re-stamped and deleted by every kind of write (EF, ExecuteUpdate, raw SQL,
/// the intake writer's prepared INSERTs, the review service), and the snapshot must equal the same figures computed
/// the plain way, in memory, from the cases themselves.
/// </summary>
public sealed class BoardAggregatesTests : IAsyncLifetime
{
    // 10:20 UTC: the last hour (09:20–10:20) straddles an hour boundary; the week starts six midnights back.
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 20, 0, TimeSpan.Zero);
    private static readonly string?[] QueueChoices = ["support", "finance", "policy-legal", "security", "brand", "spot-check", "support-exceptions", "retired-queue", null];
    private static readonly string[] ReasonChoices = [" MISSING_AUTH_SOURCE ", " HIGH_VALUE_TRANSACTION IRREVERSIBLE_ACTION ", " STALE_EVIDENCE ", " CRITICAL_TIER MISSING_AUTH_SOURCE ", " "];

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly WorkbenchFactory _app;

    public BoardAggregatesTests()
    {
        _app = new WorkbenchFactory
        {
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            },
        };
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_snapshot_from_the_pre_aggregates_equals_a_plain_count_of_the_cases()
    {
        var random = new Random(8);
        var hourStart = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        var since24h = hourStart.AddHours(-23);
        var today = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
        var week = today.AddDays(-6);
        // The edges of every range the board counts over, each exactly and one tick either side.
        DateTimeOffset[] edges = [since24h, hourStart, hourStart.AddHours(1), Now.AddHours(-1), today, week, Now, today.AddDays(1), Now.AddDays(1)];
        var times = edges.SelectMany(e => new[] { e.AddTicks(-1), e, e.AddTicks(1) })
            .Append(Now.AddMinutes(25)).Append(Now.AddHours(3)).Append(Now.AddHours(20)).Append(Now.AddDays(2))
            .ToList();
        while (times.Count < 320)
        {
            times.Add(Now - TimeSpan.FromMinutes(random.Next(0, 9 * 24 * 60)) - TimeSpan.FromSeconds(random.Next(60)));
        }

        var records = new List<CaseRecord>();
        foreach (var created in times)
        {
            var record = TestCases.FullRecord(Guid.NewGuid(), created);
            record.Queue = QueueChoices[random.Next(QueueChoices.Length)];
            record.ReasonCodes = ReasonChoices[random.Next(ReasonChoices.Length)];
            record.Evaluation = null;
            record.Actions = [];
            record.SlaDueAt = random.Next(6) == 0 ? null : created.AddHours(random.Next(1, 30));
            record.ReleaseOutcome = random.Next(2) == 0 ? PathOutcome.AwaitApproval : PathOutcome.Handoff;
            record.ExecuteOutcome = record.ReleaseOutcome;
            record.SlaState = random.Next(4) switch { 0 => SlaState.AtRisk, 1 => SlaState.Breached, _ => SlaState.OnTrack };
            record.ClaimedBy = null;
            switch (random.Next(5))
            {
                case 0:
                    record.Status = CaseStatus.Queued;
                    record.DecidedAt = null;
                    break;
                case 1:
                    record.Status = CaseStatus.InReview;
                    record.ClaimedBy = random.Next(2) == 0 ? "rita" : "mia";
                    record.DecidedAt = null;
                    break;
                case 2:
                    record.Status = CaseStatus.AwaitingInfo;
                    record.SlaPausedAt = created.AddMinutes(5);
                    record.DecidedAt = null;
                    break;
                default:
                    record.Status = random.Next(5) == 0 ? CaseStatus.Expired : CaseStatus.Decided;
                    // Decisions land on the edges too.
                    record.DecidedAt = random.Next(4) == 0 ? edges[random.Next(edges.Length)].AddTicks(random.Next(-1, 2)) : created.AddMinutes(random.Next(1, 40 * 60));
                    break;
            }
            records.Add(record);
        }
        await _app.WithDbAsync(async db =>
        {
            db.Cases.AddRange(records);
            return await db.SaveChangesAsync();
        });

        // Every kind of change the triggers must follow.
        var ids = records.Select(r => r.Id).ToList();
        await _app.WithDbAsync(async db =>
        {
            // Routed to another queue (open and decided alike), into and out of "no queue".
            var moved = ids.Where((_, i) => i % 7 == 0).ToList();
            await db.Cases.Where(c => moved.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.Queue, "security"));
            var unqueued = ids.Where((_, i) => i % 11 == 1).ToList();
            await db.Cases.Where(c => unqueued.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.Queue, (string?)null));
            // Decided through tracked entities: DecidedAt and status together, as the review service does.
            foreach (var c in await db.Cases.Where(c => c.DecidedAt == null).Take(25).ToListAsync())
            {
                c.Status = CaseStatus.Decided;
                c.DecidedAt = Now.AddMinutes(-random.Next(0, 200));
                c.ClaimedBy = null;
            }
            // An SLA moved on a decided case, a decision taken back, a new reason list, a re-stamped arrival.
            foreach (var c in await db.Cases.Where(c => c.DecidedAt != null).OrderBy(c => c.Id).Take(12).ToListAsync())
            {
                c.SlaDueAt = c.SlaDueAt is null ? c.DecidedAt!.Value.AddMinutes(1) : null;
            }
            foreach (var c in await db.Cases.Where(c => c.DecidedAt != null).OrderByDescending(c => c.Id).Take(5).ToListAsync())
            {
                c.DecidedAt = null;
                c.Status = CaseStatus.Queued;
            }
            foreach (var c in await db.Cases.OrderBy(c => c.ExternalId).Take(9).ToListAsync())
            {
                c.ReasonCodes = " UNGROUNDED_CLAIMS ";
                c.CreatedAt = c.CreatedAt.AddHours(-1);
            }
            await db.SaveChangesAsync();
            await db.Database.ExecuteSqlRawAsync("UPDATE cases SET \"Queue\" = 'finance' WHERE \"Queue\" IS NULL AND \"DecidedAt\" IS NOT NULL");
            var deleted = ids.Where((_, i) => i % 13 == 2).ToList();
            return await db.Cases.Where(c => deleted.Contains(c.Id)).ExecuteDeleteAsync();
        });
        // The intake writer's prepared INSERTs and the review service's decision.
        var submitted = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            submitted.Add((await _app.SubmitSampleAsync(Samples.Queues)).Id);
        }
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, submitted[0]));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, submitted[0], Samples.Approval(Samples.Queues)));

        var board = _app.Services.GetRequiredService<BoardQueries>();
        await AssertMatchesPlainCountAsync(await board.SnapshotAsync());

        // The migration's back-fill recomputes both tables from the cases alone: spoil them, back-fill, same figures.
        var before = await AggregateRowsAsync();
        await _app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DELETE FROM board_hours WHERE rowid % 2 = 0; UPDATE board_reason_days SET \"Arrivals\" = 99;"));
        Assert.NotEqual(before, await AggregateRowsAsync());
        await _app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(BoardAggregateSql.Sqlite.Backfill));
        Assert.Equal(before, await AggregateRowsAsync());
        await AssertMatchesPlainCountAsync(await board.SnapshotAsync());
    }

    private Task<List<string>> AggregateRowsAsync() => _app.WithDbAsync(async db =>
    {
        // Rows that went back to zero (a case moved away) stay behind the triggers; the back-fill does not write them.
        var hours = (await db.Set<BoardHourRecord>().Where(h => h.Arrivals != 0 || h.Completions != 0 || h.SlaDecided != 0 || h.SlaMet != 0).ToListAsync())
            .Select(h => $"H {h.Hour:O} {h.Queue} {h.Arrivals} {h.Completions} {h.SlaDecided} {h.SlaMet}");
        var days = (await db.Set<BoardReasonDayRecord>().Where(d => d.Arrivals != 0).ToListAsync())
            .Select(d => $"D {d.Day:O} {d.Queue} {d.ReasonCodes.Trim().Replace(' ', '+')} {d.Arrivals}");
        return hours.Concat(days).Order(StringComparer.Ordinal).ToList();
    });

    private async Task AssertMatchesPlainCountAsync(BoardSnapshot snapshot)
    {
        var cases = await _app.WithDbAsync(db => db.Cases.AsNoTracking().ToListAsync());
        var now = _clock.GetUtcNow();
        var hourStart = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var since24h = hourStart.AddHours(-23);
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var week = today.AddDays(-6);
        var end = now.AddDays(1);
        var queued = cases.Where(c => c.Queue is not null).ToList();
        bool In(DateTimeOffset? t, DateTimeOffset from) => t >= from && t < end;

        Assert.Equal(Enumerable.Range(0, 24).Select(h => queued.Count(c => In(c.CreatedAt, since24h) && Hour(c.CreatedAt) == h)), snapshot.ArrivalsPerHour);
        Assert.Equal(Enumerable.Range(0, 24).Select(h => queued.Count(c => In(c.DecidedAt, since24h) && Hour(c.DecidedAt!.Value) == h)), snapshot.CompletionsPerHour);
        Assert.True(snapshot.ArrivalsPerHour.Sum() > 20 && snapshot.CompletionsPerHour.Sum() > 20, "the data set must exercise the series");
        int Hour(DateTimeOffset t) => Math.Clamp((int)(t - since24h).TotalHours, 0, 23);

        foreach (var row in snapshot.Queues)
        {
            var q = queued.Where(c => c.Queue == row.Queue).ToList();
            var open = q.Where(c => c.Status is CaseStatus.Queued or CaseStatus.InReview or CaseStatus.AwaitingInfo).ToList();
            var slaWeek = q.Where(c => In(c.DecidedAt, week) && c.SlaDueAt is not null).ToList();
            var slaToday = slaWeek.Where(c => c.DecidedAt >= today).ToList();
            var nextDue = open.Where(c => c.Status != CaseStatus.AwaitingInfo && c.SlaDueAt >= now && c.SlaPausedAt is null).Min(c => c.SlaDueAt);
            Assert.Equal(
                (row.Queue, open.Count, open.Count(c => c.Status == CaseStatus.InReview), open.Count(c => c.Status == CaseStatus.AwaitingInfo),
                    open.Count(c => c.SlaState == SlaState.AtRisk), open.Count(c => c.SlaState == SlaState.Breached || (c.SlaDueAt < now && c.SlaPausedAt is null)),
                    open.Count == 0 ? (TimeSpan?)null : now - open.Min(c => c.CreatedAt),
                    q.Count(c => In(c.CreatedAt, since24h)), q.Count(c => In(c.DecidedAt, since24h)),
                    q.Count(c => In(c.CreatedAt, now.AddHours(-1))), q.Count(c => In(c.DecidedAt, now.AddHours(-1))),
                    slaToday.Count == 0 ? (double?)null : (double)slaToday.Count(c => c.DecidedAt <= c.SlaDueAt) / slaToday.Count,
                    slaWeek.Count == 0 ? (double?)null : (double)slaWeek.Count(c => c.DecidedAt <= c.SlaDueAt) / slaWeek.Count,
                    open.Where(c => c.Status == CaseStatus.InReview && c.ClaimedBy is not null).Select(c => c.ClaimedBy).Distinct().Count(),
                    nextDue),
                (row.Queue, row.Open, row.InReview, row.AwaitingInfo, row.AtRisk, row.Breached, row.OldestAge,
                    row.Arrivals24h, row.Completions24h, row.ArrivalsLastHour, row.CompletionsLastHour,
                    row.AttainmentToday, row.Attainment7d, row.ActiveReviewers, row.NextDue));
        }

        var expectedReasons = queued.Where(c => In(c.CreatedAt, week))
            .SelectMany(c => c.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(code => (code, Day: Math.Clamp((int)(c.CreatedAt - week).TotalDays, 0, 6))))
            .GroupBy(x => x.code)
            .ToDictionary(g => g.Key, g => string.Join(",", Enumerable.Range(0, 7).Select(d => g.Count(x => x.Day == d))));
        Assert.Equal(expectedReasons.OrderBy(kv => kv.Key, StringComparer.Ordinal),
            snapshot.ReasonsPerDay.Where(kv => kv.Value.Any(v => v != 0)).ToDictionary(kv => kv.Key, kv => string.Join(",", kv.Value)).OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.True(expectedReasons.Count >= 4, "the data set must exercise the reason mix");
    }
}
