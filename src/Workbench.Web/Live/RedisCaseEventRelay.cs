using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Workbench.Web.Live;

/// <summary>
/// Fans case events out through a Redis channel so that the Blazor circuits and long-polls of every instance see
/// every change. Each message carries the sending instance's id; an instance ignores its own. Events are small
/// (ids and changed fields).
/// <para>
/// Whether Redis carries anything is watched, not assumed: every <see cref="RedisLiveOptions.ProbeInterval"/> the
/// relay sends a PING that must be answered within <see cref="RedisLiveOptions.ProbeTimeout"/>, then publishes a probe
/// to its own channel that its own subscription must bring back within that time again — a hung or partitioned Redis
/// keeps the socket open and <c>IsConnected</c> true, and only a round trip tells. As the readiness check <c>redis</c>,
/// the last probe's result is <b>degraded</b>, never unhealthy: Redis is shared by every instance, so a Redis outage
/// failing readiness would take the whole service out of the load balancer, while each instance still serves alone.
/// </para>
/// </summary>
public sealed class RedisCaseEventRelay(IOptions<RedisLiveOptions> options, CaseEvents events, CaseEventResync resync,
    ILogger<RedisCaseEventRelay> logger)
    : BackgroundService, ICaseEventRelay, IHealthCheck
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("workbench:case-events");

    /// <summary>On the wire: an event of another instance, or a probe an instance sends itself (<see cref="Probe"/>).</summary>
    private sealed record Envelope(Guid Instance, CaseEvent? Event, long? Probe = null);

    /// <summary>What the last probe found; <see cref="Problem"/> is null when Redis answered and carried the probe.</summary>
    private sealed record ProbeResult(string? Problem, double PingMs, long At);

    private readonly RedisLiveOptions _options = options.Value;
    private readonly Guid _instance = Guid.NewGuid();
    private ConnectionMultiplexer? _redis;
    private ProbeResult? _last;
    private long _probe;
    private TaskCompletionSource? _echo;
    private Action<RedisChannel, RedisValue> OnMessage => _onMessage ??= (_, message) => Receive(message);
    private Action<RedisChannel, RedisValue>? _onMessage;
    // Audit positions (CaseEventResync): every change up to _replayFrom has reached this instance for sure; _lastHead is
    // the head read at the last good probe. _replayFrom lags a probe behind, so a change committed just before Redis
    // went away, and published a moment later, is still read again.
    private long? _replayFrom;
    private long? _lastHead;
    // Set at start and by every failed probe; cleared by a resync that read the database (one that failed is tried again).
    private bool _owed = true;

    /// <summary>The last resync after Redis came back (null before the first).</summary>
    public ResyncResult? LastResync { get; private set; }

    /// <summary>True while the last probe found Redis answering and carrying messages.</summary>
    public bool IsUp => Volatile.Read(ref _last) is { Problem: null };

    /// <summary>True once a probe has failed and until one succeeds (false before the first probe has finished).</summary>
    public bool IsDown => Volatile.Read(ref _last) is { Problem: not null };

    /// <summary>Does not wait for Redis: the instance starts and serves whether Redis is there or not.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        events.Relay = this;
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start-up goes on; everything below runs in the background
        _replayFrom = await resync.HeadAsync(stoppingToken);
        _redis = await ConnectAsync(stoppingToken);
        await SubscribeAsync(_redis);
        using var timer = new PeriodicTimer(_options.ProbeInterval);
        do
        {
            var result = await ProbeAsync(stoppingToken);
            var before = Interlocked.Exchange(ref _last, result);
            Report(before, result);
            if (result.Problem is null)
            {
                await CatchUpAsync(before, stoppingToken);
            }
            else
            {
                _owed = true;
            }
            if (result.Problem is not null && result.PingMs > 0)
            {
                // Redis answers but does not bring the probe back: subscribe again (StackExchange.Redis restores
                // its subscriptions after a reconnection; this covers a subscription lost without one).
                await SubscribeAsync(_redis);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// After a good probe: when a resync is owed (a start, an outage, a hang), reads from the database what
    /// this instance may have missed meanwhile and delivers it here; then moves the positions on.
    /// </summary>
    private async Task CatchUpAsync(ProbeResult? before, CancellationToken ct)
    {
        if (_owed && _replayFrom is { } from)
        {
            if (await resync.ReplayAsync(from, ct) is { } done)
            {
                _owed = false;
                LastResync = done;
                _lastHead = _replayFrom = done.UpTo;
                var level = before is null ? LogLevel.Debug : LogLevel.Information;
                logger.Log(level, "Caught up from the database after Redis answered again: {Events} changes of {Cases} cases after audit " +
                                  "position {After}, in {Ms:0} ms", done.Events, done.Cases, done.After, done.Took.TotalMilliseconds);
                return;
            }
        }
        if (await resync.HeadAsync(ct) is { } head)
        {
            _replayFrom = _lastHead ?? _replayFrom ?? head;
            _lastHead = head;
        }
    }

    /// <summary>
    /// The client, which keeps (re)connecting in the background with back-off (<see cref="RedisLiveOptions.ClientOptions"/>)
    /// when Redis is down. Creating it fails only on a setting the client cannot use at all; that is retried too,
    /// with the same back-off, since the configuration may be fine and only its host not resolvable yet.
    /// </summary>
    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync(_options.ClientOptions());
            }
            catch (Exception ex) when (ex is RedisException or ArgumentException or System.Net.Sockets.SocketException)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("Redis ({Endpoints}) cannot be used: {Error}. This instance serves alone and keeps trying every " +
                                      "{Seconds} s at most; readiness reports degraded", _options.Endpoints(), FirstLine(ex.Message), 10);
                    Volatile.Write(ref _last, new ProbeResult($"Redis cannot be used: {FirstLine(ex.Message)}", 0, Stopwatch.GetTimestamp()));
                }
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 10_000));
            }
        }
    }

    /// <summary>
    /// Subscribes the one handler (again: it is removed first, so it never runs twice per message). While Redis is
    /// down this fails; the client keeps the subscription and makes it when it connects, and the probe tells.
    /// </summary>
    private async Task SubscribeAsync(ConnectionMultiplexer redis)
    {
        var subscriber = redis.GetSubscriber();
        try
        {
            await Bounded(subscriber.UnsubscribeAsync(Channel, OnMessage), _options.ProbeTimeout, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The handler is removed locally at once; the server forgets the subscription with the connection.
        }
        try
        {
            await Bounded(subscriber.SubscribeAsync(Channel, OnMessage), _options.ProbeTimeout, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogDebug("Subscribing to {Channel} waits for Redis: {Error}", Channel, FirstLine(ex.Message));
        }
    }

    /// <summary>A timed PING, then this instance's probe through the channel and back: either may fail or time out.</summary>
    private async Task<ProbeResult> ProbeAsync(CancellationToken ct)
    {
        var timeout = _options.ProbeTimeout;
        var redis = _redis;
        if (redis is null)
        {
            return new ProbeResult("Redis has not been reached yet", 0, Stopwatch.GetTimestamp());
        }
        var clock = Stopwatch.StartNew();
        try
        {
            await Bounded(redis.GetDatabase().PingAsync(), timeout, ct);
        }
        catch (TimeoutException)
        {
            return new ProbeResult($"Redis did not answer PING within {timeout.TotalSeconds:0.#} s", 0, Stopwatch.GetTimestamp());
        }
        catch (RedisException ex)
        {
            return new ProbeResult($"Redis did not answer PING ({FirstLine(ex.Message)})", 0, Stopwatch.GetTimestamp());
        }
        var pingMs = clock.Elapsed.TotalMilliseconds;

        var id = Interlocked.Increment(ref _probe);
        var echo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _echo, echo);
        clock.Restart();
        try
        {
            var payload = JsonSerializer.Serialize(new Envelope(_instance, null, id), WorkbenchJson.Options);
            await Bounded(redis.GetSubscriber().PublishAsync(Channel, payload), timeout, ct);
            await echo.Task.WaitAsync(timeout - clock.Elapsed is { Ticks: > 0 } left ? left : TimeSpan.Zero, ct);
        }
        catch (Exception ex) when (ex is TimeoutException or RedisException)
        {
            return new ProbeResult(
                $"Redis answered PING but its subscription did not bring this instance's probe back within {timeout.TotalSeconds:0.#} s",
                pingMs, Stopwatch.GetTimestamp());
        }
        return new ProbeResult(null, pingMs, Stopwatch.GetTimestamp());
    }

    /// <summary>Waits for a Redis call at most <paramref name="timeout"/>; a call left behind is still observed when it ends.</summary>
    private static async Task Bounded(Task call, TimeSpan timeout, CancellationToken ct)
    {
        _ = call.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        await call.WaitAsync(timeout, ct);
    }

    private void Report(ProbeResult? before, ProbeResult now)
    {
        if (now.Problem is not null && before is null)
        {
            // The one line of a start without Redis: no stack trace, the instance is up and serving.
            logger.LogWarning("Redis ({Endpoints}) cannot be reached at start-up: {Problem}. This instance serves alone and keeps " +
                              "connecting in the background; readiness reports degraded until Redis answers", _options.Endpoints(), now.Problem);
        }
        else if (now.Problem is not null && before is { Problem: null })
        {
            logger.LogWarning("Redis ({Endpoints}) is not usable: {Problem}. This instance keeps serving alone and does not hear " +
                              "other instances' changes until Redis answers again; readiness reports degraded", _options.Endpoints(), now.Problem);
        }
        else if (now.Problem is null && before?.Problem is not null)
        {
            logger.LogInformation("Redis ({Endpoints}) answers again and carries this instance's probe", _options.Endpoints());
        }
    }

    public void Send(CaseEvent e)
    {
        // While Redis does not answer, the others read this change from the database when it is back (CaseEventResync).
        if (_redis is null || IsDown)
        {
            return;
        }
        var payload = JsonSerializer.Serialize(new Envelope(_instance, e), WorkbenchJson.Options);
        try
        {
            _redis.GetSubscriber().Publish(Channel, payload, CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            // Redis went away before the probe noticed: the probe reports it once; the resync brings the change.
            logger.LogDebug("{Kind} of case {CaseId} not relayed: {Error}", e.Kind, e.CaseId, FirstLine(ex.Message));
        }
    }

    private void Receive(RedisValue message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(message.ToString(), WorkbenchJson.Options);
            if (envelope is null)
            {
                return;
            }
            if (envelope.Instance == _instance)
            {
                if (envelope.Probe == Volatile.Read(ref _probe))
                {
                    Volatile.Read(ref _echo)?.TrySetResult();
                }
                return;
            }
            if (envelope.Event is { } e)
            {
                events.Deliver(e);
            }
        }
        catch (JsonException ex)
        {
            logger.LogWarning("Ignored a malformed case event from Redis: {Error}", ex.Message);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var last = Volatile.Read(ref _last);
        var stale = (_options.ProbeInterval + _options.ProbeTimeout + _options.ProbeTimeout) * 2;
        var age = last is null ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(last.At);
        var data = new Dictionary<string, object> { ["endpoints"] = _options.Endpoints() };
        if (last is { Problem: null } && age <= stale)
        {
            data["pingMs"] = Math.Round(last.PingMs, 1);
            return Task.FromResult(HealthCheckResult.Healthy(
                $"Redis answers PING in {last.PingMs:0.#} ms and carried this instance's probe {age.TotalSeconds:0.#} s ago.", data));
        }
        var problem = last is null ? "Redis has not been probed yet"
            : age > stale ? $"no probe of Redis has finished for {age.TotalSeconds:0} s"
            : last.Problem!;
        // Degraded, not unhealthy: the instance takes cases and serves its pages; only other instances' changes wait.
        return Task.FromResult(new HealthCheckResult(HealthStatus.Degraded,
            $"{problem}. This instance serves alone: its pages and long-polls do not hear other instances' changes until Redis is back.",
            data: data));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        events.Relay = null;
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _redis?.Dispose();
        base.Dispose();
    }

    /// <summary>The first line of a client message, shortened: StackExchange.Redis appends pages of connection state.</summary>
    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return Workbench.Core.Review.TextCut.Shorten(line, 161);
    }
}
