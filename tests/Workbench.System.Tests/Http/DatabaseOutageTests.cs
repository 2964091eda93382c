using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Client;
using Workbench.Contracts;
using Workbench.Data;

namespace Workbench.System.Tests.Http;

/// <summary>
/// The database outage, bounded: the app in its own process on a PostgreSQL cluster of its own takes
/// 50 submissions/s through <see cref="WorkbenchClient.SubmitWithRetriesAsync"/> (429/503 retried after Retry-After
/// with the same Idempotency-Key); PostgreSQL is really stopped (<c>pg_ctl stop -m fast</c>) for 30 s under that
/// load and started again on the same port and data directory. Every HTTP answer and every health probe is recorded.
/// </summary>
public sealed class DatabaseOutageTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const double Rate = 50;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    private readonly PostgresServer _postgres = new();
    private readonly string _work = Directory.CreateTempSubdirectory("wb-outage-").FullName;
    private readonly int _port = Processes.FreePort();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public Task InitializeAsync() => _postgres.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>One HTTP exchange of a submission, as the client's handler saw it (every retry is one).</summary>
    private sealed record Exchange(string ExternalId, string? Key, TimeSpan Sent, TimeSpan Answered, int? Status, TimeSpan? RetryAfter,
        string? ContentType, string? ProblemType, string? Error = null);

    private sealed record Probe(bool Readiness, TimeSpan Sent, TimeSpan Answered, int? Status);

    /// <summary>Sits under the client, so it sees each attempt: the key and externalId sent, the status and the problem type.</summary>
    private sealed class Recorder(Stopwatch clock, ConcurrentQueue<Exchange> into) : DelegatingHandler(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromSeconds(5),
    })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var sent = clock.Elapsed;
            var key = request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null;
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(ct));
            var externalId = body.RootElement.GetProperty("externalId").GetString()!;
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, ct);
            }
            catch (Exception e)
            {
                into.Enqueue(new Exchange(externalId, key, sent, clock.Elapsed, null, null, null, null, e.GetType().Name + ": " + e.GetBaseException().Message));
                throw;
            }
            string? type = null;
            if (!response.IsSuccessStatusCode)
            {
                await response.Content.LoadIntoBufferAsync(ct);
                try
                {
                    using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    type = problem.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
                }
                catch (JsonException)
                {
                }
            }
            into.Enqueue(new Exchange(externalId, key, sent, clock.Elapsed, (int)response.StatusCode, response.Headers.RetryAfter?.Delta,
                response.Content.Headers.ContentType?.MediaType, type));
            return response;
        }
    }

    [Fact]
    public async Task PostgreSQL_stopped_for_30_s_under_load_gives_503_with_retry_after_and_loses_or_doubles_nothing()
    {
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Workbench"] = _postgres.ConnectionString("wb_outage"),
        };
        using var app = AppProcess.Start(_work, _port, settings);
        using var probeHttp = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await app.WaitReadyAsync(probeHttp);

        var exchanges = new ConcurrentQueue<Exchange>();
        using var http = new HttpClient(new Recorder(_clock, exchanges)) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var client = new WorkbenchClient(http, new WorkbenchClientOptions { ApiKey = Samples.DemoKey });
        var template = JsonSerializer.Deserialize<CaseSubmission>(Samples.Json(Samples.Queues).ToJsonString(), WorkbenchJson.Options)!;

        // Health for the whole run: readiness and liveness each in a loop of its own (a slow one never holds up the other).
        var probes = new ConcurrentQueue<Probe>();
        using var stopProbing = new CancellationTokenSource();
        Task ProbeLoop(string path, bool readiness) => Task.Run(async () =>
        {
            while (!stopProbing.IsCancellationRequested)
            {
                var sent = _clock.Elapsed;
                var status = await StatusOf(probeHttp, path);
                probes.Enqueue(new Probe(readiness, sent, _clock.Elapsed, status));
                await Task.Delay(100);
            }
        });
        var prober = Task.WhenAll(ProbeLoop("health/ready", readiness: true), ProbeLoop("health/live", readiness: false));

        // The load: 50/s until 8 s after PostgreSQL is back; each submission retried (same key) for up to 180 s.
        var acked = new ConcurrentDictionary<string, (Guid Id, bool Replayed, TimeSpan At)>();
        var failed = new ConcurrentDictionary<string, string>();
        var tried = new ConcurrentBag<string>();
        TimeSpan? stopBegan = null, stopDone = null, startBegan = null, startDone = null;
        var outage = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            stopBegan = _clock.Elapsed;
            await _postgres.StopAsync();
            stopDone = _clock.Elapsed;
            await Task.Delay(Outage);
            startBegan = _clock.Elapsed;
            await _postgres.StartAsync();
            startDone = _clock.Elapsed;
        });
        var load = new List<Task>();
        var loadStart = _clock.Elapsed;
        for (var n = 0; startDone is null || _clock.Elapsed < startDone + TimeSpan.FromSeconds(8); n++)
        {
            Assert.True(n < 5000, "The outage did not end: " + app.Output);
            var due = loadStart + TimeSpan.FromSeconds(n / Rate);
            await Pacing.UntilAsync(_clock, due);
            var externalId = $"outage-{n}";
            tried.Add(externalId);
            load.Add(Task.Run(async () =>
            {
                try
                {
                    var result = await client.SubmitWithRetriesAsync(template with { ExternalId = externalId }, TimeSpan.FromSeconds(180));
                    acked[externalId] = (result.Receipt.Id, result.Replayed, _clock.Elapsed);
                }
                catch (Exception e) when (e is WorkbenchApiException or HttpRequestException or TaskCanceledException)
                {
                    failed[externalId] = e.Message;
                }
            }));
        }
        await outage;
        await Task.WhenAll(load);
        await stopProbing.CancelAsync();
        await prober;
        Assert.False(app.HasExited, "The app died during the outage:\n" + app.Output);

        var all = exchanges.ToList();
        var during = (From: stopDone!.Value, To: startBegan!.Value);
        var context = $"stop {stopBegan:g}–{stopDone:g}, start {startBegan:g}–{startDone:g}; statuses " +
                      string.Join(", ", all.GroupBy(e => e.Status?.ToString() ?? "network").Select(g => $"{g.Key}: {g.Count()}"));
        output.WriteLine($"{tried.Count} submissions, {acked.Count} acknowledged ({acked.Count(a => a.Value.Replayed)} as replays); {context}; " +
                         $"{probes.Count(p => p.Readiness)} readiness probes, {probes.Count(p => p.Readiness && p.Status != 200)} not 200; " +
                         $"{probes.Count(p => !p.Readiness)} liveness probes");

        // Every answer is a receipt or a 503 problem detail with Retry-After: never a 500. On a machine shared with other
        // test runs (load average 60 on 2 cores) an answer can take longer than the client's 60 s: the client then
        // gives up on it (no answer) and retries with the same key, which may meet the first attempt still running
        // (409 in-flight). Both are the client's doing, and the end state below must still be exact.
        Assert.All(all, e => Assert.True(
            e.Status is 200 or 201 or 503 ||
            (e.Status == 409 && e.ProblemType == ProblemTypes.IdempotencyKeyInFlight) ||
            (e.Status is null && e.Error!.StartsWith(nameof(TaskCanceledException), StringComparison.Ordinal)),
            $"{e.ExternalId} sent at {e.Sent:g} got {e.Status?.ToString() ?? "no answer"} at {e.Answered:g} ({e.ProblemType ?? e.Error}); {context}"));
        var unavailable = all.Where(e => e.Status == 503).ToList();
        Assert.True(unavailable.Count >= 50, $"Only {unavailable.Count} answers were 503; {context}");
        Assert.All(unavailable, e =>
        {
            Assert.Equal(ProblemTypes.DatabaseUnavailable, e.ProblemType);
            Assert.Equal("application/problem+json", e.ContentType);
            Assert.NotNull(e.RetryAfter);
            Assert.InRange(e.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        });
        // While PostgreSQL was down nothing was acknowledged: a 201 then would be a case that does not exist.
        Assert.DoesNotContain(all, e => e.Status is 200 or 201 && e.Sent > during.From && e.Answered < during.To);
        Assert.Contains(all, e => e.Status == 503 && e.Sent > during.From && e.Answered < during.To);

        // Readiness is red for the whole outage and green again after it; liveness never wavers.
        // (On a machine shared with other test runs the app answers slowly while 1,500 clients retry: a few probes suffice.)
        var ready = probes.Where(p => p.Readiness).ToList();
        var readyDuring = ready.Where(p => p.Sent > during.From && p.Answered < during.To).ToList();
        Assert.True(readyDuring.Count >= 3, $"Only {readyDuring.Count} readiness probes during the outage; {context}");
        Assert.All(readyDuring, p => Assert.NotEqual(200, p.Status));
        Assert.Contains(ready, p => p.Sent > startDone && p.Status == 200);
        Assert.Contains(ready, p => p.Sent < stopBegan && p.Status == 200);
        var live = probes.Where(p => !p.Readiness).ToList();
        Assert.Contains(live, p => p.Sent > during.From && p.Sent < during.To && p.Status == 200);
        Assert.All(live, p => Assert.True(p.Status is null or 200, $"Liveness answered {p.Status} at {p.Answered:g}; {context}")); // null: the 30 s client timeout
        Assert.True(live.Count(p => p.Status == 200) > live.Count / 2, $"Liveness mostly unanswered; {context}");

        // After the restart submissions go through: new ones, and the ones that waited out the outage.
        Assert.Contains(all, e => e.Status == 201 && e.Sent > startDone);
        var rodeItOut = all.Where(e => e.Status == 503).Select(e => e.ExternalId).Distinct()
            .Count(id => acked.TryGetValue(id, out var a) && a.At > startBegan);
        Assert.True(rodeItOut >= 50, $"Only {rodeItOut} submissions got a 503 and were acknowledged after the restart; {context}");

        // Every submission was acknowledged in the end, each with one key on every attempt.
        Assert.Empty(failed);
        output.WriteLine($"{all.Count(e => e.Status is null)} exchanges without an answer within 60 s, {all.Count(e => e.Status == 409)} 409 in-flight");
        Assert.Equal(tried.Count, acked.Count);
        Assert.All(all.GroupBy(e => e.ExternalId), g => Assert.Single(g.Select(e => e.Key).Distinct()));
        Assert.All(all.GroupBy(e => e.Key), g => Assert.Single(g.Select(e => e.ExternalId).Distinct()));

        // The database: each externalId exactly once, the very case its receipt named, whole (evaluation, audit
        // event, idempotency key), and an audit chain that verifies.
        await using var db = new PostgresWorkbenchDbContext(new DbContextOptionsBuilder<PostgresWorkbenchDbContext>()
            .UseNpgsql(_postgres.ConnectionString("wb_outage")).Options);
        var cases = await db.Cases.AsNoTracking().Select(c => new { c.Id, c.ExternalId }).ToListAsync();
        Assert.Empty(cases.GroupBy(c => c.ExternalId).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Equal(tried.Order(StringComparer.Ordinal), cases.Select(c => c.ExternalId).Order(StringComparer.Ordinal));
        var byExternalId = cases.ToDictionary(c => c.ExternalId, c => c.Id);
        Assert.All(acked, a => Assert.Equal(byExternalId[a.Key], a.Value.Id));
        var ids = cases.Select(c => c.Id).ToHashSet();
        var evaluated = await db.PolicyEvaluations.AsNoTracking().Select(e => e.CaseId).ToListAsync();
        Assert.True(ids.SetEquals(evaluated), "Every case has exactly its one policy evaluation.");
        var submittedEvents = await db.AuditEvents.AsNoTracking().Where(a => a.Type == "case.submitted").Select(a => a.CaseId!.Value).ToListAsync();
        Assert.Equal(ids.Count, submittedEvents.Count);
        Assert.True(ids.SetEquals(submittedEvents), "Every case has its one case.submitted audit event.");
        var keyed = await db.IdempotencyKeys.AsNoTracking().Select(k => k.CaseId).ToListAsync();
        Assert.True(ids.SetEquals(keyed), "Every case has its idempotency key and every key its case.");
        var chain = await AuditChain.VerifyAsync(db);
        Assert.True(chain.Intact, chain.Break?.Message);
        Assert.True(chain.EventsChecked >= ids.Count);
    }

    private static async Task<int?> StatusOf(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
