using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// The queue as a reviewer and a lead work it at 1440×900: dense by default, a comfortable density remembered per
/// person, the order in the address, saved views, and the lead's selection with its bulk actions.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class QueueJourneys(AppServer app, BrowserFixture browser)
{
    private AgentApi Agent => new(app.BaseUrl);

    private Task<(IBrowserContext Context, IPage Page)> SignInAsync(string user) => browser.SignInAsync(app.BaseUrl, user, width: 1440);

    private static Task Shot(IPage page, string name, bool fullPage = false) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = fullPage });

    /// <summary>Submits <paramref name="count"/> cases of a sample and returns them with the queue the policy put them in.</summary>
    private async Task<(string Queue, List<(Guid Id, string ExternalId)> Cases)> SubmitAsync(string prefix, int count, Func<int, string>? externalId = null)
    {
        var cases = new List<(Guid, string)>();
        for (var i = 0; i < count; i++)
        {
            var body = AgentApi.Sample(prefix);
            if (externalId is not null)
            {
                body["externalId"] = externalId(i);
            }
            cases.Add(await Agent.SubmitAsync(body));
        }
        var queue = (await Agent.GetAsync($"/api/v1/cases/{cases[0].Item1}")).GetProperty("queue").GetString()!;
        return (queue, cases);
    }

    private static async Task OpenQueueAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.WaitInteractiveAsync();
        await page.Locator(".wb-queue-grid tbody tr.wb-row-link").First.WaitForAsync();
    }

    /// <summary>Rows of the grid whose box lies wholly inside the viewport.</summary>
    private static Task<int> VisibleRowsAsync(IPage page) => page.EvaluateAsync<int>(@"() =>
        [...document.querySelectorAll('.wb-queue-grid tbody tr.wb-row-link')].filter(r => {
            const b = r.getBoundingClientRect();
            return b.top >= 0 && b.bottom <= window.innerHeight && b.height > 0;
        }).length");

    /// <summary>"fits", or how far the grid runs past its container's right edge (its last columns cut off or scrolled away).</summary>
    internal static Task<string> GridWidthAsync(IPage page) => page.EvaluateAsync<string>(@"() => {
        const c = document.querySelector('.wb-queue-grid .mud-table-container');
        const last = [...c.querySelectorAll('thead th')].pop().getBoundingClientRect();
        const over = Math.max(c.scrollWidth - c.clientWidth, Math.ceil(last.right - c.getBoundingClientRect().right));
        return over <= 0 ? 'fits' : `runs ${over} px past its right edge`;
    }");

    private static async Task ChooseAsync(IPage page, string label, string option)
    {
        await page.GetByLabel(label, new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
    }

    /// <summary>The input of a MudBlazor field, whether the test id landed on the input or on its wrapper.</summary>
    private static ILocator Input(IPage page, string testId) =>
        page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input").First;

    /// <summary>Ticks a row's box and waits for the server to have it (the box is the server's state, drawn back).</summary>
    private static async Task SelectAsync(IPage page, string externalId)
    {
        var box = page.Locator($"input[data-select='{externalId}'], [data-select='{externalId}'] input").First;
        await box.ClickAsync();
        await Assertions.Expect(box).ToBeCheckedAsync();
    }

    /// <summary>Where a case's row starts, in CSS pixels from the top of the viewport.</summary>
    private static Task<double> RowTopAsync(IPage page, string externalId) => page.EvaluateAsync<double>(
        "id => document.querySelector(`[data-select='${id}']`).closest('tr').getBoundingClientRect().top", externalId);

    /// <summary>The bar's controls all lie on one line: the tallest of them is as tall as the line itself.</summary>
    private static Task<string> BulkBarLinesAsync(IPage page) => page.EvaluateAsync<string>(@"() => {
        const items = [...document.querySelector('[data-testid=bulk-bar]').children].map(e => e.getBoundingClientRect()).filter(b => b.height > 0);
        const top = Math.min(...items.map(b => b.top)), bottom = Math.max(...items.map(b => b.bottom));
        return bottom - top <= Math.max(...items.map(b => b.height)) + 1 ? 'one line' : `${Math.round(bottom - top)} px tall`;
    }");

    private static async Task DensityAsync(IPage page, string density)
    {
        await page.GetByTestId("queue-density").GetByText(density, new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".wb-queue-grid")).ToHaveAttributeAsync("data-density", density.ToLowerInvariant());
    }

    [Fact]
    public async Task The_default_density_shows_twenty_rows_at_1440x900_with_ids_on_one_line_and_comfortable_is_remembered()
    {
        var longId = $"e2e-order-{Guid.NewGuid():N}-replacement-for-a-damaged-item"[..60];
        var (queue, _) = await SubmitAsync("005-", 24, i => i == 0 ? longId : $"e2e-{Guid.NewGuid():N}"[..20]);
        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await OpenQueueAsync(page, $"/queues/{queue}?sort=newest");
        await Assertions.Expect(page.Locator(".wb-queue-grid")).ToHaveAttributeAsync("data-density", "compact");

        await Shot(page, "queue-compact-light");
        Assert.Equal("fits", await GridWidthAsync(page));
        // Compact: a row is one line, so it shows its first reason and "+N" naming the others; never a chip cut mid-title.
        var longRow = page.Locator("tr.wb-row-link", new() { Has = page.Locator($".wb-case-link[title='{longId}']") });
        var reasons = longRow.Locator("[data-reason]");
        await Assertions.Expect(reasons).ToHaveCountAsync(2);
        await Assertions.Expect(reasons.Nth(0)).ToBeVisibleAsync();
        await Assertions.Expect(reasons.Nth(1)).ToBeHiddenAsync();
        var more = longRow.Locator("[data-reason-count]");
        await Assertions.Expect(more).ToHaveTextAsync("+1");
        await Assertions.Expect(more).ToHaveAttributeAsync("aria-label", $"1 more: {(await reasons.Nth(1).TextContentAsync())!.Trim()}");
        var visible = await VisibleRowsAsync(page);
        Assert.True(visible >= 20, $"{visible} rows inside the 1440×900 viewport");
        // Every case id is one line (no taller than one line of its text); the long one is cut, with the whole id in its title.
        var wrapped = await page.EvaluateAsync<string[]>(@"() =>
            [...document.querySelectorAll('.wb-case-link')].filter(a => a.getBoundingClientRect().height > 1.5 * (parseFloat(getComputedStyle(a).lineHeight) || 1.3 * parseFloat(getComputedStyle(a).fontSize)))
                .map(a => a.textContent + ' ' + a.getBoundingClientRect().height)");
        Assert.Empty(wrapped);
        await Assertions.Expect(page.Locator($".wb-case-link[title='{longId}']")).ToHaveCountAsync(1);
        // Cut in its middle, not at its end: its head gives way with an ellipsis and its last ten characters, where one AI
        // system's ids differ, show whole inside the link; the link's text is still the whole id.
        var longLink = page.Locator($".wb-case-link[title='{longId}']");
        await Assertions.Expect(longLink).ToHaveTextAsync(longId);
        await Assertions.Expect(longLink.Locator(".wb-id-tail")).ToHaveTextAsync(longId[^10..]);
        Assert.True(await longLink.Locator(".wb-id-head").EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth"), "the long id's head is not cut");
        Assert.True(await longLink.EvaluateAsync<bool>(@"a => { const t = a.querySelector('.wb-id-tail').getBoundingClientRect(), b = a.getBoundingClientRect();
            return t.width > 0 && t.left >= b.left - 0.5 && t.right <= b.right + 0.5; }"), "the long id's tail is clipped by its link");
        await longRow.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "queue-compact-long-id.png") });

        await DensityAsync(page, "Comfortable");
        var comfortable = await VisibleRowsAsync(page);
        Assert.True(comfortable < visible, $"comfortable {comfortable}, compact {visible}");
        await Shot(page, "queue-comfortable-light");
        await Assertions.Expect(reasons.Nth(1)).ToBeVisibleAsync();
        await Assertions.Expect(more).ToBeHiddenAsync();
        // Remembered for the person: a fresh load is comfortable.
        await OpenQueueAsync(page, $"/queues/{queue}");
        await Assertions.Expect(page.Locator(".wb-queue-grid")).ToHaveAttributeAsync("data-density", "comfortable");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await Shot(page, "queue-comfortable-dark");
        await DensityAsync(page, "Compact");
        await Shot(page, "queue-compact-dark");
        // With the demo's overdue cases first (a longer SLA text) and the long id: still within the page.
        Assert.Equal("fits", await GridWidthAsync(page));
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
    }

    [Fact]
    public async Task Newest_first_puts_the_latest_case_on_top_and_the_order_is_in_the_address()
    {
        var (queue, cases) = await SubmitAsync("005-", 2);
        var newest = cases[^1].ExternalId;
        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await OpenQueueAsync(page, $"/queues/{queue}");

        await ChooseAsync(page, "Sort", "Newest first");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]sort=newest"));
        await Assertions.Expect(page.Locator(".wb-case-link").First).ToHaveTextAsync(newest);
        await OpenQueueAsync(page, page.Url); // a reload keeps the order
        await Assertions.Expect(page.Locator(".wb-case-link").First).ToHaveTextAsync(newest);
        await Assertions.Expect(page.GetByLabel("Sort", new() { Exact = true })).ToHaveValueAsync("Newest first");
    }

    [Fact]
    public async Task A_saved_view_is_saved_applied_renamed_and_deleted_and_a_bad_name_says_why()
    {
        var (queue, _) = await SubmitAsync("005-", 1);
        var (context, page) = await SignInAsync("lena");
        await using var _ = context;
        await OpenQueueAsync(page, $"/queues/{queue}?sort=newest");
        await ChooseAsync(page, "Claim", "Unclaimed");
        var name = $"Unclaimed newest {Guid.NewGuid():N}"[..24];

        await page.GetByTestId("views-menu").ClickAsync();
        await page.GetByTestId("save-view").ClickAsync();
        await page.GetByTestId("view-save").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Give the view a name.");
        await Input(page, "view-name").FillAsync(new string('x', 61));
        await page.GetByTestId("view-save").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("at most 60 characters");
        await Input(page, "view-name").FillAsync(name);
        await page.GetByTestId("view-save").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();

        // Back to the queue's defaults, then the view brings its filter and order back.
        await OpenQueueAsync(page, $"/queues/{queue}");
        await page.GetByTestId("views-menu").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-view='{name}']")).ToBeVisibleAsync();
        await Shot(page, "queue-views-menu-light");
        await page.Locator($"[data-view='{name}']").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]sort=newest"));
        await Assertions.Expect(page.GetByLabel("Claim", new() { Exact = true })).ToHaveValueAsync("Unclaimed");

        // The same name again is refused.
        await page.GetByTestId("views-menu").ClickAsync();
        await page.GetByTestId("save-view").ClickAsync();
        await Input(page, "view-name").FillAsync(name.ToUpperInvariant());
        await page.GetByTestId("view-save").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("You already have a view named");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        // Rename, then delete.
        await page.GetByTestId("views-menu").ClickAsync();
        await page.GetByTestId("manage-views").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Rename {name}" }).ClickAsync();
        await Input(page, "rename-name").FillAsync(name + " 2");
        await page.GetByTestId("rename-save").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-manage-view='{name} 2']")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete {name} 2" }).ClickAsync();
        await Assertions.Expect(page.Locator($"[data-manage-view='{name} 2']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_lead_selects_cases_routes_them_and_bulk_approve_refuses_the_irreversible_refund()
    {
        var (queue, answers) = await SubmitAsync("005-", 4);
        var refundBody = AgentApi.Sample("013-");
        refundBody["proposal"]!["action"]!["reversible"] = true; // the AI system's word; the catalogue's is "irreversible"
        var refund = await Agent.SubmitAsync(refundBody);
        var (context, page) = await SignInAsync("lena");
        await using var _ = context;

        // Route one answer away. The bar over the selection takes the filters' place: the first tick moves no row.
        await OpenQueueAsync(page, $"/queues/{queue}?sort=newest");
        var before = await RowTopAsync(page, answers[1].ExternalId);
        await SelectAsync(page, answers[0].ExternalId);
        await Assertions.Expect(page.GetByTestId("bulk-count")).ToHaveTextAsync("1 selected");
        Assert.Equal(before, await RowTopAsync(page, answers[1].ExternalId));
        // A case arriving while cases are ticked is counted over the grid's head, not drawn above the rows.
        var arrived = await Agent.SubmitAsync(AgentApi.Sample("005-"));
        await Assertions.Expect(page.GetByTestId("queue-held")).ToContainTextAsync("not shown yet");
        Assert.Equal(before, await RowTopAsync(page, answers[1].ExternalId));
        await Assertions.Expect(page.Locator(".wb-case-link", new() { HasText = arrived.ExternalId })).ToHaveCountAsync(0);
        // A colleague routes a case away meanwhile: its row stays where it was, marked, until the selection ends.
        var (mia, _) = await SignInAsync("mia");
        await using (mia)
        {
            await mia.PostOkAsync($"/api/v1/review/cases/{answers[3].Id}/claim", new { });
            await mia.PostOkAsync($"/api/v1/review/cases/{answers[3].Id}/actions",
                new { action = "route", targetQueue = "support-exceptions", note = "For the exceptions desk." });
        }
        await Assertions.Expect(page.Locator($"[data-left='{answers[3].ExternalId}']")).ToHaveTextAsync("left the queue");
        await Assertions.Expect(page.GetByTestId("queue-held")).ToContainTextAsync("left the queue");
        Assert.Equal(before, await RowTopAsync(page, answers[1].ExternalId));
        await Shot(page, "queue-held-light");
        // The queues to route to are the others: not the one the cases are in.
        await page.GetByLabel("Queue", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Option, new() { Name = "Support exceptions", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Option, new() { Name = "Support", Exact = true })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Option, new() { Name = "Support exceptions", Exact = true }).ClickAsync();
        await Input(page, "bulk-route-note").FillAsync("Asked twice for a person; <b>not</b> urgent.");
        await page.GetByTestId("bulk-route").ClickAsync();
        await Assertions.Expect(page.GetByTestId("bulk-outcome")).ToContainTextAsync("1 of 1 case routed.");
        await Assertions.Expect(page.Locator(".wb-case-link", new() { HasText = answers[0].ExternalId })).ToHaveCountAsync(0);
        await Assertions.Expect(Input(page, "bulk-route-note")).ToHaveCountAsync(0); // the bar goes with the selection

        // Approve two answers and the refund (in its own queue, opened by the lead from there).
        var refundQueue = (await Agent.GetAsync($"/api/v1/cases/{refund.Id}")).GetProperty("queue").GetString();
        Assert.NotNull(refundQueue);
        await SelectAsync(page, answers[1].ExternalId);
        await SelectAsync(page, answers[2].ExternalId);
        await Assertions.Expect(page.GetByTestId("bulk-count")).ToHaveTextAsync("2 selected");
        Assert.Equal("one line", await BulkBarLinesAsync(page));
        await Shot(page, "queue-multi-select-light");
        await page.GetByTestId("bulk-approve").ClickAsync();
        var confirm = page.GetByTestId("bulk-confirm");
        await Assertions.Expect(confirm.Locator("[data-eligible]")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await OpenQueueAsync(page, $"/queues/{refundQueue}?sort=newest");
        await SelectAsync(page, refund.ExternalId);
        await page.GetByTestId("bulk-approve").ClickAsync();
        await Assertions.Expect(confirm.Locator($"[data-preview='{refund.ExternalId}']")).ToHaveAttributeAsync("data-eligible", "false");
        await Assertions.Expect(confirm).ToContainTextAsync("irreversible");
        await Assertions.Expect(page.GetByTestId("bulk-approve-confirm")).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal("queued", (await Agent.GetAsync($"/api/v1/cases/{refund.Id}")).GetProperty("status").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("bulk-bar")).ToBeVisibleAsync();
        Assert.Equal("one line", await BulkBarLinesAsync(page));
        await Shot(page, "queue-multi-select-dark");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
    }

    [Fact]
    public async Task A_reviewer_who_is_not_a_lead_has_no_selection()
    {
        var (context, page) = await SignInAsync("rita");
        await using var _ = context;
        await Agent.SubmitAsync(AgentApi.Sample("013-"));
        await OpenQueueAsync(page, "/queues/policy-legal");
        await Assertions.Expect(page.Locator("[data-select]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("select-page")).ToHaveCountAsync(0);
    }
}
