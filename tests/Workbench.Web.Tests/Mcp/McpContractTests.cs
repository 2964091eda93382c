using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Workbench.Contracts;
using Workbench.Web.Http;
using Workbench.Web.Mcp;

namespace Workbench.Web.Tests.Mcp;

/// <summary>
/// The tools' schemas against the REST contract they are cut from (<c>/openapi/v1.json</c>), and the arguments an
/// agent gets wrong: each a tool error carrying the validation problem, a member named twice refused as REST refuses it.
/// </summary>
public sealed class McpContractTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    private async Task<McpClient> ConnectAsync()
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri("http://localhost/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Samples.DemoKey },
        }, app.CreateClient(), ownsHttpClient: true);
        // The protocol probe's own 5 s timeout is too short for a cold app on a loaded machine (it then fails, 499).
        return await McpClient.CreateAsync(transport, new McpClientOptions { DiscoverProbeTimeout = Timeout.InfiniteTimeSpan }, cancellationToken: _ct);
    }

    private static Dictionary<string, object?> Args(params (string Name, object? Value)[] args) => args.ToDictionary(a => a.Name, a => a.Value);

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    /// <summary>The document's component with every reference inlined, as a tool's schema carries it.</summary>
    private static JsonNode Resolve(JsonNode node, JsonObject components) => node switch
    {
        JsonObject o when o["$ref"]?.GetValue<string>() is { } r => Merge(Resolve(components[r.Split('/')[^1]]!, components).AsObject(), o, components),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Resolve(p.Value, components)))),
        JsonArray a => new JsonArray(a.Select(i => i is null ? null : Resolve(i, components)).ToArray()),
        _ => node.DeepClone(),
    };

    private static JsonObject Merge(JsonObject target, JsonObject reference, JsonObject components)
    {
        foreach (var (key, value) in reference.Where(p => p.Key != "$ref"))
        {
            target[key] = value is null ? null : Resolve(value, components);
        }
        return target;
    }

    [Fact]
    public async Task Each_tool_schema_is_the_rest_contracts_and_each_tool_declares_its_output()
    {
        using var http = app.CreateClient();
        var document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json", _ct))!.AsObject();
        var components = document["components"]!["schemas"]!.AsObject();
        await using var client = await ConnectAsync();
        var tools = (await client.ListToolsAsync(cancellationToken: _ct)).ToDictionary(t => t.Name, t => t.ProtocolTool);

        // The submission is the document's CaseSubmission, member for member (a description aside).
        var input = JsonNode.Parse(tools[WorkbenchMcpTools.RequestHumanReview].InputSchema.GetRawText())!.AsObject();
        var submission = input["properties"]!["submission"]!.AsObject();
        submission.Remove("description");
        var published = Resolve(components["CaseSubmission"]!, components).AsObject();
        published.Remove("description");
        Assert.True(JsonNode.DeepEquals(published, submission), $"tool:\n{submission}\ndocument:\n{published}");
        Assert.Equal(["submission"], input["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(input["additionalProperties"]!.GetValue<bool>());

        // What the MCP path lost or got wrong before, now as REST enforces it.
        var members = submission["properties"]!;
        Assert.Contains("workflow", submission["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.DoesNotContain("response", members["proposal"]!["required"]?.AsArray().Select(n => n!.GetValue<string>()) ?? []);
        Assert.DoesNotContain("action", members["proposal"]!["required"]?.AsArray().Select(n => n!.GetValue<string>()) ?? []);
        Assert.Equal(WireSchema.EnumValues(typeof(EvidenceAuthority)), EnumOf(members["evidence"]!["items"]!["properties"]!["authority"]!));
        Assert.Equal(WireSchema.EnumValues(typeof(ToolStepStatus)), EnumOf(members["toolTrace"]!["items"]!["properties"]!["status"]!));
        Assert.Equal(3, members["riskTier"]!["maximum"]!.GetValue<int>());

        foreach (var name in new[] { WorkbenchMcpTools.GetReviewStatus, WorkbenchMcpTools.WaitForDecision, WorkbenchMcpTools.ReplyToReviewer })
        {
            var caseId = tools[name].InputSchema.GetProperty("properties").GetProperty("case_id");
            Assert.Equal("uuid", caseId.GetProperty("format").GetString());
            Assert.Equal("string", caseId.GetProperty("type").GetString());
        }
        var wait = tools[WorkbenchMcpTools.WaitForDecision].InputSchema.GetProperty("properties").GetProperty("wait_seconds");
        Assert.Equal((0, 50), (wait.GetProperty("minimum").GetInt32(), wait.GetProperty("maximum").GetInt32()));

        // Every tool declares its structured output: the REST body it returns, or wait_for_decision's state.
        Assert.All(tools.Values, t => Assert.Equal("object", t.OutputSchema!.Value.GetProperty("type").GetString()));
        var receipt = Resolve(components["CaseReceipt"]!, components);
        Assert.True(JsonNode.DeepEquals(receipt, JsonNode.Parse(tools[WorkbenchMcpTools.RequestHumanReview].OutputSchema!.Value.GetRawText())));
        var view = Resolve(components["CaseView"]!, components);
        Assert.True(JsonNode.DeepEquals(view, JsonNode.Parse(tools[WorkbenchMcpTools.GetReviewStatus].OutputSchema!.Value.GetRawText())));
    }

    [Fact]
    public async Task Every_wrong_argument_is_a_validation_problem_keyed_by_the_argument_without_a_dotnet_type_name()
    {
        await using var client = await ConnectAsync();
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id.ToString();
        var before = await app.RowCountsAsync();
        foreach (var (tool, args, argument) in new[]
        {
            (WorkbenchMcpTools.GetReviewStatus, Args(("case_id", 42)), "case_id"),
            (WorkbenchMcpTools.GetReviewStatus, Args(("case_id", "case-42")), "case_id"),
            (WorkbenchMcpTools.GetReviewStatus, Args(), "case_id"),
            (WorkbenchMcpTools.WaitForDecision, Args(("case_id", id), ("wait_seconds", "soon")), "wait_seconds"),
            (WorkbenchMcpTools.WaitForDecision, Args(("case_id", id), ("wait_seconds", 2.5)), "wait_seconds"),
            (WorkbenchMcpTools.WaitForDecision, Args(("case_id", id), ("wait_seconds", null)), "wait_seconds"),
            (WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", id)), "message"),
            (WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", id), ("message", 7)), "message"),
            (WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", id), ("message", "yes"), ("signals", new Dictionary<string, object> { ["verified"] = "yes" })), "signals.verified"),
            (WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", id), ("message", "yes"), ("tone", "polite")), "tone"),
            (WorkbenchMcpTools.RequestHumanReview, Args(("submission", "refund A-77")), "submission"),
            (WorkbenchMcpTools.RequestHumanReview, Args(("submission", Samples.Json(Samples.Queues)), ("idempotency_key", 12)), "idempotency_key"),
            (WorkbenchMcpTools.RequestHumanReview, Args(("submission", WithMember(Samples.Json(Samples.Queues), "riskTier", "3"))), "submission.riskTier"),
        })
        {
            var result = await client.CallToolAsync(tool, args, cancellationToken: _ct);
            var text = Text(result);
            Assert.True(result.IsError, $"{tool} {JsonSerializer.Serialize(args)}: {text}");
            Assert.DoesNotContain("An error occurred", text);
            Assert.DoesNotContain("`1", text);
            Assert.DoesNotContain("System.", text);
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(argument, out _), $"{tool}: {argument} not in {text}");
        }
        // In an agent's words, as docs/mcp.md quotes them.
        var number = await client.CallToolAsync(WorkbenchMcpTools.GetReviewStatus, Args(("case_id", 42)), cancellationToken: _ct);
        Assert.Equal("Must be a string holding a UUID, not an integer.",
            JsonDocument.Parse(Text(number)).RootElement.GetProperty("errors").GetProperty("case_id")[0].GetString());
        var soon = await client.CallToolAsync(WorkbenchMcpTools.WaitForDecision, Args(("case_id", id), ("wait_seconds", "soon")), cancellationToken: _ct);
        Assert.Equal("Must be an integer, not a string.",
            JsonDocument.Parse(Text(soon)).RootElement.GetProperty("errors").GetProperty("wait_seconds")[0].GetString());
        Assert.Equal(before, await app.RowCountsAsync());
    }

    /// <summary>An enum's values, where the member's schema holds them itself or in an allOf beside its default.</summary>
    private static IEnumerable<string> EnumOf(JsonNode member) =>
        (member["enum"] ?? member["allOf"]?.AsArray().Select(a => a?["enum"]).FirstOrDefault(e => e is not null))!.AsArray().Select(n => n!.GetValue<string>());

    private static JsonObject WithMember(JsonObject body, string name, JsonNode value)
    {
        body[name] = value;
        return body;
    }

    [Fact]
    public async Task A_member_named_twice_inside_an_argument_is_refused_like_rest_and_writes_nothing()
    {
        await using var client = await ConnectAsync();
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id.ToString();
        var before = await app.RowCountsAsync();
        // The second workflow inside the submission, and a signal named twice: JSON the C# client sends as written.
        var sample = Samples.Json(Samples.Queues).ToJsonString();
        var twice = JsonDocument.Parse(sample.Insert(1, "\"workflow\":\"support.faq\",")).RootElement;
        var nested = JsonDocument.Parse(sample.Replace("\"requester\":{", "\"requester\":{\"role\":\"admin\",", StringComparison.Ordinal)).RootElement;
        var signals = JsonDocument.Parse("""{"identity_verified": false, "identity_verified": true}""").RootElement;
        foreach (var (tool, args, path) in new[]
        {
            (WorkbenchMcpTools.RequestHumanReview, Args(("submission", twice)), "submission.workflow"),
            (WorkbenchMcpTools.RequestHumanReview, Args(("submission", nested)), "submission.requester.role"),
            (WorkbenchMcpTools.ReplyToReviewer, Args(("case_id", id), ("message", "verified"), ("signals", signals)), "signals.identity_verified"),
        })
        {
            var result = await client.CallToolAsync(tool, args, cancellationToken: _ct);
            Assert.True(result.IsError, Text(result));
            var problem = JsonDocument.Parse(Text(result)).RootElement;
            Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
            Assert.Contains("named twice", Text(result), StringComparison.OrdinalIgnoreCase);
            Assert.True(problem.GetProperty("errors").TryGetProperty(path, out _), Text(result));
        }
        Assert.Equal(before, await app.RowCountsAsync());
    }

    /// <summary>
    /// An argument named twice at the top level: the MCP library alone would keep one of the two and run the tool (and a
    /// member named twice deeper inside made it answer 500). Refused before the library reads the message, as a tool
    /// error with the validation problem, over the raw protocol (no client lets one write such JSON).
    /// </summary>
    [Fact]
    public async Task An_argument_named_twice_is_refused_before_any_tool_runs()
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id.ToString();
        var before = await app.RowCountsAsync();
        using var http = app.CreateClient();
        var call = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"reply_to_reviewer","arguments":{"case_id":"ID","message":"yes","message":"no"}}}"""
            .Replace("ID", id, StringComparison.Ordinal);
        using var response = await PostRawAsync(http, call);
        var body = await response.Content.ReadAsStringAsync(_ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
        Assert.True(answer.GetProperty("result").GetProperty("isError").GetBoolean());
        var problem = JsonDocument.Parse(answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!).RootElement;
        Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("message", out _), body);
        Assert.Equal(before, await app.RowCountsAsync());

        // Without credentials the check does not run: the refusal is the endpoint's 401, as for any call.
        using var anonymous = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(call, Encoding.UTF8, "application/json") };
        anonymous.Headers.Accept.ParseAdd("application/json");
        anonymous.Headers.Accept.ParseAdd("text/event-stream");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(anonymous, _ct)).StatusCode);
    }


    /// <summary>A JSON-RPC message posted to the MCP endpoint as written, with the demo key, as a client of the protocol sends it.</summary>
    private async Task<HttpResponseMessage> PostRawAsync(HttpClient http, string message, bool sized = true)
    {
        HttpContent content = sized ? new StringContent(message, Encoding.UTF8) : new UnsizedContent(Encoding.UTF8.GetBytes(message));
        content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = content };
        request.Headers.Authorization = new("Bearer", Samples.DemoKey);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        return await http.SendAsync(request, _ct);
    }

    /// <summary>
    /// A submission named twice with white space between the two past the size the check reads: left to the library, it
    /// would keep one of the two, and the tool's compact copy of it would fit the limit. Refused whole instead, unread.
    /// </summary>
    [Fact]
    public async Task A_message_larger_than_a_submission_and_its_envelope_is_refused_whole_and_writes_nothing()
    {
        var before = await app.RowCountsAsync();
        var limit = app.Services.GetRequiredService<IOptionsMonitor<Workbench.Core.Cases.IntakeLimits>>().CurrentValue.MaxBodyBytes + 64 * 1024;
        var sample = Samples.Json(Samples.Queues).ToJsonString();
        var call = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"" + WorkbenchMcpTools.RequestHumanReview
            + "\",\"arguments\":{\"submission\":" + sample + "," + new string(' ', limit) + "\"submission\":" + sample + "}}}";
        using var http = app.CreateClient();
        // With its length announced, and sent in chunks without one.
        foreach (var sized in new[] { true, false })
        {
            using var response = await PostRawAsync(http, call, sized);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_ct)).RootElement;
            Assert.Equal(ProblemTypes.PayloadTooLarge, problem.GetProperty("type").GetString());
            Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(before, await app.RowCountsAsync());
    }

    /// <summary>A body whose length is not known before it is sent (chunked on the wire).</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
