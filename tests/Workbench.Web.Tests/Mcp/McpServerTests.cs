using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Workbench.Contracts;
using Workbench.Web.Mcp;

namespace Workbench.Web.Tests.Mcp;

/// <summary>The official C# MCP client against /mcp of the real app (the factory's handler as its HttpClient).</summary>
public sealed class McpServerTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    /// <summary>Every call of a test is bounded: a hang fails the test instead of the run.</summary>
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    private async Task<McpClient> ConnectAsync(string? key = Samples.DemoKey)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri("http://localhost/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            Name = "workbench-test",
        };
        if (key is not null)
        {
            options.AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key };
        }
        var transport = new HttpClientTransport(options, app.CreateClient(), ownsHttpClient: true);
        // The protocol probe's own 5 s timeout is too short for a cold app on a loaded machine (it then fails, 499).
        return await McpClient.CreateAsync(transport, new McpClientOptions { DiscoverProbeTimeout = Timeout.InfiniteTimeSpan }, cancellationToken: _ct);
    }

    private static Dictionary<string, object?> Args(params (string Name, object? Value)[] args) => args.ToDictionary(a => a.Name, a => a.Value);

    private static JsonElement Body(CallToolResult result) =>
        JsonDocument.Parse(Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text).RootElement.Clone();

    private static JsonElement Submission(string prefix) => JsonSerializer.SerializeToElement(Samples.Json(prefix));

    [Fact]
    public async Task Lists_the_four_tools_with_descriptions_an_agent_can_act_on()
    {
        await using var client = await ConnectAsync();
        var tools = await client.ListToolsAsync(cancellationToken: _ct);
        Assert.Equal(
            [WorkbenchMcpTools.GetReviewStatus, WorkbenchMcpTools.ReplyToReviewer, WorkbenchMcpTools.RequestHumanReview, WorkbenchMcpTools.WaitForDecision],
            tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        var wait = tools.Single(t => t.Name == WorkbenchMcpTools.WaitForDecision);
        Assert.Contains("clarification_requested", wait.Description);
        Assert.Contains("reply_to_reviewer", wait.Description);
        var request = tools.Single(t => t.Name == WorkbenchMcpTools.RequestHumanReview);
        var schema = request.JsonSchema;
        Assert.True(schema.GetProperty("properties").TryGetProperty("submission", out _));
        Assert.Contains("submission", schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        // The submission's own schema, from the contract the REST endpoint reads: the agent sees every field.
        var fields = schema.GetProperty("properties").GetProperty("submission").GetProperty("properties");
        foreach (var field in new[] { "externalId", "workflow", "requester", "request", "proposal", "evidence", "toolTrace" })
        {
            Assert.True(fields.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task Request_then_a_reviewer_approves_and_wait_for_decision_returns_it()
    {
        var ct = _ct;
        await using var client = await ConnectAsync();
        var key = "mcp-" + Guid.NewGuid().ToString("N");
        var submission = Submission(Samples.Queues);
        var result = await client.CallToolAsync(WorkbenchMcpTools.RequestHumanReview, Args(("submission", submission), ("idempotency_key", key)), cancellationToken: ct);
        Assert.NotEqual(true, result.IsError);
        var receipt = Body(result);
        Assert.Equal("queued", receipt.GetProperty("status").GetString());
        Assert.Equal("policy-legal", receipt.GetProperty("queue").GetString());
        var id = receipt.GetProperty("id").GetGuid();

        // Same key, same submission: the original receipt, not a second case (the REST endpoint's idempotency).
        var again = await client.CallToolAsync(WorkbenchMcpTools.RequestHumanReview, Args(("submission", submission), ("idempotency_key", key)), cancellationToken: ct);
        Assert.Equal(id, Body(again).GetProperty("id").GetGuid());
        Assert.Equal(1, await app.WithDbAsync(db => db.Cases.CountAsync(c => c.ExternalId == submission.GetProperty("externalId").GetString(), ct)));

        var pending = Body(await client.CallToolAsync(WorkbenchMcpTools.WaitForDecision, Args(("case_id", id.ToString()), ("wait_seconds", 0)), cancellationToken: ct));
        Assert.Equal("pending", pending.GetProperty("state").GetString());

        // A long wait that the reviewer's decision ends.
        var waiting = client.CallToolAsync(WorkbenchMcpTools.WaitForDecision, Args(("case_id", id.ToString()), ("wait_seconds", WorkbenchMcpTools.MaxWaitSeconds)), cancellationToken: ct).AsTask();
        var rita = await app.SignedInAs("rita");
        Assert.Equal(HttpStatusCode.OK, (await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(Samples.ApprovalBody(Samples.Queues)), ct)).StatusCode);
        var decided = await waiting.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.NotEqual(true, decided.IsError);
        var decision = Body(decided);
        Assert.Equal("decided", decision.GetProperty("state").GetString());
        Assert.Equal("approved", decision.GetProperty("decision").GetProperty("decision").GetString());
        Assert.Equal(["rita"], decision.GetProperty("decision").GetProperty("reviewers").EnumerateArray().Select(e => e.GetString()!));

        var status = Body(await client.CallToolAsync(WorkbenchMcpTools.GetReviewStatus, Args(("case_id", id.ToString())), cancellationToken: ct));
        Assert.Equal("decided", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Info_requested_then_reply_to_reviewer_puts_the_case_back_in_its_queue()
    {
        var ct = _ct;
        await using var client = await ConnectAsync();
        var id = Body(await client.CallToolAsync(WorkbenchMcpTools.RequestHumanReview,
            Args(("submission", Submission(Samples.Queues)), ("idempotency_key", Guid.NewGuid().ToString("N"))), cancellationToken: ct)).GetProperty("id").GetGuid();
        var rita = await app.SignedInAs("rita");
        await rita.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }), ct);
        var ask = await rita.PostAsync($"/api/v1/review/cases/{id}/actions", Json(new { action = "request_info", question = "Which renewal date is on the invoice?" }), ct);
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);

        var asked = Body(await client.CallToolAsync(WorkbenchMcpTools.WaitForDecision, Args(("case_id", id.ToString()), ("wait_seconds", WorkbenchMcpTools.MaxWaitSeconds)), cancellationToken: ct));
        Assert.Equal("info_requested", asked.GetProperty("state").GetString());
        Assert.Equal("Which renewal date is on the invoice?", asked.GetProperty("question").GetString());

        var replied = await client.CallToolAsync(WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", id.ToString()), ("message", "Oct 13, 2026.")), cancellationToken: ct);
        Assert.NotEqual(true, replied.IsError);
        Assert.Equal("queued", Body(replied).GetProperty("status").GetString());

        // Not waiting for an answer any more: a second reply is a tool error with the problem type.
        var twice = await client.CallToolAsync(WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", id.ToString()), ("message", "again")), cancellationToken: ct);
        Assert.True(twice.IsError);
        Assert.Equal("urn:workbench:problem:illegal-transition", Body(twice).GetProperty("type").GetString());
    }

    /// <summary>
    /// The official clients give up on a request after 60 s: wait_for_decision grants 50 at most, says so in its schema,
    /// and refuses a longer wait (the old documented 60 included) with the reason and what to do instead.
    /// </summary>
    [Fact]
    public async Task A_wait_longer_than_50_seconds_is_refused_with_the_reason_and_the_schema_says_so()
    {
        var ct = _ct;
        Assert.Equal(50, WorkbenchMcpTools.MaxWaitSeconds);
        await using var client = await ConnectAsync();
        var tools = await client.ListToolsAsync(cancellationToken: ct);
        var seconds = tools.Single(t => t.Name == WorkbenchMcpTools.WaitForDecision).JsonSchema.GetProperty("properties").GetProperty("wait_seconds");
        Assert.Equal(0, seconds.GetProperty("minimum").GetInt32());
        Assert.Equal(50, seconds.GetProperty("maximum").GetInt32());
        Assert.Contains("at most 50", tools.Single(t => t.Name == WorkbenchMcpTools.WaitForDecision).Description);

        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        foreach (var asked in new[] { 51, 60, 3600 })
        {
            var refused = await client.CallToolAsync(WorkbenchMcpTools.WaitForDecision, Args(("case_id", id.ToString()), ("wait_seconds", asked)), cancellationToken: ct);
            Assert.True(refused.IsError);
            var problem = Body(refused);
            Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
            var message = Assert.Single(problem.GetProperty("errors").GetProperty("wait_seconds").EnumerateArray()).GetString();
            Assert.Contains("between 0 and 50", message);
            Assert.Contains("60 s", message);
            Assert.Contains("call wait_for_decision again", message);
        }
        var pending = Body(await client.CallToolAsync(WorkbenchMcpTools.WaitForDecision, Args(("case_id", id.ToString()), ("wait_seconds", 0)), cancellationToken: ct));
        Assert.Equal("pending", pending.GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_invalid_submission_is_a_tool_error_listing_fields_and_writes_nothing()
    {
        var ct = _ct;
        await using var client = await ConnectAsync();
        var before = await app.RowCountsAsync();
        var bad = Samples.Json(Samples.Queues);
        bad.Remove("workflow");
        bad["surprise"] = 1;
        var result = await client.CallToolAsync(WorkbenchMcpTools.RequestHumanReview, Args(("submission", JsonSerializer.SerializeToElement(bad))), cancellationToken: ct);
        Assert.True(result.IsError);
        var problem = Body(result);
        Assert.Equal("urn:workbench:problem:validation", problem.GetProperty("type").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(before, await app.RowCountsAsync());

        var badId = await client.CallToolAsync(WorkbenchMcpTools.GetReviewStatus, Args(("case_id", "not-a-guid")), cancellationToken: ct);
        Assert.True(badId.IsError);
        Assert.True(Body(badId).GetProperty("errors").TryGetProperty("case_id", out _));
    }

    [Fact]
    public async Task Another_clients_case_is_not_found_through_every_tool()
    {
        var ct = _ct;
        var theirs = (await app.SubmitSampleAsync(Samples.Queues)).Id; // demo-agent's case
        await using var other = await ConnectAsync(Samples.DemoKey2);
        foreach (var (tool, args) in new[]
        {
            (WorkbenchMcpTools.GetReviewStatus, Args(("case_id", theirs.ToString()))),
            (WorkbenchMcpTools.WaitForDecision, Args(("case_id", theirs.ToString()), ("wait_seconds", 0))),
            (WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", theirs.ToString()), ("message", "hello"))),
        })
        {
            var result = await other.CallToolAsync(tool, args, cancellationToken: ct);
            Assert.True(result.IsError, tool);
            Assert.Equal("urn:workbench:problem:not-found", Body(result).GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Without_credentials_or_with_a_wrong_key_the_endpoint_refuses()
    {
        var ct = _ct;
        await Assert.ThrowsAnyAsync<Exception>(async () => await ConnectAsync(key: null));
        await Assert.ThrowsAnyAsync<Exception>(async () => await ConnectAsync(key: "wb_not_a_real_key_at_all_000000000"));

        // What the refusal is on the wire: 401 with the API's problem detail, nothing of MCP served.
        using var http = app.CreateClient();
        const string initializeJson =
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}""";
        var initialize = new StringContent(initializeJson, Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = initialize };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("urn:workbench:problem:unauthenticated",
            JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("type").GetString());

        // A reviewer's sign-in cookie is not an API credential.
        var rita = await app.SignedInAs("rita");
        using var cookieRequest = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(initializeJson, Encoding.UTF8, "application/json") };
        cookieRequest.Headers.Accept.ParseAdd("application/json");
        cookieRequest.Headers.Accept.ParseAdd("text/event-stream");
        Assert.Equal(HttpStatusCode.Unauthorized, (await rita.SendAsync(cookieRequest, ct)).StatusCode);
    }

    [Fact]
    public async Task A_read_only_client_may_read_but_not_submit()
    {
        var ct = _ct;
        const string readerKey = "wb_mcp_reader_only_0123456789abcdefghij";
        await app.WithDbAsync(async db =>
        {
            if (!await db.ApiClients.AnyAsync(c => c.Id == "mcp-reader", ct))
            {
                db.ApiClients.Add(new Workbench.Data.Entities.ApiClientRecord
                {
                    Id = "mcp-reader",
                    DisplayName = "reader",
                    KeyPrefix = readerKey[..12],
                    KeyHash = Workbench.Web.Http.ApiKeyStore.HashKey(readerKey),
                    Scopes = "cases:read",
                    CreatedAt = DateTimeOffset.UtcNow,
                });
                await db.SaveChangesAsync(ct);
            }
            return 0;
        });
        await using var client = await ConnectAsync(readerKey);
        var result = await client.CallToolAsync(WorkbenchMcpTools.RequestHumanReview, Args(("submission", Submission(Samples.Queues))), cancellationToken: ct);
        Assert.True(result.IsError);
        Assert.Equal("urn:workbench:problem:forbidden", Body(result).GetProperty("type").GetString());
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");
}
