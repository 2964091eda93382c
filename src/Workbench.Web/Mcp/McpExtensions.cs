using ModelContextProtocol.Protocol;

namespace Workbench.Web.Mcp;

/// <summary>The MCP server at <c>/mcp</c> (Streamable HTTP, stateless), authenticated like the API.</summary>
public static class McpExtensions
{
    public const string Path = "/mcp";

    public static IHostApplicationBuilder AddWorkbenchMcp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "workbench", Title = "Workbench human review", Version = "1.0.0" };
                o.ServerInstructions =
                    "Workbench is where a human reviews what you must not do alone. Call request_human_review with the case; " +
                    "if the receipt does not let you proceed, call wait_for_decision until it is decided, answering any " +
                    "question with reply_to_reviewer. Never send an answer or run an action a human has not approved.";
            })
            // Stateless: every call is one POST, served by whichever instance gets it (no session affinity).
            .WithHttpTransport(o => o.Stateless = true)
            .WithTools(CreateTools());
        return builder;
    }

    /// <summary>
    /// The tools, with the submission's JSON schema (from the same contract the REST endpoint reads) in
    /// request_human_review's input schema, so that an agent sees every field it may send.
    /// </summary>
    public static IReadOnlyList<ModelContextProtocol.Server.McpServerTool> CreateTools()
    {
        var tools = typeof(WorkbenchMcpTools).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(m => m.GetCustomAttributes(typeof(ModelContextProtocol.Server.McpServerToolAttribute), false).Length > 0)
            .Select(m => ModelContextProtocol.Server.McpServerTool.Create(m))
            .ToList();
        var request = tools.Single(t => t.ProtocolTool.Name == WorkbenchMcpTools.RequestHumanReview).ProtocolTool;
        var schema = System.Text.Json.Nodes.JsonNode.Parse(request.InputSchema.GetRawText())!.AsObject();
        var submission = System.Text.Json.Schema.JsonSchemaExporter.GetJsonSchemaAsNode(JsonBody.Options, typeof(CaseSubmission),
            new System.Text.Json.Schema.JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
        if (submission is System.Text.Json.Nodes.JsonObject shape && schema["properties"]?["submission"] is System.Text.Json.Nodes.JsonObject property)
        {
            shape["description"] = property["description"]?.GetValue<string>();
            schema["properties"]!["submission"] = shape;
            request.InputSchema = System.Text.Json.JsonSerializer.SerializeToElement(schema);
        }
        // wait_seconds with its range, so that a strict client refuses a longer wait before sending it.
        var wait = tools.Single(t => t.ProtocolTool.Name == WorkbenchMcpTools.WaitForDecision).ProtocolTool;
        var waitSchema = System.Text.Json.Nodes.JsonNode.Parse(wait.InputSchema.GetRawText())!.AsObject();
        if (waitSchema["properties"]?["wait_seconds"] is System.Text.Json.Nodes.JsonObject seconds)
        {
            seconds["minimum"] = 0;
            seconds["maximum"] = WorkbenchMcpTools.MaxWaitSeconds;
            wait.InputSchema = System.Text.Json.JsonSerializer.SerializeToElement(waitSchema);
        }
        return tools;
    }

    public static IEndpointRouteBuilder MapWorkbenchMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path)
            .RequireAuthorization(ApiSchemes.AnyScopePolicy)
            .RequireRateLimiting(HttpExtensions.RateLimitPolicy)
            .WithTags("MCP");
        return app;
    }
}
