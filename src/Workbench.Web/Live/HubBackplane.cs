using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;

namespace Workbench.Web.Live;

/// <summary>
/// The SignalR Redis backplane of <c>/hubs/queues</c>, made to live with a Redis that is down: created without
/// waiting for Redis, quiet about Redis's state (the relay reports it once, and readiness shows it), and the hub
/// refuses new connections with a 503 while Redis does not answer instead of failing each one after a timeout.
/// </summary>
public static class HubBackplane
{
    /// <summary>The backplane with <see cref="ConnectionStateLogger"/> in place of its own logger.</summary>
    public static HubLifetimeManager<QueuesHub> Create(IServiceProvider sp) => new RedisHubLifetimeManager<QueuesHub>(
        new ConnectionStateLogger(sp.GetRequiredService<ILogger<RedisHubLifetimeManager<QueuesHub>>>()),
        sp.GetRequiredService<IOptions<RedisOptions>>(),
        sp.GetRequiredService<IHubProtocolResolver>(),
        sp.GetRequiredService<IOptions<HubOptions>>(),
        sp.GetRequiredService<IOptions<HubOptions<QueuesHub>>>());

    /// <summary>
    /// A new hub connection subscribes to its own Redis channel; with Redis down that fails after the client's
    /// timeout with an error and a stack trace per attempt. While the relay's last probe failed, the hub answers
    /// 503 with <c>Retry-After</c> and a problem detail, and the client tries again.
    /// </summary>
    public static void UseRefusalWhileRedisIsDown(this WebApplication app, RedisCaseEventRelay relay, int retryAfterSeconds)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(QueuesHub.Path) && relay.IsDown, refuse => refuse.Run(async http =>
        {
            http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await TypedResults.Problem(
                detail: "Live updates across instances are paused: Redis does not answer. Connect again after Retry-After; " +
                        "then re-read what you show, since events sent meanwhile did not reach the hub.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Live updates unavailable",
                type: ProblemTypes.Unavailable).ExecuteAsync(http);
        }));
    }

    /// <summary>
    /// The backplane logs Redis's state itself — "Not connected to Redis", "Connection to Redis failed" (with the client's
    /// exception and stack) at error level, on every outage and at a start without Redis. The relay already logs one line
    /// for each change of that state and readiness shows it, so these three (event ids 7, 8, 9) go to debug; everything
    /// else the backplane logs passes unchanged.
    /// </summary>
    internal sealed class ConnectionStateLogger(ILogger<RedisHubLifetimeManager<QueuesHub>> inner) : ILogger<RedisHubLifetimeManager<QueuesHub>>
    {
        private static readonly HashSet<int> ConnectionStateEvents = [7, 8, 9];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(ConnectionStateEvents.Contains(eventId.Id) ? LogLevel.Debug : logLevel, eventId, state, exception, formatter);
    }
}
