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
using Workbench.Web.Cases;
using Workbench.Web.Sla;

namespace Workbench.Benchmarks;

/// <summary>
/// `board-alerts`: the board's alerts and costs (BoardAlerts.SnapshotAsync: breaches per queue, audit chain, four-eyes
/// disagreement, cost per resolved case by path), the snapshot (BoardQueries) and the whole page (both, as /board loads
/// them) on the SQLite file the `board` command seeded (run it first; the same `--db`). Prints the cost figures and, per
/// scenario, p50/p95/max and the CPU time per call. A load tool; it asserts nothing.
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
        var root = Processes.RepositoryRoot();
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

        var board = new BoardQueries(dbFactory, active, TimeProvider.System, new Fixed<BoardOptions>(new BoardOptions()));

        var page = await board.SnapshotAsync();
        var handle = page.HandleTime;
        var first = await alerts.SnapshotAsync(handle);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; SQLite file {path} ({cases:N0} cases); " +
                          $"N={iterations} per scenario after 10 warm-up calls.");
        Console.WriteLine($"Snapshot: {first.Breaches.Sum(b => b.Count):N0} breached in {first.Breaches.Count} queues, " +
                          $"{first.Costs.Sum(c => c.Week.Resolved):N0} resolved in 7 days over {first.Costs.Count} paths, disagreement alert: {first.Disagreement?.Title ?? "none"}; " +
                          $"handle time {handle.TotalMinutes:N1} min.");
        // The cost figures, to compare runs of different code on the same data.
        Console.WriteLine("| path | today: resolved, actions, reviewer, model, other currency | 7 days: resolved, actions, reviewer, model, other currency |");
        Console.WriteLine("|---|---|---|");
        foreach (var c in first.Costs)
        {
            Console.WriteLine($"| {c.Path} | {Period(c.Today)} | {Period(c.Week)} |");
        }

        var rows = new List<string>();
        rows.Add(await TimeAsync($"board snapshot (BoardQueries), {cases:N0} cases", iterations, () => board.SnapshotAsync()));
        rows.Add(await TimeAsync($"alerts and costs (BoardAlerts), {cases:N0} cases", iterations, () => alerts.SnapshotAsync(handle)));
        // What /board loads: the snapshot, then the alerts with the handle time the snapshot measured (Board.razor).
        rows.Add(await TimeAsync($"**whole page** (snapshot, then alerts), {cases:N0} cases", iterations, async () =>
        {
            var b = await board.SnapshotAsync();
            await alerts.SnapshotAsync(b.HandleTime);
        }));
        Console.WriteLine();
        Console.WriteLine("| scenario | p50 ms | p95 ms | max ms | CPU ms per call | load avg before / after |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }
        return 0;
    }

    private static string Period(PeriodCost p) =>
        $"{p.Resolved:N0}, {p.ReviewActions:N0}, {p.ReviewerCost:N2}, {p.ModelCost:N6}, {p.OtherCurrency:N0}";

    /// <summary>p50/p95/max wall time and the process's CPU time per call (on a shared machine the wall clock includes waiting for a core).</summary>
    private static async Task<string> TimeAsync(string scenario, int iterations, Func<Task> call)
    {
        // Ten warm-up calls: with three the first scenario still ran partly in unoptimized (tier-0) code.
        for (var i = 0; i < 10; i++)
        {
            await call();
        }
        var times = new double[iterations];
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var loadBefore = LoadAverage();
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / iterations;
        Array.Sort(times);
        return $"| {scenario} | {P(times, 0.50):N1} | {P(times, 0.95):N1} | {times[^1]:N1} | {cpu:N1} | {loadBefore} / {LoadAverage()} |";
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double P(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
