using System.Globalization;
using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>The lead's SLA board in a real browser, with the demo data and cases submitted on the API.</summary>
[Collection(E2ECollection.Name)]
public sealed class BoardTests(AppServer app, BrowserFixture browser)
{
    [Fact]
    public async Task The_board_shows_every_queue_and_a_submitted_case_moves_the_counts_live()
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 1000 },
        });
        await using var _ = context;
        var page = await context.NewPageAsync();
        await page.DevSignInAsync("lena", "/board");
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "SLA board" })).ToBeVisibleAsync();

        var openCell = page.Locator("tr[data-queue='policy-legal'] td[data-cell='open']");
        await Assertions.Expect(openCell).ToBeVisibleAsync();
        var before = int.Parse(await openCell.InnerTextAsync(), CultureInfo.InvariantCulture);
        Assert.True(before > 0, "the demo data queues cases in policy-legal");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "board.png"), FullPage = true });

        await new AgentApi(app.BaseUrl).SubmitAsync(AgentApi.Sample("013-"));
        await Assertions.Expect(openCell).ToHaveTextAsync((before + 1).ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task At_1440x900_the_queues_table_fits_with_its_next_breach_column_in_light_and_dark()
    {
        var (context, page) = await browser.SignInAsync(app.BaseUrl, "lena", width: 1440);
        await using var _ = context;
        await page.GotoAsync("/board");
        await page.WaitInteractiveAsync();
        var table = page.Locator(".board-queues");
        await Assertions.Expect(table.Locator("tr[data-queue='policy-legal']")).ToBeVisibleAsync();
        foreach (var theme in new[] { "light", "dark" })
        {
            if (theme == "dark")
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
                await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
            }
            // Nothing of the table lies beyond its box (no column cut, no sideways scrolling), and its last header reads whole.
            var overflow = await table.EvaluateAsync<string>(@"t => {
                const box = t.getBoundingClientRect(), inner = t.querySelector('table').getBoundingClientRect();
                const last = [...t.querySelectorAll('th')].pop(), head = last.getBoundingClientRect();
                const container = t.querySelector('.mud-table-container') || t;
                return inner.right <= box.right + 0.5 && head.right <= box.right + 0.5 && container.scrollWidth <= container.clientWidth
                    && last.scrollWidth <= last.clientWidth ? 'fits' : `table ${Math.round(inner.right)}, header ${Math.round(head.right)}, box ${Math.round(box.right)}`;
            }");
            Assert.Equal("fits", overflow);
            await Assertions.Expect(table.Locator("th").Last).ToHaveTextAsync("Next breach");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"board-1440-{theme}.png") });
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
    }
}
