using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// Spot checks and root causes in a real browser, on an app of its own with no demo data where support.faq samples
/// every answer it lets through: a reviewer checks one on the page, others are checked and escalated cases decided
/// through the review API, each with its root cause; the lead then reads Insights and the board, whose root-cause mix
/// is the plain count of what the reviewers sent. The pages are shot for the docs, light and dark.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class SpotCheckJourneys(BrowserFixture browser) : IAsyncLifetime
{
    private readonly string _policy = PolicyFiles.Write(PolicyFiles.SpotCheckRate(1.0));
    private AppServer? _app;

    public Task InitializeAsync()
    {
        _app = new AppServer { Settings = { ["Policy:Path"] = _policy, ["Workbench:DemoData:Enabled"] = "false" } };
        return _app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _app!.DisposeAsync();
        File.Delete(_policy);
    }

    private static async Task Shot(IPage page, string name)
    {
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    [GeneratedRegex("^[a-z_]+$")]
    private static partial Regex Snake();

    [Fact]
    public async Task A_reviewer_spot_checks_an_answer_and_the_lead_sees_the_root_causes_people_gave()
    {
        var agent = new AgentApi(_app!.BaseUrl);
        var answers = new List<Guid>();
        foreach (var prefix in new[] { "001-", "002-", "003-", "004-" })
        {
            var (id, _) = await agent.SubmitAsync(AgentApi.Sample(prefix));
            Assert.Equal("auto_approved", (await agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("status").GetString());
            answers.Add(id);
        }
        var escalated = new List<Guid>();
        foreach (var prefix in new[] { "013-", "013-", "013-" })
        {
            escalated.Add((await agent.SubmitAsync(AgentApi.Sample(prefix))).Id);
        }
        // What the reviewers send, root cause by root cause: the page's mix must be exactly this count.
        var sent = new List<string> { "prompt" };

        var (mia, page) = await browser.SignInAsync(_app.BaseUrl, "mia", "/spot-checks", width: 1440);
        await using (mia)
        {
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.GetByTestId("spot-checks").Locator("tbody tr")).ToHaveCountAsync(answers.Count);
            await Shot(page, "spot-checks");

            var first = answers[0];
            await page.Locator($"tr[data-case-id='{first}'] a").ClickAsync();
            await page.WaitForURLAsync(new Regex($"/spot-checks/{first}$"));
            await page.WaitInteractiveAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Would have edited" }).ClickAsync();
            await page.GetByLabel("The response as you would have released it").FillAsync("Yes: SAML SSO with Okta is on the Business and Enterprise plans; see the setup guide.");
            await page.GetByLabel("Root cause (required)").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "Prompt or instructions" }).ClickAsync();
            await Shot(page, "spot-check-verdict");
            await page.GetByTestId("record-spot-check").ClickAsync();
            await Assertions.Expect(page.GetByTestId("spot-check-recorded")).ToContainTextAsync("would have edited");
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
            await Shot(page, "spot-check-recorded-dark");
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
            // She thinks again: it was the retrieval, not the prompt. She changes the root cause under her verdict.
            var change = page.GetByTestId("spot-check-root-cause");
            await change.GetByLabel("Root cause").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "Retrieval miss" }).ClickAsync();
            await change.GetByRole(AriaRole.Button, new() { Name = "Change the root cause" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("spot-check-recorded")).ToContainTextAsync("root cause: Retrieval miss");
            sent[0] = "retrieval_miss";
            await Shot(page, "spot-check-root-cause");
            // The AI system's answer stands: the case is what it was.
            Assert.Equal("auto_approved", (await agent.GetAsync($"/api/v1/cases/{first}")).GetProperty("status").GetString());

            // Two more verdicts through the review API; one spot check stays open.
            await mia.PostOkAsync($"/api/v1/review/spot-checks/{answers[1]}/claim", new { });
            await mia.PostOkAsync($"/api/v1/review/spot-checks/{answers[1]}/verdict", new { verdict = "agree" });
            await mia.PostOkAsync($"/api/v1/review/spot-checks/{answers[2]}/claim", new { });
            await mia.PostOkAsync($"/api/v1/review/spot-checks/{answers[2]}/verdict",
                new { verdict = "would_have_rejected", rejectReasonCode = "MISSING_AUTH_SOURCE", rootCause = "retrieval_miss" });
            sent.Add("retrieval_miss");
        }

        var (rita, _) = await browser.SignInAsync(_app.BaseUrl, "rita", "/queues", width: 1440);
        await using (rita)
        {
            (object Body, string Cause)[] decisions =
            [
                (new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", rootCause = "retrieval_conflict" }, "retrieval_conflict"),
                (new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", rootCause = "retrieval_conflict" }, "retrieval_conflict"),
                (new { action = "reject", rejectReasonCode = "HIGH_VALUE_TRANSACTION", rootCause = "policy_too_loose" }, "policy_too_loose"),
            ];
            for (var i = 0; i < escalated.Count; i++)
            {
                await rita.PostOkAsync($"/api/v1/review/cases/{escalated[i]}/claim", new { });
                await rita.PostOkAsync($"/api/v1/review/cases/{escalated[i]}/actions", decisions[i].Body);
                sent.Add(decisions[i].Cause);
            }
            // She changes her mind about the last one afterwards.
            await rita.PostOkAsync($"/api/v1/review/cases/{escalated[2]}/classification", new { rootCause = "missing_business_data", escalationNecessary = true });
            sent[^1] = "missing_business_data";
        }
        var expected = sent.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count().ToString(System.Globalization.CultureInfo.InvariantCulture));

        var (lena, lead) = await browser.SignInAsync(_app.BaseUrl, "lena", "/insights", width: 1440);
        await using (lena)
        {
            await lead.WaitInteractiveAsync();
            Assert.Equal(expected, await MixAsync(lead));
            await Shot(lead, "insights-root-causes");

            await lead.GotoAsync("/board");
            await lead.WaitInteractiveAsync();
            await Assertions.Expect(lead.GetByTestId("board-root-causes")).ToBeVisibleAsync();
            Assert.Equal(expected, await MixAsync(lead));
            await Shot(lead, "board-root-causes");
            await lead.GotoAsync("/insights");
            await lead.WaitInteractiveAsync();
            await lead.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
            await Assertions.Expect(lead.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
            await Assertions.Expect(lead.Locator("tr[data-root-cause]").First).ToBeVisibleAsync();
            await Shot(lead, "insights-root-causes-dark");
        }
    }

    /// <summary>The root-cause mix on the page: class → cases.</summary>
    private static async Task<Dictionary<string, string>> MixAsync(IPage page)
    {
        var rows = page.Locator("tr[data-root-cause]");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        var mix = new Dictionary<string, string>();
        foreach (var row in await rows.AllAsync())
        {
            var cause = (await row.GetAttributeAsync("data-root-cause"))!;
            Assert.Matches(Snake(), cause);
            mix[cause] = (await row.Locator("td[data-cell='cases']").InnerTextAsync()).Trim();
        }
        return mix;
    }
}
