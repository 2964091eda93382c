using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Simulator;
using Xunit.Abstractions;

namespace Workbench.System.Tests.Review;

/// <summary>
/// "No double decision": two instances on real Kestrels sharing one PostgreSQL and redis-server,
/// 1,000 queued cases, 50 simulated reviewers (the simulator's <see cref="ReviewerSimulator"/>, zero handle time)
/// split over the two instances. Reviewers walk the cases in pairs — one on each instance, same cases, same order —
/// claiming by id, so most claims race; the winners decide, then everyone works <c>next</c> until all are decided.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class NoDoubleDecisionTests(PostgresServer postgres, RedisServer redis, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cases = 1000;
    private const int Reviewers = 50;
    private WorkbenchFactory _a = null!;
    private WorkbenchFactory _b = null!;
    private Uri _addressA = null!;
    private Uri _addressB = null!;

    private WorkbenchFactory Instance(string database) => new()
    {
        Settings =
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Workbench"] = postgres.ConnectionString(database),
            ["Redis:Connection"] = redis.Connection,
            // The webhook dispatcher has nothing to deliver here (no callback URLs); the outbox rows are what we count.
            ["Webhooks:DispatcherEnabled"] = "false",
        },
    };

    public Task InitializeAsync()
    {
        var database = "race_" + Guid.NewGuid().ToString("N")[..10];
        _a = Instance(database);
        _addressA = _a.StartKestrel(); // A migrates and seeds first
        _b = Instance(database);
        _addressB = _b.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task Fifty_reviewers_on_two_instances_racing_over_1000_cases_decide_each_exactly_once()
    {
        var clock = Stopwatch.StartNew();
        await _a.WithDbAsync(async db =>
        {
            // Leads: they work every queue, so any reviewer may race for any case.
            db.Users.AddRange(Enumerable.Range(0, Reviewers).Select(i => new UserRecord { UserName = Name(i), DisplayName = $"Racer {i}", Role = UserRole.Lead }));
            return await db.SaveChangesAsync();
        });
        var ids = await SubmitQueuedCasesAsync();
        var submitted = clock.Elapsed;

        var tally = new ReviewTally();
        var stats = new SimulationStats();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        const int Pairs = Reviewers / 2;
        var chunk = (Cases + Pairs - 1) / Pairs;
        var racers = Enumerable.Range(0, Reviewers).Select(i =>
        {
            var onA = i % 2 == 0;
            var pair = i / 2;
            var options = new SimulatorOptions { BaseAddress = onA ? _addressA : _addressB, DecideOnly = true, HandleMedian = TimeSpan.Zero, HandleSigma = 0 };
            var reviewer = new ReviewerSimulator(Name(i), options, () => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }, stats, seed: 1000 + i);
            var mine = ids.Skip(pair * chunk).Take(chunk).ToList();
            return Task.Run(() => reviewer.RaceAsync(mine, tally, () => tally.Decided >= Cases, limit.Token));
        }).ToList();
        await Task.WhenAll(racers);
        var raced = clock.Elapsed - submitted;

        var answers = string.Join(Environment.NewLine, tally.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"  {a.Key}: {a.Value}"));
        output.WriteLine($"{Cases} cases submitted in {submitted.TotalSeconds:N1} s; {Reviewers} reviewers decided them in {raced.TotalSeconds:N1} s. Answers:{Environment.NewLine}{answers}");

        // The reviewers' view: no 5xx, nothing but 200/204 and clean 409 problems; races happened; one decision per case.
        Assert.True(tally.Unexpected.IsEmpty, string.Join(Environment.NewLine, tally.Unexpected));
        Assert.True(stats.Errors.IsEmpty, string.Join("; ", stats.Errors.Keys));
        Assert.All(tally.Answers.Keys, k => Assert.Matches(@"^(claim 200|act 200|next 200|next 204|(claim|act|next) 409 urn:workbench:problem:[a-z_\-]+)$", k));
        var lostRaces = tally.Answers.Where(a => a.Key.StartsWith("claim 409", StringComparison.Ordinal)).Sum(a => a.Value);
        Assert.True(lostRaces >= Cases / 2, $"Only {lostRaces} claims lost a race: the reviewers did not race.{Environment.NewLine}{answers}");
        Assert.Equal(Cases, tally.Decisions.Count);
        Assert.All(tally.Decisions.Values, n => Assert.Equal(1, n));

        // The database's view: one decided case, one case.decided audit event and one case.decided outbox row each.
        var idSet = ids.ToHashSet();
        var db = await _b.WithDbAsync(async db => new
        {
            Cases = await db.Cases.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.Status, c.Decision }).ToListAsync(),
            Decided = await db.AuditEvents.AsNoTracking().Where(e => e.Type == "case.decided").Select(e => e.CaseId).ToListAsync(),
            Outbox = await db.OutboxEvents.AsNoTracking().Where(e => e.Type == "case.decided").Select(e => e.CaseId).ToListAsync(),
            Actions = await db.ReviewActions.AsNoTracking().GroupBy(a => a.CaseId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(),
            Chain = await AuditChain.VerifyAsync(db),
        });
        Assert.Equal(Cases, db.Cases.Count);
        Assert.All(db.Cases, c =>
        {
            Assert.Equal(CaseStatus.Decided, c.Status);
            Assert.NotNull(c.Decision);
        });
        AssertOncePerCase(idSet, db.Decided, "case.decided audit events");
        AssertOncePerCase(idSet, db.Outbox, "case.decided outbox rows");
        // Every action a reviewer was told succeeded is stored, and none other (approvals of four-eyes cases included).
        Assert.Equal(tally.ActionsAccepted.OrderBy(x => x.Key).Select(x => (x.Key, x.Value)),
            db.Actions.Where(a => idSet.Contains(a.Key)).OrderBy(a => a.Key).Select(a => (a.Key, a.Count)));
        Assert.True(db.Chain.Intact, db.Chain.Break?.Message);
        Assert.True(db.Chain.EventsChecked >= 3 * Cases, $"{db.Chain.EventsChecked} events checked"); // submitted, claimed, decided at least
    }

    private static string Name(int i) => $"racer{i:D2}";

    private static void AssertOncePerCase(HashSet<Guid> ids, List<Guid?> caseIds, string what)
    {
        var counts = caseIds.Where(id => id is { } g && ids.Contains(g)).GroupBy(id => id!.Value).ToDictionary(g => g.Key, g => g.Count());
        var twice = counts.Where(c => c.Value != 1).Select(c => $"{c.Key}: {c.Value}").ToList();
        Assert.True(twice.Count == 0, $"{what} more than once: {string.Join(", ", twice.Take(5))}");
        Assert.True(counts.Count == ids.Count, $"{ids.Count - counts.Count} cases have no {what}");
    }

    /// <summary>
    /// 1,000 queued cases through the real intake (16 at a time, both instances): samples the policy queues, picked by
    /// submitting each sample once first.
    /// </summary>
    private async Task<List<Guid>> SubmitQueuedCasesAsync()
    {
        using var apiA = LiveApp.ApiClient(_addressA);
        using var apiB = LiveApp.ApiClient(_addressB);
        var prefixes = Samples.Files.Select(f => Path.GetFileName(f)[..4]).ToList();
        var queuing = new List<string>();
        var ids = new List<Guid>();
        foreach (var prefix in prefixes)
        {
            if (await SubmitAsync(apiA, prefix) is { Status: CaseStatus.Queued } receipt)
            {
                queuing.Add(prefix);
                ids.Add(receipt.Id);
            }
        }
        Assert.True(queuing.Count >= 5, $"Only {queuing.Count} samples queue.");
        var next = ids.Count;
        var more = await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            var mine = new List<Guid>();
            for (int n; (n = Interlocked.Increment(ref next)) <= Cases;)
            {
                var receipt = await SubmitAsync(n % 2 == 0 ? apiA : apiB, queuing[n % queuing.Count]);
                Assert.Equal(CaseStatus.Queued, receipt.Status);
                mine.Add(receipt.Id);
            }
            return mine;
        }));
        ids.AddRange(more.SelectMany(m => m));
        Assert.Equal(Cases, ids.Count);
        return ids;
    }

    private static async Task<CaseReceipt> SubmitAsync(HttpClient api, string prefix)
    {
        using var response = await api.PostAsync("/api/v1/cases", new StringContent(Samples.Json(prefix).ToJsonString(), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{prefix}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<CaseReceipt>(body, WorkbenchJson.Options)!;
    }
}

/// <summary>
/// Found by the race above: contexts come from a pool, and the transaction a concurrency conflict left open was
/// "rolled back" on the pooled context's next lease, long after the pool had disposed it (ObjectDisposedException,
/// or worse, Npgsql's reused transaction object belonging to another connection by then): 500s on PostgreSQL.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PooledAuditConflictTests(PostgresServer postgres)
{
    [Fact]
    public async Task After_a_conflict_in_an_audited_save_every_pooled_context_still_saves_on_PostgreSQL()
    {
        await using var app = new WorkbenchFactory
        {
            Settings =
            {
                ["Database:Provider"] = "Postgres",
                ["ConnectionStrings:Workbench"] = postgres.ConnectionString("pool_" + Guid.NewGuid().ToString("N")[..10]),
            },
        };
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

        await using (var first = await factory.CreateDbContextAsync())
        await using (var second = await factory.CreateDbContextAsync())
        {
            var a = await first.Cases.SingleAsync(c => c.Id == id);
            var b = await second.Cases.SingleAsync(c => c.Id == id);
            a.AssignedTo = "rita";
            a.Revision++;
            first.AuditEvents.Add(Web.Cases.Audit.Event("case.assigned", "lena", "lead", DateTimeOffset.UtcNow, id, new { to = "rita" }, "t1"));
            await first.SaveChangesAsync();
            b.AssignedTo = "mia";
            b.Revision++;
            second.AuditEvents.Add(Web.Cases.Audit.Event("case.assigned", "lena", "lead", DateTimeOffset.UtcNow, id, new { to = "mia" }, "t2"));
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
        }

        // Both contexts went back to the pool; each lease of them must save its audited change.
        for (var i = 0; i < 6; i++)
        {
            await using var next = await factory.CreateDbContextAsync();
            next.AuditEvents.Add(Web.Cases.Audit.Event("case.viewed", "lena", "lead", DateTimeOffset.UtcNow, id, new { }, $"p{i}"));
            Assert.Equal(1, await next.SaveChangesAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        }
        var report = await app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(report.Intact, report.Break?.Message);
    }
}
