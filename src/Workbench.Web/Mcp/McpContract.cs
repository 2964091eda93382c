using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Workbench.Web.Mcp;

/// <summary>What one tool takes and gives, as the JSON Schemas MCP publishes (<c>inputSchema</c>, <c>outputSchema</c>).</summary>
public sealed record McpToolContract(JsonObject Input, JsonObject Output)
{
    /// <summary>The arguments the tool takes and the ones it cannot do without.</summary>
    public IReadOnlyList<string> Arguments => Input["properties"]!.AsObject().Select(p => p.Key).ToList();

    public IReadOnlyList<string> Required => Input["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
}

/// <summary>
/// The tools' schemas, cut out of the OpenAPI document the REST API serves (<c>/openapi/v1.json</c>), so that an agent
/// reads the very contract a REST client does: the submission's required members, enums, limits and formats, the path
/// parameter's <c>format: uuid</c>, the Idempotency-Key header's pattern, the reply's members and the response bodies.
/// Built once, on the first call that needs it (the document is generated from the running app's endpoints).
/// Schemas are inlined, without <c>$ref</c>: some agent hosts do not follow references in a tool's schema.
/// </summary>
public sealed class McpContract
{
    private const string CasePath = "/api/v1/cases/{id}";
    private readonly Lazy<Task<IReadOnlyDictionary<string, McpToolContract>>> _tools;

    public McpContract(IServiceProvider services) =>
        _tools = new(() => BuildAsync(services), LazyThreadSafetyMode.ExecutionAndPublication);

    public Task<IReadOnlyDictionary<string, McpToolContract>> ToolsAsync() => _tools.Value;

    private static async Task<IReadOnlyDictionary<string, McpToolContract>> BuildAsync(IServiceProvider services)
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(HttpExtensions.OpenApiDocumentName);
        var document = await provider.GetOpenApiDocumentAsync();
        var version = services.GetRequiredService<IOptionsMonitor<OpenApiOptions>>().Get(HttpExtensions.OpenApiDocumentName).OpenApiVersion;
        var published = new PublishedDocument(JsonNode.Parse(await document.SerializeAsJsonAsync(version))!.AsObject());

        var caseId = Argument(published.Parameter(CasePath, "get", "id"),
            "The case id from the receipt of request_human_review (a UUID).");
        var wait = published.Parameter(CasePath + "/decision", "get", "wait");
        // The REST wait goes to 60 s; a tool call must end before the MCP clients' 60 s request timeout.
        wait["maximum"] = WorkbenchMcpTools.MaxWaitSeconds;
        wait["default"] = WorkbenchMcpTools.DefaultWaitSeconds;
        var reply = published.Component(nameof(ReplyRequest));
        var caseView = published.Component(nameof(CaseView));

        return new Dictionary<string, McpToolContract>
        {
            [WorkbenchMcpTools.RequestHumanReview] = new(
                Object(
                    new Member("submission", Argument(published.Component(nameof(CaseSubmission)),
                        "The case, exactly the body of POST /api/v1/cases (camelCase). Unknown members are refused.")),
                    new Member("idempotency_key", Argument(published.Parameter("/api/v1/cases", "post", "Idempotency-Key"),
                        "A unique string (1-255 visible ASCII characters) you keep with this case; retrying with the same key and " +
                        "submission returns the first receipt.")) { Optional = true }),
                published.Component(nameof(CaseReceipt))),
            [WorkbenchMcpTools.GetReviewStatus] = new(Object(new Member("case_id", caseId.DeepClone().AsObject())), caseView.DeepClone().AsObject()),
            [WorkbenchMcpTools.WaitForDecision] = new(
                Object(
                    new Member("case_id", caseId.DeepClone().AsObject()),
                    new Member("wait_seconds", Argument(wait,
                        $"How long to wait for the decision, 0-{WorkbenchMcpTools.MaxWaitSeconds} seconds (default {WorkbenchMcpTools.DefaultWaitSeconds}); " +
                        $"0 reads without waiting. More is refused, as MCP clients give up on a request after 60 s: to wait longer, " +
                        "call wait_for_decision again when it answers pending.")) { Optional = true }),
                DecisionSchema(published)),
            [WorkbenchMcpTools.ReplyToReviewer] = new(
                Object(
                    new Member("case_id", caseId.DeepClone().AsObject()),
                    new Member("message", Argument(reply["properties"]!["message"]!.DeepClone().AsObject(),
                        "Your answer to the reviewer's question, as plain text.")),
                    new Member("signals", Argument(reply["properties"]!["signals"]!.DeepClone().AsObject(),
                        "Optional signals your answer changes, e.g. {\"identity_verified\": true} (numbers or booleans).")) { Optional = true }),
                caseView),
        };
    }

    private sealed record Member(string Name, JsonObject Schema)
    {
        public bool Optional { get; init; }
    }

    private static JsonObject Argument(JsonObject schema, string description)
    {
        schema["description"] = description;
        return schema;
    }

    /// <summary>
    /// The tool's arguments as one closed object: every argument is required unless optional, and an unknown one is
    /// refused, as REST refuses an unknown member.
    /// </summary>
    private static JsonObject Object(params Member[] members)
    {
        var properties = new JsonObject();
        foreach (var m in members)
        {
            properties[m.Name] = m.Schema;
        }
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray(members.Where(m => !m.Optional).Select(m => (JsonNode)m.Name).ToArray()),
            ["additionalProperties"] = false,
        };
    }

    /// <summary>What wait_for_decision answers (<see cref="WorkbenchMcpTools.McpDecision"/>): the state, and the REST bodies' parts.</summary>
    private static JsonObject DecisionSchema(PublishedDocument published)
    {
        var status = published.Component(nameof(CaseStatus));
        status["description"] = "The case's status while no decision is given (pending, info_requested, clarification_requested).";
        var decision = published.Component(nameof(DecisionView));
        decision["description"] = "The decision, when state is decided.";
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["state"] = new JsonObject
                {
                    ["type"] = "string",
                    ["enum"] = new JsonArray(WorkbenchMcpTools.DecisionStates.Select(s => (JsonNode)s).ToArray()),
                    ["description"] = "decided: act on the decision. pending: call again. info_requested / clarification_requested: answer question with reply_to_reviewer.",
                },
                ["caseId"] = new JsonObject { ["type"] = "string", ["format"] = "uuid" },
                ["status"] = status,
                ["question"] = new JsonObject { ["type"] = "string", ["description"] = "The open question, when a reviewer or the policy asks one." },
                ["decision"] = decision,
            },
            ["required"] = new JsonArray("state", "caseId"),
        };
    }

    /// <summary>The served document, read as JSON: components and parameters with every <c>$ref</c> inlined.</summary>
    private sealed class PublishedDocument(JsonObject root)
    {
        private const string ComponentPrefix = "#/components/schemas/";
        private readonly JsonObject _schemas = root["components"]!["schemas"]!.AsObject();

        public JsonObject Component(string name) => Inline(_schemas[name] ?? throw Missing($"components.schemas.{name}"), []);

        public JsonObject Parameter(string path, string method, string name)
        {
            var parameters = root["paths"]?[path]?[method]?["parameters"]?.AsArray() ?? throw Missing($"{method} {path}");
            var parameter = parameters.FirstOrDefault(p => p?["name"]?.GetValue<string>() == name) ?? throw Missing($"{method} {path} {name}");
            return Inline(parameter["schema"]!, []);
        }

        private static InvalidOperationException Missing(string what) => new($"The OpenAPI document has no {what}: the MCP tools' schemas come from it.");

        private JsonObject Inline(JsonNode node, HashSet<string> within) => (JsonObject)InlineNode(node, within);

        private JsonNode InlineNode(JsonNode node, HashSet<string> within)
        {
            switch (node)
            {
                case JsonObject obj when obj["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith(ComponentPrefix, StringComparison.Ordinal):
                {
                    var name = reference[ComponentPrefix.Length..];
                    if (!within.Add(name))
                    {
                        throw new InvalidOperationException($"The schema {name} refers to itself: it cannot be inlined into a tool's schema.");
                    }
                    var inlined = Inline(_schemas[name] ?? throw Missing($"components.schemas.{name}"), within);
                    within.Remove(name);
                    // A reference's siblings (description, default) say more about this use of it.
                    foreach (var (key, value) in obj.Where(p => p.Key != "$ref").ToList())
                    {
                        inlined[key] = value is null ? null : InlineNode(value, within);
                    }
                    return inlined;
                }
                case JsonObject obj:
                {
                    var copy = new JsonObject();
                    foreach (var (key, value) in obj)
                    {
                        copy[key] = value is null ? null : InlineNode(value, within);
                    }
                    return copy;
                }
                case JsonArray array:
                    return new JsonArray(array.Select(item => item is null ? null : InlineNode(item, within)).ToArray());
                default:
                    return node.DeepClone();
            }
        }
    }
}
