using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>The audit log with its chain verification, and a case reconstructed for an auditor, in a real browser.</summary>
[Collection(E2ECollection.Name)]
public sealed class AuditJourneys(AppServer app, BrowserFixture browser)
{
    private AgentApi Agent => new(app.BaseUrl);

    private Task<(IBrowserContext Context, IPage Page)> SignInAsync(string user) => browser.SignInAsync(app.BaseUrl, user);

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    [Fact]
    public async Task An_admin_verifies_the_chain_on_the_audit_page()
    {
        var (context, page) = await SignInAsync("adam");
        await using var _ = context;
        await page.GotoAsync("/audit");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid='audit-events'] tbody tr").First).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Verify chain" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid='chain-intact']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid='chain-status']")).ToContainTextAsync("by adam");
        await Shot(page, "audit-adam");
    }

    [Fact]
    public async Task A_lead_reads_the_reconstruction_of_a_decided_case()
    {
        var (id, _) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (ritaContext, rita) = await SignInAsync("rita");
        await using (ritaContext)
        {
            await rita.GotoAsync($"/cases/{id}");
            await rita.WaitInteractiveAsync();
            await rita.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
            await Assertions.Expect(rita.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
            // A question and its reply: free texts the reconstruction shows from audit_texts, beside the chained digests.
            await rita.GetByRole(AriaRole.Button, new() { Name = "Request info", Exact = true }).ClickAsync();
            await rita.GetByLabel("Question for the AI system").FillAsync("Which policy version did the customer accept at renewal?");
            await rita.GetByRole(AriaRole.Button, new() { Name = "Send question" }).ClickAsync();
            await Assertions.Expect(rita.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "awaiting info");
            Assert.Equal(200, await Agent.ReplyAsync(id, "v7, accepted on 2026-10-13."));
            await rita.ReloadAsync();
            await rita.WaitInteractiveAsync();
            // The reviewer reads the answer on the case page, under its event in the history.
            await rita.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
            await Assertions.Expect(rita.Locator("[data-testid='reply']")).ToContainTextAsync("v7, accepted on 2026-10-13.");
            await Shot(rita, "case-history-reply");
            await rita.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
            await Assertions.Expect(rita.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
            await rita.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await rita.GetByTestId("confirm-approval").ClickAsync(); // the refund is irreversible: confirmed
            await Assertions.Expect(rita.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "decided");
        }

        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await page.GotoAsync($"/cases/{id}/audit");
        await page.WaitInteractiveAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "1 · What was asked" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid='case-chain-intact']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid='human-actions']")).ToContainTextAsync("rita");
        await Assertions.Expect(page.Locator("[data-testid='case-events']")).ToContainTextAsync("case.decided");
        var texts = page.Locator("[data-testid='audit-text'][data-status='present']");
        await Assertions.Expect(texts).ToHaveCountAsync(2);
        await Assertions.Expect(texts.First).ToContainTextAsync("Question: Which policy version did the customer accept at renewal?");
        await Assertions.Expect(texts.Last).ToContainTextAsync("Reply: v7, accepted on 2026-10-13.");
        await Shot(page, "case-audit-lena");

        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Print" })).ToBeHiddenAsync();
        await Shot(page, "case-audit-lena-print");
    }
}
