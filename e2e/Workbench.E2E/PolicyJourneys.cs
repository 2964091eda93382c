using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>The lead's policy journey in a real browser: edit a draft, simulate, publish, see a new case decided by it, roll back.</summary>
[Collection(E2ECollection.Name)]
public sealed partial class PolicyJourneys(AppServer app, BrowserFixture browser)
{
    private AgentApi Agent => new(app.BaseUrl);

    private static async Task Shot(IPage page, string name)
    {
        // Scrolled to the top first: a full-page shot of a scrolled page paints the sticky app bar mid-page.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    [Fact]
    public async Task Lead_lowers_the_finance_threshold_simulates_publishes_and_a_300_refund_goes_to_finance()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        var page = await context.NewPageAsync();
        await page.DevSignInAsync("lena", "/policies");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Escalation policy", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("high-value-transaction").First).ToBeVisibleAsync();
        await Shot(page, "policies-active-lena");

        try
        {
            await page.GetByRole(AriaRole.Tab, new() { Name = "Draft and simulate" }).ClickAsync();
            var editor = page.Locator("#policy-draft-editor textarea");
            await Assertions.Expect(page.GetByTestId("draft-validation")).ToContainTextAsync("The draft is valid");

            // A typo first: the error names its line and column.
            var original = await editor.InputValueAsync();
            Assert.Contains("when: signals.amount > 500", original, StringComparison.Ordinal);
            await editor.FillAsync(original.Replace("when: signals.amount > 500\n", "when: signals.amount >> 100\n", StringComparison.Ordinal));
            await Assertions.Expect(page.GetByTestId("draft-validation")).ToContainTextAsync(LineColumn());
            // Clicking the error jumps to its line: the editor has the focus with that line selected (the editor's script, loaded when first needed).
            await page.Locator(".wb-errors .mud-list-item").First.ClickAsync();
            await Assertions.Expect(editor).ToBeFocusedAsync();
            var selectedLine = await editor.EvaluateAsync<string>("""
                a => {
                  const v = a.value, from = v.lastIndexOf('\n', a.selectionStart - 1) + 1, to = v.indexOf('\n', a.selectionStart);
                  return a.selectionEnd > a.selectionStart ? v.substring(from, to < 0 ? v.length : to) : '';
                }
                """);
            Assert.Contains("when: signals.amount >> 100", selectedLine, StringComparison.Ordinal);

            await editor.FillAsync(original.Replace("when: signals.amount > 500\n", "when: signals.amount > 100\n", StringComparison.Ordinal));
            await Assertions.Expect(page.GetByTestId("draft-validation")).ToContainTextAsync("The draft is valid");
            await Assertions.Expect(page.GetByTestId("scenario-summary")).ToContainTextAsync("5 of 5 passed");

            await page.GetByRole(AriaRole.Button, new() { Name = "Run simulation" }).ClickAsync();
            var result = page.GetByTestId("simulation-result");
            await Assertions.Expect(result).ToContainTextAsync("Would change");
            var changed = await result.Locator(".wb-stat", new() { HasText = "Would change" }).Locator(".wb-stat-value").InnerTextAsync();
            Assert.True(int.Parse(changed.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) > 0,
                $"the demo cases between 100 and 500 should change, saw {changed}");
            await Assertions.Expect(result).ToContainTextAsync("high-value-transaction");
            await Assertions.Expect(result).Not.ToContainTextAsync("very-high-value-four-eyes");
            await Shot(page, "policies-simulation-lena");

            await page.GetByLabel("Reason (required)").FillAsync("Finance approves refunds above 100 from now on");
            await page.GetByRole(AriaRole.Button, new() { Name = "Publish draft" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("publish-result")).ToContainTextAsync("is published");

            var body = AgentApi.Sample("009-");
            body["proposal"]!["action"]!["parameters"]!["amount"] = 300;
            body["signals"]!["amount"] = 300;
            var (id, _) = await Agent.SubmitAsync(body);
            var view = await Agent.GetAsync($"/api/v1/cases/{id}");
            Assert.Equal("finance", view.GetProperty("queue").GetString());

            await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
            await Assertions.Expect(page.Locator(".wb-linediff-ins", new() { HasText = "when: signals.amount > 100" }).First).ToBeVisibleAsync();
            await Shot(page, "policies-history-lena");

            // Roll back through the page: the original text is in force again, as a new version.
            await page.Locator("tr", new() { HasText = "Initial policy" }).GetByRole(AriaRole.Button, new() { Name = "Roll back to this" }).ClickAsync();
            await page.GetByLabel("Reason (required)").Last.FillAsync("End of the e2e journey");
            await page.GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("tr", new() { HasText = "End of the e2e journey" })).ToContainTextAsync("in force");
            var after = AgentApi.Sample("009-");
            after["proposal"]!["action"]!["parameters"]!["amount"] = 300;
            after["signals"]!["amount"] = 300;
            var (id2, _) = await Agent.SubmitAsync(after);
            var view2 = await Agent.GetAsync($"/api/v1/cases/{id2}");
            Assert.NotEqual("finance", view2.TryGetProperty("queue", out var q2) ? q2.GetString() : null);
        }
        finally
        {
            // Other journeys share this app: never leave the lowered threshold in force.
            var history = await context.APIRequest.GetAsync("/api/v1/policies");
            var versions = System.Text.Json.JsonDocument.Parse(await history.TextAsync()).RootElement;
            var active = versions.EnumerateArray().First(v => v.GetProperty("isActive").GetBoolean());
            if (active.GetProperty("version").GetString() == "2026.11.2")
            {
                var first = versions.EnumerateArray().Last();
                await context.APIRequest.PostAsync($"/api/v1/policies/{first.GetProperty("id").GetInt32()}/rollback",
                    new() { DataObject = new { reason = "e2e clean-up" } });
            }
        }

        await page.GotoAsync("/insights");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Insights", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("insight-rates")).ToContainTextAsync("Escalation rate");
        await Shot(page, "insights-journey-lena");
    }

    [GeneratedRegex(@"line \d+, col \d+")]
    private static partial Regex LineColumn();
}
