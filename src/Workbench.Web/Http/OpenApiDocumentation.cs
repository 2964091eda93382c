using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Workbench.Web.Http;

/// <summary>What the generated document says beyond the endpoints' own metadata: auth, problem types, examples.</summary>
public static class OpenApiDocumentation
{
    private const string SecuritySchemeName = "bearer";
    private const string ExampleFile = "009-support.refund-damaged-tent-pole.json";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Workbench API",
                Version = "v1",
                Description =
                    "AI systems submit the cases they must not finish alone, get the policy outcome at once, and wait for (or are called back with) " +
                    "the human decision.\n\nAuthenticate with an API key (`Authorization: Bearer wb_…` or `X-Api-Key`) or an Entra ID app token " +
                    "with the app role `Cases.Submit` / `Cases.Read`.\n\nEvery error is an RFC 9457 problem detail " +
                    "(`application/problem+json`) whose `type` is one of:\n\n" +
                    string.Join("\n", ProblemTypes.All.Select(t => $"- `{t}`")),
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A Workbench API key (wb_…) or an Entra ID app token.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, document)] = [] });
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName == "SubmitCase" &&
                operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media) && Example() is { } example)
            {
                media.Example = example;
            }
            return Task.CompletedTask;
        });
    }

    private static JsonNode? Example()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "assets", "samples", "cases", ExampleFile);
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
    }
}
