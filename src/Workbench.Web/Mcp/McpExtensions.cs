using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

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
            .WithTools(CreateTools())
            .WithRequestFilters(filters =>
            {
                // The schemas an agent reads are the REST contract's (McpContract), put on the tools before they are listed.
                filters.AddListToolsFilter(next => async (request, ct) =>
                {
                    await PublishContractAsync(request.Services!);
                    return await next(request, ct);
                });
                // And every call is checked against them before a tool runs: a wrong argument is a validation problem.
                filters.AddCallToolFilter(next => async (request, ct) =>
                {
                    var tools = await PublishContractAsync(request.Services!);
                    if (request.Params?.Name is { } name && tools.TryGetValue(name, out var contract) &&
                        McpArguments.Check(contract, request.Params.Arguments) is { Count: > 0 } errors)
                    {
                        return WorkbenchMcpTools.Failure(Problems.Invalid(errors, "The tool's arguments do not match its input schema (tools/list)."));
                    }
                    return await next(request, ct);
                });
            });
        builder.Services.AddSingleton<McpContract>();
        return builder;
    }

    /// <summary>The tools as registered (names, descriptions, annotations); their schemas come from the contract.</summary>
    public static IReadOnlyList<McpServerTool> CreateTools() =>
        typeof(WorkbenchMcpTools).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(m => m.GetCustomAttributes(typeof(McpServerToolAttribute), false).Length > 0)
            .Select(m => McpServerTool.Create(m))
            .ToList();

    /// <summary>
    /// Puts the contract's input and output schemas on the registered tools (once: the same values every time, so a
    /// concurrent first call writes what the other writes).
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, McpToolContract>> PublishContractAsync(IServiceProvider services)
    {
        var tools = await services.GetRequiredService<McpContract>().ToolsAsync();
        foreach (var tool in services.GetServices<McpServerTool>())
        {
            if (tools.TryGetValue(tool.ProtocolTool.Name, out var contract) && tool.ProtocolTool.OutputSchema is null)
            {
                tool.ProtocolTool.InputSchema = JsonSerializer.SerializeToElement(contract.Input);
                tool.ProtocolTool.OutputSchema = JsonSerializer.SerializeToElement(contract.Output);
            }
        }
        return tools;
    }

    public static IEndpointRouteBuilder MapWorkbenchMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path)
            .RefuseDuplicateMembers()
            .RequireAuthorization(ApiSchemes.AnyScopePolicy)
            .RequireRateLimiting(HttpExtensions.RateLimitPolicy)
            .WithTags("MCP");
        return app;
    }
}
