using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Web.Tests.Admin;

/// <summary>
/// Every administrative act writes one audit event with the admin as actor and no secret in it: API keys created
/// and revoked, webhook endpoints added, rotated and removed, callback secrets rotated, roles and queues changed,
/// a case's audit record downloaded. A refused change writes nothing.
/// </summary>
public sealed class AdministrativeAuditTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();
    private HttpClient _adam = null!;

    public async Task InitializeAsync() => _adam = await _app.SignedInAs("adam");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task<JsonElement> SendAsync(HttpMethod method, string url, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, url) { Content = Json(body ?? new { }) };
        using var response = await _adam.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {url}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<List<AuditEventRecord>> EventsAsync(string type) =>
        _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type == type).OrderBy(e => e.Sequence).ToListAsync());

    private async Task AssertChainVerifiesAsync()
    {
        var result = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(result.Intact, result.Break?.Message);
    }

    [Fact]
    public async Task Creating_and_revoking_an_api_key_is_audited_without_the_key_and_revocation_takes_effect_at_once()
    {
        var created = await SendAsync(HttpMethod.Post, "/api/v1/admin/api-keys",
            new { id = "agent-x", displayName = "Agent X", scopes = new[] { "cases:submit", "cases:read" } }, HttpStatusCode.Created);
        var key = created.GetProperty("apiKey").GetString()!;
        Assert.StartsWith("wb_", key);

        var e = Assert.Single(await EventsAsync("api_key.created"));
        Assert.Equal("adam", e.Actor);
        Assert.Equal("admin", e.ActorRole);
        Assert.Contains("\"clientId\":\"agent-x\"", e.DataJson);
        Assert.Contains(key[..10], e.DataJson); // the prefix, to tell keys apart
        Assert.DoesNotContain(key, e.DataJson);
        Assert.DoesNotContain(key[10..], e.DataJson);

        var agent = _app.ApiClient(key);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("/api/v1/queues")).StatusCode);

        await SendAsync(HttpMethod.Post, "/api/v1/admin/api-keys/agent-x/revoke", null, HttpStatusCode.OK);
        var revoked = Assert.Single(await EventsAsync("api_key.revoked"));
        Assert.Equal("adam", revoked.Actor);
        Assert.DoesNotContain(key, revoked.DataJson);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.GetAsync("/api/v1/queues")).StatusCode);

        // Revoking twice, an unknown client, a taken id or a bad scope: a problem and nothing written.
        var before = await _app.WithDbAsync(db => db.AuditEvents.CountAsync());
        await SendAsync(HttpMethod.Post, "/api/v1/admin/api-keys/agent-x/revoke", null, HttpStatusCode.BadRequest);
        await SendAsync(HttpMethod.Post, "/api/v1/admin/api-keys/nobody/revoke", null, HttpStatusCode.NotFound);
        var taken = await SendAsync(HttpMethod.Post, "/api/v1/admin/api-keys",
            new { id = "agent-x", displayName = "Again", scopes = new[] { "cases:read" } }, HttpStatusCode.BadRequest);
        Assert.Equal("urn:workbench:problem:validation", taken.GetProperty("type").GetString());
        Assert.True(taken.GetProperty("errors").TryGetProperty("$.id", out _));
        var badScope = await SendAsync(HttpMethod.Post, "/api/v1/admin/api-keys",
            new { id = "agent-y", displayName = "Y", scopes = new[] { "cases:delete" } }, HttpStatusCode.BadRequest);
        Assert.True(badScope.GetProperty("errors").TryGetProperty("$.scopes", out _));
        Assert.Equal(before, await _app.WithDbAsync(db => db.AuditEvents.CountAsync()));
        Assert.False(await _app.WithDbAsync(db => db.ApiClients.AnyAsync(c => c.Id == "agent-y")));
        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task Webhook_endpoint_added_rotated_and_removed_and_callback_secret_rotated_are_audited_without_secrets()
    {
        var created = await SendAsync(HttpMethod.Post, "/api/v1/admin/webhooks/endpoints",
            new { clientId = "demo-agent", url = "https://hooks.example.com/wb" }, HttpStatusCode.Created);
        var id = created.GetProperty("endpoint").GetProperty("id").GetGuid();
        var firstSecret = created.GetProperty("secret").GetString()!;
        var rotated = await SendAsync(HttpMethod.Post, $"/api/v1/admin/webhooks/endpoints/{id}/rotate", null, HttpStatusCode.OK);
        var secondSecret = rotated.GetProperty("secret").GetString()!;
        await SendAsync(HttpMethod.Delete, $"/api/v1/admin/webhooks/endpoints/{id}", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Delete, $"/api/v1/admin/webhooks/endpoints/{id}", null, HttpStatusCode.NotFound);

        var first = await SendAsync(HttpMethod.Put, "/api/v1/admin/webhooks/clients/demo-agent/callbacks",
            new { hosts = new[] { "agent.example.com" }, rotateSecret = false }, HttpStatusCode.OK);
        var second = await SendAsync(HttpMethod.Put, "/api/v1/admin/webhooks/clients/demo-agent/callbacks",
            new { hosts = new[] { "agent.example.com" }, rotateSecret = true }, HttpStatusCode.OK);
        var callbackSecrets = new[] { first, second }
            .Select(r => r.TryGetProperty("secret", out var s) ? s.GetString() : null).OfType<string>().ToList();
        Assert.True(second.TryGetProperty("secret", out _), "the rotation returns the new callback secret");

        foreach (var type in new[] { "webhook.endpoint_created", "webhook.secret_rotated", "webhook.endpoint_removed", "webhook.callback_secret_rotated" })
        {
            var e = Assert.Single(await EventsAsync(type));
            Assert.Equal("adam", e.Actor);
            Assert.Equal("admin", e.ActorRole);
            if (type.StartsWith("webhook.endpoint", StringComparison.Ordinal) || type == "webhook.secret_rotated")
            {
                Assert.Contains(id.ToString(), e.DataJson);
            }
        }
        Assert.False(await _app.WithDbAsync(db => db.WebhookEndpoints.AnyAsync(e => e.Id == id)));
        var all = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Select(e => e.DataJson).ToListAsync());
        foreach (var secret in callbackSecrets.Append(firstSecret).Append(secondSecret))
        {
            Assert.DoesNotContain(all, d => d.Contains(secret, StringComparison.Ordinal) || d.Contains(secret.Split('_').Last(), StringComparison.Ordinal));
        }
        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task A_role_and_queue_change_is_audited_with_before_and_after_and_takes_effect_for_queues()
    {
        var changed = await SendAsync(HttpMethod.Put, "/api/v1/admin/users/felix/roles",
            new { queues = new[] { "finance", "security" } }, HttpStatusCode.OK);
        Assert.Equal(["finance", "security"], changed.GetProperty("queues").EnumerateArray().Select(q => q.GetString()));
        var e = Assert.Single(await EventsAsync("user.roles_changed"));
        Assert.Equal("adam", e.Actor);
        using (var data = JsonDocument.Parse(e.DataJson))
        {
            Assert.Equal("felix", data.RootElement.GetProperty("userName").GetString());
            Assert.Equal(["finance"], data.RootElement.GetProperty("from").GetProperty("queues").EnumerateArray().Select(q => q.GetString()));
            Assert.Equal(["finance", "security"], data.RootElement.GetProperty("to").GetProperty("queues").EnumerateArray().Select(q => q.GetString()));
        }
        Assert.Equal(["finance", "security"], await _app.WithDbAsync(db =>
            db.QueueMemberships.Where(q => q.UserName == "felix").Select(q => q.Queue).OrderBy(q => q).ToListAsync()));

        await SendAsync(HttpMethod.Put, "/api/v1/admin/users/felix/roles", new { role = "lead" }, HttpStatusCode.OK);
        Assert.Equal(2, (await EventsAsync("user.roles_changed")).Count);
        Assert.Equal(UserRole.Lead, await _app.WithDbAsync(db => db.Users.Where(u => u.UserName == "felix").Select(u => u.Role).SingleAsync()));

        // Refused: an unknown queue, nothing to change, an admin demoting himself, an unknown person. Nothing written.
        var before = await _app.WithDbAsync(db => db.AuditEvents.CountAsync());
        var unknown = await SendAsync(HttpMethod.Put, "/api/v1/admin/users/felix/roles", new { queues = new[] { "no-such-queue" } }, HttpStatusCode.BadRequest);
        Assert.Contains("no-such-queue", unknown.GetProperty("errors").GetProperty("$.queues")[0].GetString());
        await SendAsync(HttpMethod.Put, "/api/v1/admin/users/felix/roles", new { }, HttpStatusCode.BadRequest);
        await SendAsync(HttpMethod.Put, "/api/v1/admin/users/adam/roles", new { role = "reviewer" }, HttpStatusCode.BadRequest);
        await SendAsync(HttpMethod.Put, "/api/v1/admin/users/mallory/roles", new { role = "reviewer" }, HttpStatusCode.NotFound);
        Assert.Equal(before, await _app.WithDbAsync(db => db.AuditEvents.CountAsync()));
        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task Only_admins_reach_the_access_api_and_changes_need_a_json_body()
    {
        var lena = await _app.SignedInAs("lena");
        Assert.Equal(HttpStatusCode.Forbidden, (await lena.PostAsync("/api/v1/admin/api-keys",
            Json(new { id = "z", displayName = "z", scopes = new[] { "cases:read" } }))).StatusCode);
        using var form = new HttpRequestMessage(HttpMethod.Put, "/api/v1/admin/users/felix/roles")
        {
            Content = new FormUrlEncodedContent([new("role", "admin")]),
        };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _adam.SendAsync(form)).StatusCode);
        Assert.Empty(await EventsAsync("user.roles_changed"));
    }

    [Fact]
    public async Task Downloading_a_case_audit_record_is_audited_and_exporting_evals_is_too()
    {
        var receipt = await _app.SubmitSampleAsync("001-");
        var export = await _adam.GetAsync($"/api/v1/cases/{receipt.Id}/audit");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var e = Assert.Single(await EventsAsync("case.audit_exported"));
        Assert.Equal("adam", e.Actor);
        Assert.Equal(receipt.Id, e.CaseId);

        var lena = await _app.SignedInAs("lena");
        Assert.Equal(HttpStatusCode.OK, (await lena.GetAsync("/api/v1/exports/evals")).StatusCode);
        Assert.Equal("lena", Assert.Single(await EventsAsync("eval.exported")).Actor);
        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task The_admin_page_lists_who_created_each_key_and_when_this_instance_last_let_it_in_and_who_signed_in_when()
    {
        var created = await SendAsync(HttpMethod.Post, "/api/v1/admin/api-keys",
            new { id = "agent-y", displayName = "Agent Y", scopes = new[] { "cases:read" } }, HttpStatusCode.Created);
        var access = _app.Services.GetRequiredService<Web.Admin.AccessAdmin>();

        var before = (await access.ApiClientsAsync()).Single(c => c.Client.Id == "agent-y");
        Assert.Equal("adam", before.CreatedBy);
        Assert.Null(before.LastUsedAt);
        Assert.Null((await access.ApiClientsAsync()).Single(c => c.Client.Id == "demo-agent").CreatedBy); // seeded, no event

        Assert.Equal(HttpStatusCode.OK, (await _app.ApiClient(created.GetProperty("apiKey").GetString()!).GetAsync("/api/v1/queues")).StatusCode);
        Assert.NotNull((await access.ApiClientsAsync()).Single(c => c.Client.Id == "agent-y").LastUsedAt);

        // The development sign-in records the sign-in, as an Entra sign-in does; nobody else's changes.
        var people = await access.UsersAsync();
        Assert.NotNull(people.Single(u => u.UserName == "adam").LastSignInAt);
        Assert.Null(people.Single(u => u.UserName == "sam").LastSignInAt);
        Assert.All(people, u => Assert.False(u.FromEntra));
    }
}
