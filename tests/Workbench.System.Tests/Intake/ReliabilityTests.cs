using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Client;
using Workbench.Contracts;
using Workbench.Data;

namespace Workbench.System.Tests.Intake;

/// <summary>
/// "No acked case lost", bounded: the app in its own process on SQLite, and again on PostgreSQL, takes
/// submissions at up to 300/s and is killed with SIGKILL three times mid-load (once each round has 40 acks); every
/// case that was answered 201 must exist afterwards with its policy evaluation and its audit event, and no
/// externalId may exist twice.
/// </summary>
public sealed class ReliabilityTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("wb-kill-").FullName;
    private readonly int _port = Processes.FreePort();

    private string DatabasePath => Path.Combine(_work, "wb.db");

    private Dictionary<string, string> Settings(PostgresServer? postgres) => postgres is null
        ? new() { ["ConnectionStrings__Workbench"] = $"Data Source={DatabasePath}" }
        : new() { ["Database__Provider"] = "Postgres", ["ConnectionStrings__Workbench"] = postgres.ConnectionString("wb_kill") };

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task No_acked_case_is_lost_when_the_app_is_killed_three_times(string provider)
    {
        PostgresServer? postgres = null;
        if (provider == "Postgres")
        {
            postgres = new PostgresServer(); // a cluster of its own: the app's connections die with each kill
            await postgres.InitializeAsync();
        }
        try
        {
            await KillThreeTimesAsync(postgres);
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
        }
    }

    private async Task KillThreeTimesAsync(PostgresServer? postgres)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_port}/"),
            Timeout = TimeSpan.FromSeconds(15),
        };
        var client = new WorkbenchClient(http, new WorkbenchClientOptions { ApiKey = Samples.DemoKey });
        var template = JsonSerializer.Deserialize<CaseSubmission>(Samples.Json(Samples.Queues).ToJsonString(), WorkbenchJson.Options)!;
        var acked = new ConcurrentDictionary<Guid, string>();
        var refused = 0;

        for (var round = 0; round < 3; round++)
        {
            using var app = AppProcess.Start(_work, _port, Settings(postgres));
            try
            {
                await app.WaitReadyAsync(http);
                // 300/s; the kill lands once this round has 40 acks (on a slow machine: after 8 s once it has any, and
                // after 30 s in any case), while submissions are in flight, and 60 more follow it into the dead port.
                var before = acked.Count;
                var load = new List<Task>();
                var clock = Stopwatch.StartNew();
                var sentAfterKill = 0;
                for (var n = 0; n < 12_000 && sentAfterKill < 60; n++)
                {
                    var due = TimeSpan.FromSeconds(n / 300.0);
                    await Pacing.UntilAsync(clock, due);
                    if (app.HasExited)
                    {
                        sentAfterKill++;
                    }
                    else if (acked.Count - before >= 40 || (acked.Count > before && clock.Elapsed > TimeSpan.FromSeconds(8)) ||
                             clock.Elapsed > TimeSpan.FromSeconds(30))
                    {
                        app.Kill(); // SIGKILL
                    }
                    var externalId = $"kill-{round}-{n}";
                    load.Add(Task.Run(async () =>
                    {
                        try
                        {
                            var receipt = (await client.SubmitAsync(template with { ExternalId = externalId })).Receipt;
                            acked[receipt.Id] = externalId;
                        }
                        // IOException: the kill landed while the receipt's body was being read (HttpIOException).
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or WorkbenchApiException or IOException)
                        {
                            Interlocked.Increment(ref refused);
                        }
                    }));
                }
                app.Kill();
                await Task.WhenAll(load);
                await app.Process.WaitForExitAsync();
            }
            finally
            {
                app.Kill();
            }
        }

        Assert.NotEmpty(acked);
        Assert.True(refused > 0, "Every submission was acked: the kills did not land during the load.");
        using (var last = AppProcess.Start(_work, _port, Settings(postgres)))
        {
            await last.WaitReadyAsync(http); // the database opens and migrates cleanly after the kills
        }

        await using WorkbenchDbContext db = postgres is null
            ? new SqliteWorkbenchDbContext(new DbContextOptionsBuilder<SqliteWorkbenchDbContext>().UseSqlite($"Data Source={DatabasePath}").Options)
            : new PostgresWorkbenchDbContext(new DbContextOptionsBuilder<PostgresWorkbenchDbContext>().UseNpgsql(postgres.ConnectionString("wb_kill")).Options);
        var ids = acked.Keys.ToList();
        var cases = await db.Cases.Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync();
        var evaluations = await db.PolicyEvaluations.Where(e => ids.Contains(e.CaseId)).Select(e => e.CaseId).Distinct().ToListAsync();
        var audited = await db.AuditEvents.Where(a => a.Type == "case.submitted" && a.CaseId != null && ids.Contains(a.CaseId.Value))
            .Select(a => a.CaseId!.Value).Distinct().ToListAsync();
        Assert.Empty(ids.Except(cases));
        Assert.Empty(ids.Except(evaluations));
        Assert.Empty(ids.Except(audited));
        var twice = await db.Cases.GroupBy(c => c.ExternalId).Where(g => g.Count() > 1).Select(g => g.Key).ToListAsync();
        Assert.Empty(twice);
    }

    public void Dispose()
    {
        SqlitePools.Clear(DatabasePath);
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
