using System.Diagnostics;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using Workbench.Web.Health;

namespace Workbench.Web.Live;

public static class LiveExtensions
{
    public static IHostApplicationBuilder AddWorkbenchLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CaseViewers>();
        builder.Services.Configure<RedisLiveOptions>(builder.Configuration.GetSection("Redis"));
        var redisOptions = builder.Configuration.GetSection("Redis").Get<RedisLiveOptions>() ?? new RedisLiveOptions();
        var withRedis = !string.IsNullOrWhiteSpace(redisOptions.Connection);
        if (withRedis)
        {
            builder.Services.AddSingleton<CaseEventResync>();
            builder.Services.AddSingleton<RedisCaseEventRelay>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisCaseEventRelay>());
            // Degraded at worst: see RedisCaseEventRelay (Redis is shared; failing readiness would empty the balancer).
            builder.Services.AddWorkbenchReadinessCheck<RedisCaseEventRelay>("redis", HealthStatus.Degraded);
        }
        builder.Services.AddSingleton<CircuitRegistry>();
        builder.Services.AddScoped<CircuitConnection>();
        builder.Services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitConnection>());

        // The product's JSON (camelCase, snake_case enum strings) for the hub's messages too.
        builder.Services.AddSignalR().AddJsonProtocol(o => Workbench.Contracts.WorkbenchJson.Configure(o.PayloadSerializerOptions));
        if (withRedis)
        {
            // The backplane for this hub only, not AddStackExchangeRedis(): that registers Redis for every hub,
            // Blazor's own circuit hub included, and then each circuit would subscribe to Redis channels and a
            // Redis outage would stop every page from connecting. Blazor circuits keep to their instance (sticky
            // sessions) and get other instances' events through RedisCaseEventRelay instead.
            builder.Services.Configure<RedisOptions>(o =>
            {
                o.Configuration = redisOptions.ClientOptions();
                o.Configuration.ChannelPrefix = RedisChannel.Literal("workbench-hub");
            });
            builder.Services.AddSingleton<HubLifetimeManager<QueuesHub>>(HubBackplane.Create);
        }
        builder.Services.AddHostedService<HubForwarder>();

        builder.Services.AddAuthentication().AddPolicyScheme(QueuesHub.Scheme, "Sign-in cookie or API credentials",
            o => o.ForwardDefaultSelector = http => ApiAuthExtensions.HasApiCredentials(http)
                ? ApiSchemes.Api
                : CookieAuthenticationDefaults.AuthenticationScheme);
        builder.Services.AddAuthorizationBuilder().AddPolicy(QueuesHub.Policy, p => p
            .AddAuthenticationSchemes(QueuesHub.Scheme)
            .RequireAuthenticatedUser()
            // People with a Workbench role, or AI systems allowed to read their cases — not submit-only clients.
            .RequireAssertion(c => c.User.IsInRole("Reviewer") || c.User.IsInRole("Lead") || c.User.IsInRole("Admin")
                || c.User.HasClaim(ApiClaims.Scope, ApiClaims.ReadScope)));
        return builder;
    }

    public static WebApplication MapWorkbenchLive(this WebApplication app)
    {
        if (app.Services.GetService<RedisCaseEventRelay>() is { } relay)
        {
            app.UseRefusalWhileRedisIsDown(relay, retryAfterSeconds: 5);
        }
        app.MapHub<QueuesHub>(QueuesHub.Path);
        if (app.Environment.IsDevelopment())
        {
            // Development only (the route does not exist elsewhere): what the soak command reads.
            app.MapGet("/diagnostics/live", (CircuitRegistry circuits, CaseEvents events, bool? gc) =>
            {
                if (gc == true)
                {
                    // What is still referenced, as opposed to what the GC has not got round to collecting yet.
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                }
                using var process = Process.GetCurrentProcess();
                return Results.Json(new LiveDiagnostics(circuits.Open, circuits.Reconnections, events.SubscriberCount,
                    process.WorkingSet64, GC.GetTotalMemory(false), GC.GetGCMemoryInfo().HeapSizeBytes,
                    process.Threads.Count, process.HandleCount));
            }).AllowAnonymous().ExcludeFromDescription();
        }
        return app;
    }
}

public sealed record LiveDiagnostics(int Circuits, long Reconnections, int Subscribers, long WorkingSetBytes,
    long GcTotalMemoryBytes, long GcHeapSizeBytes, int Threads, int Handles);
