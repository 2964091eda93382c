using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// The undo window in a real browser: its own app, whose decisions wait 30 s before they reach the AI system (long
/// enough on a loaded machine for two screenshots and a click; the product's default is 10 s).
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class UndoJourney(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();

    public Task InitializeAsync()
    {
        _app.Settings["Review:UndoWindow"] = "00:00:30";
        _app.Settings["Workbench:DemoData:Enabled"] = "false";
        return _app.InitializeAsync();
    }

    public Task DisposeAsync() => _app.DisposeAsync();

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    [Fact]
    public async Task Approve_then_undo_from_the_bar_and_the_case_is_back_in_review_with_nothing_sent()
    {
        var agent = new AgentApi(_app.BaseUrl);
        var (id, _) = await agent.SubmitAsync(AgentApi.Sample("013-"));
        var (context, page) = await browser.SignInAsync(_app.BaseUrl, "rita", width: 1440);
        await using var _ = context;
        await page.GotoAsync($"/cases/{id}");
        await page.WaitInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync("payments.issue_refund");
        await page.Locator("[data-shortcuts='ready']").WaitForAsync();
        await page.Keyboard.PressAsync("y");

        // The bar: what was decided, when it goes, and a countdown on the button.
        var bar = page.GetByRole(AriaRole.Region, new() { Name = "Undo the decision" });
        await Assertions.Expect(bar).ToContainTextAsync("Approved.");
        await Assertions.Expect(bar).ToContainTextAsync("reaches the AI system at");
        await Assertions.Expect(bar.GetByRole(AriaRole.Status)).ToHaveAttributeAsync("aria-live", "polite");
        var undo = bar.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex(@"^Undo \(\d+ s\)$") });
        await Assertions.Expect(undo).ToBeEnabledAsync();
        await Assertions.Expect(undo).ToHaveAttributeAsync("aria-keyshortcuts", "U");
        Assert.Equal("in_review", (await agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("status").GetString()); // nothing sent yet
        await Shot(page, "case-undo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await Shot(page, "case-undo-dark");

        // Keyboard: the button is reachable, and U undoes.
        await undo.FocusAsync();
        await Assertions.Expect(undo).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("u");

        await Assertions.Expect(bar).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "in review");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true })).ToBeEnabledAsync();
        var seen = await agent.GetAsync($"/api/v1/cases/{id}");
        Assert.Equal("in_review", seen.GetProperty("status").GetString());
        Assert.False(seen.TryGetProperty("decision", out var decision) && decision.ValueKind != System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task The_lead_approves_two_answers_from_the_queue_and_undoes_both_from_the_bar()
    {
        var agent = new AgentApi(_app.BaseUrl);
        var cases = new[] { await agent.SubmitAsync(AgentApi.Sample("005-")), await agent.SubmitAsync(AgentApi.Sample("005-")) };
        var queue = (await agent.GetAsync($"/api/v1/cases/{cases[0].Id}")).GetProperty("queue").GetString();
        var (context, page) = await browser.SignInAsync(_app.BaseUrl, "lena", width: 1440);
        await using var _ = context;
        await page.GotoAsync($"/queues/{queue}?sort=newest");
        await page.WaitInteractiveAsync();
        foreach (var (_, externalId) in cases)
        {
            var box = page.Locator($"input[data-select='{externalId}'], [data-select='{externalId}'] input").First;
            await box.ClickAsync();
            await Assertions.Expect(box).ToBeCheckedAsync();
        }
        await page.GetByTestId("bulk-approve").ClickAsync();
        await page.GetByTestId("bulk-approve-confirm").ClickAsync();

        // One bar for the approvals made together, as on the case page: announced once, the countdown on the button.
        var bar = page.GetByRole(AriaRole.Region, new() { Name = "Undo the approvals" });
        await Assertions.Expect(bar).ToContainTextAsync("Approved 2 cases.");
        await Assertions.Expect(bar).ToContainTextAsync("They reach the AI system at");
        await Assertions.Expect(bar.GetByRole(AriaRole.Status)).ToHaveAttributeAsync("aria-live", "polite");
        var undo = bar.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex(@"^Undo 2 approvals \(\d+ s\)$") });
        await Assertions.Expect(undo).ToBeEnabledAsync();
        foreach (var (id, _) in cases)
        {
            Assert.Equal("in_review", (await agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("status").GetString()); // nothing sent yet
        }
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "queue-bulk-undo.png") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "queue-bulk-undo-dark.png") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();

        await undo.ClickAsync();

        await Assertions.Expect(bar).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("bulk-outcome")).ToContainTextAsync("2 of 2 cases back in the queue, their approval undone.");
        foreach (var (id, _) in cases)
        {
            Assert.Equal("queued", (await agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("status").GetString());
        }
    }
}
