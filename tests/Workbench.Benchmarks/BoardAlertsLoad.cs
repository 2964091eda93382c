using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workbench.Core.Policy;
using Workbench.Data;
using Workbench.Web.Auditing;
using Workbench.Web.Board;
using Workbench.Web.Intake;

namespace Workbench.Benchmarks;

/// <summary>
/// `board-alerts`: the board's alerts and costs (BoardAlerts.SnapshotAsync: breaches per queue, audit chain, four-eyes
/// disagreement, cost per resolved case by path) on the SQLite file the `board` command seeded (run it first; the same
/// `--db`). A load tool that reports p50/p95/max; it asserts nothing.
/// </summary>
public static class BoardAlertsLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = ReviewPagesLoad.Option(args, "--iterations", 30);
        var path = ReviewPagesLoad.OptionText(args, "--db", Path.Combine(Path.GetTempPath(), "wb-board.db"));
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"{path} does not exist: seed it first with `-- board` (same --db), then run `-- board-alerts`.");
            return 2;
        }
        var root = ReviewPagesLoad.FindRoot();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "Sqlite";
        builder.Configuration["ConnectionStrings:Workbench"] = $"Data Source={path}";
        builder.Logging.ClearProviders();
        builder.AddWorkbenchData();
        using var host = builder.Build();
        await host.Services.MigrateWorkbenchDatabaseAsync();
        var dbFactory = host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        int cases;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("ANALYZE;");
            cases = await db.Cases.CountAsync();
        }
        var policy = PolicyLoader.Load(await File.ReadAllTextAsync(Path.Combine(root, "assets", "policies", "default.yaml"))).Policy
            ?? throw new InvalidOperationException("The default policy does not load.");
        var active = new ActivePolicy();
        active.Activate(policy);
        var alerts = new BoardAlerts(dbFactory, active, new AuditVerifier(dbFactory, TimeProvider.System, NullLogger<AuditVerifier>.Instance),
            TimeProvider.System, new Fixed<BoardOptions>(new BoardOptions()), new Fixed<BoardAlertOptions>(new BoardAlertOptions()));

        var handle = TimeSpan.FromMinutes(10);
        var first = await alerts.SnapshotAsync(handle);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; SQLite file {path} ({cases:N0} cases); " +
                          $"N={iterations} after 3 warm-up calls.");
        Console.WriteLine($"Snapshot: {first.Breaches.Sum(b => b.Count):N0} breached in {first.Breaches.Count} queues, " +
                          $"{first.Costs.Sum(c => c.Week.Resolved):N0} resolved in 7 days over {first.Costs.Count} paths, disagreement alert: {first.Disagreement is not null}.");
        for (var i = 0; i < 3; i++)
        {
            await alerts.SnapshotAsync(handle);
        }
        var times = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await alerts.SnapshotAsync(handle);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine();
        Console.WriteLine("| scenario | p50 ms | p95 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| board alerts and costs, {cases:N0} cases | {P(times, 0.50):N1} | {P(times, 0.95):N1} | {times[^1]:N1} |");
        return 0;
    }

    private static double P(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
