using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// An admin sees what an endpoint's receiver answered: a real receiver on loopback that is down for maintenance and
/// then back, an endpoint added on the page for the second demo client (no other journey sends for it), and the test
/// events the page sends. Each attempt shows in the endpoint's table, newest first, as the receiver answered it.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class WebhookAdminJourneys(AppServer app, BrowserFixture browser)
{
    private const string Client = "demo-agent-2";

    private static async Task Shot(IPage page, string name)
    {
        await page.Mouse.MoveAsync(1, 899);
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    /// <summary>Presses Refresh until the endpoint's table has <paramref name="count"/> attempts (the dispatcher sends in the background).</summary>
    private static async Task<ILocator> AttemptsAsync(IPage page, int count)
    {
        var rows = page.Locator("[data-testid='endpoint-attempts'] tr[data-attempt]");
        await WebhookTestKit.Eventually(async () =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
            return await rows.CountAsync() >= count;
        }, TimeSpan.FromSeconds(30), $"{count} attempt(s) on the page");
        return rows;
    }

    [Fact]
    public async Task An_admin_sees_each_attempt_of_an_endpoint_as_its_receiver_answered_it()
    {
        var down = true;
        await using var receiver = new WebhookReceiver
        {
            Answer = _ => Volatile.Read(ref down) ? 503 : 200,
            AnswerBody = _ => Volatile.Read(ref down) ? "Down for maintenance until 06:00 UTC" : "ok",
        };
        await receiver.StartAsync();
        var (context, page) = await browser.SignInAsync(app.BaseUrl, "adam", "/admin", width: 1440);
        await using var _ = context;
        await page.WaitInteractiveAsync();

        await page.GetByLabel("API client").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = $"({Client})" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0); // the list closed
        await Assertions.Expect(page.Locator("[data-testid='endpoints']")).ToHaveCountAsync(0); // the client has no endpoint yet
        var url = receiver.Url("/hooks/e2e");
        var field = page.GetByLabel("New endpoint URL");
        await field.FillAsync(url);
        await field.PressAsync("Tab");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='secret-once']")).ToContainTextAsync("whsec_", new() { Timeout = 30_000 });
        await page.Locator("[data-testid='secret-once']").GetByRole(AriaRole.Button).ClickAsync();

        var endpoint = page.Locator("[data-testid='endpoints'] tr").Filter(new() { HasText = url });
        await endpoint.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        var rows = await AttemptsAsync(page, 1);
        await Assertions.Expect(rows.First.Locator("td").Nth(2)).ToHaveTextAsync("503");
        await Assertions.Expect(rows.First.Locator("td").Nth(4)).ToHaveTextAsync("HTTP 503");
        await Assertions.Expect(rows.First.Locator("td").Nth(5)).ToHaveTextAsync("Down for maintenance until 06:00 UTC");
        // The dispatcher writes the endpoint's failing stretch just after the attempt itself: refreshed until it shows.
        var attempts = page.Locator("[data-testid='endpoint-attempts']");
        await WebhookTestKit.Eventually(async () =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
            return (await attempts.TextContentAsync())?.Contains("failing since", StringComparison.Ordinal) == true;
        }, TimeSpan.FromSeconds(30), "the endpoint failing since its first attempt");

        // The receiver is back: the next test event is answered 200 and shows on top.
        Volatile.Write(ref down, false);
        await endpoint.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        await WebhookTestKit.Eventually(async () =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
            return await rows.CountAsync() >= 2 && (await rows.First.Locator("td").Nth(2).TextContentAsync())?.Trim() == "200"
                && (await attempts.TextContentAsync())?.Contains("failing since", StringComparison.Ordinal) == false;
        }, TimeSpan.FromSeconds(30), "the 200 answer on top, the failing stretch over");
        await Assertions.Expect(rows.First.Locator("td").Nth(5)).ToHaveTextAsync("ok");
        await page.Locator("[data-testid='admin-message']").GetByRole(AriaRole.Button).ClickAsync();
        await Shot(page, "admin-webhooks-attempts");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await Shot(page, "admin-webhooks-attempts-dark");

        // Off again, so that nothing is sent to the receiver this journey stops.
        await endpoint.GetByRole(AriaRole.Switch).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='admin-message']")).ToContainTextAsync("disabled");
    }
}
