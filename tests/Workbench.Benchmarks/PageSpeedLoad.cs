using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace Workbench.Benchmarks;

/// <summary>
/// <c>page-speed [--cases 100000] [--iterations 40] [--warmup 5] [--db PATH] [--reuse] [--max-minutes 15]</c>: the
/// reviewer's three pages — <c>/queues</c>, the busiest queue, a case — opened in Chromium against the real app (its
/// own Release process on 127.0.0.1, Development sign-in, demo data off) over a SQLite file holding a busy day
/// (<see cref="BusyDaySeeder"/>). Every navigation is a full page load (a new circuit) in one signed-in browser
/// context, so the static assets come from the browser's cache as they would for a reviewer at work. Per page it
/// prints p50/p95/max of three moments, in ms from the start of the navigation: the first byte of the response, the
/// server-rendered content painted, and interactive. A load tool: it reports, it asserts nothing about speed.
/// </summary>
public static class PageSpeedLoad
{
    /// <summary>Works <c>support</c> (the busiest queue) and <c>policy-legal</c>.</summary>
    private const string Reviewer = "rita";

    private static readonly string[] ReviewerQueues = ["support", "policy-legal"];

    /// <summary>
    /// Runs before any script of every page the context opens. A MutationObserver on the document stamps, in ms since
    /// the navigation started (<c>performance.now()</c>): <c>content</c>, the animation frame after the page's main
    /// element first appeared — from the server-rendered HTML, so the frame that paints it; <c>interactive</c>, the
    /// first moment the layout says the circuit renders the page (<c>main[data-interactive='true']</c>, written only by
    /// an interactive render) while the page's data is in it (the queue cards, the grid's case rows, the case's title),
    /// that is the circuit is up and the page's interactive render with its data is in the DOM.
    /// </summary>
    private const string Recorder = """
        (() => {
          const pages = [
            { path: /^\/queues$/, content: '.queue-card', ready: '.queue-card' },
            { path: /^\/queues\/[^/]+$/, content: 'main h1', ready: '.wb-queue-grid a.wb-case-link' },
            { path: /^\/cases\/[^/]+$/, content: 'h1.case-title', ready: 'h1.case-title' },
          ];
          const spec = pages.find(p => p.path.test(location.pathname));
          if (!spec) { return; }
          const marks = window.__pageSpeed = {};
          document.addEventListener('DOMContentLoaded', () => {
            marks.domReady = performance.now();
            marks.dataInHtml = !!document.querySelector(spec.ready);
          });
          const check = () => {
            const now = performance.now();
            if (marks.firstInteractive === undefined && document.querySelector("main[data-interactive='true']")) {
              marks.firstInteractive = now;
            }
            if (marks.contentSeen === undefined && document.querySelector(spec.content)) {
              marks.contentSeen = now;
              requestAnimationFrame(() => { marks.content = performance.now(); });
            }
            if (marks.interactive === undefined && document.querySelector("main[data-interactive='true'] " + spec.ready)) {
              marks.interactive = now;
              observer.disconnect();
            }
          };
          const observer = new MutationObserver(check);
          observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-interactive'] });
        })();
        """;

    /// <summary>The three figures, and where the time between content and interactive went (for finding out why).</summary>
    private sealed record Timing(double Ttfb, double Content, double Interactive, double DomReady, double Negotiated, double FirstInteractive, bool DataInHtml);

    public static async Task<int> RunAsync(string[] args)
    {
        var cases = ReviewPagesLoad.Option(args, "--cases", 100_000);
        var iterations = ReviewPagesLoad.Option(args, "--iterations", 40);
        var warmup = ReviewPagesLoad.Option(args, "--warmup", 5);
        var maxMinutes = ReviewPagesLoad.Option(args, "--max-minutes", 15);
        var path = ReviewPagesLoad.OptionText(args, "--db", Path.Combine(Path.GetTempPath(), "wb-page-speed.db"));
        var reuse = args.Contains("--reuse");
        if (cases < 1 || iterations < 1 || warmup < 0 || maxMinutes < 1)
        {
            Console.Error.WriteLine("page-speed: --cases and --iterations must be 1 or more, --warmup 0 or more, --max-minutes 1 or more.");
            return 2;
        }
        var root = Processes.RepositoryRoot();
        var loadAtStart = LoadAverage();

        var seedClock = Stopwatch.StartNew();
        await BusyDaySeeder.PrepareAsync(path, cases, reuse, root);
        var stored = await BusyDaySeeder.CountAsync(path);
        var caseIds = await BusyDaySeeder.RandomIdsAsync(path, warmup + iterations, ReviewerQueues);
        if (caseIds.Count < warmup + iterations)
        {
            Console.Error.WriteLine($"page-speed: only {caseIds.Count} waiting cases in {string.Join(", ", ReviewerQueues)}; lower --iterations or raise --cases.");
            return 2;
        }
        Console.WriteLine($"Database ready in {seedClock.Elapsed.TotalSeconds:N1} s: {stored:N0} cases stored in {path}.");

        var app = new AppServer
        {
            Settings =
            {
                ["ConnectionStrings:Workbench"] = $"Data Source={path}",
                ["Workbench:DemoData:Enabled"] = "false",
                // The app runs from its build output in Development (for the development sign-in), where
                // MapStaticAssets answers every asset with no-cache, so each page load fetched MudBlazor's 627 KB
                // stylesheet again. A deployed app answers its fingerprinted assets as immutable: this setting gives
                // the reviewer's browser the caching it has at work.
                ["EnableStaticAssetsDevelopmentCaching"] = "true",
            },
        };
        // Extra app settings (NAME=VALUE, space-separated), e.g. EF Core's command log when looking for a slow query.
        foreach (var setting in (Environment.GetEnvironmentVariable("WORKBENCH_PAGE_SPEED_APP_ENV") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (setting.Split('=', 2)[0], setting.Split('=', 2).ElementAtOrDefault(1) ?? "");
            app.Settings[key] = value;
        }
        var browser = new BrowserFixture();
        try
        {
            var appClock = Stopwatch.StartNew();
            await app.InitializeAsync();
            Console.WriteLine($"App ready (health) in {appClock.Elapsed.TotalSeconds:N1} s at {app.BaseUrl}.");
            // At start-up the SLA monitor catches up with the seeded day (its breaches, escalations and their
            // notifications): measured once that is done, as on a day the app has been running through.
            var idleClock = Stopwatch.StartNew();
            var idle = await WaitIdleAsync(app.ProcessId, TimeSpan.FromMinutes(3));
            Console.WriteLine($"App {(idle ? "idle" : "still busy")} after {idleClock.Elapsed.TotalSeconds:N0} s of start-up work.");
            await browser.InitializeAsync();
            var (context, page) = await browser.SignInAsync(app.BaseUrl, Reviewer, width: 1440);
            await context.AddInitScriptAsync(Recorder);

            var loadBefore = LoadAverage();
            var deadline = DateTime.UtcNow.AddMinutes(maxMinutes);
            var busiest = BusyDaySeeder.Busiest;
            var caseIndex = 0;
            var scenarios = new (string Name, Func<string> Path, Func<IPage, Task> Check)[]
            {
                ("/queues (the reviewer's queue cards with their counts)", () => "/queues", async p =>
                {
                    if (await p.Locator(".queue-card").CountAsync() != ReviewerQueues.Length)
                    {
                        throw new InvalidOperationException($"/queues does not show {Reviewer}'s {ReviewerQueues.Length} queues.");
                    }
                }),
                ($"/queues/{busiest} (the busiest queue, first page, default sort and density)", () => $"/queues/{busiest}", async p =>
                {
                    if (await p.Locator(".wb-queue-grid a.wb-case-link").CountAsync() < 20)
                    {
                        throw new InvalidOperationException($"/queues/{busiest} shows fewer than 20 cases.");
                    }
                }),
                ("/cases/{id} (a different waiting case each time)", () => $"/cases/{caseIds[caseIndex++ % caseIds.Count]}", _ => Task.CompletedTask),
            };

            var results = new List<(string Name, Timing[] Times)>();
            foreach (var (name, pathOf, check) in scenarios)
            {
                var times = new List<Timing>();
                for (var i = 0; i < warmup + iterations && DateTime.UtcNow < deadline; i++)
                {
                    var timing = await NavigateAsync(page, pathOf(), check);
                    if (i >= warmup)
                    {
                        times.Add(timing);
                    }
                }
                results.Add((name, [.. times]));
            }
            var loadAfter = LoadAverage();
            // For finding out where a navigation's time goes: one more navigation per page under Chromium's tracing,
            // written as a chrome://tracing file (after the measured ones, so it changes none of the figures).
            if (Environment.GetEnvironmentVariable("WORKBENCH_PAGE_SPEED_TRACE") is { Length: > 0 } traceDirectory)
            {
                Directory.CreateDirectory(traceDirectory);
                var traced = 0;
                foreach (var (_, pathOf, check) in scenarios)
                {
                    await File.WriteAllTextAsync(Path.Combine(traceDirectory, $"page-{++traced}.json"), await TraceAsync(page, pathOf(), check));
                }
                Console.WriteLine($"Traces of one navigation per page in {traceDirectory}.");
            }
            if (Environment.GetEnvironmentVariable("WORKBENCH_PAGE_SPEED_LOG") == "1")
            {
                Console.WriteLine(app.Log);
            }
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "page-speed-case.png") });
            await context.CloseAsync();

            Console.WriteLine();
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Cpu()}, {Environment.OSVersion}, .NET {Environment.Version}; app in Release, SQLite; " +
                $"Chromium {browser.Browser.Version}, one signed-in context ({Reviewer}), 1440×900, static assets from its cache (fingerprinted assets immutable, as a deployed app serves them).");
            Console.WriteLine($"{stored:N0} cases stored; {warmup} warm-up navigations per page not counted; load average (1, 5, 15 min) " +
                $"at the start {loadAtStart}, before the measured navigations {loadBefore}, after {loadAfter}.");
            Console.WriteLine("(ms from the start of each navigation: first byte; server-rendered content painted; interactive = circuit up and the page's interactive render with its data in the DOM)");
            Console.WriteLine();
            Console.WriteLine("| page | n | TTFB p50 | TTFB p95 | TTFB max | content p50 | content p95 | content max | interactive p50 | interactive p95 | interactive max |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, times) in results)
            {
                Console.WriteLine($"| {name} | {times.Length} | {Figures(times.Select(t => t.Ttfb))} | {Figures(times.Select(t => t.Content))} | {Figures(times.Select(t => t.Interactive))} |");
            }
            Console.WriteLine();
            Console.WriteLine("Where the time goes (p50, ms from the start of the navigation): the HTML parsed (DOMContentLoaded); the circuit's " +
                "negotiate request answered; the first interactive render of the layout in the DOM; the page's data in it (interactive).");
            Console.WriteLine("| page | DOM ready | negotiated | first interactive render | interactive | data in the server-rendered HTML |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var (name, times) in results)
            {
                Console.WriteLine($"| {name} | {P50(times.Select(t => t.DomReady))} | {P50(times.Select(t => t.Negotiated))} | " +
                    $"{P50(times.Select(t => t.FirstInteractive))} | {P50(times.Select(t => t.Interactive))} | {times.Count(t => t.DataInHtml)} of {times.Length} |");
            }
            Console.WriteLine();
            foreach (var (name, times) in results)
            {
                var p50 = times.Length == 0 ? double.NaN : ReviewPagesLoad.Percentile([.. times.Select(t => t.Interactive).Order()], 0.50);
                Console.WriteLine($"{name}: interactive p50 {p50:N0} ms — {(p50 < 400 ? "under" : "NOT under")} the 400 ms target.");
            }
            return 0;
        }
        catch (Exception)
        {
            Console.Error.WriteLine("The app's last lines:\n" + string.Join('\n', app.Log.Split('\n').TakeLast(40)));
            throw;
        }
        finally
        {
            await browser.DisposeAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>One full page load of <paramref name="path"/>, read once the page is interactive.</summary>
    private static async Task<Timing> NavigateAsync(IPage page, string path, Func<IPage, Task> check)
    {
        await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
        try
        {
            await page.WaitForFunctionAsync("() => window.__pageSpeed?.interactive !== undefined && window.__pageSpeed?.content !== undefined",
                null, new() { Timeout = 60_000 });
        }
        catch (TimeoutException e)
        {
            var state = await page.EvaluateAsync<string>(
                "() => JSON.stringify({ marks: window.__pageSpeed ?? null, text: (document.body?.innerText ?? '').slice(0, 300) })");
            throw new TimeoutException($"{path} was not interactive within 60 s: {state}", e);
        }
        if (new Uri(page.Url).AbsolutePath != path.Split('?')[0])
        {
            throw new InvalidOperationException($"{path} ended on {page.Url}.");
        }
        await check(page);
        var marks = await page.EvaluateAsync<double[]>("""
            () => {
              const m = window.__pageSpeed;
              const negotiate = performance.getEntriesByType('resource').find(r => r.name.includes('/_blazor/negotiate'));
              return [performance.getEntriesByType('navigation')[0].responseStart, m.content, m.interactive,
                m.domReady ?? -1, negotiate?.responseEnd ?? -1, m.firstInteractive ?? -1, m.dataInHtml ? 1 : 0];
            }
            """);
        return new Timing(marks[0], marks[1], marks[2], marks[3], marks[4], marks[5], marks[6] > 0);
    }

    /// <summary>One navigation under Chromium's tracing (DevTools protocol), as a chrome://tracing JSON file.</summary>
    private static async Task<string> TraceAsync(IPage page, string path, Func<IPage, Task> check)
    {
        var session = await page.Context.NewCDPSessionAsync(page);
        var events = new List<string>();
        var complete = new TaskCompletionSource();
        session.Event("Tracing.dataCollected").OnEvent += (_, data) =>
        {
            if (data is { } d && d.TryGetProperty("value", out var value))
            {
                lock (events)
                {
                    events.AddRange(value.EnumerateArray().Select(e => e.GetRawText()));
                }
            }
        };
        session.Event("Tracing.tracingComplete").OnEvent += (_, _) => complete.TrySetResult();
        await session.SendAsync("Tracing.start", new Dictionary<string, object>
        {
            ["categories"] = "devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing,loading,v8.execute,blink,toplevel,netlog,disabled-by-default-v8.compile",
            ["transferMode"] = "ReportEvents",
        });
        await NavigateAsync(page, path, check);
        await session.SendAsync("Tracing.end");
        await complete.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await session.DetachAsync();
        lock (events)
        {
            return "{\"traceEvents\":[" + string.Join(",", events) + "]}";
        }
    }

    private static string Figures(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0
            ? "– | – | –"
            : string.Create(CultureInfo.InvariantCulture,
                $"{ReviewPagesLoad.Percentile(sorted, 0.50):N0} | {ReviewPagesLoad.Percentile(sorted, 0.95):N0} | {sorted[^1]:N0}");
    }

    /// <summary>Waits until the process uses under 10 % of a core for 3 s running (or <paramref name="limit"/> passes).</summary>
    private static async Task<bool> WaitIdleAsync(int pid, TimeSpan limit)
    {
        static double CpuSeconds(int pid)
        {
            // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second), after the command name.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        if (!File.Exists($"/proc/{pid}/stat"))
        {
            return false;
        }
        var clock = Stopwatch.StartNew();
        var quiet = 0;
        var last = CpuSeconds(pid);
        while (clock.Elapsed < limit)
        {
            await Task.Delay(1000);
            var now = CpuSeconds(pid);
            quiet = now - last < 0.1 ? quiet + 1 : 0;
            last = now;
            if (quiet >= 3)
            {
                return true;
            }
        }
        return false;
    }

    private static string P50(IEnumerable<double> values)
    {
        var sorted = values.Where(v => v >= 0).Order().ToArray();
        return sorted.Length == 0 ? "–" : ReviewPagesLoad.Percentile(sorted, 0.50).ToString("N0", CultureInfo.InvariantCulture);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
}
