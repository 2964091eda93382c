using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// An SLA breach shows up as an alert on the lead's board, live. The test runs its own app (no demo data)
/// with the default policy whose approval and hand-off SLAs are cut to seconds and an SLA monitor that looks every
/// second, submits a case on the API while lena watches the board, sees it escalated onto the escalation queue's own
/// SLA, and waits for that queue's breach alert.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class BoardAlertTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_breach_shows_up_live_as_an_alert_for_its_queue_with_a_link_to_the_case()
    {
        // Policy-legal, where finance escalates, gets its own longer SLA round the clock (its office hours would put the
        // due time on the next working day).
        const string legalSla = "sla: { await_approval: 15s, handoff: 15s, info_reply: 2d }\n    business_hours: legal-office\n";
        using var policy = await ShortSlaPolicy.WriteAsync(shortened =>
        {
            Assert.Contains(legalSla, shortened, StringComparison.Ordinal);
            return shortened.Replace(legalSla, "sla: { await_approval: 60s, handoff: 60s, info_reply: 2d }\n", StringComparison.Ordinal);
        });

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
                ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            });
            await using var _ = context;
            var page = await context.NewPageAsync();
            await page.DevSignInAsync("lena", "/board");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.GetByText("No bottleneck and no SLA alert right now.")).ToBeVisibleAsync();

            // A refund of $500.01: above the automatic limit, so it waits for an approval in finance.
            var api = new AgentApi(app.BaseUrl);
            var (id, _) = await api.SubmitAsync(AgentApi.Sample("011-"));
            var submitted = await api.GetAsync($"/api/v1/cases/{id}");
            Assert.Equal(("queued", "finance"), (submitted.GetProperty("status").GetString(), submitted.GetProperty("queue").GetString()));
            var financeDue = submitted.GetProperty("slaDueAt").GetDateTimeOffset();

            // No reload: the SLA monitor's breach event refreshes the open board. Finance's 15 s run out: the case is
            // escalated to policy-legal, whose own 60 s SLA runs from the breach, so it is not on the breach alert yet.
            var legal = page.Locator("tr[data-queue='policy-legal']");
            await Assertions.Expect(legal.Locator("td[data-cell='open']")).ToHaveTextAsync("1", new() { Timeout = 60_000 });
            var escalated = await api.GetAsync($"/api/v1/cases/{id}");
            var seenAt = DateTimeOffset.UtcNow;
            Assert.Equal("policy-legal", escalated.GetProperty("queue").GetString());
            // Breached at or after finance's due time, and before it was seen: the new due is 60 s after that.
            Assert.InRange(escalated.GetProperty("slaDueAt").GetDateTimeOffset(), financeDue.AddSeconds(60), seenAt.AddSeconds(60));
            var alert = page.Locator(".board-alert[data-rule='sla_breached']");
            await Assertions.Expect(alert).ToHaveCountAsync(0);
            await Assertions.Expect(legal.Locator("td[data-cell='breached']")).ToHaveTextAsync("0");
            // Looked at: the board with the case open in policy-legal on its new clock, and the case page counting down to it.
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "board-escalated-new-due.png"), FullPage = true });
            var casePage = await context.NewPageAsync();
            await casePage.GotoAsync($"/cases/{id}");
            await casePage.WaitInteractiveAsync();
            await Assertions.Expect(casePage.Locator(".case-sla")).ToBeVisibleAsync();
            await casePage.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "case-escalated-new-due.png") });
            await casePage.CloseAsync();

            // Policy-legal's own SLA runs out (it escalates no further): now the alert names it, and where the case came from.
            await Assertions.Expect(alert).ToBeVisibleAsync(new() { Timeout = 120_000 });
            await Assertions.Expect(alert).ToHaveAttributeAsync("data-queue", "policy-legal");
            await Assertions.Expect(alert).ToContainTextAsync("1 case breached");
            await Assertions.Expect(alert).ToContainTextAsync("over its SLA");
            await Assertions.Expect(legal.Locator("td[data-cell='breached']")).ToHaveTextAsync("1");

            // The cost per resolved case: an auto-approved case that reported what its model calls cost.
            var auto = AgentApi.Sample("001-");
            auto["modelCost"] = new System.Text.Json.Nodes.JsonObject { ["amount"] = 0.0375m, ["currency"] = "USD" };
            await api.SubmitAsync(auto);
            var autoRow = page.Locator(".board-costs tr[data-path='auto']");
            await Assertions.Expect(autoRow.Locator("td[data-cell='model-7d']")).ToHaveTextAsync("0.04");
            await Assertions.Expect(autoRow.Locator("td[data-cell='per-case-today']")).ToHaveTextAsync("0.04");

            await alert.GetByRole(AriaRole.Button, new() { Name = "Show the case" }).ClickAsync();
            var link = alert.Locator($"li[data-case='{id}'] a");
            await Assertions.Expect(link).ToHaveAttributeAsync("href", $"/cases/{id}");
            await Assertions.Expect(alert.Locator($"li[data-case='{id}']")).ToContainTextAsync("escalated from finance");
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
