using System.Net;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// A guardrail added after a version was published keeps that version from being rolled back into force. The test runs
/// its own app whose scenario folder starts empty: a lead publishes a version with one finance approval above 5000, one
/// that takes every AI system's word on sign-in, and then the shipped one; the four-eyes guardrail file is added;
/// rolling back to the first is refused on the page, and the panel for the second says whose word it would take.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class GuardrailRollbackJourney(BrowserFixture browser)
{
    [Fact]
    public async Task A_lead_cannot_roll_back_to_a_version_that_fails_a_guardrail_added_since()
    {
        var scenarios = Directory.CreateTempSubdirectory("wb-e2e-scenarios-").FullName;
        var app = new AppServer();
        app.Settings["Policy:ScenariosPath"] = scenarios;
        app.Settings["Workbench:DemoData:Enabled"] = "false";
        try
        {
            await app.InitializeAsync();
            var (context, page) = await browser.SignInAsync(app.BaseUrl, "lena");
            await using var _ = context;
            var yaml = await File.ReadAllTextAsync(Path.Combine(AppServer.RepositoryRoot, "assets", "policies", "default.yaml"));
            var oneApproval = yaml.Replace("priority: high, approvals: 2 }", "priority: high }", StringComparison.Ordinal);
            Assert.NotEqual(yaml, oneApproval);
            var everyone = yaml.Replace("authenticated_requesters_from:\n  - demo-agent\n  - demo-agent-2\n", "", StringComparison.Ordinal);
            Assert.NotEqual(yaml, everyone);
            await PublishAsync(context, Versioned(oneApproval, "2026.10.1"), "One finance approval at every amount");
            await PublishAsync(context, Versioned(everyone, "2026.10.2"), "Every AI system's word on sign-in");
            await PublishAsync(context, Versioned(yaml, "2026.10.3"), "Two finance approvals above 5000; sign-in from the demo agents only");
            File.Copy(Path.Combine(AppServer.RepositoryRoot, "assets", "policies", "scenarios", "guardrails.yaml"), Path.Combine(scenarios, "guardrails.yaml"));

            await page.GotoAsync("/policies");
            await page.WaitInteractiveAsync();
            await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
            await page.Locator("tr", new() { HasText = "2026.10.1" }).GetByRole(AriaRole.Button, new() { Name = "Roll back to this" }).ClickAsync();
            await page.GetByLabel("Reason (required)").Last.FillAsync("Finance is short of a second approver this week");
            await page.GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true }).ClickAsync();

            var refusal = page.Locator(".mud-alert", new() { HasText = "Version 2026.10.1 fails" });
            await Assertions.Expect(refusal).ToContainTextAsync("a refund above 5000 needs two finance approvals");
            // The same systems trusted on sign-in as the version in force: the panel gives no warning about it.
            Assert.Equal(0, await page.GetByTestId("rollback-sign-in-trust").CountAsync());
            await Assertions.Expect(page.Locator("tr", new() { HasText = "2026.10.3" })).ToContainTextAsync("in force");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "policies-rollback-refused-lena.png"), FullPage = true });

            // A version that passes every scenario but takes every AI system's word on sign-in: the panel says so first.
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await page.Locator("tr", new() { HasText = "2026.10.2" }).GetByRole(AriaRole.Button, new() { Name = "Roll back to this" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("rollback-sign-in-trust"))
                .ToContainTextAsync("This version takes every AI system's word that a requester signed in; the version in force takes it only from demo-agent, demo-agent-2.");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "policies-rollback-sign-in-trust-lena.png"), FullPage = true });
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

            var history = await context.APIRequest.GetAsync("/api/v1/policies");
            var versions = System.Text.Json.JsonDocument.Parse(await history.TextAsync()).RootElement.EnumerateArray().ToList();
            Assert.Equal(4, versions.Count); // the initial version and the three published: the rollback wrote nothing
            Assert.Equal("2026.10.3", versions.Single(v => v.GetProperty("isActive").GetBoolean()).GetProperty("version").GetString());
        }
        finally
        {
            await app.DisposeAsync();
            Directory.Delete(scenarios, recursive: true);
        }
    }

    private static string Versioned(string yaml, string version) =>
        System.Text.RegularExpressions.Regex.Replace(yaml, "^version:[^\\r\\n]*", $"version: \"{version}\"", System.Text.RegularExpressions.RegexOptions.Multiline);

    private static async Task PublishAsync(IBrowserContext context, string yaml, string reason)
    {
        var response = await context.APIRequest.PostAsync("/api/v1/policies", new() { DataObject = new { yaml, reason } });
        Assert.True(response.Status == (int)HttpStatusCode.Created, $"publish {reason}: {response.Status} {await response.TextAsync()}");
    }
}
