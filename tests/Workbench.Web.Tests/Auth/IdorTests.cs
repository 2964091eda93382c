using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Workbench.Web.Tests.Auth;

/// <summary>Every id-taking endpoint, called with an id that belongs to someone else.</summary>
public sealed class IdorTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<Guid> CaseInQueueAsync(string queue)
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id; // demo-agent's case
        await app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == id);
            c.Queue = queue;
            return await db.SaveChangesAsync();
        });
        return id;
    }

    [Fact]
    public async Task Another_clients_case_is_404_on_every_api_endpoint_and_nothing_changes()
    {
        var id = await CaseInQueueAsync("policy-legal");
        var before = await app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id));
        var auditBefore = await app.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.CaseId == id));
        var other = app.ApiClient(Samples.DemoKey2);
        var calls = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/cases/{id}", null),
            (HttpMethod.Get, $"/api/v1/cases/{id}/decision?wait=0", null),
            (HttpMethod.Post, $"/api/v1/cases/{id}/replies", """{"message":"hi"}"""),
            (HttpMethod.Post, $"/api/v1/cases/{id}/withdraw", """{"reason":"mine now"}"""),
            (HttpMethod.Post, $"/api/v1/cases/{id}/outcome", """{"outcome":"correct"}"""),
        };
        foreach (var (method, path, body) in calls)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
            var response = await other.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("urn:workbench:problem:not-found", problem.GetProperty("type").GetString());
        }
        var after = await app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id));
        Assert.Equal(before.Revision, after.Revision);
        Assert.Equal(before.Status, after.Status);
        Assert.Equal(auditBefore, await app.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.CaseId == id)));
    }

    [Fact]
    public async Task A_reviewer_acting_on_a_case_of_a_queue_not_hers_gets_404_everywhere()
    {
        var id = await CaseInQueueAsync("finance"); // rita works support and policy-legal, not finance
        var rita = await app.SignedInAs("rita");
        foreach (var action in new[] { "claim", "release", "actions" })
        {
            var body = action == "actions" ? """{"action":"approve"}""" : "{}";
            var response = await rita.PostAsync($"/api/v1/review/cases/{id}/{action}", Json(body));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{action}: {(int)response.StatusCode}");
        }
        // The case page does not show it either.
        var page = await rita.GetAsync($"/cases/{id}");
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Our Team annual plan renewed", html);
        // A reviewer cannot assign (lead only), whatever the queue.
        Assert.Equal(HttpStatusCode.Forbidden, (await rita.PostAsync($"/api/v1/review/cases/{id}/assign", Json("""{"reviewer":"rita"}"""))).StatusCode);
        var untouched = await app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id));
        Assert.Null(untouched.ClaimedBy);
    }

    [Fact]
    public async Task A_reviewer_cannot_act_on_a_case_another_reviewer_holds()
    {
        var id = await CaseInQueueAsync("policy-legal");
        var lena = await app.SignedInAs("lena");
        Assert.Equal(HttpStatusCode.OK, (await lena.PostAsync($"/api/v1/review/cases/{id}/claim", Json("{}"))).StatusCode);
        var rita = await app.SignedInAs("rita");
        var act = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json("""{"action":"approve"}"""));
        Assert.Equal(HttpStatusCode.Conflict, act.StatusCode);
        var release = await rita.PostAsync($"/api/v1/review/cases/{id}/release", Json("{}"));
        Assert.NotEqual(HttpStatusCode.OK, release.StatusCode);
        Assert.Equal("lena", (await app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id))).ClaimedBy);
    }
}
