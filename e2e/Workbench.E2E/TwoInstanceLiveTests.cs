using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>Pages on instance B see what happens on instance A (PostgreSQL + Redis, two app processes).</summary>
[Collection(TwoInstancesCollection.Name)]
public sealed class TwoInstanceLiveTests(TwoInstances apps, BrowserFixture browser)
{
    private Task<(IBrowserContext Context, IPage Page)> SignInAsync(AppServer app, string user) => browser.SignInAsync(app.BaseUrl, user);

    [Fact]
    public async Task A_case_submitted_to_A_appears_in_the_queue_page_open_on_B()
    {
        var (context, page) = await SignInAsync(apps.B, "rita");
        await using var _ = context;
        await page.GotoAsync("/queues/policy-legal");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();

        var (_, externalId) = await new AgentApi(apps.A.BaseUrl).SubmitAsync(AgentApi.Sample("013-"));
        await Assertions.Expect(page.GetByText(externalId)).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "queue-on-b-case-from-a.png") });
    }

    [Fact]
    public async Task Reviewers_on_A_and_B_racing_to_claim_one_case_give_one_winner_that_both_screens_show()
    {
        var (id, _) = await new AgentApi(apps.A.BaseUrl).SubmitAsync(AgentApi.Sample("013-"));
        var (ritaContext, rita) = await SignInAsync(apps.A, "rita");
        await using var _ = ritaContext;
        var (lenaContext, lena) = await SignInAsync(apps.B, "lena");
        await using var __ = lenaContext;
        foreach (var page in new[] { rita, lena })
        {
            await page.GotoAsync($"/cases/{id}");
            await page.WaitInteractiveAsync();
        }

        // Both press Claim at once. The faster claim can reach the other screen live before its click lands, and then
        // that Claim button is gone: a race lost before clicking, which is still one winner. At most one may miss.
        var clicks = await Task.WhenAll(ClickClaimAsync(rita), ClickClaimAsync(lena));
        Assert.Contains(true, clicks);

        // A click returns once the browser sent it, not once the server claimed: wait for the claim to be stored.
        var agent = new AgentApi(apps.B.BaseUrl);
        await WaitUntilAsync(async () => (await agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("status").GetString() == "in_review");
        // Exactly one wins: one screen says "You are reviewing", the other names the winner.
        var ritaWon = rita.Locator("[data-claim]").Filter(new() { HasText = "You are reviewing" });
        var lenaWon = lena.Locator("[data-claim]").Filter(new() { HasText = "You are reviewing" });
        await WaitUntilAsync(async () => await ritaWon.CountAsync() + await lenaWon.CountAsync() == 1);
        var (winnerPage, loserPage, winnerName) = await ritaWon.CountAsync() == 1 ? (rita, lena, "rita") : (lena, rita, "lena");
        await Assertions.Expect(loserPage.Locator("[data-claim]")).ToContainTextAsync($"{winnerName} is reviewing");
        await Assertions.Expect(winnerPage.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
        await loserPage.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "claim-race-loser.png") });
    }

    private static async Task<bool> ClickClaimAsync(IPage page)
    {
        try
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync(new() { Timeout = 5_000 });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold within 10 s.");
            }
            await Task.Delay(50);
        }
    }
}
