using Microsoft.Playwright;

namespace Workbench.Testing.Browser;

/// <summary>
/// The development sign-in as a person does it: open the sign-in page and press "Sign in as …" (a form posted with the
/// page's antiforgery token); returns once the browser has left the sign-in page (for <c>returnUrl</c>, or "access denied"). The one helper every journey signs in with.
/// </summary>
public static class BrowserSignIn
{
    public static async Task DevSignInAsync(this IPage page, string user, string returnUrl = "/queues")
    {
        await page.GotoAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {user}", Exact = true }).ClickAsync();
        // Where the sign-in leads: returnUrl, or "access denied" when the person's role may not open it.
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath != "/account/login", new() { WaitUntil = WaitUntilState.Load });
    }

    /// <summary>
    /// A browser context of its own on <paramref name="baseUrl"/> (a window <paramref name="width"/> × 900) with one page
    /// signed in as <paramref name="user"/>; the caller disposes the context.
    /// </summary>
    public static async Task<(IBrowserContext Context, IPage Page)> SignInAsync(this BrowserFixture browser, string baseUrl, string user,
        string returnUrl = "/queues", int width = 1366, IEnumerable<string>? permissions = null)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            Permissions = permissions,
        });
        var page = await context.NewPageAsync();
        await page.DevSignInAsync(user, returnUrl);
        return (context, page);
    }
}
