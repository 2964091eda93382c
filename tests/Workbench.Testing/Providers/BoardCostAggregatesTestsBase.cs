using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Auditing;
using Workbench.Web.Auth;
using Workbench.Web.Review;
using Workbench.Web.Sla;

namespace Workbench.Testing.Providers;

/// <summary>
/// The board's cost per resolved case by path. On SQLite it reads whole days from <c>board_cost_days</c>, which triggers
/// on <c>cases</c> and <c>review_actions</c> keep; elsewhere it counts the cases. A few hundred cases across days, paths,
/// statuses and currencies — many decided on the exact edges of the week, today and the day ahead — with review actions
/// are written, reopened, re-pathed, re-priced, re-stamped, deleted (cascading and action by action), and their actions
/// added, moved and deleted, through every kind of write (EF, ExecuteUpdate/ExecuteDelete, raw SQL, the intake writer,
/// the review service); the costs must equal the same figures computed in memory from the cases and actions.
/// </summary>
public abstract class BoardCostAggregatesTestsBase : IAsyncLifetime
{
    // 10:20 UTC: today began 10 h 20 min ago; the week six midnights before it; the day ahead ends at 10:20 tomorrow.
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 20, 0, TimeSpan.Zero);
    private static readonly TimeSpan HandleTime = TimeSpan.FromMinutes(12);
    private static readonly PathOutcome[] Paths = Enum.GetValues<PathOutcome>();
    private static readonly string?[] Currencies = ["USD", "USD", "EUR", "GBP", null];
    private static readonly ReviewActionKind[] Kinds = [ReviewActionKind.Approve, ReviewActionKind.Reject, ReviewActionKind.RequestInfo, ReviewActionKind.ApproveWithEdits];

    private readonly FakeTimeProvider _clock = new(Now);

    protected BoardCostAggregatesTestsBase()
    {
        App = CreateApp(s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
            s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            s.Remove(s.Single(d => d.ImplementationType == typeof(AuditVerificationWorker)));
        });
        App.Settings["Board:ReviewerCostPerHour"] = "50";
    }

    protected WorkbenchFactory App { get; }

    protected abstract WorkbenchFactory CreateApp(Action<IServiceCollection> services);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();

    protected BoardAlerts Alerts => App.Services.GetRequiredService<BoardAlerts>();

    [Fact]
    public async Task The_cost_per_path_equals_a_plain_computation_over_the_cases_and_their_actions()
    {
        var random = new Random(8);
        var today = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
        // The edges of every range the costs count over, each exactly and one tick either side.
        DateTimeOffset[] edges = [today.AddDays(-6), today, today.AddDays(1), Now, Now.AddDays(1)];
        var decisions = edges.SelectMany(e => new[] { e.AddTicks(-1), e, e.AddTicks(1) }).Append(Now.AddDays(3)).ToList();
        while (decisions.Count < 300)
        {
            decisions.Add(Now - TimeSpan.FromMinutes(random.Next(0, 9 * 24 * 60)) - TimeSpan.FromTicks(random.Next(600_000_000)));
        }

        var records = new List<CaseRecord>();
        foreach (var decided in decisions.Concat(decisions.Take(40)))
        {
            var record = TestCases.FullRecord(Guid.NewGuid(), decided.AddHours(-random.Next(1, 30)));
            record.Evaluation = null;
            record.ReleaseOutcome = Paths[random.Next(Paths.Length)];
            record.ExecuteOutcome = Paths[random.Next(Paths.Length)];
            record.ApprovalsRequired = 1;
            record.ClaimedBy = null;
            (record.ModelCostAmount, record.ModelCostCurrency) = RandomCost(random);
            record.Status = random.Next(10) switch
            {
                < 5 => CaseStatus.Decided,
                5 => CaseStatus.AutoApproved,
                6 => CaseStatus.Expired,
                7 => CaseStatus.Withdrawn,
                _ => CaseStatus.Queued,
            };
            record.DecidedAt = record.Status == CaseStatus.Queued ? null : decided;
            record.Actions = Enumerable.Range(0, random.Next(4))
                .Select(i => new ReviewActionRecord { CaseId = record.Id, Kind = Kinds[random.Next(Kinds.Length)], Reviewer = "rita", At = decided.AddMinutes(-i) })
                .ToList();
            records.Add(record);
        }
        await App.WithDbAsync(async db =>
        {
            db.Cases.AddRange(records);
            return await db.SaveChangesAsync();
        });
        var ids = records.Select(r => r.Id).ToList();
        List<Guid> Every(int n, int offset) => ids.Where((_, i) => i % n == offset).ToList();

        await App.WithDbAsync(async db =>
        {
            // Open cases decided (with the actions they already have), resolved ones reopened, by ExecuteUpdate.
            var decide = Every(9, 0);
            await db.Cases.Where(c => decide.Contains(c.Id) && c.Status == CaseStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CaseStatus.Decided).SetProperty(c => c.DecidedAt, Now.AddHours(-2)));
            var reopen = Every(9, 1);
            await db.Cases.Where(c => reopen.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CaseStatus.Queued).SetProperty(c => c.DecidedAt, (DateTimeOffset?)null));
            // Decisions moved across a day edge, paths and costs changed, through tracked entities.
            var shifted = Every(9, 2);
            await db.Cases.Where(c => shifted.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.DecidedAt, today.AddTicks(-1)));
            var restamped = Every(9, 5);
            foreach (var c in await db.Cases.Where(c => restamped.Contains(c.Id) && c.DecidedAt != null).ToListAsync())
            {
                c.DecidedAt = c.DecidedAt!.Value.AddDays(1);
            }
            var repath = Every(9, 3);
            foreach (var c in await db.Cases.Where(c => repath.Contains(c.Id)).ToListAsync())
            {
                c.ReleaseOutcome = Paths[random.Next(Paths.Length)];
                c.ExecuteOutcome = Paths[random.Next(Paths.Length)];
                (c.ModelCostAmount, c.ModelCostCurrency) = RandomCost(random);
            }
            var expire = Every(9, 4);
            foreach (var c in await db.Cases.Where(c => expire.Contains(c.Id)).ToListAsync())
            {
                c.Status = c.Status == CaseStatus.Expired ? CaseStatus.Withdrawn : CaseStatus.Expired;
            }
            await db.SaveChangesAsync();

            // Review actions added to, deleted from and moved between cases.
            foreach (var id in Every(7, 0))
            {
                db.ReviewActions.Add(new ReviewActionRecord { CaseId = id, Kind = ReviewActionKind.Approve, Reviewer = "mia", At = Now });
            }
            await db.SaveChangesAsync();
            var stripped = Every(7, 1);
            await db.ReviewActions.Where(a => stripped.Contains(a.CaseId)).ExecuteDeleteAsync();
            var from = Every(7, 2);
            var to = ids[5];
            await db.ReviewActions.Where(a => from.Contains(a.CaseId)).ExecuteUpdateAsync(s => s.SetProperty(a => a.CaseId, to));

            // Raw SQL: a currency changed; a cost taken away.
            await db.Database.ExecuteSqlRawAsync("UPDATE cases SET \"ModelCostCurrency\" = 'EUR' WHERE \"ModelCostCurrency\" = 'GBP' AND \"ExternalId\" LIKE 'ext-1%'");
            await db.Database.ExecuteSqlRawAsync("UPDATE cases SET \"ModelCostAmount\" = NULL WHERE \"ExternalId\" LIKE 'ext-2%'");

            // Deleted with their actions: by the database's cascade, and action first by a tracked delete.
            var cascaded = Every(11, 3);
            await db.Cases.Where(c => cascaded.Contains(c.Id)).ExecuteDeleteAsync();
            var tracked = Every(11, 4);
            db.Cases.RemoveRange(await db.Cases.Include(c => c.Actions).Where(c => tracked.Contains(c.Id)).ToListAsync());
            return await db.SaveChangesAsync();
        });

        // The intake writer (auto-approved at intake, with a model cost) and the review service's decision.
        var reviews = App.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        await App.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Proceeds), 0.0125m, "USD"));
        await App.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Proceeds), 0.5m, "EUR"));
        var handoff = (await App.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Queues), 0.25m, "USD"))).Id;
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, handoff));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, handoff, Samples.Approval(Samples.Queues)));

        var costs = (await Alerts.SnapshotAsync(HandleTime)).Costs;
        Assert.Equal(await PlainCostsAsync(), Describe(costs));
        Assert.True(costs.Count >= 3 && costs.Sum(c => c.Week.Resolved) > 100 && costs.Sum(c => c.Today.Resolved) > 10
                && costs.Sum(c => c.Week.ReviewActions) > 50 && costs.Sum(c => c.Week.OtherCurrency) > 10 && costs.Sum(c => c.Today.ModelCost) > 0,
            "the data set must exercise every figure: " + string.Join(" / ", Describe(costs)));

        await AfterCostsMatchedAsync();
    }

    /// <summary>Per provider: what else to check once the costs matched (SQLite: the back-fill).</summary>
    protected virtual Task AfterCostsMatchedAsync() => Task.CompletedTask;

    /// <summary>The costs as the board would show them, computed in memory from every case and action stored.</summary>
    protected async Task<List<string>> PlainCostsAsync()
    {
        var cases = await App.WithDbAsync(db => db.Cases.AsNoTracking().ToListAsync());
        var actions = await App.WithDbAsync(db => db.ReviewActions.AsNoTracking().Select(a => a.CaseId).ToListAsync());
        var now = _clock.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var week = today.AddDays(-6);
        var end = now.AddDays(1);
        var perAction = (decimal)HandleTime.TotalHours * 50m;
        var resolved = cases.Where(c => c.Status is CaseStatus.Decided or CaseStatus.AutoApproved or CaseStatus.Expired && c.DecidedAt >= week && c.DecidedAt < end).ToList();
        PeriodCost Period(List<CaseRecord> of)
        {
            var ids = of.Select(c => c.Id).ToHashSet();
            var n = actions.Count(ids.Contains);
            return new PeriodCost(of.Count, n, Math.Round(n * perAction, 2), of.Where(c => c.ModelCostCurrency == "USD").Sum(c => c.ModelCostAmount ?? 0m),
                of.Count(c => c.ModelCostCurrency is not null && c.ModelCostCurrency != "USD"));
        }
        return Describe(resolved.GroupBy(c => (PathOutcome)Math.Max((int)c.ReleaseOutcome, (int)c.ExecuteOutcome)).OrderBy(g => g.Key)
            .Select(g => new PathCost(g.Key, Period(g.Where(c => c.DecidedAt >= today).ToList()), Period(g.ToList())))
            .ToList());
    }

    /// <summary>Comparable text (decimals normalized: 0.0125 and 0.012500 are the same cost).</summary>
    protected static List<string> Describe(IEnumerable<PathCost> costs) => costs
        .Select(c => $"{c.Path}: today {P(c.Today)}; week {P(c.Week)}")
        .ToList();

    private static string P(PeriodCost p) => $"{p.Resolved} resolved, {p.ReviewActions} actions, {p.ReviewerCost:0.######} + {p.ModelCost:0.######}, {p.OtherCurrency} other";

    private static (decimal?, string?) RandomCost(Random random)
    {
        var currency = Currencies[random.Next(Currencies.Length)];
        decimal? amount = random.Next(8) switch
        {
            0 => null,
            1 => 1_000_000m,
            2 => 0.000001m,
            _ => random.Next(0, 1_000_000_000) / 1_000_000m,
        };
        return (amount, currency);
    }
}
