using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Workbench.Web.Health;

public static class HealthExtensions
{
    /// <summary>Checks with this tag decide readiness: the database, Redis when configured, and whatever is added later.</summary>
    public const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddWorkbenchHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag]);
        builder.Services.Configure<OperationsOptions>(builder.Configuration.GetSection("Operations"));
        // A backlog degrades readiness (200, "degraded"): the instance still takes cases; monitoring alerts on it.
        builder.Services.AddWorkbenchReadinessCheck<OutboxBacklogCheck>("outbox", HealthStatus.Degraded);
        return builder;
    }

    /// <summary>
    /// The extension point of readiness: a feature adds its own check (the outbox backlog, for one) with
    /// <c>builder.Services.AddWorkbenchReadinessCheck&lt;OutboxBacklogCheck&gt;("outbox")</c>.
    /// </summary>
    public static IHealthChecksBuilder AddWorkbenchReadinessCheck<T>(this IServiceCollection services, string name, HealthStatus? failureStatus = null)
        where T : class, IHealthCheck =>
        services.AddHealthChecks().AddCheck<T>(name, failureStatus, tags: [ReadyTag]);

    public static IEndpointRouteBuilder MapWorkbenchHealth(this IEndpointRouteBuilder app)
    {
        // Liveness runs no checks: the process answers. Readiness runs every check tagged ready and lists them.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReportAsync,
        }).AllowAnonymous();
        return app;
    }

    // {"status":"unhealthy","checks":{"database":{"status":"unhealthy","description":"…"},"redis":{…}}}: a load
    // balancer reads the status code; a person reads which dependency is down. No exception text: it may hold hosts.
    private static Task WriteReportAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        };
        return http.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(body));
    }
}

/// <summary>
/// Readiness of the database: a read and a rolled-back write on the pooled connections (<see cref="DatabaseProbe"/>),
/// so that it agrees with what a request's write meets now. A write that cannot get the lock within the busy timeout
/// makes it unhealthy, as it makes the API answer 503.
/// </summary>
internal sealed class DatabaseHealthCheck(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        DatabaseProbeResult probe;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            probe = await DatabaseProbe.RunAsync(db, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            probe = new DatabaseProbeResult(false, false, ex);
        }
        if (probe.Ready)
        {
            return HealthCheckResult.Healthy("Reads and writes.");
        }
        // The cause goes to the log only: the report is anonymous and an exception's text may name hosts and files.
        logger.LogWarning("Readiness: the database {What}: {Error}", probe.CanRead ? "cannot take a write" : "cannot be read",
            probe.Error?.GetBaseException().Message);
        return HealthCheckResult.Unhealthy(probe.CanRead
            ? "The database can be read but cannot take a write now (locked by another process, read-only or full)."
            : "The database cannot be reached.");
    }
}
