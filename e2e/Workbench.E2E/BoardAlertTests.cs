using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// An SLA breach shows up as an alert on the lead's board, live. The test runs its own app (no demo data)
/// with the default policy whose approval and hand-off SLAs are cut to seconds and an SLA monitor that looks every
/// second, submits a case on the API while lena watches the board, and waits for the queue's breach alert.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class BoardAlertTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_breach_shows_up_live_as_an_alert_for_its_queue_with_a_link_to_the_case()
    {
        using var policy = await ShortSlaPolicy.WriteAsync();
        var app = new AppServer();
        app.Settings["Policy:Path"] = policy.Path;
        app.Settings["Workbench:DemoData:Enabled"] = "false";
        app.Settings["Sla:Interval"] = "00:00:01";
        try
        {
            await app.InitializeAsync();
            var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = app.BaseUrl,
                ViewportSize = new ViewportSize { Width = 1440, Height = 1000 },
            });
            await using var _ = context;
            var page = await context.NewPageAsync();
            await page.DevSignInAsync("lena", "/board");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.GetByText("No bottleneck and no SLA alert right now.")).ToBeVisibleAsync();

            // A refund of $500.01: above the automatic limit, so it waits for an approval in a queue.
            var (id, _) = await new AgentApi(app.BaseUrl).SubmitAsync(AgentApi.Sample("011-"));
            var submitted = await new AgentApi(app.BaseUrl).GetAsync($"/api/v1/cases/{id}");
            Assert.Equal("queued", submitted.GetProperty("status").GetString());
            var firstQueue = submitted.GetProperty("queue").GetString()!;

            // No reload: the SLA monitor's breach event refreshes the open board. The breach escalates a queued case to
            // its queue's escalation target, so the alert names the queue the case is in now.
            var alert = page.Locator(".board-alert[data-rule='sla_breached']");
            await Assertions.Expect(alert).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var queue = (await new AgentApi(app.BaseUrl).GetAsync($"/api/v1/cases/{id}")).GetProperty("queue").GetString()!;
            await Assertions.Expect(alert).ToHaveAttributeAsync("data-queue", queue);
            await Assertions.Expect(alert).ToContainTextAsync("1 case breached");
            await Assertions.Expect(alert).ToContainTextAsync("over its SLA");
            await Assertions.Expect(page.Locator($"tr[data-queue='{queue}'] td[data-cell='breached']")).ToHaveTextAsync("1");

            // The cost per resolved case: an auto-approved case that reported what its model calls cost.
            var auto = AgentApi.Sample("001-");
            auto["modelCost"] = new System.Text.Json.Nodes.JsonObject { ["amount"] = 0.0375m, ["currency"] = "USD" };
            await new AgentApi(app.BaseUrl).SubmitAsync(auto);
            var autoRow = page.Locator(".board-costs tr[data-path='auto']");
            await Assertions.Expect(autoRow.Locator("td[data-cell='model-7d']")).ToHaveTextAsync("0.04");
            await Assertions.Expect(autoRow.Locator("td[data-cell='per-case-today']")).ToHaveTextAsync("0.04");

            await alert.GetByRole(AriaRole.Button, new() { Name = "Show the case" }).ClickAsync();
            var link = alert.Locator($"li[data-case='{id}'] a");
            await Assertions.Expect(link).ToHaveAttributeAsync("href", $"/cases/{id}");
            if (firstQueue != queue)
            {
                await Assertions.Expect(alert.Locator($"li[data-case='{id}']")).ToContainTextAsync($"escalated from {firstQueue}");
            }
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "board-breach-alert.png"), FullPage = true });

            await link.ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/cases/{id}$"));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
