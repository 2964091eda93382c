using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// A case whose content retention removed, as a lead opens it: the evidence tab says so and does not read the masked
/// items against the policy. The test runs its own app with a retention of zero days swept every second.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PurgedCaseJourney(BrowserFixture browser)
{
    [Fact]
    public async Task A_purged_case_says_its_evidence_is_gone_and_marks_no_source_or_conflict()
    {
        var app = new AppServer();
        app.Settings["Workbench:DemoData:Enabled"] = "false";
        app.Settings["Retention:DefaultDays"] = "0";
        app.Settings["Retention:Interval"] = "00:00:01";
        try
        {
            await app.InitializeAsync();
            // The SSO answer: three fresh authoritative sources that agree, so the policy releases it at once and it closes.
            var agent = new AgentApi(app.BaseUrl);
            var (id, _) = await agent.SubmitAsync(AgentApi.Sample("001-"));

            var (context, page) = await browser.SignInAsync(app.BaseUrl, "lena");
            await using var _ = context;
            // The sweep runs every second; the page shows the case as it is when opened.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            do
            {
                await page.GotoAsync($"/cases/{id}");
                await page.WaitInteractiveAsync();
                await page.GetByRole(AriaRole.Tab, new() { Name = "Evidence" }).ClickAsync();
            }
            while (await page.Locator("[data-evidence-purged]").CountAsync() == 0 && DateTime.UtcNow < deadline && await Pause());

            await Assertions.Expect(page.Locator("[data-evidence-purged]")).ToContainTextAsync("Retention removed this case's content");
            await Assertions.Expect(page.Locator("[data-evidence]").First).ToContainTextAsync("[purged]");
            Assert.Equal(0, await page.Locator("[data-authority='unlisted'], [data-conflict]").CountAsync());
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "case-evidence-purged.png"), FullPage = true });
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        return true;
    }
}
