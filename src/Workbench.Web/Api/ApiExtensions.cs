using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.RateLimiting;
using Scalar.AspNetCore;
using Workbench.Core.Cases;
using Workbench.Core.Serialization;
using Workbench.Web.Intake;

namespace Workbench.Web.Api;

/// <summary>Per-client rate limit of the API (<c>Api:RateLimit:*</c>).</summary>
public sealed record ApiRateLimitOptions
{
    /// <summary>Requests a client may make per second, sustained.</summary>
    public int PermitsPerSecond { get; init; } = 5000;
    /// <summary>How many requests a client may make in a burst above the sustained rate.</summary>
    public int Burst { get; init; } = 5000;
}

public static class ApiExtensions
{
    public static IHostApplicationBuilder AddWorkbenchApi(this IHostApplicationBuilder builder)
    {
        builder.AddWorkbenchApiAuth();
        builder.Services.Configure<IntakeLimits>(builder.Configuration.GetSection("Intake:Limits"));
        builder.Services.Configure<ApiRateLimitOptions>(builder.Configuration.GetSection("Api:RateLimit"));
        builder.Services.AddSingleton<Live.CaseEvents>();
        builder.Services.AddSingleton<Live.CaseViewers>();
        builder.Services.AddSingleton<IntakeService>();
        builder.Services.AddSingleton<IntakeWriter>();
        builder.Services.Configure<Review.ReviewOptions>(builder.Configuration.GetSection("Review"));
        builder.Services.AddSingleton<Review.ReviewService>();
        builder.Services.AddSingleton<Review.CaseDetails>();
        builder.Services.AddHostedService<Review.LeaseSweeper>();
        builder.Services.AddSingleton<AgentCommands>();
        builder.Services.AddSingleton(sp => new DecisionNotifier(sp.GetRequiredService<Live.CaseEvents>()));
        if (builder.Configuration["Redis:Connection"] is { Length: > 0 } redis)
        {
            builder.Services.AddSingleton(sp => new Live.RedisCaseEventRelay(redis, sp.GetRequiredService<Live.CaseEvents>(),
                sp.GetRequiredService<ILogger<Live.RedisCaseEventRelay>>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<Live.RedisCaseEventRelay>());
            builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                "redis", sp => sp.GetRequiredService<Live.RedisCaseEventRelay>(), null, ["ready"]));
        }
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
            o.AddPolicy(CasesApi.RateLimitPolicy, http =>
            {
                var limits = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ApiRateLimitOptions>>().CurrentValue;
                var client = ApiClaims.ClientOf(http.User) ?? "anonymous:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, limits.Burst),
                    TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
        });
        builder.Services.AddOpenApi("v1", o => OpenApiDocumentation.Configure(o));
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

    public static WebApplication MapWorkbenchApi(this WebApplication app)
    {
        app.MapCasesApi();
        Review.ReviewApi.MapReviewApi(app);
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("Workbench API").WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .AllowAnonymous();
        return app;
    }
}
