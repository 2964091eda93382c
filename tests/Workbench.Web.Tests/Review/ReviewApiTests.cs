using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Web.Review;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Review;

public sealed class ReviewApiTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    private async Task<Guid> QueuedCaseAsync(string queue)
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        await app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == id);
            c.Queue = queue;
            await db.SaveChangesAsync();
            return 0;
        });
        return id;
    }

    [Fact]
    public async Task Anonymous_callers_get_401_problem_not_a_redirect()
    {
        var response = await app.CreateBrowserClient().PostAsync("/api/v1/review/next", Json(new { }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_admin_without_a_reviewer_role_gets_403_problem()
    {
        var adam = await app.SignedInAs("adam");
        var response = await adam.PostAsync("/api/v1/review/next", Json(new { }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_post_without_a_json_body_is_refused_as_a_csrf_defence()
    {
        var rita = await app.SignedInAs("rita");
        var response = await rita.PostAsync("/api/v1/review/next", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Claim_act_and_the_decision_over_http()
    {
        var id = await QueuedCaseAsync("policy-legal");
        var rita = await app.SignedInAs("rita");
        var claim = await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }));
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        var act = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", rootCause = "retrieval_conflict" }));
        Assert.Equal(HttpStatusCode.OK, act.StatusCode);
        var view = (await act.Content.ReadFromJsonAsync<ReviewCaseView>(WorkbenchJson.Options))!;
        Assert.Equal(Workbench.Contracts.DecisionKind.Rejected, view.Decision!.Decision);

        var again = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "approve" }));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.NotClaimHolder, problem.GetProperty("type").GetString());
        Assert.Equal("decided", problem.GetProperty("current").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_irreversible_refund_is_approved_only_with_the_tool_named_and_at_tier_3_the_amount_typed()
    {
        var id = await QueuedCaseAsync("policy-legal");
        var rita = await app.SignedInAs("rita");
        var claim = (await (await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }))).Content.ReadFromJsonAsync<JsonElement>());
        var confirmation = claim.GetProperty("confirmation");
        Assert.Equal(("confirm", "payments.issue_refund", "387.02", "USD", true),
            (confirmation.GetProperty("gesture").GetString(), confirmation.GetProperty("tool").GetString(), confirmation.GetProperty("amount").GetString(),
             confirmation.GetProperty("currency").GetString(), confirmation.GetProperty("irreversible").GetBoolean()));
        Assert.Equal("NWC-INV-2026-531077", confirmation.GetProperty("target").GetProperty("invoice_id").GetString());

        foreach (var body in new object[] { new { action = "approve" }, new { action = "approve", confirmedTool = "payments.issue_refund " },
                     new { action = "approve_with_edits", editedResponse = "Refunded.", confirmedTool = "refunds.issue", rootCause = "prompt" } })
        {
            var refused = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
            Assert.Contains("387.02 USD", problem.GetProperty("errors").GetProperty("$.confirmedTool")[0].GetString());
        }
        await app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == id);
            Assert.Equal((CaseStatus.InReview, (DecisionKind?)null), (c.Status, c.Decision)); // nothing was written
            Assert.False(await db.ReviewActions.AnyAsync(a => a.CaseId == id));
            return 0;
        });

        // The same case declared tier 3: the amount must be typed as well.
        await app.WithDbAsync(async db =>
        {
            (await db.Cases.SingleAsync(x => x.Id == id)).RiskTier = 3;
            await db.SaveChangesAsync();
            return 0;
        });
        var untyped = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "approve", confirmedTool = "payments.issue_refund", confirmedAmount = "387" }));
        Assert.Equal(HttpStatusCode.BadRequest, untyped.StatusCode);
        Assert.True((await untyped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("$.confirmedAmount", out _));
        var approved = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "approve", confirmedTool = "payments.issue_refund", confirmedAmount = "387.02" }));
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
    }

    [Fact]
    public async Task A_finance_case_is_404_for_rita_and_workable_for_felix()
    {
        var id = await QueuedCaseAsync("finance");
        var rita = await app.SignedInAs("rita");
        Assert.Equal(HttpStatusCode.NotFound, (await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "approve" }))).StatusCode);
        var felix = await app.SignedInAs("felix");
        Assert.Equal(HttpStatusCode.OK, (await felix.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }))).StatusCode);
    }

    [Fact]
    public async Task Invalid_actions_list_their_fields()
    {
        var id = await QueuedCaseAsync("policy-legal");
        var rita = await app.SignedInAs("rita");
        await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }));
        var bad = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "route" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("$.targetQueue", out _));
        var unknown = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "approve_all_the_things" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Next_with_nothing_to_do_is_204()
    {
        var sam = await app.SignedInAs("sam");
        await app.WithDbAsync(async db =>
        {
            foreach (var c in await db.Cases.Where(c => c.Queue == "security").ToListAsync())
            {
                c.Queue = "brand";
            }
            await db.SaveChangesAsync();
            return 0;
        });
        Assert.Equal(HttpStatusCode.NoContent, (await sam.PostAsync("/api/v1/review/next?queue=security", Json(new { }))).StatusCode);
    }

    [Fact]
    public async Task Only_a_lead_assigns()
    {
        var id = await QueuedCaseAsync("policy-legal");
        var rita = await app.SignedInAs("rita");
        Assert.Equal(HttpStatusCode.Forbidden, (await rita.PostAsync($"/api/v1/review/cases/{id}/assign", Json(new { reviewer = "rita" }))).StatusCode);
        var lena = await app.SignedInAs("lena");
        var assigned = await lena.PostAsync($"/api/v1/review/cases/{id}/assign", Json(new { reviewer = "rita" }));
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        Assert.Equal("rita", (await assigned.Content.ReadFromJsonAsync<ReviewCaseView>(WorkbenchJson.Options))!.AssignedTo);
        var nobody = await lena.PostAsync($"/api/v1/review/cases/{id}/assign", Json(new { reviewer = "mallory" }));
        Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);
    }
}
