using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Contracts;
using Workbench.Core.Policy.Scenarios;

namespace Workbench.Web.Tests.Mcp;

/// <summary>
/// The MCP server as an agent built on the official TypeScript MCP client sees it (tests/mcp/agent.mjs, run by node
/// against the app on a real Kestrel on 127.0.0.1): the published request_human_review schema checked with ajv against
/// every sample case and every case of the adversarial scenario file, next to what POST /api/v1/cases says of the same
/// JSON; a review requested, the longest wait within the client's default request timeout, a reviewer's decision
/// waited for; and the argument errors agents make, each a tool error with the validation problem.
/// </summary>
public sealed class McpTypeScriptClientTests : IAsyncLifetime
{
    private static readonly string Tools = Path.Combine(Processes.RepositoryRoot(), "tests", "mcp");
    private readonly WorkbenchFactory _app = new();
    private Uri _address = null!;

    public async Task InitializeAsync() => _address = await Task.Run(_app.StartKestrel);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_official_TypeScript_client_validates_every_accepted_case_and_calls_every_tool()
    {
        Assert.True(Directory.Exists(Path.Combine(Tools, "node_modules", "@modelcontextprotocol", "sdk")),
            "tests/mcp/node_modules is missing: run `npm ci --prefix tests/mcp` (tests/run.sh does).");
        var work = Path.Combine(Tools, "obj", Guid.NewGuid().ToString("N"));
        var casesDir = Path.Combine(work, "cases");
        Directory.CreateDirectory(casesDir);
        try
        {
            using var api = LiveApp.ApiClient(_address);
            // What REST says of each case: the JSON the schema is checked against, sent as it is.
            var rest = new Dictionary<string, HttpStatusCode>();
            foreach (var (name, body) in Cases())
            {
                var text = body.ToJsonString();
                await File.WriteAllTextAsync(Path.Combine(casesDir, name), text);
                using var response = await api.PostAsync("/api/v1/cases", new StringContent(text, Encoding.UTF8, "application/json"));
                rest[name] = response.StatusCode;
            }
            var sample = Samples.Files.Single(f => Path.GetFileName(f).StartsWith(Samples.Queues, StringComparison.Ordinal));
            var seen = await RunAgentAsync(casesDir, sample);

            // Every case REST accepts passes the published schema; every case the schema refuses, REST refuses too.
            var checkedCases = seen.GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("file").GetString()!);
            Assert.Equal(rest.Keys.Order(StringComparer.Ordinal), checkedCases.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, status) in rest)
            {
                var valid = checkedCases[name].GetProperty("valid").GetBoolean();
                if (status == HttpStatusCode.Created)
                {
                    Assert.True(valid, $"{name}: REST accepts it, the tool's schema refuses it: {checkedCases[name].GetProperty("errors")}");
                }
                if (!valid)
                {
                    Assert.True(status == HttpStatusCode.BadRequest, $"{name}: the tool's schema refuses it, REST answers {(int)status}");
                }
            }
            Assert.Equal(Samples.Files.Count, rest.Count(r => r.Key.StartsWith("sample-", StringComparison.Ordinal) && r.Value == HttpStatusCode.Created));
            Assert.True(rest.Count(r => r.Key.StartsWith("scenario-", StringComparison.Ordinal) && r.Value == HttpStatusCode.Created) >= 40);
            // The schema is not merely permissive: each wrong case is refused by both.
            Assert.All(rest.Where(r => r.Key.StartsWith("wrong-", StringComparison.Ordinal)), r =>
            {
                Assert.Equal(HttpStatusCode.BadRequest, r.Value);
                Assert.False(checkedCases[r.Key].GetProperty("valid").GetBoolean(), r.Key);
            });

            // The round trip: queued, the longest wait ends pending before the client's 60 s, then the decision.
            Assert.Equal("queued", seen.GetProperty("receiptStatus").GetString());
            Assert.Equal(Workbench.Web.Mcp.WorkbenchMcpTools.MaxWaitSeconds, seen.GetProperty("maxWait").GetInt32());
            Assert.Equal("pending", seen.GetProperty("longestState").GetString());
            Assert.InRange(seen.GetProperty("longestSeconds").GetDouble(), Workbench.Web.Mcp.WorkbenchMcpTools.MaxWaitSeconds - 1, 60);
            Assert.Equal("decided", seen.GetProperty("decidedState").GetString());
            Assert.Equal("approved", seen.GetProperty("decision").GetString());
            Assert.Equal("decided", seen.GetProperty("status").GetString());

            // Each argument error: a tool error whose text is the validation problem, keyed by the argument.
            var errors = seen.GetProperty("errors");
            foreach (var (kind, argument) in new[]
            {
                ("caseIdNumber", "case_id"), ("waitWord", "wait_seconds"), ("waitTooLong", "wait_seconds"),
                ("replyWithoutMessage", "message"), ("unknownArgument", "verbose"), ("submissionNotAnObject", "submission"),
            })
            {
                var error = errors.GetProperty(kind);
                var text = error.GetProperty("text").GetString()!;
                Assert.DoesNotContain("An error occurred", text);
                Assert.DoesNotContain("`1", text);
                Assert.DoesNotContain("System.", text);
                var problem = error.GetProperty("problem");
                Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
                Assert.Equal(400, problem.GetProperty("status").GetInt32());
                Assert.True(problem.GetProperty("errors").TryGetProperty(argument, out _), $"{kind}: {text}");
            }
            Assert.Contains("call wait_for_decision again", errors.GetProperty("waitTooLong").GetProperty("text").GetString());

            // The schemas listed are the ones the server publishes from the REST contract.
            var tools = seen.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
            var submission = tools["request_human_review"].GetProperty("inputSchema").GetProperty("properties").GetProperty("submission");
            var proposal = submission.GetProperty("properties").GetProperty("proposal");
            Assert.DoesNotContain("response", Required(proposal));
            Assert.DoesNotContain("action", Required(proposal));
            Assert.Equal(["submission"], Required(tools["request_human_review"].GetProperty("inputSchema")));
            Assert.Equal(["case_id", "message"], Required(tools["reply_to_reviewer"].GetProperty("inputSchema")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string[] Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>
    /// The sample cases, the adversarial scenario file's cases (as the trust-boundary API test sends them), and a few
    /// wrong ones: a missing member, an unknown authority, an unknown tool-step status, a tier out of range, a number
    /// where a string goes, an unknown member.
    /// </summary>
    private static IEnumerable<(string Name, JsonObject Body)> Cases()
    {
        foreach (var file in Samples.Files)
        {
            yield return ("sample-" + Path.GetFileName(file), Samples.Json(Path.GetFileName(file)[..4]));
        }
        var scenarios = ScenarioRunner.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scenarios", "trust-boundary.yaml")), DateTimeOffset.UtcNow);
        Assert.Empty(scenarios.Errors);
        var n = 0;
        foreach (var scenario in scenarios.Scenarios)
        {
            var body = JsonSerializer.SerializeToNode(scenario.Case!, WorkbenchJson.Options)!.AsObject();
            body["externalId"] = $"scenario-{Guid.NewGuid():N}";
            yield return ($"scenario-{n++:D3}.json", body);
        }
        JsonObject Wrong(Action<JsonObject> change)
        {
            var body = Samples.Json(Samples.Queues);
            change(body);
            return body;
        }
        yield return ("wrong-missing-workflow.json", Wrong(b => b.Remove("workflow")));
        yield return ("wrong-authority.json", Wrong(b => b["evidence"]![0]!["authority"] = "official"));
        yield return ("wrong-tool-step-status.json", Wrong(b => b["toolTrace"] = new JsonArray(new JsonObject { ["step"] = 1, ["tool"] = "orders.get", ["status"] = "ok" })));
        yield return ("wrong-risk-tier.json", Wrong(b => b["riskTier"] = 7));
        yield return ("wrong-number-for-string.json", Wrong(b => b["request"] = 42));
        yield return ("wrong-unknown-member.json", Wrong(b => b["priority"] = "high"));
    }

    /// <summary>
    /// Runs the agent; when it says it is waiting for the decision, a reviewer claims and approves the case. Returns the
    /// last line it printed.
    /// </summary>
    private async Task<JsonElement> RunAgentAsync(string casesDir, string sample)
    {
        var psi = new ProcessStartInfo("node", [Path.Combine(Tools, "agent.mjs"), _address.ToString().TrimEnd('/'), Samples.DemoKey, casesDir, sample])
        {
            WorkingDirectory = Tools,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["NO_COLOR"] = "1" },
        };
        using var node = Process.Start(psi)!;
        var errors = node.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var lines = new List<string>();
        try
        {
            while (await node.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    var id = Guid.Parse(line["ready ".Length..]);
                    using var rita = await LiveApp.SignedInAsync(_address, "rita");
                    Assert.Equal(HttpStatusCode.OK, (await rita.PostAsJsonAsync($"/api/v1/review/cases/{id}/claim", new { }, cts.Token)).StatusCode);
                    var approve = await rita.PostAsync($"/api/v1/review/cases/{id}/actions",
                        new StringContent(Samples.ApprovalBody(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"), cts.Token);
                    Assert.True(approve.StatusCode == HttpStatusCode.OK, await approve.Content.ReadAsStringAsync(cts.Token));
                }
            }
            await node.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }
        }
        Assert.True(node.ExitCode == 0, $"node agent.mjs exited {node.ExitCode}:\n{string.Join('\n', lines)}\n{await errors}");
        return JsonDocument.Parse(lines[^1]).RootElement.Clone();
    }
}
