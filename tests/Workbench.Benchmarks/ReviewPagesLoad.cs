using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workbench.Data;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Queues;
using Workbench.Web.Review;

namespace Workbench.Benchmarks;

/// <summary>
/// `review-pages`: the reads behind the reviewer's screens, in-process, on a SQLite file holding 100,000 open cases
/// spread over the seven queues (each with its evaluation, 3 review actions and 6 audit events). A load tool that
/// reports p50/p95/max; it asserts nothing.
/// </summary>
public static class ReviewPagesLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cases = Option(args, "--cases", 100_000);
        var iterations = Option(args, "--iterations", 200);
        var path = OptionText(args, "--db", Path.Combine(Path.GetTempPath(), "wb-review-pages.db"));
        var reuse = args.Contains("--reuse");
        var root = Processes.RepositoryRoot();

        await BusyDaySeeder.PrepareAsync(path, cases, reuse, root);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "Sqlite";
        builder.Configuration["ConnectionStrings:Workbench"] = $"Data Source={path}";
        builder.Logging.ClearProviders();
        builder.AddWorkbenchData();
        using var host = builder.Build();

        var dbFactory = host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var queries = new QueueQueries(dbFactory, new NoQueues(), TimeProvider.System);
        var details = new CaseDetails(dbFactory, new DecidedPolicies(dbFactory, new ActivePolicy()));
        var lead = new ReviewerIdentity("lena", true, null);

        var ids = await BusyDaySeeder.RandomIdsAsync(path, 1000);
        var busiest = BusyDaySeeder.Busiest;
        var reason = "MISSING_AUTH_SOURCE";
        var text = "refund";
        var filtered = new QueueFilter { ReasonCode = reason, Text = text };
        var (_, queueTotal) = await queries.PageAsync(busiest, QueueFilter.None, 0, 25, QueueSort.SlaDue, false, CancellationToken.None);
        var (_, textTotal) = await queries.PageAsync(busiest, new QueueFilter { Text = text }, 0, 25, QueueSort.SlaDue, false, CancellationToken.None);
        var (_, filteredTotal) = await queries.PageAsync(busiest, filtered, 0, 25, QueueSort.SlaDue, false, CancellationToken.None);

        var random = new Random(7);
        var scenarios = new (string Name, string Rows, Func<Task> Run)[]
        {
            ($"(a) queue page, first 25, SLA order, no filter — `{busiest}`", $"{queueTotal:N0} open", async () =>
                await queries.PageAsync(busiest, QueueFilter.None, 0, 25, QueueSort.SlaDue, false, CancellationToken.None)),
            ($"(b) queue page, reason `{reason}` + text \"{text}\"", $"{filteredTotal:N0} match", async () =>
                await queries.PageAsync(busiest, filtered, 0, 25, QueueSort.SlaDue, false, CancellationToken.None)),
            ($"(b') queue page, text \"{text}\" only (no index can help a substring: a scan of the queue)", $"{textTotal:N0} match", async () =>
                await queries.PageAsync(busiest, new QueueFilter { Text = text }, 0, 25, QueueSort.SlaDue, false, CancellationToken.None)),
            ("(a') queue page, first 25, sorted by priority", $"{queueTotal:N0} open", async () =>
                await queries.PageAsync(busiest, QueueFilter.None, 0, 25, QueueSort.Priority, true, CancellationToken.None)),
            ("(c) case page data (CaseDetails.LoadAsync), random case", "1 case, 3 actions, 6 events", async () =>
            {
                var detail = await details.LoadAsync(ids[random.Next(ids.Count)], lead);
                if (detail is null || detail.Actions.Count != 3 || detail.History.Count != 6)
                {
                    throw new InvalidOperationException("The case page read did not find the seeded case with its history.");
                }
            }),
        };

        Console.WriteLine();
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; SQLite file {path}; N={iterations} per scenario after 20 warm-up calls.");
        Console.WriteLine();
        Console.WriteLine("| scenario | rows | p50 ms | p95 ms | max ms |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var (name, rows, run) in scenarios)
        {
            for (var i = 0; i < 20; i++)
            {
                await run();
            }
            var times = new double[iterations];
            for (var i = 0; i < iterations; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await run();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(times);
            Console.WriteLine($"| {name} | {rows} | {Percentile(times, 0.50):N1} | {Percentile(times, 0.95):N1} | {times[^1]:N1} |");
        }
        return 0;
    }

    internal static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed class NoQueues : IQueueCatalog
    {
        public IReadOnlyList<QueueInfo> Queues => [];
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    internal static string OptionText(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
