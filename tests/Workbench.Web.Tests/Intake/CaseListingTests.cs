using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;

namespace Workbench.Web.Tests.Intake;

/// <summary>
/// <c>GET /api/v1/cases</c> and the lookup by externalId, from a client of its own (a fresh API key), checked against
/// what that client actually submitted: every case exactly once across the pages, nobody else's, filters as a plain
/// filter over the submissions would answer.
/// </summary>
public sealed class CaseListingTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static readonly string[] Prefixes = [Samples.Queues, Samples.Proceeds, "009-", Samples.Queues, "017-", Samples.Proceeds, "041-"];

    private async Task<HttpClient> NewClientAsync()
    {
        using var adam = await app.SignedInAs("adam");
        var id = $"lister-{Guid.NewGuid():N}"[..20];
        using var response = await adam.PostAsync("/api/v1/admin/api-keys", new StringContent(
            JsonSerializer.Serialize(new { id, displayName = "Listing test", scopes = new[] { "cases:submit", "cases:read" } }), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(text).RootElement.GetProperty("apiKey").GetString());
        return client;
    }

    private static async Task<List<(CaseReceipt Receipt, string Workflow)>> SubmitAllAsync(HttpClient client)
    {
        var submitted = new List<(CaseReceipt, string)>();
        foreach (var prefix in Prefixes)
        {
            var body = Samples.Json(prefix);
            using var response = await client.PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            submitted.Add(((await response.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!, body["workflow"]!.GetValue<string>()));
        }
        return submitted;
    }

    private static async Task<List<CaseView>> WalkAsync(HttpClient client, string query)
    {
        var all = new List<CaseView>();
        string? cursor = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var url = $"/api/v1/cases?{query}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            using var response = await client.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var page = (await response.Content.ReadFromJsonAsync<CaseList>(WorkbenchJson.Options))!;
            all.AddRange(page.Items);
            cursor = page.NextCursor;
            if (cursor is null)
            {
                return all;
            }
        }
        throw new InvalidOperationException("The pages never ended.");
    }

    [Fact]
    public async Task Pages_walk_every_case_of_the_client_once_newest_first_and_none_of_another_client()
    {
        var client = await NewClientAsync();
        var submitted = await SubmitAllAsync(client);
        await app.SubmitSampleAsync(Samples.Queues); // the demo client's: never in this client's list

        var listed = await WalkAsync(client, "limit=3");

        Assert.Equal(submitted.Select(s => s.Receipt.Id).Order(), listed.Select(c => c.Id).Order());
        Assert.Equal(listed.Count, listed.Select(c => c.Id).Distinct().Count());
        var order = listed.Select(c => (c.CreatedAt, c.Id)).ToList();
        Assert.Equal(order.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id.ToString("D").ToUpperInvariant(), StringComparer.Ordinal).Select(o => o.Id),
            order.Select(o => o.Id));
        using var first = await client.GetAsync("/api/v1/cases?limit=100");
        Assert.Null((await first.Content.ReadFromJsonAsync<CaseList>(WorkbenchJson.Options))!.NextCursor);
    }

    [Fact]
    public async Task Filters_answer_what_a_plain_filter_over_the_submissions_answers()
    {
        var client = await NewClientAsync();
        var submitted = await SubmitAllAsync(client);
        var views = new List<CaseView>();
        foreach (var (receipt, _) in submitted)
        {
            views.Add((await client.GetFromJsonAsync<CaseView>($"/api/v1/cases/{receipt.Id}", WorkbenchJson.Options))!);
        }

        foreach (var status in views.Select(v => v.Status).Distinct())
        {
            var spelled = JsonSerializer.Serialize(status, WorkbenchJson.Options).Trim('"');
            var listed = await WalkAsync(client, $"status={spelled}&limit=2");
            Assert.Equal(views.Where(v => v.Status == status).Select(v => v.Id).Order(), listed.Select(c => c.Id).Order());
        }
        foreach (var workflow in submitted.Select(s => s.Workflow).Distinct())
        {
            var listed = await WalkAsync(client, $"workflow={Uri.EscapeDataString(workflow)}");
            Assert.Equal(submitted.Where(s => s.Workflow == workflow).Select(s => s.Receipt.Id).Order(), listed.Select(c => c.Id).Order());
        }
        var one = submitted[2].Receipt;
        Assert.Equal([one.Id], (await WalkAsync(client, $"externalId={Uri.EscapeDataString(one.ExternalId)}")).Select(c => c.Id));

        var pivot = views.OrderBy(v => v.UpdatedAt).ElementAt(views.Count / 2).UpdatedAt;
        var since = await WalkAsync(client, $"updatedSince={Uri.EscapeDataString(pivot.ToString("O"))}");
        Assert.Equal(views.Where(v => v.UpdatedAt >= pivot).Select(v => v.Id).Order(), since.Select(c => c.Id).Order());

        var found = await client.GetFromJsonAsync<CaseView>($"/api/v1/cases/by-external-id/{Uri.EscapeDataString(one.ExternalId)}", WorkbenchJson.Options);
        Assert.Equal(one.Id, found!.Id);
        // Another client's externalId is not found, as another client's case id is not.
        var demo = await app.SubmitSampleAsync(Samples.Queues);
        using var foreign = await client.GetAsync($"/api/v1/cases/by-external-id/{Uri.EscapeDataString(demo.ExternalId)}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(ProblemTypes.NotFound, (await foreign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_sdk_walks_the_pages_and_finds_a_case_by_its_external_id()
    {
        var mine = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            mine.Add((await app.SubmitSampleAsync(Samples.Queues)).Id);
        }
        var sdk = app.SdkClient();
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await sdk.ListCasesAsync(status: CaseStatus.Queued, cursor: cursor, limit: 2);
            Assert.All(page.Items, c => Assert.Equal(CaseStatus.Queued, c.Status));
            seen.AddRange(page.Items.Select(c => c.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Subset(seen.ToHashSet(), mine.ToHashSet());
        Assert.Equal(seen.Count, seen.Distinct().Count());

        var view = await sdk.GetAsync(mine[1]);
        Assert.Equal(mine[1], (await sdk.GetByExternalIdAsync(view.ExternalId)).Id);
        var missing = await Assert.ThrowsAsync<Workbench.Client.WorkbenchApiException>(() => sdk.GetByExternalIdAsync("no-such-id"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("status=Queued", "status")]
    [InlineData("status=waiting", "status")]
    [InlineData("updatedSince=yesterday", "updatedSince")]
    [InlineData("updatedSince=2026-01-31T08:00:00", "updatedSince")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=MTIzNA", "cursor")]
    public async Task A_bad_filter_or_cursor_is_a_400_validation_problem_keyed_by_its_name(string query, string key)
    {
        using var response = await app.ApiClient().GetAsync($"/api/v1/cases?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(key, out _), problem.ToString());
    }

    /// <summary>
    /// The listing's query, as the endpoint builds it, in SQLite's own plan: it walks the client's index on
    /// (ClientId, CreatedAt, Id) in order and never sorts the client's cases (no temporary B-tree), for the first page
    /// and for a page after a cursor.
    /// </summary>
    [Fact]
    public async Task A_page_is_read_in_the_order_of_the_clients_index_without_a_sort()
    {
        await app.SubmitSampleAsync(Samples.Queues);
        var plans = await app.WithDbAsync(async db =>
        {
            var found = new List<string>();
            await db.Database.OpenConnectionAsync();
            foreach (var after in new (DateTimeOffset, Guid)?[] { null, (DateTimeOffset.UtcNow, Guid.NewGuid()) })
            {
                using var command = Workbench.Web.Intake.CaseListing.PageQuery(db.Cases, "demo-agent", null, null, null, null, after, 51, DateTimeOffset.UtcNow).CreateDbCommand();
                command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
                using var reader = await command.ExecuteReaderAsync();
                var plan = new List<string>();
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(reader.GetOrdinal("detail")));
                }
                found.Add(string.Join(" | ", plan));
            }
            return found;
        });
        Assert.All(plans, plan =>
        {
            Assert.Contains("IX_cases_ClientId_CreatedAt_Id", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        });
    }
}
