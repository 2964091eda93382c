using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data;

namespace Workbench.Web.Tests.Health;

/// <summary>
/// SQLite held by someone else: another process (python3's sqlite3, as an operator's tool or a backup would) holds
/// <c>BEGIN EXCLUSIVE</c> on the app's database file. Writes wait for the lock within the busy timeout
/// (<c>Database:Sqlite:BusyTimeout</c>, 2 s here) and then answer 503 with Retry-After, writing nothing; readiness says
/// what those writes meet. Left at Microsoft.Data.Sqlite's 30 s command timeout (it retries a busy statement that long,
/// on top of SQLite's own wait), the first 503 would come after about 30 s.
/// </summary>
public sealed class SqliteBusyTests
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(2);

    private static WorkbenchFactory App() => new()
    {
        Settings =
        {
            ["Database:Sqlite:BusyTimeout"] = "00:00:02",
            ["Webhooks:DispatcherEnabled"] = "false",
        },
    };

    [Fact]
    public async Task Writes_behind_another_process_exclusive_lock_answer_503_within_the_busy_timeout_and_write_nothing()
    {
        await using var app = App();
        await app.SubmitSampleAsync(Samples.Queues);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(app)).Status);
        var adam = await app.SignedInAs("adam");
        var before = await app.RowCountsAsync();

        var keys = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var bodies = keys.Select(_ => Samples.Json(Samples.Queues).ToJsonString()).ToArray();
        await using (await ExclusiveLock.HoldAsync(app.DatabasePath))
        {
            // Three submissions (the group commit) and an admin act (a SaveChanges behind the in-process write gate), at once.
            var writes = keys.Select((key, i) => TimedAsync(() => SubmitAsync(app, bodies[i], key))).ToList();
            writes.Add(TimedAsync(() => adam.PostAsync("/api/v1/admin/api-keys", new StringContent(
                """{"id":"while-locked","displayName":"While locked","scopes":["cases:submit"]}""", Encoding.UTF8, "application/json"))));
            var ready = TimedAsync(async () => (await ReadyAsync(app)).Response);
            foreach (var (response, elapsed) in await Task.WhenAll(writes))
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} after {elapsed}: {body}");
                Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
                Assert.Equal(ProblemTypes.DatabaseUnavailable, JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
                // It waited for the lock, and gave up after about the busy timeout (30 s before), not several of them.
                Assert.InRange(elapsed, BusyTimeout * 0.75, TimeSpan.FromSeconds(12));
            }
            var (readiness, readyAfter) = await ready;
            using var report = JsonDocument.Parse(await readiness.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
            var database = report.RootElement.GetProperty("checks").GetProperty("database");
            Assert.Equal("unhealthy", database.GetProperty("status").GetString());
            Assert.Contains("cannot take a write", database.GetProperty("description").GetString());
            Assert.InRange(readyAfter, BusyTimeout * 0.75, TimeSpan.FromSeconds(12));
        }

        Assert.Equal(before, await app.RowCountsAsync());
        Assert.False(await app.WithDbAsync(db => db.ApiClients.AnyAsync(c => c.Id == "while-locked")));
        Assert.False(await app.WithDbAsync(db => db.HealthProbes.AnyAsync()));
        // The lock released, the same request with the same key is taken, and readiness is back.
        using var retried = await SubmitAsync(app, bodies[0], keys[0]);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(app)).Status);
        Assert.Equal(before.Cases + 1, (await app.RowCountsAsync()).Cases);
    }

    [Fact]
    public async Task Readiness_agrees_with_writes_when_the_file_can_no_longer_be_opened_anew()
    {
        // The database's folder made unreachable while the instance runs: new connections to the file fail, the pooled
        // ones every request uses go on working. (The tests run as root, for whom an unreadable folder is readable, so
        // the folder is moved away, which fails a new open the same way.) Readiness must say what writes do: they work.
        await using var app = App();
        await app.SubmitSampleAsync(Samples.Queues);
        // Several connections into the pool, so that no request below (nor a background worker beside it) needs a new
        // one. They are held open together: SQLite's async calls complete synchronously, so contexts opened one after
        // another would all reuse one pooled connection.
        var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var held = new List<WorkbenchDbContext>();
        for (var i = 0; i < 16; i++)
        {
            var db = await factory.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            held.Add(db);
        }
        foreach (var db in held)
        {
            await db.DisposeAsync();
        }
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(app)).Status);

        var folder = Path.GetDirectoryName(app.DatabasePath)!;
        var away = folder + "-away";
        Directory.Move(folder, away);
        try
        {
            var opened = Assert.ThrowsAny<SqliteException>(() =>
            {
                using var fresh = new SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadWrite;Pooling=False");
                fresh.Open();
            });
            Assert.Equal(14, opened.SqliteErrorCode); // SQLITE_CANTOPEN

            var (status, _) = await ReadyAsync(app);
            using var submitted = await SubmitAsync(app, Samples.Json(Samples.Queues).ToJsonString(), Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            Directory.Move(away, folder);
        }
    }

    private static async Task<(HttpStatusCode Status, HttpResponseMessage Response)> ReadyAsync(WorkbenchFactory app)
    {
        var response = await app.CreateClient().GetAsync("/health/ready");
        return (response.StatusCode, response);
    }

    private static async Task<HttpResponseMessage> SubmitAsync(WorkbenchFactory app, string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return await app.ApiClient().SendAsync(request);
    }

    private static async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> TimedAsync(Func<Task<HttpResponseMessage>> send)
    {
        var clock = Stopwatch.StartNew();
        var response = await send();
        return (response, clock.Elapsed);
    }

    /// <summary>A python3 process holding <c>BEGIN EXCLUSIVE</c> on the file until disposed, when it rolls back and exits.</summary>
    private sealed class ExclusiveLock : IAsyncDisposable
    {
        private const string Script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            c.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.readline()
            c.execute("ROLLBACK")
            print("released", flush=True)
            """;

        private readonly Process _process;

        private ExclusiveLock(Process process) => _process = process;

        public static async Task<ExclusiveLock> HoldAsync(string database)
        {
            var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(Script);
            psi.ArgumentList.Add(database);
            var process = Process.Start(psi)!;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
            if (line != "locked")
            {
                process.Kill();
                throw new InvalidOperationException($"python3 did not lock {database}: {line} {await process.StandardError.ReadToEndAsync()}");
            }
            return new ExclusiveLock(process);
        }

        public async ValueTask DisposeAsync()
        {
            await _process.StandardInput.WriteLineAsync();
            await _process.StandardInput.FlushAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await _process.StandardOutput.ReadLineAsync(deadline.Token);
            await _process.WaitForExitAsync(deadline.Token);
            _process.Dispose();
            Assert.Equal("released", line);
        }
    }
}
