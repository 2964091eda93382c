using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Workbench.Web.Tests.Learning;

/// <summary>The eval export for a lead's tooling: an admin creates an API key with exports:read; nothing else opens the export to a key.</summary>
public sealed class ExportApiKeyTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();

    public async Task InitializeAsync() => await Task.Run(() => _ = _app.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task<string> CreateKeyAsync(string id, params string[] scopes)
    {
        using var adam = await _app.SignedInAs("adam");
        using var response = await adam.PostAsync("/api/v1/admin/api-keys", Json(new { id, displayName = "Lead's eval notebook", scopes }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var key = JsonDocument.Parse(text).RootElement.GetProperty("apiKey").GetString()!;
        Assert.StartsWith("wb_", key, StringComparison.Ordinal);
        return key;
    }

    private HttpClient KeyClient(string key)
    {
        var client = _app.CreateBrowserClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_key_with_exports_read_downloads_the_export_and_the_audit_names_its_client()
    {
        var key = await CreateKeyAsync("eval-notebook", "exports:read");
        using var client = KeyClient(key);
        using var response = await client.GetAsync("/api/v1/exports/evals");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var audit = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Type == "eval.exported"));
        Assert.Equal("eval-notebook", audit.Actor);
        Assert.Equal("client", audit.ActorRole);
        // The key opens nothing else: not the cases API, not the lead's pages.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/queues")).StatusCode);
    }

    [Fact]
    public async Task A_key_without_the_scope_is_403_and_a_wrong_key_401_both_as_problems()
    {
        var key = await CreateKeyAsync("case-reader", "cases:read");
        using var reader = KeyClient(key);
        using var forbidden = await reader.GetAsync("/api/v1/exports/evals");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        using var wrong = KeyClient("wb_not_a_key_at_all_000000000000");
        using var unauthenticated = await wrong.GetAsync("/api/v1/exports/evals");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal("application/problem+json", unauthenticated.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Type == "eval.exported")));
    }

    [Fact]
    public async Task The_cookie_still_decides_for_people_a_lead_yes_a_reviewer_no()
    {
        using var lena = await _app.SignedInAs("lena");
        Assert.Equal(HttpStatusCode.OK, (await lena.GetAsync("/api/v1/exports/evals")).StatusCode);
        using var rita = await _app.SignedInAs("rita");
        using var denied = await rita.GetAsync("/api/v1/exports/evals");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode); // an API path answers with a problem, not the access-denied page
        Assert.Equal("application/problem+json", denied.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_revoked_key_stops_working()
    {
        var key = await CreateKeyAsync("short-lived", "exports:read");
        using var client = KeyClient(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/exports/evals")).StatusCode);
        using var adam = await _app.SignedInAs("adam");
        Assert.Equal(HttpStatusCode.OK, (await adam.PostAsync("/api/v1/admin/api-keys/short-lived/revoke", Json(new { }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/exports/evals")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adam.PostAsync("/api/v1/admin/api-keys/nobody/revoke", Json(new { }))).StatusCode);
    }

    [Theory]
    [InlineData("{\"id\":\"Bad Id\",\"displayName\":\"x\",\"scopes\":[\"exports:read\"]}", "$.id")]
    [InlineData("{\"id\":\"ok-id\",\"displayName\":\"\",\"scopes\":[\"exports:read\"]}", "$.displayName")]
    [InlineData("{\"id\":\"ok-id\",\"displayName\":\"x\",\"scopes\":[\"everything\"]}", "$.scopes")]
    [InlineData("{\"id\":\"ok-id\",\"displayName\":\"x\",\"scopes\":[]}", "$.scopes")]
    [InlineData("{\"id\":\"demo-agent\",\"displayName\":\"x\",\"scopes\":[\"exports:read\"]}", "$.id")]
    public async Task A_bad_key_request_is_a_validation_problem_and_creates_nothing(string body, string field)
    {
        var before = await _app.WithDbAsync(db => db.ApiClients.CountAsync());
        using var adam = await _app.SignedInAs("adam");
        using var response = await adam.PostAsync("/api/v1/admin/api-keys", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:workbench:problem:validation", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await _app.WithDbAsync(db => db.ApiClients.CountAsync()));
    }
}
