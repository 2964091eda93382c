using StackExchange.Redis;

namespace Workbench.Web.Live;

/// <summary><c>Redis:*</c>: the Redis that carries case events between instances, and how it is watched.</summary>
public sealed record RedisLiveOptions
{
    /// <summary>StackExchange.Redis configuration (<c>host:port,password=…,ssl=True</c>); empty: one instance works alone.</summary>
    public string? Connection { get; init; }

    /// <summary>How often the instance sends Redis a PING and a probe message through its own subscription.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the PING, and then the probe's way back through the subscription, may each take.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The client settings both Redis connections of an instance use (the relay's and the hub backplane's): never give
    /// up at start (a Redis that is down when the instance starts is reached later), reconnect with a back-off of
    /// 0.5 s doubling up to 10 s, and a keep-alive short enough that a connection to a hung server does not look idle.
    /// </summary>
    public ConfigurationOptions ClientOptions()
    {
        var o = ConfigurationOptions.Parse(Connection ?? throw new InvalidOperationException("Redis:Connection is not set."));
        o.AbortOnConnectFail = false;
        o.ReconnectRetryPolicy = new ExponentialRetry(500, 10_000);
        o.KeepAlive = 5;
        return o;
    }

    /// <summary>The endpoints of <see cref="Connection"/> without its password, for log lines and readiness.</summary>
    public string Endpoints()
    {
        try
        {
            return string.Join(", ", ConfigurationOptions.Parse(Connection ?? "").EndPoints.Select(e => e.ToString()));
        }
        catch (ArgumentException)
        {
            return "(unreadable Redis:Connection)";
        }
    }
}
