using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Json.Schema;
using Workbench.Client;
using Workbench.Contracts;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// The hand-written <see cref="WorkbenchClient"/> held against the document the server serves (read from a real Kestrel):
/// every public call of the client is made, every request it sends is recorded on the wire, and each must be an
/// operation of the document — its method and path, every query parameter and header declared with a schema its value
/// meets, its body valid by the operation's request schema — and each answer's status must be listed, with a body
/// valid by that response's schema. The .NET types the client writes and reads must name the same members as those
/// schemas. A client that drifts from the server (a renamed parameter, a member the document does not have, a path
/// the server does not serve) fails here.
/// </summary>
public sealed class ClientContractTests : IAsyncLifetime
{
    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>What the client writes and reads per operation: the request type and the response type per status.</summary>
    private static readonly Dictionary<(string Method, string Path), (Type? Request, Dictionary<int, Type> Responses)> ClientTypes = new()
    {
        [("POST", "/api/v1/cases")] = (typeof(CaseSubmission), new() { [200] = typeof(CaseReceipt), [201] = typeof(CaseReceipt) }),
        [("GET", "/api/v1/cases")] = (null, new() { [200] = typeof(CaseList) }),
        [("GET", "/api/v1/cases/{id}")] = (null, new() { [200] = typeof(CaseView) }),
        [("GET", "/api/v1/cases/{id}/decision")] = (null, new() { [200] = typeof(DecisionView), [202] = typeof(PendingDecisionView) }),
        [("POST", "/api/v1/cases/{id}/replies")] = (typeof(ReplyRequest), new() { [200] = typeof(CaseView) }),
        [("POST", "/api/v1/cases/{id}/withdraw")] = (typeof(WithdrawRequest), new() { [200] = typeof(CaseView) }),
        [("POST", "/api/v1/cases/{id}/outcome")] = (typeof(OutcomeReport), new() { [200] = typeof(OutcomeReceipt) }),
        [("GET", "/api/v1/cases/by-external-id/{externalId}")] = (null, new() { [200] = typeof(CaseView) }),
        [("GET", "/api/v1/queues")] = (null, new() { [200] = typeof(QueueSummaryView[]) }),
    };

    // The type the client reads every problem detail into (private to the client: what it reads is what matters).
    private static readonly Type ProblemType = typeof(WorkbenchClient).GetNestedType("ProblemBody", BindingFlags.NonPublic)!;

    private readonly WorkbenchFactory _app = new();
    private Uri _address = null!;

    public async Task InitializeAsync() => _address = await Task.Run(_app.StartKestrel);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Every_call_of_the_client_is_an_operation_of_the_served_document_with_its_parameters_and_schemas()
    {
        using var plain = LiveApp.ApiClient(_address);
        var document = JsonNode.Parse(await plain.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var recorder = new Recorder();
        using var http = new HttpClient(recorder) { BaseAddress = _address };
        var client = new WorkbenchClient(http, new WorkbenchClientOptions { ApiKey = Samples.DemoKey });

        await RunEveryCallAsync(client, recorder);

        var failures = new List<string>();
        foreach (var exchange in recorder.Exchanges)
        {
            failures.AddRange(Check(document, exchange).Select(f => $"{exchange.Call}: {exchange.Method} {exchange.Uri.PathAndQuery} → {exchange.Status}: {f}"));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Every public call of the client was made (a new one must be added here), and every operation it reaches was seen.
        var calls = typeof(WorkbenchClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name).ToHashSet();
        Assert.Equal(calls.Order(), recorder.Exchanges.Select(e => e.Call).Distinct().Order());
        var reached = recorder.Exchanges.Select(e => Match(document, e.Method, e.Uri.AbsolutePath) is { } m ? (e.Method, m.Template) : (e.Method, "?")).Distinct();
        Assert.Equal(ClientTypes.Keys.Order(), reached.Order());
    }

    /// <summary>The drift check itself can fail: a query parameter the document does not declare, a member its schema does not have.</summary>
    [Fact]
    public async Task A_client_that_drifted_from_the_document_is_caught()
    {
        using var plain = LiveApp.ApiClient(_address);
        var document = JsonNode.Parse(await plain.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var renamed = new Exchange("ListCasesAsync", "GET", new Uri(_address, "/api/v1/cases?state=queued"), [], null, 200, "application/json",
            Encoding.UTF8.GetBytes("""{"items":[]}"""));
        Assert.Contains(Check(document, renamed), f => f.Contains("query parameter 'state'", StringComparison.Ordinal));
        var extra = renamed with { Uri = new Uri(_address, "/api/v1/cases/" + Guid.NewGuid() + "/withdraw"), Method = "POST",
            RequestBody = Encoding.UTF8.GetBytes("""{"reason":"no longer needed","urgent":true}"""), RequestMediaType = "application/json" };
        Assert.Contains(Check(document, extra), f => f.Contains("request body", StringComparison.Ordinal));
        var unknown = renamed with { Uri = new Uri(_address, "/api/v1/cases/search") , Method = "POST" };
        Assert.Contains(Check(document, unknown), f => f.Contains("no operation", StringComparison.Ordinal));
        Assert.Contains(MemberDrift(document, JsonNode.Parse("""{"$ref":"#/components/schemas/CaseView"}""")!, typeof(CaseReceipt), "$", bothWays: true),
            f => f.Contains("clarifyingQuestion", StringComparison.Ordinal));
    }

    private async Task RunEveryCallAsync(WorkbenchClient client, Recorder recorder)
    {
        // Submit (201), the same key again (200, a replay), and a submission that rides out outages.
        recorder.Call = nameof(WorkbenchClient.SubmitAsync);
        var queuedKey = Guid.NewGuid().ToString("N");
        var refund = Samples.Submission(Samples.Queues);
        var queued = (await client.SubmitAsync(refund, queuedKey)).Receipt;
        var submission = Samples.Submission(Samples.Proceeds);
        await client.SubmitAsync(submission, "replay-" + queuedKey);
        Assert.True((await client.SubmitAsync(submission, "replay-" + queuedKey)).Replayed);
        recorder.Call = nameof(WorkbenchClient.SubmitWithRetriesAsync);
        var clarify = Samples.Submission(Samples.Clarifies);
        var asked = (await client.SubmitWithRetriesAsync(clarify, TimeSpan.FromSeconds(30))).Receipt;

        recorder.Call = nameof(WorkbenchClient.GetAsync);
        await client.GetAsync(queued.Id);
        await Assert.ThrowsAsync<WorkbenchApiException>(() => client.GetAsync(Guid.NewGuid())); // 404, a problem detail
        recorder.Call = nameof(WorkbenchClient.GetDecisionAsync);
        Assert.Null(await client.GetDecisionAsync(queued.Id, TimeSpan.Zero, CancellationToken.None)); // 202
        recorder.Call = nameof(WorkbenchClient.WaitForDecisionAsync);
        await Assert.ThrowsAsync<WorkbenchQuestionException>(() => client.WaitForDecisionAsync(asked.Id, TimeSpan.FromSeconds(5))); // 202 with the question
        recorder.Call = nameof(WorkbenchClient.ReplyAsync);
        await client.ReplyAsync(asked.Id, new ReplyRequest("The customer means the annual plan.",
            new Dictionary<string, SignalValue> { ["intent_confidence"] = SignalValue.Of(0.9) }));

        using (var rita = await LiveApp.SignedInAsync(_address, "rita"))
        {
            using var claim = await rita.PostAsync($"/api/v1/review/cases/{queued.Id}/claim", new StringContent("{}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
            using var approve = await rita.PostAsync($"/api/v1/review/cases/{queued.Id}/actions",
                new StringContent(Samples.ApprovalBody(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }
        recorder.Call = nameof(WorkbenchClient.WaitForDecisionAsync);
        Assert.Equal(DecisionKind.Approved, (await client.WaitForDecisionAsync(queued.Id, TimeSpan.FromSeconds(30))).Decision); // 200
        recorder.Call = nameof(WorkbenchClient.ReportOutcomeAsync);
        await client.ReportOutcomeAsync(queued.Id, new OutcomeReport(DownstreamOutcome.Correct, "Refunded as approved."));
        recorder.Call = nameof(WorkbenchClient.WithdrawAsync);
        await client.WithdrawAsync(asked.Id, "The customer solved it themselves.");

        recorder.Call = nameof(WorkbenchClient.ListCasesAsync);
        var page = await client.ListCasesAsync(CaseStatus.Decided, refund.Workflow, DateTimeOffset.UtcNow.AddHours(-1), limit: 1);
        await client.ListCasesAsync(cursor: page.NextCursor ?? (await client.ListCasesAsync(limit: 1)).NextCursor, limit: 1);
        recorder.Call = nameof(WorkbenchClient.GetByExternalIdAsync);
        await client.GetByExternalIdAsync(clarify.ExternalId);
        recorder.Call = nameof(WorkbenchClient.GetQueuesAsync);
        await client.GetQueuesAsync();
    }

    private static List<string> Check(JsonObject document, Exchange exchange)
    {
        var failures = new List<string>();
        if (Match(document, exchange.Method, exchange.Uri.AbsolutePath) is not { } matched)
        {
            return ["no operation of the document has this method and path"];
        }
        var (template, operation, pathValues) = matched;
        var parameters = (operation["parameters"]?.AsArray() ?? []).Select(p => p!.AsObject()).ToList();

        foreach (var (name, value) in pathValues)
        {
            failures.AddRange(ParameterFailures(document, parameters, "path", name, value));
        }
        foreach (var (name, value) in Query(exchange.Uri))
        {
            failures.AddRange(ParameterFailures(document, parameters, "query", name, value));
        }
        failures.AddRange(parameters.Where(p => p["required"]?.GetValue<bool>() == true && p["in"]!.GetValue<string>() == "query" &&
            Query(exchange.Uri).All(q => q.Name != p["name"]!.GetValue<string>())).Select(p => $"required query parameter '{p["name"]}' not sent"));
        foreach (var (name, value) in exchange.Headers.Where(h => h.Name == "Idempotency-Key"))
        {
            failures.AddRange(ParameterFailures(document, parameters, "header", name, value));
        }
        var schemes = operation["security"]?.AsArray().SelectMany(s => s!.AsObject().Select(kv => kv.Key)).ToList() ?? [];
        var bearer = document["components"]?["securitySchemes"]?.AsObject().Where(s => s.Value?["scheme"]?.GetValue<string>() == "bearer").Select(s => s.Key);
        if (!schemes.Intersect(bearer ?? []).Any())
        {
            failures.Add("the client sends Authorization: Bearer; the operation lists no bearer scheme");
        }

        ClientTypes.TryGetValue((exchange.Method, template), out var types);
        if (exchange.RequestBody is { } body)
        {
            var media = operation["requestBody"]?["content"]?[exchange.RequestMediaType ?? ""];
            if (media?["schema"] is not { } schema)
            {
                failures.Add($"request body as {exchange.RequestMediaType}: the operation takes none");
            }
            else
            {
                failures.AddRange(Invalid(document, schema, body).Select(e => "request body: " + e));
                if (types.Request is { } request)
                {
                    failures.AddRange(MemberDrift(document, schema, request, "request", bothWays: true));
                }
            }
        }
        else if (operation["requestBody"]?["required"]?.GetValue<bool>() == true)
        {
            failures.Add("the operation requires a body; the client sent none");
        }

        var status = exchange.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation["responses"]?[status] is not { } response)
        {
            failures.Add($"status {status} is not a response of the operation");
            return failures;
        }
        if (exchange.ResponseBody.Length > 0)
        {
            if (response["content"]?[exchange.ResponseMediaType ?? ""]?["schema"] is not { } schema)
            {
                failures.Add($"a {exchange.ResponseMediaType} body: the {status} response declares none");
            }
            else
            {
                failures.AddRange(Invalid(document, schema, exchange.ResponseBody).Select(e => $"{status} body: " + e));
                var read = exchange.Status >= 400 ? ProblemType : types.Responses?.GetValueOrDefault(exchange.Status);
                if (read is null)
                {
                    failures.Add($"the test does not know what the client reads from {status}");
                }
                else
                {
                    failures.AddRange(MemberDrift(document, schema, read, status, bothWays: exchange.Status < 400));
                }
            }
        }
        return failures;
    }

    private static IEnumerable<string> ParameterFailures(JsonObject document, List<JsonObject> parameters, string location, string name, string value)
    {
        var declared = parameters.FirstOrDefault(p => p["in"]!.GetValue<string>() == location &&
            string.Equals(p["name"]!.GetValue<string>(), name, location == "header" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
        if (declared?["schema"] is not { } schema)
        {
            return [$"{location} parameter '{name}' is not declared"];
        }
        // A URL carries text: an integer parameter's value is read as the number it spells.
        var types = schema["type"] is JsonArray list ? list.Select(t => t!.GetValue<string>()).ToArray() : [schema["type"]?.GetValue<string>() ?? ""];
        var instance = (types.Contains("integer") || types.Contains("number")) && decimal.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? value
            : JsonSerializer.Serialize(value);
        return Invalid(document, schema, Encoding.UTF8.GetBytes(instance)).Select(e => $"{location} parameter '{name}'={value}: {e}");
    }

    private static IEnumerable<(string Name, string Value)> Query(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Uri.UnescapeDataString(p[0]), Uri.UnescapeDataString(p.Length > 1 ? p[1] : "")));

    /// <summary>The operation whose path template matches (the most literal segments win), with the path's parameter values.</summary>
    private static (string Template, JsonObject Operation, List<(string Name, string Value)> Values)? Match(JsonObject document, string method, string path)
    {
        var segments = path.Trim('/').Split('/');
        return document["paths"]!.AsObject()
            .Select(p => (Template: p.Key, Parts: p.Key.Trim('/').Split('/'), Operation: p.Value?[method.ToLowerInvariant()]?.AsObject()))
            .Where(p => p.Operation is not null && p.Parts.Length == segments.Length &&
                        p.Parts.Zip(segments).All(s => s.First.StartsWith('{') || s.First == Uri.UnescapeDataString(s.Second)))
            .OrderByDescending(p => p.Parts.Count(s => !s.StartsWith('{')))
            .Select(p => (p.Template, p.Operation!, p.Parts.Zip(segments).Where(s => s.First.StartsWith('{'))
                .Select(s => (s.First.Trim('{', '}'), Uri.UnescapeDataString(s.Second))).ToList()))
            .Cast<(string, JsonObject, List<(string, string)>)?>()
            .FirstOrDefault();
    }

    /// <summary>The JSON Schema errors of <paramref name="json"/> against a schema of the document (its components as $defs).</summary>
    private static List<string> Invalid(JsonObject document, JsonNode schema, byte[] json)
    {
        var root = JsonNode.Parse(schema.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))!;
        if (root is not JsonObject rootObject)
        {
            return [];
        }
        rootObject["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        rootObject["$defs"] = JsonNode.Parse(document["components"]!["schemas"]!.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal));
        var built = JsonSchema.FromText(rootObject.ToJsonString(), baseUri: new Uri($"urn:workbench-test:{Guid.NewGuid():N}"));
        var result = built.Evaluate(JsonDocument.Parse(json).RootElement, Strict);
        return result.IsValid
            ? []
            : new[] { result }.Concat(result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(10).ToList();
    }

    /// <summary>
    /// The members the client's .NET type writes or reads against the members the schema declares, level by level:
    /// a member the client uses must be in the schema; with <paramref name="bothWays"/>, a member the schema declares
    /// must be one the client reads (nothing the server sends is silently dropped).
    /// </summary>
    private static List<string> MemberDrift(JsonObject document, JsonNode schema, Type type, string path, bool bothWays, int depth = 0)
    {
        var failures = new List<string>();
        var resolved = Resolve(document, schema);
        var info = WorkbenchJson.Options.GetTypeInfo(type);
        if (depth > 6 || resolved is null)
        {
            return failures;
        }
        if (info.Kind == JsonTypeInfoKind.Enumerable && resolved["items"] is { } items)
        {
            return MemberDrift(document, items, info.ElementType!, path + "[]", bothWays, depth + 1);
        }
        if (info.Kind != JsonTypeInfoKind.Object || resolved["properties"] is not JsonObject declared)
        {
            return failures;
        }
        // [JsonIgnore] members are in the contract with no way to be written or read: not on the wire.
        var members = info.Properties
            .Where(p => p.AttributeProvider?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), false)
                .OfType<System.Text.Json.Serialization.JsonIgnoreAttribute>().Any(a => a.Condition == System.Text.Json.Serialization.JsonIgnoreCondition.Always) != true)
            .ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal);
        failures.AddRange(members.Keys.Where(m => !declared.ContainsKey(m)).Select(m => $"{path}.{m}: the client's {type.Name} has it, the document's schema does not"));
        if (bothWays)
        {
            failures.AddRange(declared.Select(d => d.Key).Where(d => !members.ContainsKey(d)).Select(d => $"{path}.{d}: in the document, not in the client's {type.Name}"));
        }
        foreach (var (name, memberType) in members)
        {
            if (declared[name] is { } inner)
            {
                failures.AddRange(MemberDrift(document, inner, Nullable.GetUnderlyingType(memberType) ?? memberType, $"{path}.{name}", bothWays, depth + 1));
            }
        }
        return failures;
    }

    /// <summary>Follows <c>$ref</c> and takes the one branch of a nullable <c>oneOf</c>/<c>anyOf</c> that is not null.</summary>
    private static JsonObject? Resolve(JsonObject document, JsonNode? schema)
    {
        for (var i = 0; i < 10 && schema is JsonObject o; i++)
        {
            if (o["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = document["components"]!["schemas"]![reference["#/components/schemas/".Length..]];
                continue;
            }
            var branches = (o["oneOf"] ?? o["anyOf"])?.AsArray().Where(b => !(b?["type"] is JsonValue t && t.GetValue<string>() == "null")).ToList();
            if (branches is { Count: 1 })
            {
                schema = branches[0];
                continue;
            }
            return o;
        }
        return schema as JsonObject;
    }

    private sealed record Exchange(string Call, string Method, Uri Uri, List<(string Name, string Value)> Headers, byte[]? RequestBody, int Status,
        string? ResponseMediaType, byte[] ResponseBody)
    {
        public string? RequestMediaType { get; init; }
    }

    /// <summary>Records each request the client sends and the answer it gets, on the wire, under the name of the call being made.</summary>
    private sealed class Recorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        public string Call { get; set; } = "";

        public List<Exchange> Exchanges { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var requestBody = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(ct);
            var response = await base.SendAsync(request, ct);
            var responseBody = await response.Content.ReadAsByteArrayAsync(ct);
            var copy = new ByteArrayContent(responseBody);
            foreach (var header in response.Content.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            response.Content = copy;
            lock (Exchanges)
            {
                Exchanges.Add(new Exchange(Call, request.Method.Method, request.RequestUri!,
                    request.Headers.SelectMany(h => h.Value.Select(v => (h.Key, v))).ToList(), requestBody, (int)response.StatusCode,
                    response.Content.Headers.ContentType?.MediaType, responseBody)
                {
                    RequestMediaType = request.Content?.Headers.ContentType?.MediaType,
                });
            }
            return response;
        }
    }
}
