using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// The development sign-in as a person does it: open the sign-in page and press "Sign in as …" (a form posted with the
/// page's antiforgery token); returns once the browser has left the sign-in page (for <c>returnUrl</c>, or "access denied"). The one helper every journey signs in with.
/// </summary>
public static class DevSignIn
{
    public static async Task DevSignInAsync(this IPage page, string user, string returnUrl = "/queues")
    {
        await page.GotoAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {user}", Exact = true }).ClickAsync();
        // Where the sign-in leads: returnUrl, or "access denied" when the person's role may not open it.
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath != "/account/login", new() { WaitUntil = WaitUntilState.Load });
    }
}
