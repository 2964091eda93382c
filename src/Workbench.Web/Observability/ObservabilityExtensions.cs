using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Workbench.Web.Observability;

public static class ObservabilityExtensions
{
    public const string EndpointKey = "OpenTelemetry:Endpoint";
    public const string ProtocolKey = "OpenTelemetry:Protocol";
    public const string StandardEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// The Workbench meter always (cheap until observed); OpenTelemetry traces and metrics (ASP.NET Core, HttpClient,
    /// EF Core, the Workbench meter and activity source) exported over OTLP only when an endpoint is configured:
    /// <c>OpenTelemetry:Endpoint</c> (with <c>OpenTelemetry:Protocol</c> grpc | http/protobuf), or the standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables. Without one no SDK is registered and nothing is collected.
    /// </summary>
    public static IHostApplicationBuilder AddWorkbenchObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QueueDepthSampler>();
        builder.Services.AddSingleton<WorkbenchMetrics>();
        builder.Services.AddSingleton<IntakeMetricsFilter>();

        var endpoint = builder.Configuration[EndpointKey];
        var standard = builder.Configuration[StandardEndpointKey];
        if (string.IsNullOrWhiteSpace(endpoint) && string.IsNullOrWhiteSpace(standard))
        {
            return builder;
        }
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OpenTelemetry:ServiceName"] ?? "workbench",
                serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithTracing(t => t
                .AddSource(WorkbenchMetrics.ActivitySourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation())
            .WithMetrics(m => m
                .AddMeter(WorkbenchMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new WorkbenchConfigurationException($"The setting {EndpointKey} is '{endpoint}', which is not an http(s) URL of an OTLP collector.");
            }
            var protocol = builder.Configuration[ProtocolKey]?.Trim().ToLowerInvariant() switch
            {
                null or "" or "grpc" => OtlpExportProtocol.Grpc,
                "http/protobuf" or "http" => OtlpExportProtocol.HttpProtobuf,
                var other => throw new WorkbenchConfigurationException($"The setting {ProtocolKey} is '{other}'; use grpc or http/protobuf."),
            };
            otel.UseOtlpExporter(protocol, uri);
        }
        else
        {
            otel.UseOtlpExporter(); // OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _HEADERS as the specification says
        }
        return builder;
    }

    /// <summary>
    /// Every log line written while a request runs carries RequestId, RequestPath, TraceId and SpanId (ASP.NET Core's
    /// own request scope, with the trace ids from the host's activity tracking); this adds who is calling (the API
    /// client or the signed-in user), and routes with a case id add CaseId (<see cref="CaseScopeFilter"/>).
    /// </summary>
    public static IApplicationBuilder UseWorkbenchLogScopes(this IApplicationBuilder app)
    {
        // One logger for the app's life: LoggerFactory.CreateLogger takes a lock and a look-up on every call.
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Workbench.Request");
        return app.Use(async (http, next) =>
        {
            var name = http.User.Identity?.IsAuthenticated == true ? http.User.Identity.Name : null;
            if (name is null)
            {
                await next(http);
                return;
            }
            using (logger.BeginScope(new Dictionary<string, object?> { ["Principal"] = name }))
            {
                await next(http);
            }
        });
    }
}

/// <summary>Counts and times each submission by its path (or replayed / refused / error) on the Workbench meter.</summary>
public sealed class IntakeMetricsFilter(WorkbenchMetrics metrics) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception ex)
        {
            // "unavailable": the database could not be reached (answered 503); "error": anything else (500).
            metrics.IntakeCompleted(DatabaseErrors.IsUnavailable(ex) ? "unavailable" : "error", Stopwatch.GetElapsedTime(started));
            throw;
        }
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var outcome = inner switch
        {
            Created<CaseReceipt> { Value: { } receipt } => WorkbenchMetrics.PathOf(receipt.Outcome),
            Ok<CaseReceipt> => "replayed",
            _ => "refused",
        };
        metrics.IntakeCompleted(outcome, Stopwatch.GetElapsedTime(started));
        return result;
    }
}

/// <summary>Routes with a case id (<c>{id}</c>) log inside a CaseId scope.</summary>
public sealed class CaseScopeFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.Request.RouteValues.TryGetValue("id", out var id) && id is not null)
        {
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILogger<CaseScopeFilter>>();
            using (logger.BeginScope(new Dictionary<string, object?> { ["CaseId"] = id.ToString() }))
            {
                return await next(context);
            }
        }
        return await next(context);
    }
}
