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
}
