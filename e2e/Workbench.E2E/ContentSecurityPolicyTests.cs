using Microsoft.Playwright;

namespace Workbench.E2E;

/// <summary>
/// The pages under the app's Content-Security-Policy in a real browser: every console message and every
/// securitypolicyviolation event is recorded while a reviewer works, and none may be a CSP violation.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ContentSecurityPolicyTests(AppServer app, BrowserFixture browser)
{
    [Fact]
    public async Task Queues_and_case_pages_work_with_no_csp_violation()
    {
        var (id, _) = await new AgentApi(app.BaseUrl).SubmitAsync(AgentApi.Sample("013-"));
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
        });
        // Runs before any page script (through the DevTools protocol, which the CSP does not govern).
        await context.AddInitScriptAsync("""
            window.__csp = [];
            document.addEventListener('securitypolicyviolation', e =>
                window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
            """);
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");
        var violations = new List<string>();

        async Task Visit(string path, ILocator ready)
        {
            var response = await page.GotoAsync(path);
            Assert.Contains("script-src 'self' 'nonce-", (await response!.AllHeadersAsync())["content-security-policy"]);
            await page.WaitInteractiveAsync();
            await Assertions.Expect(ready).ToBeVisibleAsync();
            violations.AddRange(await page.EvaluateAsync<string[]>("() => window.__csp"));
        }

        await page.DevSignInAsync("rita", "/queues");
        await Visit("/queues", page.Locator("[data-queue='policy-legal']"));
        await Visit("/queues/policy-legal", page.Locator(".mud-table-body tr").First);
        await Visit($"/cases/{id}", page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }));
        // Interactive work on the page under the policy: the theme module (a JS import through the import map) and a claim.
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-claim]")).ToContainTextAsync("You are reviewing");
        violations.AddRange(await page.EvaluateAsync<string[]>("() => window.__csp"));

        var cspConsole = console.Where(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) ||
                                            m.Contains("Refused to", StringComparison.Ordinal)).ToList();
        Assert.True(violations.Count == 0 && cspConsole.Count == 0,
            "CSP violations:\n" + string.Join("\n", violations.Concat(cspConsole)) + "\nAll console messages:\n" + string.Join("\n", console));
    }
}
