using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workbench.Core.Policy;
using Workbench.Data;
using Workbench.Web.Cases;
using Workbench.Web.Sla;

namespace Workbench.Benchmarks;

/// <summary>
/// `board`: the lead board's queries (BoardQueries.SnapshotAsync, every figure of the page in one call) on a SQLite
/// file holding 1,000,000 cases over 30 days (default): ~98 % decided, the rest open, with the decisions of the last
/// two days as review actions (one in twenty of them four-eyes, with a second action), 80 % with a model cost (USD or
/// EUR). Seeded with raw ADO.NET. A load tool that reports p50/p95/max; it asserts nothing.
/// </summary>
public static class BoardLoad
{
    private static readonly (string Queue, int Share)[] Queues =
        [("support", 30), ("support-exceptions", 15), ("finance", 15), ("policy-legal", 12), ("security", 10), ("brand", 8), ("spot-check", 10)];

    private static readonly string[] Reviewers = ["rita", "felix", "mia", "sam", "nora", "omar"];

    private static readonly string[] Codes =
        ["MISSING_AUTH_SOURCE", "MULTI_POLICY_CONFLICT", "AMBIGUOUS_USER_INTENT", "IRREVERSIBLE_ACTION", "HIGH_VALUE_TRANSACTION", "CRITICAL_TIER", "STALE_EVIDENCE", "UNGROUNDED_CLAIMS"];

    public static async Task<int> RunAsync(string[] args)
    {
        var cases = ReviewPagesLoad.Option(args, "--cases", 1_000_000);
        var days = ReviewPagesLoad.Option(args, "--days", 30);
        var iterations = ReviewPagesLoad.Option(args, "--iterations", 30);
        var path = ReviewPagesLoad.OptionText(args, "--db", Path.Combine(Path.GetTempPath(), "wb-board.db"));
        var reuse = args.Contains("--reuse");
        var root = Processes.RepositoryRoot();

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "Sqlite";
        builder.Configuration["ConnectionStrings:Workbench"] = $"Data Source={path}";
        builder.Logging.ClearProviders();
        builder.AddWorkbenchData();
        using var host = builder.Build();

        var policy = PolicyLoader.Load(await File.ReadAllTextAsync(Path.Combine(root, "assets", "policies", "default.yaml"))).Policy
            ?? throw new InvalidOperationException("The default policy does not load.");
        var now = DateTimeOffset.UtcNow;
        if (!reuse || !File.Exists(path))
        {
            foreach (var f in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(f);
            }
            await host.Services.MigrateWorkbenchDatabaseAsync();
            var watch = Stopwatch.StartNew();
            var (open, actions) = await SeedAsync(path, cases, days, policy.Version, now);
            Console.WriteLine($"Seeded {cases:N0} cases over {days} days ({open:N0} open, {actions:N0} review actions) in {watch.Elapsed.TotalSeconds:N1} s; file {new FileInfo(path).Length / 1024 / 1024:N0} MiB.");
        }
        else
        {
            await host.Services.MigrateWorkbenchDatabaseAsync();
        }

        var dbFactory = host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("ANALYZE;");
        }
        var active = new ActivePolicy();
        active.Activate(policy);
        var board = new BoardQueries(dbFactory, active, TimeProvider.System, new Fixed<BoardOptions>(new BoardOptions()));

        var first = await board.SnapshotAsync();
        Console.WriteLine();
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; SQLite file {path}; " +
                          $"N={iterations} after 3 warm-up calls.");
        Console.WriteLine($"Snapshot: {first.Queues.Sum(q => q.Open):N0} open, {first.ArrivalsPerHour.Sum():N0} arrivals and {first.CompletionsPerHour.Sum():N0} completions in 24 h, " +
                          $"{first.Paths.Sum(p => p.Decided):N0} decisions sampled for p50/p90, {first.Reviewers.Count} reviewers, {first.Bottlenecks.Count} bottleneck alerts.");
        for (var i = 0; i < 3; i++)
        {
            await board.SnapshotAsync();
        }
        var times = new double[iterations];
        // The process's CPU time over the timed calls: on a shared machine the wall clock includes waiting for a core,
        // the CPU time per snapshot does not.
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var loadBefore = LoadAverage();
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await board.SnapshotAsync();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        process.Refresh();
        var cpuPerSnapshot = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / iterations;
        Array.Sort(times);
        Console.WriteLine();
        Console.WriteLine($"Load average (1 min) before / after the timed calls: {loadBefore} / {LoadAverage()}.");
        Console.WriteLine("| scenario | p50 ms | p95 ms | max ms | CPU ms per snapshot |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine($"| board snapshot (all figures of /board), {cases:N0} cases | {P(times, 0.50):N1} | {P(times, 0.95):N1} | {times[^1]:N1} | {cpuPerSnapshot:N1} |");
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double P(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<(int Open, int Actions)> SeedAsync(string path, int count, int days, string version, DateTimeOffset now)
    {
        var random = new Random(42);
        // The model costs and four-eyes reviews draw from their own stream, so the cases are the same as before they were added.
        var extra = new Random(7);
        var totalShare = Queues.Sum(q => q.Share);
        var bulk = await BusyDaySeeder.OpenBulkAsync(path);
        await using var connection = bulk.Connection;
        await using var tx = bulk.Transaction;
        var insertCase = BusyDaySeeder.Command(connection, tx, "cases",
            "Id", "ClientId", "ExternalId", "Workflow", "TaskType", "RiskTier", "Status", "Queue", "Priority", "ReleaseOutcome", "ExecuteOutcome",
            "ReasonCodes", "SlaDueAt", "SlaStartedAt", "SlaState", "ApprovalsRequired", "SpotCheck", "RequesterId", "RequesterAuthenticated",
            "RequestPreview", "SubmissionJson", "PolicyVersion", "CreatedAt", "UpdatedAt", "ClaimedBy", "ApprovedBy", "Revision", "Decision", "DecidedAt",
            "ModelCostAmount", "ModelCostCurrency");
        var insertAction = BusyDaySeeder.Command(connection, tx, "review_actions", "CaseId", "Kind", "Reviewer", "At");
        var open = 0;
        var actions = 0;
        var span = TimeSpan.FromDays(days);
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid().ToString().ToUpperInvariant();
            var pick = random.Next(totalShare);
            var queue = Queues.First(q => (pick -= q.Share) < 0).Queue;
            // Arrivals spread evenly over the period, so the last day holds 1/days of them.
            var created = now - span * (1 - (i + random.NextDouble()) / count);
            var sla = created + TimeSpan.FromHours(random.Next(1, 25));
            var handle = TimeSpan.FromMinutes(random.Next(5, 60 * 30));
            var decided = created + handle;
            var isOpen = decided > now || random.Next(1000) < 5;
            var reviewer = Reviewers[random.Next(Reviewers.Length)];
            var claimed = isOpen && random.Next(10) == 0 ? reviewer : null;
            var status = isOpen ? (claimed is null ? "queued" : "in_review") : "decided";
            open += isOpen ? 1 : 0;
            var reasons = random.Next(3) == 0 ? $" {Codes[random.Next(Codes.Length)]} {Codes[random.Next(Codes.Length)]} " : $" {Codes[random.Next(Codes.Length)]} ";
            var path_ = random.Next(3) == 0 ? "handoff" : "await_approval";
            // 70 % report a model cost in USD (up to 0.5 with six decimals), 10 % in EUR, the rest none; of the decisions
            // of the last two days, one in twenty is a four-eyes case with two review actions.
            var costPick = extra.Next(10);
            decimal? cost = costPick < 8 ? extra.Next(1, 500_000) / 1_000_000m : null;
            var currency = costPick < 7 ? "USD" : costPick < 8 ? "EUR" : null;
            var withActions = !isOpen && decided > now.AddDays(-2);
            var fourEyes = withActions && extra.Next(20) == 0;
            BusyDaySeeder.Run(insertCase, id, "demo-agent", $"board-{i:D7}", "support.refund", "refund", 2, status, queue, 1, path_, path_,
                reasons, sla.UtcTicks, created.UtcTicks, !isOpen ? (decided > sla ? "breached" : "on_track") : sla < now ? "breached" : "on_track",
                fourEyes ? 2 : 1, 0, "user-1", 1, "Refund request", "{}", version, created.UtcTicks, (isOpen ? created : decided).UtcTicks, claimed, " ", 3,
                isOpen ? null : random.Next(4) == 0 ? "rejected" : "approved", isOpen ? null : decided.UtcTicks, cost, currency);
            if (withActions)
            {
                if (fourEyes)
                {
                    // The first approval, by another reviewer; the decision below is the second (a reject: a disagreement).
                    BusyDaySeeder.Run(insertAction, id, "approve", Reviewers[(Array.IndexOf(Reviewers, reviewer) + 1) % Reviewers.Length], decided.AddMinutes(-extra.Next(1, 120)).UtcTicks);
                    actions++;
                }
                BusyDaySeeder.Run(insertAction, id, random.Next(4) == 0 ? "reject" : "approve", reviewer, decided.UtcTicks);
                actions++;
            }
        }
        await tx.CommitAsync();
        return (open, actions);
    }

    private sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
