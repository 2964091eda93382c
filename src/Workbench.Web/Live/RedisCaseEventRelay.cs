using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Workbench.Web.Live;

/// <summary>
/// Fans case events out through a Redis channel so that the Blazor circuits and long-polls of every instance see
/// every change. Each message carries the sending instance's id; an instance ignores its own. Events are small
/// (ids and changed fields); a lost message costs freshness only — every page re-reads the database on the next event.
/// </summary>
public sealed class RedisCaseEventRelay(string connection, CaseEvents events, ILogger<RedisCaseEventRelay> logger)
    : IHostedService, ICaseEventRelay, IHealthCheck, IAsyncDisposable
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("workbench:case-events");

    private sealed record Envelope(Guid Instance, CaseEvent Event);

    private readonly Guid _instance = Guid.NewGuid();
    private ConnectionMultiplexer? _redis;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(connection);
        options.AbortOnConnectFail = false; // keep trying in the background if Redis is down at start
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
        await _redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => Receive(message));
        events.Relay = this;
    }

    public void Send(CaseEvent e)
    {
        if (_redis is null)
        {
            return;
        }
        var payload = JsonSerializer.Serialize(new Envelope(_instance, e), WorkbenchJson.Options);
        _redis.GetSubscriber().Publish(Channel, payload, CommandFlags.FireAndForget);
    }

    private void Receive(RedisValue message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(message.ToString(), WorkbenchJson.Options);
            if (envelope is not null && envelope.Instance != _instance)
            {
                events.Deliver(envelope.Event);
            }
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Ignored a malformed case event from Redis");
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_redis?.IsConnected == true
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Redis (Redis:Connection) cannot be reached."));

    public Task StopAsync(CancellationToken cancellationToken)
    {
        events.Relay = null;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
