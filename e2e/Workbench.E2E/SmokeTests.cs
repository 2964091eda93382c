using Microsoft.Playwright;

namespace Workbench.E2E;

[Collection(E2ECollection.Name)]
public sealed class SmokeTests(AppServer app, BrowserFixture browser)
{
    [Fact]
    public async Task Rita_signs_in_and_sees_her_queues()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
        });
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync("/queues");
            await page.WaitForURLAsync("**/account/login**");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in as rita" }).ClickAsync();

            await page.WaitForURLAsync("**/queues");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Queues", Level = 1 })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-queue='support']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-queue='policy-legal']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-queue='finance']")).ToHaveCountAsync(0);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "queues-rita.png"), FullPage = true });
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "FAILED-smoke.png"), FullPage = true });
            throw;
        }
    }
}
