using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// Blind double review and the Insights click-through in a real browser, on an app of its own where every queued case is
/// sampled for a second review (the shared app keeps the default share, so other journeys see cases as they always did).
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class InsightsJourneys(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new() { Settings = { ["Learning:DoubleReview:Share"] = "1" } };

    public Task InitializeAsync() => _app.InitializeAsync();

    public Task DisposeAsync() => _app.DisposeAsync();

    private static async Task Shot(IPage page, string name)
    {
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    private async Task<(IBrowserContext Context, IPage Page)> SignInAsync(string user, string returnUrl)
    {
        var (context, page) = await browser.SignInAsync(_app.BaseUrl, user, returnUrl, width: 1440);
        await page.WaitInteractiveAsync();
        return (context, page);
    }

    [Fact]
    public async Task A_lead_gives_a_blind_second_review_and_follows_kappa_and_a_rate_to_their_cases()
    {
        var agent = new AgentApi(_app.BaseUrl);
        var (agreeId, agreeExternal) = await agent.SubmitAsync(AgentApi.Sample("013-"));
        var (disagreeId, _) = await agent.SubmitAsync(AgentApi.Sample("013-"));
        var queue = (await agent.GetAsync($"/api/v1/cases/{agreeId}")).GetProperty("queue").GetString();
        Assert.Equal("policy-legal", queue); // rita works it; lena (a lead) may give the second review

        var (ritaContext, _) = await SignInAsync("rita", "/queues");
        await using (ritaContext)
        {
            foreach (var id in new[] { agreeId, disagreeId })
            {
                await ritaContext.PostOkAsync($"/api/v1/review/cases/{id}/claim", new { });
                await ritaContext.PostOkAsync($"/api/v1/review/cases/{id}/actions",
                    new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", note = "Rita's note: v6 and v7 disagree", rootCause = "retrieval_conflict" });
            }
        }

        var (context, page) = await SignInAsync("lena", "/double-reviews");
        await using (context)
        {
            await Assertions.Expect(page.GetByTestId("double-reviews")).ToContainTextAsync(agreeExternal);
            // The case page withholds the decision while the blind review is pending.
            await page.GotoAsync($"/cases/{disagreeId}");
            await Assertions.Expect(page.GetByTestId("case-withheld")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText("Rita's note")).ToHaveCountAsync(0);

            await page.GotoAsync($"/double-reviews/{disagreeId}");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.GetByText("blind second review").First).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText("Rita's note")).ToHaveCountAsync(0);
            await Assertions.Expect(page.GetByText("rejected", new() { Exact = true })).ToHaveCountAsync(0);
            await Shot(page, "double-review-blind-lena");
            await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Record my verdict" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("verdict-recorded")).ToContainTextAsync("approved");
            await context.PostOkAsync($"/api/v1/review/double-reviews/{agreeId}/verdict", new { verdict = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT" });

            // Now the case page shows the first decision to her.
            await page.GotoAsync($"/cases/{disagreeId}");
            await Assertions.Expect(page.GetByTestId("case-withheld")).ToHaveCountAsync(0);

            await page.GotoAsync("/insights");
            await page.WaitInteractiveAsync();
            var agreement = page.GetByTestId("agreement");
            await Assertions.Expect(agreement).ToContainTextAsync("over 2 blind double reviews");
            await Shot(page, "insights");

            await agreement.GetByTestId("rate-link-disagreement").ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Blind double reviews that disagree", Level = 1 })).ToBeVisibleAsync();
            var rows = page.GetByTestId("insight-cases").Locator("tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(1);
            await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-case-id", disagreeId.ToString());

            // A rate card: its list has exactly as many rows as the card counts.
            await page.GotoAsync("/insights");
            await page.WaitInteractiveAsync();
            await page.GetByTestId("rate-link-override").ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overridden escalations", Level = 1 })).ToBeVisibleAsync();
            var rateText = await page.GetByTestId("insight-cases-rate").InnerTextAsync();
            var counted = int.Parse(rateText.Split('\n').Select(l => l.Trim()).First(l => l.Contains(" of ", StringComparison.Ordinal)).Split(' ')[0],
                System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(counted >= 2, rateText); // at least rita's two rejects
            await Assertions.Expect(page.GetByTestId("insight-cases").Locator("tbody tr")).ToHaveCountAsync(counted);
            await Shot(page, "insights-cases-override");
            await page.GetByTestId("insight-cases").Locator("tbody tr").First.GetByRole(AriaRole.Link).First.ClickAsync();
            await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/cases/[0-9a-f-]{36}$"));
        }
    }
}
