using System.Threading.RateLimiting;
using Scalar.AspNetCore;

namespace Workbench.Web.Http;

/// <summary>Per-client rate limit of the API (<c>Api:RateLimit:*</c>).</summary>
public sealed record ApiRateLimitOptions
{
    /// <summary>Requests a client may make per second, sustained.</summary>
    public int PermitsPerSecond { get; init; } = 5000;
    /// <summary>How many requests a client may make in a burst above the sustained rate.</summary>
    public int Burst { get; init; } = 5000;
}

/// <summary>
/// The HTTP plumbing every API feature shares: API-client authentication, problem details, the product's JSON,
/// the per-client rate limit, the OpenAPI document and its browsable reference.
/// </summary>
public static class HttpExtensions
{
    /// <summary>The rate-limiter policy every /api/v1 endpoint an AI system calls is under (per client).</summary>
    public const string RateLimitPolicy = "api-client";

    /// <summary>The one OpenAPI document (<c>/openapi/v1.json</c>); the MCP tools' schemas are cut out of it.</summary>
    public const string OpenApiDocumentName = "v1";

    public static IHostApplicationBuilder AddWorkbenchHttp(this IHostApplicationBuilder builder)
    {
        builder.AddWorkbenchApiAuth();
        builder.Services.Configure<ApiRateLimitOptions>(builder.Configuration.GetSection("Api:RateLimit"));
        builder.Services.AddSingleton<ApiRateLimits>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => WorkbenchJson.Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var status = ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode;
            if (string.IsNullOrEmpty(ctx.ProblemDetails.Type) || ctx.ProblemDetails.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal))
            {
                ctx.ProblemDetails.Type = ProblemTypes.ForStatus(status);
            }
            ctx.ProblemDetails.Extensions["traceId"] = ctx.HttpContext.TraceIdentifier;
        });
        builder.Services.AddRateLimiter(o =>
        {
            // The limiter's default answer is 503; a client over its rate gets 429 with Retry-After.
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                ctx.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Of(429, ProblemTypes.RateLimited, "Too many requests",
                    "This client is over its request rate. Retry after the time in the Retry-After header.").ExecuteAsync(ctx.HttpContext);
            };
            o.AddPolicy(RateLimitPolicy, http => http.RequestServices.GetRequiredService<ApiRateLimits>().PartitionFor(http));
        });
        builder.Services.AddOpenApi(OpenApiDocumentName, o => OpenApiDocumentation.Configure(o));
        return builder;
    }

    /// <summary>Errors under /api are problem details; the rest of the app keeps its pages.</summary>
    public static WebApplication UseWorkbenchApiErrors(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseExceptionHandler(new ExceptionHandlerOptions
            {
                // A database that cannot be reached is 503 with Retry-After (DatabaseUnavailableHandler), never 500.
                StatusCodeSelector = ex => ex switch
                {
                    BadHttpRequestException bad => bad.StatusCode,
                    _ when Data.DatabaseErrors.IsUnavailable(ex) => StatusCodes.Status503ServiceUnavailable,
                    _ => StatusCodes.Status500InternalServerError,
                },
            });
            api.UseStatusCodePages();
        });
        return app;
    }

    /// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) and its browsable reference (<c>/api/docs</c>).</summary>
    public static WebApplication MapWorkbenchApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("Workbench API").WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .AllowAnonymous();
        return app;
    }
}
