using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>Pages update themselves when cases change (one instance; two instances: TwoInstanceLiveTests).</summary>
[Collection(E2ECollection.Name)]
public sealed class LiveUpdateTests(AppServer app, BrowserFixture browser)
{
    private Task<(IBrowserContext Context, IPage Page)> SignInAsync(string user) => browser.SignInAsync(app.BaseUrl, user);

    [Fact]
    public async Task A_submitted_case_appears_in_the_open_queue_page_without_a_reload()
    {
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        // Newest first: in SLA order a new case sorts after the ones already waiting, on a later page when the queue is long.
        await page.GotoAsync("/queues/policy-legal?sort=newest");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();

        var (_, externalId) = await new AgentApi(app.BaseUrl).SubmitAsync(AgentApi.Sample("013-"));
        await Assertions.Expect(page.GetByText(externalId)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_case_page_shows_who_else_is_viewing_and_what_they_did()
    {
        var (id, _) = await new AgentApi(app.BaseUrl).SubmitAsync(AgentApi.Sample("013-"));
        var (leadContext, lena) = await SignInAsync("lena");
        await using var _ = leadContext;
        await lena.GotoAsync($"/cases/{id}");
        await lena.WaitInteractiveAsync();

        var (ritaContext, rita) = await SignInAsync("rita");
        await using var __ = ritaContext;
        await rita.GotoAsync($"/cases/{id}");
        await rita.WaitInteractiveAsync();

        await Assertions.Expect(lena.GetByTestId("presence")).ToContainTextAsync("rita is viewing this case");
        await Assertions.Expect(rita.GetByTestId("presence")).ToContainTextAsync("lena is viewing this case");

        await rita.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
        await Assertions.Expect(lena.GetByTestId("live-banner")).ToContainTextAsync("rita claimed this case");
        await Assertions.Expect(lena.Locator("[data-claim]")).ToContainTextAsync("rita is reviewing");
        await lena.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "case-live-banner.png") });
    }

    [Fact]
    public async Task After_the_connection_comes_back_the_queue_page_shows_what_happened_meanwhile()
    {
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        // Chromium's offline mode blocks new requests but leaves an open WebSocket alone: the circuit's socket goes
        // through a Playwright route so that the test can drop it as a real network loss would.
        var sockets = new List<IWebSocketRoute>();
        await page.RouteWebSocketAsync(url => url.Contains("/_blazor", StringComparison.Ordinal), ws =>
        {
            lock (sockets)
            {
                sockets.Add(ws);
            }
            ws.ConnectToServer();
        });
        // Newest first: in SLA order a new case sorts after the ones already waiting, on a later page when the queue is long.
        await page.GotoAsync("/queues/policy-legal?sort=newest");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();
        var before = await ReconnectionsAsync();
        // A page that gave up its circuit and loaded again would show the case too: count the loads, to tell the two apart.
        var loads = 0;
        page.Load += (_, _) => Interlocked.Increment(ref loads);

        await context.SetOfflineAsync(true);
        IWebSocketRoute[] open;
        lock (sockets)
        {
            open = [.. sockets];
        }
        foreach (var ws in open)
        {
            await ws.CloseAsync(new() { Code = 4000, Reason = "network lost (test)" });
        }
        await Assertions.Expect(page.Locator("#components-reconnect-modal, .components-reconnect-show").First).ToBeAttachedAsync(new() { Timeout = 20_000 });
        var (_, externalId) = await new AgentApi(app.BaseUrl).SubmitAsync(AgentApi.Sample("013-"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "queue-reconnecting.png") });
        await context.SetOfflineAsync(false);

        await Assertions.Expect(page.GetByText(externalId)).ToBeVisibleAsync(new() { Timeout = 30_000 });
        // Counted, not just shown: on a reconnection Blazor resends the renders the browser missed and runs the circuit
        // handlers' "up" separately, so the page can show the case a moment before the server's count moves.
        await WaitForAsync(async () => await ReconnectionsAsync() > before,
            () => $"the circuit reconnected (the server counted it; the page loaded {Volatile.Read(ref loads)} times again meanwhile)");
    }

    [Fact]
    public async Task Closing_pages_leaves_no_circuit_behind()
    {
        var pages = new List<IPage>();
        foreach (var (user, path) in new[] { ("rita", "/queues"), ("mia", "/queues/support"), ("lena", "/queues/policy-legal") })
        {
            var (_, page) = await SignInAsync(user);
            pages.Add(page);
            await page.GotoAsync(path);
            await page.WaitInteractiveAsync();
        }
        // Earlier tests' pages closed without unloading may still hold circuits (Blazor keeps them 3 minutes for a
        // reconnection) and expire at any moment, so the test counts down from what is open now, ours included.
        var open = await DiagnosticAsync("circuits");
        Assert.True(open >= 3, $"{open} circuits with three pages open");

        foreach (var page in pages)
        {
            // As a user closing the tab: the page's unload tells the server, which ends the circuit at once (a
            // browser that vanishes without it leaves the circuit for Blazor's 3-minute reconnection window).
            await page.CloseAsync(new() { RunBeforeUnload = true });
        }
        await WaitForAsync(async () => await DiagnosticAsync("circuits") <= open - 3, "the three circuits are gone once the pages closed");
        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    private static Task WaitForAsync(Func<Task<bool>> condition, string what) => WaitForAsync(condition, () => what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not within 30 s: {what()}");
            await Task.Delay(200);
        }
    }

    private Task<long> ReconnectionsAsync() => DiagnosticAsync("reconnections");

    private async Task<long> DiagnosticAsync(string name)
    {
        using var http = new HttpClient();
        var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"{app.BaseUrl}/diagnostics/live"));
        return json.RootElement.GetProperty(name).GetInt64();
    }
}
