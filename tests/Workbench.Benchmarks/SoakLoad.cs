using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Workbench.Simulator;

namespace Workbench.Benchmarks;

/// <summary>
/// <c>soak [--minutes 30] [--rate 20] [--reviewers 8] [--hub-clients 5] [--interval 10]</c>: a steady mixed load on the
/// real app in its own process (SQLite, Development): the simulator's AI systems submit at a steady rate (answering
/// questions, long-polling decisions, reporting outcomes, withdrawing a few), its reviewers work the queues through
/// the review API, every case carries a callback URL so the webhook dispatcher delivers to a local receiver that
/// verifies each signature, and a few reviewers' hub connections (SignalR over WebSockets) hear every event.
/// Every interval it samples, right after a full blocking GC in the app (what is still referenced, the figure a leak
/// moves — not garbage the GC has not got round to), the app's working set, GC heap, threads, handles, its open database connections (the
/// SQLite files the process holds open: the pool) and the intake p99 of that interval; then prints a table and a
/// verdict — flat when the last third of the samples after warm-up stays within the stated tolerance of the first
/// third. Exit code 0 when flat and (nearly) error-free, 1 otherwise: CI runs <c>--minutes 2</c>.
/// </summary>
public static class SoakLoad
{
    private sealed record Sample(double At, long WorkingSet, long GcHeap, int Threads, int Handles, int DbConnections, int Circuits,
        int Intake, double? IntakeP50, double? IntakeP99, long Decided, long Webhooks, long HubEvents);

    private sealed record Diagnostics(int Circuits, long Reconnections, int Subscribers, long WorkingSetBytes,
        long GcTotalMemoryBytes, long GcHeapSizeBytes, int Threads, int Handles);

    /// <summary>The tolerances of "flat" (last third vs first third of the samples after warm-up, means).</summary>
    public const string Tolerance = "GC heap ≤ ×1.25 + 16 MiB, working set ≤ ×1.20 + 32 MiB, threads ≤ +10, handles ≤ ×1.20 + 20, " +
        "DB connections ≤ the first third's highest ×1.5 + 2, intake p99 (median of the intervals) ≤ ×3 + 250 ms of the higher of the first third's and the whole run's";

    public static async Task<int> RunAsync(string[] args)
    {
        double minutes, rate, interval;
        int reviewers, hubClients;
        try
        {
            var unknown = args.Where((a, i) => i % 2 == 0 && a is not ("--minutes" or "--rate" or "--reviewers" or "--hub-clients" or "--interval")).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"unknown option {unknown[0]} (options: --minutes, --rate, --reviewers, --hub-clients, --interval).");
            }
            minutes = Arg(args, "--minutes", 30.0);
            rate = Arg(args, "--rate", 20.0);
            reviewers = (int)Arg(args, "--reviewers", 8.0);
            hubClients = (int)Arg(args, "--hub-clients", 5.0);
            interval = Arg(args, "--interval", 10.0);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"soak: {e.Message}");
            return 2;
        }
        if (minutes <= 0 || rate <= 0 || reviewers < 0 || hubClients < 0 || interval < 1)
        {
            Console.Error.WriteLine("soak: --minutes and --rate must be more than 0, --reviewers and --hub-clients 0 or more, --interval at least 1 (s).");
            return 2;
        }
        var duration = TimeSpan.FromMinutes(minutes);
        Console.WriteLine($"Soak: {minutes:0.##} min at {rate:0.#} cases/s, {reviewers} simulated reviewers, {hubClients} hub clients, " +
            $"webhooks to a local receiver; one app process on SQLite; sampled every {interval:0} s; {Environment.ProcessorCount} cores; " +
            $"load average {LoadAverage()}");

        var app = new AppServer();
        var hubs = new List<HubConnection>();
        try
        {
            await app.InitializeAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
            long hubEvents = 0;
            string[] people = ["rita", "mia", "lena", "felix", "sam"];
            string[] queues = ["policy-legal", "support", "support-exceptions", "finance", "security"];
            for (var i = 0; i < hubClients; i++)
            {
                var hub = await ReviewerHubAsync(new Uri(app.BaseUrl), people[i % people.Length]);
                hub.On<JsonElement>("caseEvent", _ => Interlocked.Increment(ref hubEvents));
                await hub.InvokeAsync("JoinQueue", queues[i % queues.Length]);
                hubs.Add(hub);
            }

            var options = new SimulatorOptions
            {
                BaseAddress = new Uri(app.BaseUrl + "/"),
                ApiKeys = [SimulatorOptions.DemoAgentKey], // the receiver verifies with demo-agent's webhook secret
                Rate = rate,
                Duration = duration,
                Drain = TimeSpan.FromSeconds(5),
                Reviewers = reviewers,
                HandleMedian = TimeSpan.FromSeconds(2),
                HandleSigma = 0.6,
                WebhookPort = Processes.FreePort(),
                SamplesPath = Path.Combine(AppServer.RepositoryRoot, "assets", "samples", "cases"),
                Seed = 20261125,
                Quiet = true,
            };
            var report = new StringWriter();
            var simulation = new Simulation(options, handlerFactory: null, report);
            var stats = simulation.Stats;

            var samples = new List<Sample>();
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource();
            var run = simulation.RunAsync(CancellationToken.None);
            var latencyIndex = 0;
            Console.WriteLine();
            Console.WriteLine("(memory sampled right after a full blocking GC; intake latency from when each submission was due)");
            Console.WriteLine("| s | working set MiB | GC heap MiB | threads | handles | DB conns | circuits | intake/interval | intake p50 ms | intake p99 ms | decided | webhooks | hub events |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(interval)));
                if (run.IsCompleted && clock.Elapsed < duration)
                {
                    break;
                }
                if (clock.Elapsed > duration)
                {
                    break; // the drain: no longer the steady load
                }
                var d = JsonSerializer.Deserialize<Diagnostics>(await http.GetStringAsync("/diagnostics/live?gc=true"), JsonSerializerOptions.Web)!;
                var latencies = stats.SubmitLatency.Since(ref latencyIndex);
                Array.Sort(latencies);
                var s = new Sample(clock.Elapsed.TotalSeconds, d.WorkingSetBytes, d.GcHeapSizeBytes, d.Threads, d.Handles,
                    DatabaseFiles(app.ProcessId), d.Circuits, latencies.Length, P(latencies, 0.50), P(latencies, 0.99),
                    Interlocked.Read(ref stats.ReviewDecided), Interlocked.Read(ref stats.WebhooksVerified), Interlocked.Read(ref hubEvents));
                samples.Add(s);
                Console.WriteLine($"| {s.At:N0} | {Mib(s.WorkingSet)} | {Mib(s.GcHeap)} | {s.Threads} | {s.Handles} | {s.DbConnections} | {s.Circuits} | " +
                    $"{s.Intake} | {Ms(s.IntakeP50)} | {Ms(s.IntakeP99)} | {s.Decided} | {s.Webhooks} | {s.HubEvents} |");
            }
            var final = await run;

            Console.WriteLine();
            Console.WriteLine($"submitted {final.Submitted:N0}, accepted {final.Accepted:N0}, decided by reviewers {final.ReviewDecided:N0}, " +
                $"webhooks verified {final.WebhooksVerified:N0} (rejected {final.WebhooksRejected:N0}), hub events {Interlocked.Read(ref hubEvents):N0}, " +
                $"intake p50 {Ms(final.SubmitLatency.Percentile(50))} / p99 {Ms(final.SubmitLatency.Percentile(99))} ms over the whole run, " +
                $"errors {final.Errors.Values.Sum():N0}{(final.Errors.IsEmpty ? "" : " (" + string.Join(", ", final.Errors.Select(e => $"{e.Key}: {e.Value}")) + ")")}");
            Console.WriteLine($"load average at the end: {LoadAverage()}");
            var (flat, reasons) = Verdict(samples, duration.TotalSeconds);
            var errorShare = final.Submitted == 0 ? 1 : (double)final.Errors.Values.Sum() / final.Submitted;
            var healthy = final.Accepted > 0 && errorShare <= 0.01 && final.WebhooksRejected == 0;
            Console.WriteLine($"tolerance: {Tolerance}; warm-up: the first 20 % of the run (at least 30 s)");
            foreach (var line in reasons)
            {
                Console.WriteLine("  " + line);
            }
            Console.WriteLine($"verdict: {(flat ? "FLAT" : "NOT FLAT")}; {(healthy ? "errors within 1 % of submissions, no forged webhook" : $"UNHEALTHY: error share {errorShare:P2}, webhooks rejected {final.WebhooksRejected}")}");
            return flat && healthy ? 0 : 1;
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
            await app.DisposeAsync();
        }
    }

    /// <summary>Last third vs first third of the samples after warm-up (means; p99 as the median of the intervals).</summary>
    private static (bool Flat, List<string> Lines) Verdict(List<Sample> samples, double seconds)
    {
        var warmUp = Math.Max(30, seconds * 0.2);
        var steady = samples.Where(s => s.At >= warmUp).ToList();
        if (steady.Count < 3)
        {
            return (false, [$"only {steady.Count} samples after the warm-up of {warmUp:N0} s: run longer or sample more often"]);
        }
        var third = steady.Count / 3;
        var first = steady.Take(third).ToList();
        var last = steady.Skip(steady.Count - third).ToList();
        var lines = new List<string>();
        var flat = true;
        void Check(string what, double a, double b, double limit, string unit)
        {
            var ok = b <= limit;
            flat &= ok;
            lines.Add($"{what}: first third {a:N1} {unit}, last third {b:N1} {unit}, limit {limit:N1} {unit} — {(ok ? "ok" : "GREW")}");
        }
        const double MiB = 1048576.0;
        Check("GC heap", first.Average(s => s.GcHeap) / MiB, last.Average(s => s.GcHeap) / MiB, first.Average(s => s.GcHeap) / MiB * 1.25 + 16, "MiB");
        Check("working set", first.Average(s => s.WorkingSet) / MiB, last.Average(s => s.WorkingSet) / MiB, first.Average(s => s.WorkingSet) / MiB * 1.20 + 32, "MiB");
        Check("threads", first.Average(s => s.Threads), last.Average(s => s.Threads), first.Average(s => s.Threads) + 10, "");
        Check("handles", first.Average(s => s.Handles), last.Average(s => s.Handles), first.Average(s => s.Handles) * 1.20 + 20, "");
        // A pool grows to the load's peak concurrency and stays there; a leak keeps growing past it.
        Check("DB connections", first.Average(s => s.DbConnections), last.Average(s => s.DbConnections), first.Max(s => s.DbConnections) * 1.5 + 2, "");
        // A shared machine's spikes move one interval's p99 by seconds; a degradation moves the whole last third. The bar
        // is the higher of the first third's and the whole steady run's median, so one quiet first third cannot make it tight.
        var p99First = Median(first.Select(s => s.IntakeP99 ?? 0));
        var p99Last = Median(last.Select(s => s.IntakeP99 ?? 0));
        var p99Bar = Math.Max(p99First, Median(steady.Select(s => s.IntakeP99 ?? 0)));
        Check("intake p99", p99First, p99Last, p99Bar * 3 + 250, "ms");
        return (flat, lines);
    }

    /// <summary>SQLite connections the app holds open (its pool): the process's descriptors on the database file.</summary>
    private static int DatabaseFiles(int pid)
    {
        var count = 0;
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                try
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.EndsWith("workbench.db", StringComparison.Ordinal))
                    {
                        count++;
                    }
                }
                catch (IOException)
                {
                    // closed while we looked
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
        return count;
    }

    private static async Task<HubConnection> ReviewerHubAsync(Uri baseAddress, string user)
    {
        var cookies = new CookieContainer();
        using (var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress })
        {
            using var response = await DevSignIn.PostAsync(browser, user);
            if (response.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"Sign-in as {user} failed: {(int)response.StatusCode}");
            }
        }
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/queues"), HttpTransportType.WebSockets, o => o.Cookies = cookies)
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double? P(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double? ms) => ms is { } v ? v.ToString("N1", CultureInfo.InvariantCulture) : "–";

    private static double Arg(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        if (i < 0)
        {
            return fallback;
        }
        return i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ArgumentException($"{name} needs a number.");
    }
}
