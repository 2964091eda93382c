using Microsoft.Playwright;

namespace Workbench.Testing.Browser;

/// <summary>
/// Waiting for a page to become interactive (its Blazor circuit running: <c>main[data-interactive='true']</c>), the
/// wait every journey makes. When the page never gets there, the failure says what the page showed and what the
/// browser logged, so a rare failure in CI can be read rather than guessed at.
/// </summary>
public static class Interactive
{
    public static async Task WaitInteractiveAsync(this IPage page, float timeoutMs = 30_000)
    {
        try
        {
            await page.Locator("main[data-interactive='true']").WaitForAsync(new() { Timeout = timeoutMs });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{page.Url} did not become interactive within {timeoutMs / 1000:0} s.\n{await DescribeAsync(page)}", e);
        }
    }

    private static async Task<string> DescribeAsync(IPage page)
    {
        var lines = new List<string>();
        try
        {
            var state = await page.EvaluateAsync<string>("""
                () => JSON.stringify({
                  main: !!document.querySelector('main'),
                  interactive: document.querySelector('main')?.getAttribute('data-interactive'),
                  errorUi: getComputedStyle(document.getElementById('blazor-error-ui') ?? document.body).display,
                  reconnect: document.getElementById('components-reconnect-modal')?.className ?? null,
                  text: (document.body?.innerText ?? '').slice(0, 400)
                })
                """);
            lines.Add("page: " + state);
        }
        catch (PlaywrightException e)
        {
            lines.Add("page state unreadable: " + e.Message);
        }
        try
        {
            foreach (var m in (await page.ConsoleMessagesAsync()).TakeLast(30))
            {
                lines.Add($"console {m.Type}: {m.Text}");
            }
            foreach (var error in (await page.PageErrorsAsync()).TakeLast(10))
            {
                lines.Add("page error: " + error);
            }
        }
        catch (PlaywrightException e)
        {
            lines.Add("console unreadable: " + e.Message);
        }
        return string.Join('\n', lines);
    }
}
