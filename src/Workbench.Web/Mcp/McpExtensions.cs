using ModelContextProtocol.Protocol;
using Workbench.Web.Api;

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
            .WithTools<WorkbenchMcpTools>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkbenchMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path)
            .RequireAuthorization(ApiSchemes.AnyScopePolicy)
            .RequireRateLimiting(CasesApi.RateLimitPolicy)
            .WithTags("MCP");
        return app;
    }
}
