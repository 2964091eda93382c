using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Web.Cases;
using Workbench.Web.Components.Pages.Queues;

namespace Workbench.Web.Tests.Queues;

/// <summary>
/// The queue page reads its first page before it renders: the rows are in the server-rendered HTML (a reviewer sees
/// them at the first paint, and the first interactive render needs no second read), with the range the pager shows.
/// </summary>
public sealed partial class QueuePagePrerenderTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();

    public Task InitializeAsync()
    {
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex("wb-case-link[^>]*>(.*?)</a>")]
    private static partial Regex CaseLink();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [Fact]
    public async Task The_first_page_of_a_queue_is_in_the_server_rendered_html_with_how_many_cases_are_open()
    {
        var policy = _app.Services.GetRequiredService<ActivePolicy>().Policy;
        await CaseSeeder.SeedAsync(_app.DatabasePath, policy, 2_000, DateTimeOffset.UtcNow, TimeSpan.FromHours(6));
        var open = await _app.WithDbAsync(db => db.Cases.AsNoTracking()
            .Where(c => c.Queue == "support" && (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview))
            .Select(c => c.ExternalId).ToListAsync());
        Assert.True(open.Count > QueuePage.PageSize, $"the seed put only {open.Count} open cases in support");

        var client = await _app.SignedInAs("rita");
        using var response = await client.GetAsync("/queues/support");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        var shown = CaseLink().Matches(html).Select(m => Tag().Replace(m.Groups[1].Value, "").Trim()).ToList();
        Assert.Equal(QueuePage.PageSize, shown.Count);
        Assert.Equal(QueuePage.PageSize, shown.Distinct().Count());
        Assert.All(shown, id => Assert.Contains(id, open));
        Assert.Contains($"1–{QueuePage.PageSize} of {open.Count:N0}", html);
        Assert.DoesNotContain("Loading cases…", html);
    }

    [Fact]
    public async Task A_request_that_hides_characters_shows_them_in_brackets_in_the_queue()
    {
        // A direction override would show the rest of the row's request reversed; it is shown as what it is.
        var body = Samples.Json("009-");
        body["request"] = "Refund \u202E0001$ for order A-77 please";
        using var submitted = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var receipt = (await submitted.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;

        var client = await _app.SignedInAs("lena");
        var html = WebUtility.HtmlDecode(await client.GetStringAsync($"/queues/{receipt.Queue}"));

        Assert.Contains("Refund ⟦U+202E⟧0001$ for order A-77 please", html);
        Assert.DoesNotContain('\u202E', html);
    }
}
