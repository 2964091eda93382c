using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>The message as it will be sent, and reviewers' internal notes with a mention, in a real browser.</summary>
[Collection(E2ECollection.Name)]
public sealed class MessageAndNotesJourneys(AppServer app, BrowserFixture browser)
{
    private AgentApi Agent => new(app.BaseUrl);

    /// <summary>A full-page shot from the top, the pointer off every tooltip (the app bar is fixed: a scrolled page would show it mid-page).</summary>
    private static async Task Shot(IPage page, string name)
    {
        await page.Mouse.MoveAsync(1, 899);
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    private static async Task OpenCaseAsync(IPage page, Guid id)
    {
        await page.GotoAsync($"/cases/{id}");
        await page.WaitInteractiveAsync();
    }

    [Fact]
    public async Task The_proposal_reads_as_sent_toggles_to_its_template_and_an_edited_variable_reaches_the_ai_system()
    {
        var sample = AgentApi.Sample("013-");
        var template = sample["proposal"]!["response"]!["body"]!.GetValue<string>();
        var variables = sample["proposal"]!["response"]!["variables"]!.AsObject().ToDictionary(v => v.Key, v => v.Value!.GetValue<string>());
        var (id, _) = await Agent.SubmitAsync(sample);
        var (context, page) = await browser.SignInAsync(app.BaseUrl, "rita");
        await using var _ = context;
        await page.SetViewportSizeAsync(1440, 900);
        await OpenCaseAsync(page, id);

        var message = page.Locator("[data-testid='proposal-response']");
        await Assertions.Expect(message).ToHaveAttributeAsync("data-view", "message");
        await Assertions.Expect(message.Locator("mark[data-variable='customer_name']")).ToHaveTextAsync("Tomasz");
        await Assertions.Expect(message.Locator(".wb-untrusted")).Not.ToContainTextAsync("{{");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show template" }).ClickAsync();
        await Assertions.Expect(message).ToHaveAttributeAsync("data-view", "template");
        await Assertions.Expect(message.Locator(".wb-untrusted")).ToContainTextAsync("Hi {{customer_name}},");
        await Shot(page, "case-message-template");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show message" }).ClickAsync();
        await Assertions.Expect(message).ToHaveAttributeAsync("data-view", "message");

        await page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve with edits", Exact = true }).ClickAsync();
        await page.GetByLabel("customer_name", new() { Exact = true }).FillAsync("Tomasz Nowak");
        await Assertions.Expect(page.Locator("[data-testid='edit-preview'] mark[data-variable='customer_name']")).ToHaveTextAsync("Tomasz Nowak");
        await Shot(page, "case-message-edit");
        await page.GetByLabel("Root cause (required)").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Retrieval conflict or freshness" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve edited response" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync("payments.issue_refund");
        await page.Locator("[data-shortcuts='ready']").WaitForAsync();
        await page.Keyboard.PressAsync("y");
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveAttributeAsync("data-status", "decided");

        var decision = await Agent.GetAsync($"/api/v1/cases/{id}/decision");
        var expected = template.Replace("{{customer_name}}", "Tomasz Nowak").Replace("{{refund_amount}}", variables["refund_amount"])
            .Replace("{{days_remaining}}", variables["days_remaining"]);
        Assert.Equal("approved_with_edits", decision.GetProperty("decision").GetString());
        Assert.Equal(expected, decision.GetProperty("responseText").GetString());
        Assert.Equal(template, decision.GetProperty("responseTemplate").GetString());
        Assert.Equal("Tomasz Nowak", decision.GetProperty("responseVariables").GetProperty("customer_name").GetString());
    }

    [Fact]
    public async Task A_note_that_mentions_the_lead_shows_in_her_mentions_live_and_never_reaches_the_ai_system()
    {
        var (id, externalId) = await Agent.SubmitAsync(AgentApi.Sample("013-"));
        var (leadContext, lead) = await browser.SignInAsync(app.BaseUrl, "lena");
        await using var __ = leadContext;
        await lead.SetViewportSizeAsync(1440, 900);
        await lead.GotoAsync("/queues");
        await lead.WaitInteractiveAsync();
        await lead.Locator("[data-queue]").First.WaitForAsync();

        var (context, page) = await browser.SignInAsync(app.BaseUrl, "rita");
        await using var _ = context;
        await page.SetViewportSizeAsync(1440, 900);
        await OpenCaseAsync(page, id);
        var text = "@lena could you confirm the v7 proration before I approve? <b>not bold</b>";
        await page.GetByLabel("Add a note (@name mentions a colleague)").FillAsync("@nobody hello");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='notes-panel']")).ToContainTextAsync("There is nobody called @nobody");
        await page.GetByLabel("Add a note (@name mentions a colleague)").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();

        var thread = page.Locator("[data-testid='note-thread'] li.note");
        await Assertions.Expect(thread).ToHaveCountAsync(1);
        await Assertions.Expect(thread.First).ToContainTextAsync("<b>not bold</b>");
        await Assertions.Expect(thread.First).ToContainTextAsync("mentions @lena");
        await Shot(page, "case-message-notes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await Shot(page, "case-message-notes-dark");

        // The lead's queues page, opened before the note was written, shows it without a reload.
        var mention = lead.Locator("[data-testid='mentions'] [data-mention]").Filter(new() { HasText = externalId });
        await Assertions.Expect(mention).ToHaveCountAsync(1);
        await Assertions.Expect(mention.First).ToContainTextAsync(externalId);
        await Assertions.Expect(mention.First).ToContainTextAsync("could you confirm the v7 proration");
        await Shot(lead, "queues-mentions-lena");
        await mention.First.ClickAsync();
        await Assertions.Expect(lead).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/cases/{id}$"));
        await Assertions.Expect(lead.Locator("[data-testid='note-thread'] li.note")).ToHaveCountAsync(1);

        var seen = (await Agent.GetAsync($"/api/v1/cases/{id}")).GetRawText();
        Assert.DoesNotContain("proration before I approve", seen);
    }
}
