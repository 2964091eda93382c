using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Cases;

namespace Workbench.Web.Tests.Intake;

public sealed class IntakeApiTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static StringContent Body(JsonNode json) => new(json.ToJsonString(), Encoding.UTF8, "application/json");

    private static HttpRequestMessage Post(JsonNode json, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = Body(json) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return request;
    }

    /// <summary>The response's problem details, after checking it says it is one.</summary>
    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<CaseReceipt> SubmitAsync(string sample, string? key = null)
    {
        var response = await app.ApiClient().SendAsync(Post(Samples.Json(sample), key));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;
    }

    [Fact]
    public async Task Submission_commits_case_evaluation_and_audit_event_before_the_201()
    {
        var json = Samples.Json(Samples.Queues);
        var response = await app.ApiClient().SendAsync(Post(json, Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = (await response.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;
        Assert.Equal($"/api/v1/cases/{receipt.Id}", response.Headers.Location!.OriginalString);
        Assert.Equal(CaseStatus.Queued, receipt.Status);
        Assert.Equal(PathOutcome.Handoff, receipt.Outcome.Release);
        Assert.Contains("MULTI_POLICY_CONFLICT", receipt.ReasonCodes);
        Assert.Equal("policy-legal", receipt.Queue);
        Assert.NotNull(receipt.SlaDueAt);
        Assert.False(string.IsNullOrEmpty(receipt.PolicyVersion));
        Assert.Equal($"/api/v1/cases/{receipt.Id}/decision", receipt.Links.Decision);

        var raw = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":\"queued\"", raw);
        Assert.Contains("\"release\":\"handoff\"", raw);

        await app.WithDbAsync(async db =>
        {
            var stored = await db.Cases.Include(c => c.Evaluation).SingleAsync(c => c.Id == receipt.Id);
            Assert.Equal("demo-agent", stored.ClientId);
            Assert.Equal(json["externalId"]!.GetValue<string>(), stored.ExternalId);
            Assert.NotEmpty(stored.Evaluation!.TraceJson);
            Assert.Single(await db.AuditEvents.Where(a => a.CaseId == receipt.Id && a.Type == "case.submitted").ToListAsync());
            return 0;
        });
    }

    [Fact]
    public async Task Proceed_is_answered_at_intake_with_a_decision_and_never_queued()
    {
        var receipt = await SubmitAsync(Samples.Proceeds);
        Assert.Equal(CaseStatus.AutoApproved, receipt.Status);
        Assert.Equal(PathOutcome.Proceed, receipt.Outcome.Release);
        Assert.Null(receipt.SlaDueAt);

        var decision = await app.ApiClient().GetAsync($"/api/v1/cases/{receipt.Id}/decision");
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        var view = (await decision.Content.ReadFromJsonAsync<DecisionView>(WorkbenchJson.Options))!;
        Assert.Equal(DecisionKind.Approved, view.Decision);
        Assert.Empty(view.Reviewers);
    }

    [Fact]
    public async Task Clarify_returns_the_question_at_intake()
    {
        var receipt = await SubmitAsync(Samples.Clarifies);
        Assert.Equal(CaseStatus.ClarificationRequested, receipt.Status);
        Assert.False(string.IsNullOrWhiteSpace(receipt.ClarifyingQuestion));
        Assert.Contains("AMBIGUOUS_USER_INTENT", receipt.ReasonCodes);
    }

    [Fact]
    public async Task Same_key_and_same_body_returns_the_original_receipt()
    {
        var json = Samples.Json(Samples.Queues);
        var key = Guid.NewGuid().ToString();
        var first = await app.ApiClient().SendAsync(Post(json, key));
        var second = await app.ApiClient().SendAsync(Post(json, key));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        var externalId = json["externalId"]!.GetValue<string>();
        Assert.Equal(1, await app.WithDbAsync(db => db.Cases.CountAsync(c => c.ExternalId == externalId)));
    }

    [Fact]
    public async Task Same_key_with_another_body_is_422_and_writes_nothing()
    {
        var key = Guid.NewGuid().ToString();
        await app.ApiClient().SendAsync(Post(Samples.Json(Samples.Queues), key));
        var before = await app.RowCountsAsync();

        var response = await app.ApiClient().SendAsync(Post(Samples.Json(Samples.Queues), key));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("urn:workbench:problem:idempotency-key-reused", (await ProblemAsync(response)).GetProperty("type").GetString());
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task Keys_are_per_client_never_across_clients()
    {
        var key = Guid.NewGuid().ToString();
        var json = Samples.Json(Samples.Queues);
        var a = await app.ApiClient(Samples.DemoKey).SendAsync(Post(json, key));
        var b = await app.ApiClient(Samples.DemoKey2).SendAsync(Post(json, key));
        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
    }

    [Fact]
    public async Task Fifty_parallel_identical_submissions_create_exactly_one_case()
    {
        var json = Samples.Json(Samples.Queues);
        var key = Guid.NewGuid().ToString();
        var client = app.ApiClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.SendAsync(Post(json, key))));

        var codes = responses.Select(r => r.StatusCode).ToList();
        Assert.Single(codes, HttpStatusCode.Created);
        Assert.All(codes, c => Assert.Contains(c, new[] { HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Equal("urn:workbench:problem:idempotency-key-in-flight", (await ProblemAsync(conflict)).GetProperty("type").GetString());
        }
        var externalId = json["externalId"]!.GetValue<string>();
        Assert.Equal(1, await app.WithDbAsync(db => db.Cases.CountAsync(c => c.ExternalId == externalId)));
        Assert.Equal(1, await app.WithDbAsync(db => db.IdempotencyKeys.CountAsync(k => k.Key == key)));
    }

    [Fact]
    public async Task External_id_is_unique_per_client()
    {
        var json = Samples.Json(Samples.Queues);
        var first = await app.ApiClient().SendAsync(Post(json));
        var receipt = (await first.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!;
        var second = await app.ApiClient().SendAsync(Post(json));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await ProblemAsync(second);
        Assert.Equal("urn:workbench:problem:duplicate-external-id", problem.GetProperty("type").GetString());
        Assert.Equal(receipt.Id.ToString(), problem.GetProperty("caseId").GetString());
    }

    [Fact]
    public async Task One_bad_case_in_a_group_commit_fails_alone()
    {
        // Concurrent submissions are committed together; a duplicate among them must not take the others down.
        var taken = Samples.Json(Samples.Queues);
        Assert.Equal(HttpStatusCode.Created, (await app.ApiClient().SendAsync(Post(taken))).StatusCode);
        var client = app.ApiClient();
        var bodies = Enumerable.Range(0, 30).Select(_ => Samples.Json(Samples.Queues)).ToList();
        bodies[17] = Samples.Json(Samples.Queues, taken["externalId"]!.GetValue<string>());

        var responses = await Task.WhenAll(bodies.Select(b => client.SendAsync(Post(b, Guid.NewGuid().ToString()))));

        Assert.Equal(HttpStatusCode.Conflict, responses[17].StatusCode);
        Assert.Equal(29, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var ids = bodies.Select(b => b["externalId"]!.GetValue<string>()).ToList();
        Assert.Equal(30, await app.WithDbAsync(db => db.Cases.CountAsync(c => ids.Contains(c.ExternalId))));
    }

    [Fact]
    public async Task Missing_credentials_are_401_problem()
    {
        var response = await app.CreateClient().SendAsync(Post(Samples.Json(Samples.Queues)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("urn:workbench:problem:unauthenticated", (await ProblemAsync(response)).GetProperty("type").GetString());
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("wb_not_a_real_key")]
    [InlineData("sk-live-something-else")]
    public async Task Unknown_keys_are_401(string key)
    {
        var response = await app.ApiClient(key).GetAsync("/api/v1/queues");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAsync(response);
    }

    [Fact]
    public async Task X_Api_Key_header_works_too()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Samples.DemoKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/queues")).StatusCode);
    }

    [Fact]
    public async Task A_key_without_the_submit_scope_is_403()
    {
        const string readOnlyKey = "wb_read_only_test_key_1234567890";
        await app.WithDbAsync(async db =>
        {
            if (!await db.ApiClients.AnyAsync(c => c.Id == "reader"))
            {
                db.ApiClients.Add(new ApiClientRecord
                {
                    Id = "reader", DisplayName = "Read only", KeyPrefix = "wb_read_o", KeyHash = Workbench.Web.Http.ApiKeyStore.HashKey(readOnlyKey),
                    Scopes = "cases:read", CreatedAt = DateTimeOffset.UtcNow,
                });
                await db.SaveChangesAsync();
            }
            return 0;
        });
        var response = await app.ApiClient(readOnlyKey).SendAsync(Post(Samples.Json(Samples.Queues)));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("urn:workbench:problem:forbidden", (await ProblemAsync(response)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.ApiClient(readOnlyKey).GetAsync("/api/v1/queues")).StatusCode);
    }

    [Fact]
    public async Task A_client_cannot_see_or_touch_another_clients_case()
    {
        var receipt = await SubmitAsync(Samples.Queues);
        var other = app.ApiClient(Samples.DemoKey2);
        foreach (var response in new[]
        {
            await other.GetAsync($"/api/v1/cases/{receipt.Id}"),
            await other.GetAsync($"/api/v1/cases/{receipt.Id}/decision"),
            await other.PostAsJsonAsync($"/api/v1/cases/{receipt.Id}/withdraw", new { reason = "x" }),
            await other.PostAsJsonAsync($"/api/v1/cases/{receipt.Id}/replies", new { message = "x" }),
            await other.PostAsJsonAsync($"/api/v1/cases/{receipt.Id}/outcome", new { outcome = "correct" }),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("urn:workbench:problem:not-found", (await ProblemAsync(response)).GetProperty("type").GetString());
        }
        var mine = await app.WithDbAsync(db => db.Cases.SingleAsync(c => c.Id == receipt.Id));
        Assert.Equal(CaseStatus.Queued, mine.Status);
    }

    [Fact]
    public async Task Get_case_shows_status_reasons_and_links()
    {
        var receipt = await SubmitAsync(Samples.Queues);
        var view = (await app.ApiClient().GetFromJsonAsync<CaseView>($"/api/v1/cases/{receipt.Id}", WorkbenchJson.Options))!;
        Assert.Equal(receipt.Id, view.Id);
        Assert.Equal(CaseStatus.Queued, view.Status);
        Assert.Equal("support.refund", view.Workflow);
        Assert.Null(view.Decision);
        Assert.Equal(receipt.ReasonCodes, view.ReasonCodes);
    }

    [Fact]
    public async Task Unknown_case_is_404_problem()
    {
        var response = await app.ApiClient().GetAsync($"/api/v1/cases/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ProblemAsync(response);
    }

    [Fact]
    public async Task Decision_of_a_queued_case_is_202_pending()
    {
        var receipt = await SubmitAsync(Samples.Queues);
        var response = await app.ApiClient().GetAsync($"/api/v1/cases/{receipt.Id}/decision?wait=0");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var pending = (await response.Content.ReadFromJsonAsync<PendingDecisionView>(WorkbenchJson.Options))!;
        Assert.Equal(CaseStatus.Queued, pending.Status);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("61")]
    public async Task Wait_outside_0_to_60_is_400(string wait)
    {
        var receipt = await SubmitAsync(Samples.Queues);
        var response = await app.ApiClient().GetAsync($"/api/v1/cases/{receipt.Id}/decision?wait={wait}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty("wait", out _));
    }

    [Fact]
    public async Task Long_poll_wakes_as_soon_as_the_decision_lands()
    {
        var receipt = await SubmitAsync(Samples.Queues);
        var poll = app.ApiClient().GetAsync($"/api/v1/cases/{receipt.Id}/decision?wait=50");
        var notifier = app.Services.GetRequiredService<DecisionNotifier>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (notifier.Waiting == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.False(poll.IsCompleted);

        // What the review service does when a reviewer decides: store the decision, then notify after the commit.
        await app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == receipt.Id);
            c.Status = CaseStatus.Decided;
            c.Decision = DecisionKind.Rejected;
            c.DecisionJson = JsonSerializer.Serialize(new DecisionView
            {
                CaseId = c.Id, Decision = DecisionKind.Rejected, RejectReasonCode = "MULTI_POLICY_CONFLICT",
                Reviewers = ["rita"], DecidedAt = DateTimeOffset.UtcNow, PolicyVersion = c.PolicyVersion,
            }, WorkbenchJson.Options);
            c.Revision++;
            await db.SaveChangesAsync();
            return 0;
        });
        var started = DateTime.UtcNow;
        notifier.Notify(receipt.Id);

        var response = await poll.WaitAsync(TimeSpan.FromSeconds(20)); // far below the 50 s the poll would otherwise hold
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decision = (await response.Content.ReadFromJsonAsync<DecisionView>(WorkbenchJson.Options))!;
        Assert.Equal(DecisionKind.Rejected, decision.Decision);
        Assert.Equal(["rita"], decision.Reviewers);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
        Assert.Equal(0, notifier.Waiting);
    }

    [Fact]
    public async Task Long_poll_on_a_case_with_an_open_question_answers_at_once_with_the_question()
    {
        var receipt = await SubmitAsync(Samples.Clarifies);
        var poll = app.ApiClient().GetAsync($"/api/v1/cases/{receipt.Id}/decision?wait=50");
        var response = await poll.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var pending = (await response.Content.ReadFromJsonAsync<PendingDecisionView>(WorkbenchJson.Options))!;
        Assert.Equal(CaseStatus.ClarificationRequested, pending.Status);
        Assert.Equal(receipt.ClarifyingQuestion, pending.Question);
    }

    [Fact]
    public async Task Reply_to_a_clarifying_question_puts_the_case_in_a_queue()
    {
        var receipt = await SubmitAsync(Samples.Clarifies);
        var response = await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{receipt.Id}/replies",
            new { message = "The customer means the Business plan, 40 seats." });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = (await response.Content.ReadFromJsonAsync<CaseView>(WorkbenchJson.Options))!;
        Assert.Equal(CaseStatus.Queued, view.Status);
        Assert.Null(view.Question);
        // It had no queue (clarify is answered at intake): now it is in its workflow's queue with an SLA.
        Assert.Equal("support", view.Queue);
        Assert.NotNull(view.SlaDueAt);
        Assert.Equal(1, await app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == receipt.Id && a.Type == "case.reply_received")));
    }

    [Fact]
    public async Task Reply_when_nobody_asked_is_409()
    {
        var receipt = await SubmitAsync(Samples.Queues);
        var response = await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{receipt.Id}/replies", new { message = "unsolicited" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("urn:workbench:problem:illegal-transition", problem.GetProperty("type").GetString());
        Assert.Contains("queued", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Reply_without_a_message_is_400()
    {
        var receipt = await SubmitAsync(Samples.Clarifies);
        var response = await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{receipt.Id}/replies", new { message = " " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await ProblemAsync(response);
    }

    [Fact]
    public async Task Withdraw_then_withdraw_again_is_409()
    {
        var receipt = await SubmitAsync(Samples.Queues);
        var first = await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{receipt.Id}/withdraw", new { reason = "customer cancelled" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(CaseStatus.Withdrawn, (await first.Content.ReadFromJsonAsync<CaseView>(WorkbenchJson.Options))!.Status);

        var second = await app.ApiClient().PostAsync($"/api/v1/cases/{receipt.Id}/withdraw", null);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        await ProblemAsync(second);

        var decision = await app.ApiClient().GetAsync($"/api/v1/cases/{receipt.Id}/decision");
        Assert.Equal(HttpStatusCode.Conflict, decision.StatusCode);
    }

    [Fact]
    public async Task Outcome_is_recorded_for_decided_cases_only()
    {
        var auto = await SubmitAsync(Samples.Proceeds);
        var ok = await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{auto.Id}/outcome", new { outcome = "rolled_back", note = "customer disputed" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var receipt = (await ok.Content.ReadFromJsonAsync<OutcomeReceipt>(WorkbenchJson.Options))!;
        Assert.Equal(DownstreamOutcome.RolledBack, receipt.Outcome);
        Assert.Equal(1, await app.WithDbAsync(db => db.DownstreamOutcomes.CountAsync(o => o.CaseId == auto.Id)));

        var queued = await SubmitAsync(Samples.Queues);
        var early = await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{queued.Id}/outcome", new { outcome = "correct" });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);

        var invalid = await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{auto.Id}/outcome", new { outcome = "great" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await ProblemAsync(invalid)).GetProperty("errors").TryGetProperty("$.outcome", out _));
    }

    [Fact]
    public async Task Queues_lists_every_queue_of_the_policy()
    {
        await SubmitAsync(Samples.Queues);
        var queues = (await app.ApiClient().GetFromJsonAsync<QueueSummaryView[]>("/api/v1/queues", WorkbenchJson.Options))!;
        Assert.Equal(["support", "support-exceptions", "finance", "policy-legal", "security", "brand", "spot-check"],
            queues.Select(q => q.Name).Where(n => n is "support" or "support-exceptions" or "finance" or "policy-legal" or "security" or "brand" or "spot-check"));
        Assert.True(queues.Single(q => q.Name == "policy-legal").Depth >= 1);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413_and_writes_nothing()
    {
        var before = await app.RowCountsAsync();
        var json = Samples.Json(Samples.Queues);
        json["metadata"] = new JsonObject { ["blob"] = new string('x', 1024 * 1024 + 10) };
        var response = await app.ApiClient().SendAsync(Post(json));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("urn:workbench:problem:payload-too-large", (await ProblemAsync(response)).GetProperty("type").GetString());
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task Non_json_body_is_415()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new StringContent("externalId=1", Encoding.UTF8, "text/plain") };
        var response = await app.ApiClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await ProblemAsync(response);
    }

    [Theory]
    [InlineData("key with spaces")]
    [InlineData("tab\tinside")]
    public async Task Invalid_idempotency_key_is_400(string key)
    {
        var request = Post(Samples.Json(Samples.Queues));
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var response = await app.ApiClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:workbench:problem:idempotency-key-invalid", (await ProblemAsync(response)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Overlong_idempotency_key_is_400()
    {
        var request = Post(Samples.Json(Samples.Queues), new string('k', 256));
        var response = await app.ApiClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Validation_lists_every_bad_field_by_json_path()
    {
        var json = Samples.Json(Samples.Queues);
        json.Remove("request");
        json["riskTier"] = 7;
        json["evidence"]![0]!["uri"] = "javascript:alert(1)";
        json["claims"]![0]!["evidenceIds"] = new JsonArray("no-such-evidence");
        var response = await app.ApiClient().SendAsync(Post(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ProblemAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("$.request", out _));
        Assert.True(errors.TryGetProperty("$.riskTier", out _));
        Assert.True(errors.TryGetProperty("$.evidence[0].uri", out _));
        Assert.True(errors.TryGetProperty("$.claims[0].evidenceIds[0]", out _));
    }

    [Fact]
    public async Task OpenAPI_describes_every_endpoint_and_the_docs_page_is_served()
    {
        var client = app.CreateClient();
        var doc = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/cases", "/api/v1/cases/{id}", "/api/v1/cases/{id}/decision", "/api/v1/cases/{id}/replies",
                     "/api/v1/cases/{id}/withdraw", "/api/v1/cases/{id}/outcome", "/api/v1/queues" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }
        var submit = paths.GetProperty("/api/v1/cases").GetProperty("post");
        Assert.True(submit.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(submit.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("examples", out _));
        Assert.Contains("urn:workbench:problem:idempotency-key-reused", doc.GetProperty("info").GetProperty("description").GetString());
        var docs = await client.GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }

    [Fact]
    public async Task The_client_sdk_submits_waits_replies_and_reports()
    {
        var sdk = app.SdkClient();
        var submission = Samples.Submission(Samples.Clarifies);
        var submitted = await sdk.SubmitAsync(submission);
        Assert.False(submitted.Replayed);
        Assert.Equal(CaseStatus.ClarificationRequested, submitted.Receipt.Status);

        var again = await sdk.SubmitAsync(submission, submitted.IdempotencyKey);
        Assert.True(again.Replayed);
        Assert.Equal(submitted.Receipt.Id, again.Receipt.Id);

        var question = await Assert.ThrowsAsync<Workbench.Client.WorkbenchQuestionException>(
            () => sdk.WaitForDecisionAsync(submitted.Receipt.Id, TimeSpan.FromSeconds(30)));
        Assert.Equal(submitted.Receipt.ClarifyingQuestion, question.Question);

        var replied = await sdk.ReplyAsync(submitted.Receipt.Id, new ReplyRequest("The Business plan."));
        Assert.Equal(CaseStatus.Queued, replied.Status);
        Assert.Null(await sdk.GetDecisionAsync(submitted.Receipt.Id, TimeSpan.Zero, CancellationToken.None));

        var withdrawn = await sdk.WithdrawAsync(submitted.Receipt.Id, "no longer needed");
        Assert.Equal(CaseStatus.Withdrawn, withdrawn.Status);

        var auto = await sdk.SubmitAsync(Samples.Submission(Samples.Proceeds));
        var decision = await sdk.WaitForDecisionAsync(auto.Receipt.Id, TimeSpan.FromSeconds(10));
        Assert.Equal(DecisionKind.Approved, decision.Decision);
        var outcome = await sdk.ReportOutcomeAsync(auto.Receipt.Id, new OutcomeReport(DownstreamOutcome.Correct));
        Assert.Equal(DownstreamOutcome.Correct, outcome.Outcome);

        var error = await Assert.ThrowsAsync<Workbench.Client.WorkbenchApiException>(() => sdk.GetAsync(Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("urn:workbench:problem:not-found", error.ProblemType);
    }
}
