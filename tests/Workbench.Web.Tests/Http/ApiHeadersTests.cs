using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// What an SDK reads from the headers: the request id (the same as a problem's traceId), the caller's trace continued,
/// and a replay told apart from a new case; and the idempotency fingerprint over canonical JSON, so a retry whose body
/// was re-serialized replays while a changed value is refused.
/// </summary>
public sealed class ApiHeadersTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static HttpRequestMessage Submit(string body, string key) => new(HttpMethod.Post, "/api/v1/cases")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
        Headers = { { "Idempotency-Key", key } },
    };

    [Fact]
    public async Task Every_response_carries_a_request_id_and_a_problem_names_the_same_one()
    {
        using var missing = await app.ApiClient().GetAsync($"/api/v1/cases/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var id = Assert.Single(missing.Headers.GetValues("X-Request-Id"));
        Assert.Equal(id, (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traceId").GetString());

        using var unauthenticated = await app.CreateClient().GetAsync("/api/v1/queues");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Single(unauthenticated.Headers.GetValues("X-Request-Id"));
        using var ok = await app.ApiClient().GetAsync("/api/v1/queues");
        var other = Assert.Single(ok.Headers.GetValues("X-Request-Id"));
        Assert.NotEqual(id, other);
    }

    [Fact]
    public async Task A_callers_traceparent_is_continued_and_a_broken_one_starts_a_new_trace()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/queues");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await app.ApiClient().SendAsync(request);
        var echoed = Assert.Single(response.Headers.GetValues("traceparent")).Split('-');
        Assert.Equal(4, echoed.Length);
        Assert.Equal(traceId, echoed[1]);
        Assert.NotEqual("00f067aa0ba902b7", echoed[2]); // the server's own span

        using var broken = new HttpRequestMessage(HttpMethod.Get, "/api/v1/queues");
        broken.Headers.TryAddWithoutValidation("traceparent", "00-not-a-trace-01");
        using var fresh = await app.ApiClient().SendAsync(broken);
        var started = Assert.Single(fresh.Headers.GetValues("traceparent"));
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", started);
        Assert.NotEqual(traceId, started.Split('-')[1]);
    }

    [Fact]
    public async Task A_replay_says_Idempotent_Replayed_and_a_new_case_does_not()
    {
        var key = Guid.NewGuid().ToString();
        var body = Samples.Json(Samples.Queues).ToJsonString();
        using var first = await app.ApiClient().SendAsync(Submit(body, key));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        using var again = await app.ApiClient().SendAsync(Submit(body, key));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("true", Assert.Single(again.Headers.GetValues("Idempotent-Replayed")));
    }

    /// <summary>
    /// The RateLimit headers are on exactly the responses whose description in the served document lists them: a 401
    /// (no client known, so no bucket) has neither; a 403 of a client without the scope, even as its first request, and
    /// every answer to a client with the scope have both.
    /// </summary>
    [Fact]
    public async Task RateLimit_headers_are_on_every_response_the_document_lists_them_for_and_on_no_other()
    {
        var document = (await app.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        using var adam = await app.SignedInAs("adam");
        using var created = await adam.PostAsync("/api/v1/admin/api-keys", new StringContent(JsonSerializer.Serialize(
            new { id = $"reader-{Guid.NewGuid():N}"[..20], displayName = "Read-only", scopes = new[] { "cases:read" } }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var readOnly = app.CreateClient();
        readOnly.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString());

        var seen = new List<(string Method, string Path, HttpResponseMessage Response)>
        {
            ("post", "/api/v1/cases", await readOnly.SendAsync(Submit(Samples.Json(Samples.Queues).ToJsonString(), Guid.NewGuid().ToString()))),
            ("get", "/api/v1/queues", await app.CreateClient().GetAsync("/api/v1/queues")),
            ("get", "/api/v1/cases/{id}", await app.CreateClient().GetAsync($"/api/v1/cases/{Guid.NewGuid()}")),
            ("get", "/api/v1/queues", await app.ApiClient().GetAsync("/api/v1/queues")),
            ("get", "/api/v1/cases/{id}", await app.ApiClient().GetAsync($"/api/v1/cases/{Guid.NewGuid()}")),
            ("get", "/api/v1/cases", await readOnly.GetAsync("/api/v1/cases?limit=0")),
            ("post", "/api/v1/cases", await app.ApiClient().SendAsync(Submit(Samples.Json(Samples.Queues).ToJsonString(), Guid.NewGuid().ToString()))),
        };
        Assert.Equal([403, 401, 401, 200, 404, 400, 201], seen.Select(s => (int)s.Response.StatusCode));
        foreach (var (method, path, response) in seen)
        {
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var listed = document["paths"]![path]![method]!["responses"]![status]!["headers"]!.AsObject();
            foreach (var header in new[] { "RateLimit-Policy", "RateLimit" })
            {
                Assert.True(listed.ContainsKey(header) == response.Headers.Contains(header),
                    $"{method} {path} {status}: the document {(listed.ContainsKey(header) ? "lists" : "does not list")} {header}; the response {(response.Headers.Contains(header) ? "has" : "does not have")} it");
            }
            Assert.Equal(status != "401", response.Headers.Contains("RateLimit"));
            response.Dispose();
        }
    }

    /// <summary>The same submission re-serialized (members reversed at every depth, indented, escaped, 40 as 40.0) replays; one value changed is 422.</summary>
    [Fact]
    public async Task The_fingerprint_ignores_member_order_and_whitespace_but_not_values()
    {
        var key = Guid.NewGuid().ToString();
        var body = Samples.Json("009-");
        body["signals"] = new JsonObject { ["amount"] = 40 };
        using var first = await app.ApiClient().SendAsync(Submit(body.ToJsonString(), key));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var receipt = (await first.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;

        var reordered = Reverse(body)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default })
            .Replace("\"amount\": 40", "\"amount\": 40.0", StringComparison.Ordinal);
        Assert.NotEqual(body.ToJsonString(), reordered);
        Assert.Contains("40.0", reordered, StringComparison.Ordinal);
        using var replay = await app.ApiClient().SendAsync(Submit(reordered, key));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(receipt.Id, (await replay.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!.Id);

        var changed = body.DeepClone().AsObject();
        changed["signals"]!["amount"] = 41;
        using var reused = await app.ApiClient().SendAsync(Submit(changed.ToJsonString(), key));
        Assert.Equal((HttpStatusCode)422, reused.StatusCode);
        Assert.Equal(ProblemTypes.IdempotencyKeyReused, (await reused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    /// <summary>
    /// A key stored with the body's canonical fingerprint, as every key was before keys kept the bytes' hash, still
    /// replays the same bytes and their re-serialization, and refuses a changed value.
    /// </summary>
    [Fact]
    public async Task A_key_stored_with_the_canonical_fingerprint_still_replays_and_refuses_a_changed_value()
    {
        var key = Guid.NewGuid().ToString();
        var body = Samples.Json("009-");
        using var first = await app.ApiClient().SendAsync(Submit(body.ToJsonString(), key));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var receipt = (await first.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;
        var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var stored = await db.IdempotencyKeys.SingleAsync(k => k.Key == key);
            Assert.Equal(Workbench.Web.Intake.IdempotencyFingerprint.OfBytes(Encoding.UTF8.GetBytes(body.ToJsonString())), stored.RequestHash);
            stored.RequestHash = Workbench.Web.Intake.IdempotencyFingerprint.Of(Encoding.UTF8.GetBytes(body.ToJsonString()));
            await db.SaveChangesAsync();
        }

        foreach (var again in new[] { body.ToJsonString(), Reverse(body)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) })
        {
            using var replay = await app.ApiClient().SendAsync(Submit(again, key));
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal(receipt.Id, (await replay.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!.Id);
        }
        var changed = body.DeepClone().AsObject();
        changed["request"] = "Something else entirely.";
        using var reused = await app.ApiClient().SendAsync(Submit(changed.ToJsonString(), key));
        Assert.Equal((HttpStatusCode)422, reused.StatusCode);
    }

    private static JsonNode? Reverse(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Reverse().Select(m => KeyValuePair.Create(m.Key, Reverse(m.Value)))),
        JsonArray a => new JsonArray(a.Select(Reverse).ToArray()),
        _ => node?.DeepClone(),
    };
}
