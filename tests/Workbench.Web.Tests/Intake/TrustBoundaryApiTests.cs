using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Policy;
using Workbench.Core.Policy.Scenarios;
using Workbench.Data;
using Xunit.Abstractions;

namespace Workbench.Web.Tests.Intake;

/// <summary>
/// The trust boundary tried from outside, as an AI system's engineer would: every case of the adversarial scenario
/// file (tests/Workbench.Core.Tests/Scenarios/trust-boundary.yaml, the same file the engine runs) goes as JSON to
/// POST /api/v1/cases on a real Kestrel on 127.0.0.1, and the receipt must say what the scenario expects. Then the
/// JSON itself: a member named twice, at any depth and on every endpoint that reads JSON, is a 400 that writes nothing.
/// </summary>
public sealed class TrustBoundaryApiTests(ITestOutputHelper output) : IDisposable
{
    private readonly WorkbenchFactory _app = new();

    public void Dispose() => _app.Dispose();

    private static string ScenarioFile => Path.Combine(AppContext.BaseDirectory, "Scenarios", "trust-boundary.yaml");

    [Fact]
    public async Task Every_bypass_and_near_miss_of_the_scenario_file_gets_its_expected_receipt_from_the_http_api()
    {
        var baseAddress = _app.StartKestrel();
        using var api = LiveApp.ApiClient(baseAddress);
        // Evidence ages are relative to the scenario's "now": the server's clock is the real one.
        var file = ScenarioRunner.Read(await File.ReadAllTextAsync(ScenarioFile), DateTimeOffset.UtcNow);
        Assert.Empty(file.Errors);
        Assert.True(file.Scenarios.Count >= 40, $"only {file.Scenarios.Count} scenarios");

        // A scenario that names its client is sent with that client's own API key, made here as an admin would.
        var clients = new Dictionary<string, HttpClient>(StringComparer.Ordinal) { ["demo-agent"] = api };
        foreach (var id in file.Scenarios.Select(x => x.Client).OfType<string>().Distinct(StringComparer.Ordinal).Where(id => !clients.ContainsKey(id)))
        {
            var created = await _app.Services.GetRequiredService<Workbench.Web.Admin.AccessAdmin>()
                .CreateApiKeyAsync(new Workbench.Web.Admin.CreateApiKeyRequest(id, id, ["cases:submit", "cases:read"]), "test");
            clients[id] = LiveApp.ApiClient(baseAddress, Assert.IsType<Workbench.Web.Http.AdminResult<Workbench.Web.Admin.ApiKeySecret>.Ok>(created).Value.ApiKey);
        }
        Assert.True(clients.Count >= 3, "the scenario file names clients besides the demo agent");

        var failures = new List<string>();
        var run = Guid.NewGuid().ToString("N")[..8];
        foreach (var scenario in file.Scenarios)
        {
            var body = JsonSerializer.SerializeToNode(scenario.Case!, WorkbenchJson.Options)!.AsObject();
            body["externalId"] = $"tb-{run}-{failures.Count}-{Math.Abs(scenario.Name.GetHashCode(StringComparison.Ordinal))}";
            using var response = await clients[scenario.Client ?? "demo-agent"].PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Created)
            {
                failures.Add($"{scenario.Name}: {(int)response.StatusCode} {text}");
                continue;
            }
            var receipt = JsonSerializer.Deserialize<CaseReceipt>(text, WorkbenchJson.Options)!;
            var result = ScenarioRunner.Check(scenario, Unsampled(AsDecision(receipt)));
            output.WriteLine($"{(result.Passed ? "ok  " : "FAIL")} {scenario.Name}: {receipt.Outcome.Release}/{receipt.Outcome.Execute} [{string.Join(", ", receipt.ReasonCodes)}] {receipt.Queue} tier {receipt.RiskTier}");
            if (!result.Passed)
            {
                failures.Add($"{scenario.Name}: {result.Difference}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// A case the policy lets proceed is drawn for a spot check at the workflow's rate (5 % of support.faq in the
    /// default policy), keyed on the case id the server picks at random; the engine's scenario run uses fixed ids. The
    /// draw is not part of the policy path the scenarios pin, so a sampled proceed is compared as the unsampled one.
    /// </summary>
    private static PolicyDecision Unsampled(PolicyDecision d) =>
        d.SpotCheck && d.Release == PathOutcome.Proceed && d.Execute == PathOutcome.Proceed
            ? d with { SpotCheck = false, Queue = null }
            : d;

    /// <summary>What the receipt says, in the shape the scenario's expectations are checked against.</summary>
    private static PolicyDecision AsDecision(CaseReceipt r) => new()
    {
        Release = r.Outcome.Release,
        Execute = r.Outcome.Execute,
        ReasonCodes = r.ReasonCodes,
        Queue = r.Queue,
        Priority = r.Priority,
        ApprovalsRequired = r.ApprovalsRequired,
        RiskTier = r.RiskTier ?? -1,
        SpotCheck = r.SpotCheck,
        ClarifyingQuestion = r.ClarifyingQuestion,
        PolicyVersion = r.PolicyVersion,
    };

    private const string Refund = """
        {"externalId":"dup-1","workflow":"billing.refund","taskType":"refund",
         "requester":{"id":"c-1","role":"customer","authenticated":true},
         "request":"Refund invoice INV-1",
         "proposal":{"action":{"tool":"payments.issue_refund","parameters":{"invoice_id":"INV-1","amount":40,"currency":"USD"},"reversible":false}},
         "evidence":[{"id":"p","title":"Refund policy","uri":"https://policies.northwind.example/refunds","authority":"authoritative","version":"1"}],
         "signals":{"amount":40},
         "metadata":{"channel":"chat"}}
        """;

    public static TheoryData<string, string, string> Duplicates => new()
    {
        { "the workflow twice, the harmless one last", "\"workflow\":\"billing.refund\",", "\"workflow\":\"billing.refund\",\"workflow\":\"support.faq\"," },
        { "an amount twice inside the action's parameters", "\"amount\":40,\"currency\"", "\"amount\":40000,\"amount\":40,\"currency\"" },
        { "an evidence item's authority twice", "\"authority\":\"authoritative\"", "\"authority\":\"unverified\",\"authority\":\"authoritative\"" },
        { "a signal twice", "\"signals\":{\"amount\":40}", "\"signals\":{\"amount\":40000,\"amount\":40}" },
        { "a member twice inside free metadata", "\"metadata\":{\"channel\":\"chat\"}", "\"metadata\":{\"channel\":\"chat\",\"channel\":\"email\"}" },
        { "the requester's authenticated flag twice", "\"authenticated\":true}", "\"authenticated\":false,\"authenticated\":true}" },
    };

    [Theory]
    [MemberData(nameof(Duplicates))]
    public async Task A_member_named_twice_at_any_depth_is_refused_and_writes_nothing(string what, string find, string replace)
    {
        output.WriteLine(what);
        using var api = LiveApp.ApiClient(_app.StartKestrel());
        var body = Refund.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Refund, body);

        using var response = await api.PostAsync("/api/v1/cases", Json(body));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemTypes.Validation, (string?)problem["type"]);
        var message = problem["errors"]!.AsObject().Single().Value!.ToJsonString();
        Assert.Contains("Duplicate", message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Workbench.", message, StringComparison.Ordinal);
        Assert.Equal(0, await CountCasesAsync());

        // The same body without the second member is a case.
        using var fine = await api.PostAsync("/api/v1/cases", Json(Refund));
        Assert.Equal(HttpStatusCode.Created, fine.StatusCode);
    }

    [Fact]
    public async Task The_same_name_in_different_objects_is_not_a_duplicate_and_a_byte_order_mark_is_accepted()
    {
        using var api = LiveApp.ApiClient(_app.StartKestrel());
        // "id" in the requester, in the evidence item and in the parameters: three objects, no duplicate.
        var body = Refund.Replace("\"invoice_id\":\"INV-1\"", "\"invoice_id\":\"INV-1\",\"id\":\"x\"", StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(body)).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await api.PostAsync("/api/v1/cases", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>
    /// A refund of 6,000 USD goes to finance for two approvals. Sent with its intent flagged ambiguous it is asked to
    /// clarify first, and the answer must not move it to the support queue of the workflow the AI system named: the
    /// queue after the answer is the one the same case gets when nothing needs clarifying.
    /// </summary>
    [Fact]
    public async Task A_case_asked_to_clarify_goes_after_the_answer_where_the_policy_routes_the_same_case_without_the_question()
    {
        using var api = LiveApp.ApiClient(_app.StartKestrel());
        const string body = """
            {"externalId":"EXT","workflow":"support.refund","taskType":"refund",
             "requester":{"id":"c-1","role":"customer","authenticated":true},
             "request":"Please refund order A-77, the parcel never arrived.",
             "proposal":{"action":{"tool":"payments.issue_refund","parameters":{"order_id":"A-77","amount":6000,"currency":"USD"},"reversible":false}},
             "evidence":[{"id":"p","title":"Refund policy","uri":"https://policies.northwind.example/refunds","authority":"authoritative","version":"1"}]SIGNALS}
            """;
        var plain = await ReceiptAsync(api, body.Replace("EXT", "clarify-plain", StringComparison.Ordinal).Replace("SIGNALS", "", StringComparison.Ordinal));
        Assert.Equal(PathOutcome.AwaitApproval, plain.Outcome.Execute);
        Assert.NotNull(plain.Queue);

        var asked = await ReceiptAsync(api, body.Replace("EXT", "clarify-asked", StringComparison.Ordinal).Replace("SIGNALS", ",\"signals\":{\"intent_ambiguity\":0.9}", StringComparison.Ordinal));
        Assert.Equal(PathOutcome.Clarify, asked.Outcome.Execute);
        Assert.Null(asked.Queue);
        using (var reply = await api.PostAsync($"/api/v1/cases/{asked.Id}/replies", Json("""{"message":"Yes: refund the whole order, 6,000 USD."}""")))
        {
            Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
        }

        var after = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/cases/{asked.Id}")).RootElement;
        Assert.Equal(plain.Queue, after.GetProperty("queue").GetString());
        Assert.Equal("queued", after.GetProperty("status").GetString());
    }

    private static async Task<CaseReceipt> ReceiptAsync(HttpClient api, string body)
    {
        using var response = await api.PostAsync("/api/v1/cases", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonSerializer.Deserialize<CaseReceipt>(text, WorkbenchJson.Options)!;
    }

    [Fact]
    public async Task Replies_refuse_a_member_named_twice()
    {
        using var api = LiveApp.ApiClient(_app.StartKestrel());
        var id = await SubmitAsync(api, Refund);
        using var response = await api.PostAsync($"/api/v1/cases/{id}/replies", Json("""{"message":"here","message":"there"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Duplicate", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_review_api_refuses_a_member_named_twice_and_records_no_action()
    {
        var baseAddress = _app.StartKestrel();
        using var api = LiveApp.ApiClient(baseAddress);
        var id = await SubmitAsync(api, Refund);
        using var reviewer = await LiveApp.SignedInAsync(baseAddress, "lena");
        using var claim = await reviewer.PostAsync($"/api/v1/review/cases/{id}/claim", Json("{}"));
        Assert.True(claim.IsSuccessStatusCode, await claim.Content.ReadAsStringAsync());
        using var act = await reviewer.PostAsync($"/api/v1/review/cases/{id}/actions",
            Json("""{"action":"reject","rejectReasonCode":"POLICY","action":"approve"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, act.StatusCode);
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.ReviewActions.CountAsync(a => a.CaseId == id));
    }

    [Fact]
    public async Task The_webhook_admin_api_refuses_a_member_named_twice_and_creates_no_endpoint()
    {
        var baseAddress = _app.StartKestrel();
        using var admin = await LiveApp.SignedInAsync(baseAddress, "adam");
        using var response = await admin.PostAsync("/api/v1/admin/webhooks/endpoints",
            Json("""{"clientId":"demo-agent","url":"https://hooks.example.com/a","url":"http://127.0.0.1:1/b"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.WebhookEndpoints.CountAsync());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<Guid> SubmitAsync(HttpClient api, string body) => (await ReceiptAsync(api, body)).Id;

    private async Task<int> CountCasesAsync()
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Cases.CountAsync();
    }
}
