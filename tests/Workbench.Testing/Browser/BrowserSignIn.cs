using Microsoft.Playwright;

namespace Workbench.Testing.Browser;

/// <summary>
/// The development sign-in as a person does it: open the sign-in page and press "Sign in as …" (a form posted with the
/// page's antiforgery token) once the page is interactive; returns once the browser has left the sign-in page (for <c>returnUrl</c>, or "access denied"). The one helper every journey signs in with.
/// </summary>
public static class BrowserSignIn
{
    public static async Task DevSignInAsync(this IPage page, string user, string returnUrl = "/queues")
    {
        await page.GotoAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");
        // The interactive render replaces the server-rendered page, its buttons with it: a press whose mouse-down and
        // mouse-up fall on either side of that swap clicks nothing. Press once the page is interactive, like a person
        // who waits for the page to settle.
        await page.WaitInteractiveAsync(90_000);
        var button = page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {user}", Exact = true });
        // Where the sign-in leads: returnUrl, or "access denied" when the person's role may not open it.
        // Waits for the redirect to commit and the new document to be parsed; what a journey needs next (the
        // interactive page, a locator) it waits for itself. The first sign-ins of a run meet an app that renders its
        // pages for the first time while other app processes start beside it on the same cores, so the wait is long;
        // when it ends on the sign-in page, the page's own message says why. A press that led nowhere (the page still
        // there, no message, after 20 s) is pressed again, as a person would: signing in twice is harmless.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        await button.ClickAsync();
        while (true)
        {
            var wait = Math.Min(20_000, Math.Max(1_000, (deadline - DateTime.UtcNow).TotalMilliseconds));
            try
            {
                await page.WaitForURLAsync(url => new Uri(url).AbsolutePath != "/account/login", new() { WaitUntil = WaitUntilState.Commit, Timeout = (float)wait });
                break;
            }
            catch (TimeoutException e)
            {
                var message = await page.Locator(".mud-alert").AllTextContentsAsync();
                if (message.Count > 0 || DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"Signing in as {user} did not leave {page.Url} within 90 s; the page says: '{string.Join(" / ", message)}'.", e);
                }
            }
            try
            {
                await button.ClickAsync(new() { Timeout = 5_000 });
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                // The page left (or began to leave, or is redrawn) between the wait and the press, and the button is not
                // there to press within the press's own 5 s (a timeout, which is not a PlaywrightException): the wait
                // that follows sees where the page went, and presses again after it if it went nowhere.
            }
        }
        await page.WaitForFunctionAsync("() => document.readyState !== 'loading'");
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
