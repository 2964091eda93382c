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

    private async Task<IPage> SignedInPageAsync(IBrowserContext context, string user)
    {
        var page = await context.NewPageAsync();
        await page.DevSignInAsync(user, "/queues");
        return page;
    }

    [Theory]
    [InlineData("lena", "/queues", "Queues")]
    [InlineData("lena", "/queues/policy-legal", "Policy and legal")]
    [InlineData("lena", "/board", "SLA board")]
    [InlineData("lena", "/policies", "Escalation policy")]
    [InlineData("lena", "/insights", "Insights")]
    [InlineData("adam", "/audit", "Audit")]
    [InlineData("adam", "/admin", "Administration")]
    [InlineData("adam", "/admin/api-keys", "API clients and keys")]
    [InlineData("adam", "/admin/people", "People")]
    [InlineData("rita", "/queues/support", "Support")]
    public async Task Every_page_renders_its_heading_for_its_role(string user, string path, string heading)
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
        });
        var page = await SignedInPageAsync(context, user);
        await page.GotoAsync(path);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        if (path.StartsWith("/queues/", StringComparison.Ordinal))
        {
            // The grid's first page is in: a row, or the empty message (never the loading one).
            await Assertions.Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText("Loading cases…")).ToHaveCountAsync(0);
        }
        var name = path.Trim('/').Replace('/', '-');
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}-{user}.png"), FullPage = true });

        await page.WaitInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}-{user}-dark.png"), FullPage = true });
    }

    [Fact]
    public async Task A_reviewer_is_told_when_a_page_is_not_for_his_role()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseUrl });
        var page = await SignedInPageAsync(context, "rita");
        await page.GotoAsync("/board");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not part of your role", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Board" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Sign_in_page_lists_the_people_of_the_development_sign_in()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        foreach (var user in new[] { "rita", "felix", "mia", "sam", "lena", "adam" })
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {user}" })).ToBeVisibleAsync();
        }
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "login.png"), FullPage = true });
    }

    [Fact]
    public async Task A_person_who_signs_in_once_the_sign_in_page_is_interactive_is_signed_in()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        var page = await context.NewPageAsync();
        // The form is first server-rendered, then rendered again over the circuit: the second one must sign in too.
        await page.GotoAsync("/account/login?returnUrl=%2Fadmin");
        await page.WaitInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in as adam", Exact = true }).ClickAsync();

        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/admin", new() { WaitUntil = WaitUntilState.Commit });
        await page.WaitInteractiveAsync();
    }

    [Fact]
    public async Task The_dark_theme_choice_survives_a_reload()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseUrl });
        var page = await SignedInPageAsync(context, "rita");
        await page.WaitInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
    }
}
