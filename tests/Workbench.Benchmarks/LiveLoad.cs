using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Workbench.Benchmarks;

/// <summary>
/// Live updates measured in a real browser against the real app process(es).
/// <para><c>live-latency [--cases 200] [--rate 10] [--instances 1|2]</c>: submits cases through the API at a steady rate
/// while a reviewer's queue page is open, and reports the time from each 201 to the case's row being in the page
/// (a MutationObserver in the page stamps each case id when its row appears). With two instances, A takes the
/// submissions and the page is on B (PostgreSQL + Redis).</para>
/// <para><c>live-soak [--pages 30] [--events 2000] [--seconds 300]</c>: that many open pages while the events arrive
/// at a steady rate; the app's memory, threads and handles sampled from its Development diagnostics endpoint; then
/// the pages close and the circuits must go to zero.</para>
/// </summary>
public static class LiveLoad
{
    private const string Observer = """
        () => {
          window.__seen = {};
          const scan = () => {
            const t = performance.timeOrigin + performance.now();
            for (const a of document.querySelectorAll('a.wb-case-link')) {
              const id = a.textContent.trim();
              if (id.startsWith('lat-') && !(id in window.__seen)) { window.__seen[id] = t; }
            }
          };
          new MutationObserver(scan).observe(document.querySelector('main'), { childList: true, subtree: true, characterData: true });
        }
        """;

    public static async Task<int> LatencyAsync(string[] args)
    {
        var cases = Arg(args, "--cases", 200);
        var rate = Arg(args, "--rate", 10);
        var instances = Arg(args, "--instances", 1);
        Console.WriteLine($"Live latency: {cases} cases at {rate}/s, {(instances == 2 ? "submitted to A, page open on B (PostgreSQL + Redis)" : "one instance (SQLite)")}; {Environment.ProcessorCount} cores");

        TwoInstances? two = null;
        AppServer? one = null;
        await using var browser = new BrowserHost();
        try
        {
            string submitTo, pageOn;
            if (instances == 2)
            {
                two = new TwoInstances();
                await two.InitializeAsync();
                (submitTo, pageOn) = (two.A.BaseUrl, two.B.BaseUrl);
            }
            else
            {
                one = new AppServer();
                await one.InitializeAsync();
                (submitTo, pageOn) = (one.BaseUrl, one.BaseUrl);
            }
            await browser.StartAsync();
            var page = await browser.SignedInPageAsync(pageOn, "rita");
            await page.GotoAsync("/queues/policy-legal");
            await page.WaitInteractiveAsync();
            await page.Locator(".mud-table-body tr").First.WaitForAsync();
            // Newest first, so that every new case lands on the first page of the grid.
            // (the grid's "Age" sorts oldest first on the first click, newest first on the second)
            var age = page.GetByRole(AriaRole.Columnheader, new() { Name = "Age" }).GetByRole(AriaRole.Button, new() { Name = "Sort" });
            await age.ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Age" })).ToHaveAttributeAsync("aria-sort", "descending");
            await age.ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Age" })).ToHaveAttributeAsync("aria-sort", "ascending");
            await page.EvaluateAsync(Observer);

            using var http = new HttpClient { BaseAddress = new Uri(submitTo) };
            var run = Guid.NewGuid().ToString("N")[..6];
            // Warm-up: a few cases first (JIT, connection pools, the first refresh), not counted.
            for (var i = 0; i < 5; i++)
            {
                await SubmitAsync(http, $"lat-w{run}-{i}");
                await Task.Delay(200);
            }
            // The last warm-up case on the first page proves the grid sorts newest first (else a new case could be on page 2).
            await Assertions.Expect(page.Locator("a.wb-case-link").First).ToHaveTextAsync($"lat-w{run}-4", new() { Timeout = 10_000 });

            var created = new double[cases];
            var ids = Enumerable.Range(0, cases).Select(i => $"lat-{run}-{i:D4}").ToArray();
            var clock = Stopwatch.StartNew();
            var sends = new List<Task>(cases);
            for (var i = 0; i < cases; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / rate);
                await Pacing.UntilAsync(clock, due);
                var n = i;
                sends.Add(Task.Run(async () => created[n] = await SubmitAsync(http, ids[n])));
            }
            await Task.WhenAll(sends);

            var deadline = DateTime.UtcNow.AddSeconds(20);
            Dictionary<string, double> seen;
            do
            {
                await Task.Delay(250);
                seen = await page.EvaluateAsync<Dictionary<string, double>>("() => window.__seen");
            }
            while (ids.Any(id => !seen.ContainsKey(id)) && DateTime.UtcNow < deadline);

            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"live-latency-{instances}.png") });
            if (Environment.GetEnvironmentVariable("WORKBENCH_LIVE_LOG") == "1")
            {
                Console.WriteLine(one?.Log ?? two!.B.Log);
            }
            var latencies = ids.Select((id, i) => seen.TryGetValue(id, out var at) ? at - created[i] : double.NaN).ToArray();
            var missing = latencies.Count(double.IsNaN);
            var sorted = latencies.Where(l => !double.IsNaN(l)).Order().ToArray();
            Console.WriteLine();
            Console.WriteLine("| setup | cases | rate/s | p50 ms | p95 ms | max ms | min ms | never shown |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine($"| {(instances == 2 ? "A submits, page on B" : "one instance")} | {cases} | {rate} | {P(sorted, 0.50):N0} | {P(sorted, 0.95):N0} | {sorted.LastOrDefault():N0} | {sorted.FirstOrDefault():N0} | {missing} |");
            Console.WriteLine("(from the client's 201 to the row in the page; the MutationObserver and the client read the same clock)");
            return missing == 0 ? 0 : 1;
        }
        finally
        {
            if (two is not null)
            {
                await two.DisposeAsync();
            }
            if (one is not null)
            {
                await one.DisposeAsync();
            }
        }
    }

    public static async Task<int> SoakAsync(string[] args)
    {
        var pages = Arg(args, "--pages", 30);
        var events = Arg(args, "--events", 2000);
        var seconds = Arg(args, "--seconds", 300);
        Console.WriteLine($"Live soak: {pages} open pages, {events} events over {seconds} s; one instance (SQLite); {Environment.ProcessorCount} cores");
        var app = new AppServer();
        await using var browser = new BrowserHost();
        try
        {
            await app.InitializeAsync();
            await browser.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
            var baseline = await DiagnosticsAsync(http, gc: true);

            var users = new[] { "rita", "mia", "lena", "felix", "sam" };
            var paths = new[] { "/queues", "/queues/policy-legal", "/queues/support", "/queues/finance" };
            var open = new List<IPage>();
            for (var i = 0; i < pages; i++)
            {
                var user = users[i % users.Length];
                var page = await browser.SignedInPageAsync(app.BaseUrl, user);
                var path = user switch
                {
                    "felix" => "/queues/finance",
                    "sam" => "/queues",
                    "mia" => "/queues/support",
                    _ => paths[i % paths.Length],
                };
                await page.GotoAsync(path);
                await page.WaitInteractiveAsync();
                open.Add(page);
            }
            // Memory per open reviewer page: after a full GC, with the pages open and before any event, minus the same before they opened.
            var opened = await DiagnosticsAsync(http, gc: true);
            Console.WriteLine($"{open.Count} pages open; the server holds {opened.Circuits} circuits");
            Console.WriteLine($"memory per open reviewer page (after a full GC, {open.Count} pages): working set " +
                $"{(opened.WorkingSetBytes - baseline.WorkingSetBytes) / 1024.0 / open.Count:N0} KiB, GC heap {(opened.GcHeapSizeBytes - baseline.GcHeapSizeBytes) / 1024.0 / open.Count:N0} KiB " +
                $"(before: {Mib(baseline.WorkingSetBytes)} MiB working set, {Mib(baseline.GcHeapSizeBytes)} MiB GC heap; with them: {Mib(opened.WorkingSetBytes)} / {Mib(opened.GcHeapSizeBytes)} MiB)");

            var samples = new List<(double At, Diagnostics D)>();
            var clock = Stopwatch.StartNew();
            var sampler = Task.Run(async () =>
            {
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    // After a full GC: what the process still references, the figure a leak would move.
                    samples.Add((clock.Elapsed.TotalSeconds, await DiagnosticsAsync(http, gc: true)));
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, seconds / 30)));
                }
            });
            var sends = new List<Task>();
            var run = Guid.NewGuid().ToString("N")[..6];
            for (var i = 0; i < events; i++)
            {
                var due = TimeSpan.FromSeconds((double)i * seconds / events);
                await Pacing.UntilAsync(clock, due);
                var n = i;
                sends.Add(Task.Run(() => SubmitAsync(http, $"soak-{run}-{n:D5}")));
            }
            await Task.WhenAll(sends);
            await sampler;
            samples.Add((clock.Elapsed.TotalSeconds, await DiagnosticsAsync(http, gc: true)));

            Console.WriteLine();
            Console.WriteLine("(each sample taken after a full blocking GC)");
            Console.WriteLine("| s | circuits | working set MiB | GC heap MiB | GC total MiB | threads | handles |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (at, d) in samples)
            {
                Console.WriteLine($"| {at:N0} | {d.Circuits} | {Mib(d.WorkingSetBytes)} | {Mib(d.GcHeapSizeBytes)} | {Mib(d.GcTotalMemoryBytes)} | {d.Threads} | {d.Handles} |");
            }
            var warm = samples.Where(s => s.At >= seconds * 0.2).Select(s => s.D).ToList();
            Console.WriteLine();
            Console.WriteLine($"after warm-up (the first 20 %): working set {Mib(warm.Min(d => d.WorkingSetBytes))}–{Mib(warm.Max(d => d.WorkingSetBytes))} MiB, " +
                $"GC heap {Mib(warm.Min(d => d.GcHeapSizeBytes))}–{Mib(warm.Max(d => d.GcHeapSizeBytes))} MiB, threads {warm.Min(d => d.Threads)}–{warm.Max(d => d.Threads)}, " +
                $"handles {warm.Min(d => d.Handles)}–{warm.Max(d => d.Handles)}");

            var retainedOpen = await DiagnosticsAsync(http, gc: true);
            Console.WriteLine($"after a full GC with the {pages} pages open: GC heap {Mib(retainedOpen.GcHeapSizeBytes)} MiB, GC total {Mib(retainedOpen.GcTotalMemoryBytes)} MiB, working set {Mib(retainedOpen.WorkingSetBytes)} MiB");
            foreach (var page in open)
            {
                // As a user closing the tab: the page's unload tells the server, which ends the circuit at once.
                await page.CloseAsync(new() { RunBeforeUnload = true });
            }
            var closeClock = Stopwatch.StartNew();
            var after = await DiagnosticsAsync(http);
            while ((after.Circuits > 0 || after.Subscribers > baseline.Subscribers) && closeClock.Elapsed < TimeSpan.FromMinutes(4))
            {
                await Task.Delay(500);
                after = await DiagnosticsAsync(http);
            }
            foreach (var page in open)
            {
                await page.Context.CloseAsync();
            }
            var retainedClosed = await DiagnosticsAsync(http, gc: true);
            Console.WriteLine($"after a full GC with the pages closed: GC heap {Mib(retainedClosed.GcHeapSizeBytes)} MiB, GC total {Mib(retainedClosed.GcTotalMemoryBytes)} MiB, working set {Mib(retainedClosed.WorkingSetBytes)} MiB; before the pages opened: GC total {Mib(baseline.GcTotalMemoryBytes)} MiB");
            Console.WriteLine($"pages closed: {after.Circuits} circuits and {after.Subscribers} event subscribers left after {closeClock.Elapsed.TotalSeconds:N1} s " +
                $"(before the pages opened: {baseline.Circuits} circuits, {baseline.Subscribers} subscribers)");
            return after.Circuits == 0 && after.Subscribers <= baseline.Subscribers ? 0 : 1;
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    private sealed record Diagnostics(int Circuits, long Reconnections, int Subscribers, long WorkingSetBytes,
        long GcTotalMemoryBytes, long GcHeapSizeBytes, int Threads, int Handles);

    private static async Task<Diagnostics> DiagnosticsAsync(HttpClient http, bool gc = false) =>
        JsonSerializer.Deserialize<Diagnostics>(await http.GetStringAsync(gc ? "/diagnostics/live?gc=true" : "/diagnostics/live"), JsonSerializerOptions.Web)!;

    /// <summary>Submits the policy-legal sample with the given externalId; returns the Unix time in ms of the 201.</summary>
    private static async Task<double> SubmitAsync(HttpClient http, string externalId)
    {
        var body = AgentApi.Sample("013-");
        body["externalId"] = externalId;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AgentApi.DemoKey);
        using var response = await http.SendAsync(request);
        var at = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"Submit failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return at;
    }

    private static double P(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    /// <summary>Debian's Chromium under Playwright, as in the e2e tests.</summary>
    private sealed class BrowserHost : IAsyncDisposable
    {
        private readonly BrowserFixture _fixture = new();
        private bool _started;

        public async Task StartAsync()
        {
            await _fixture.InitializeAsync();
            _started = true;
        }

        public async Task<IPage> SignedInPageAsync(string baseUrl, string user) => (await _fixture.SignInAsync(baseUrl, user)).Page;

        public async ValueTask DisposeAsync()
        {
            if (_started)
            {
                await _fixture.DisposeAsync();
            }
        }
    }
}
