using Microsoft.Playwright;
using Workbench.Web.Queues;

namespace Workbench.E2E;

/// <summary>
/// The reviewer's pages read their data once per page load: the server-rendered page reads it, and the interactive
/// render that follows (the circuit) shows the same data from the page instead of reading it again. Told by EF Core's
/// command log of the app, where the queue cards' and the queue page's queries carry their tags.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PrerenderedStateTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new()
    {
        Settings =
        {
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information",
            // No demo day: nothing changes the queues while the test runs, so every read in the log is a page's.
            ["Workbench:DemoData:Enabled"] = "false",
        },
    };

    public Task InitializeAsync() => _app.InitializeAsync();

    public Task DisposeAsync() => _app.DisposeAsync();

    private int Reads(string tag) => _app.Log.Split("-- " + tag + "\n").Length - 1;

    /// <summary>
    /// Loads another page over plain HTTP that reads with <paramref name="tag"/> and waits for its read in the log:
    /// what the browser's page load logged came before it, so the counts are complete.
    /// </summary>
    private async Task FlushLogAsync(string path, string tag)
    {
        var before = Reads(tag);
        using var client = await LiveApp.SignedInAsync(new Uri(_app.BaseUrl), "rita");
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Reads(tag) == before)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The read of {path} did not reach the app's log within 30 s.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task The_queue_cards_and_a_queue_page_are_read_once_per_page_load_and_shown_by_the_interactive_render()
    {
        var (context, page) = await browser.SignInAsync(_app.BaseUrl, "rita", width: 1440);
        try
        {
            var cardsBefore = Reads(QueueQueries.SummariesTag);
            await page.GotoAsync("/queues");
            await page.WaitInteractiveAsync();
            await page.Locator("main[data-interactive='true'] .queue-card").First.WaitForAsync();
            await FlushLogAsync("/queues/support", QueueQueries.PageTag);
            Assert.Equal(cardsBefore + 1, Reads(QueueQueries.SummariesTag));

            var pageBefore = Reads(QueueQueries.PageTag);
            await page.GotoAsync("/queues/support");
            await page.WaitInteractiveAsync();
            await page.Locator("main[data-interactive='true'] h1").First.WaitForAsync();
            await FlushLogAsync("/queues", QueueQueries.SummariesTag);
            Assert.Equal(pageBefore + 1, Reads(QueueQueries.PageTag));
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
