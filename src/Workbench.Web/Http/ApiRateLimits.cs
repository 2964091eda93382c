using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Workbench.Web.Http;

/// <summary>
/// The per-client token buckets of the API, kept here rather than only inside the rate-limiter middleware so that
/// every response can tell the client where it stands (IETF <c>RateLimit-Policy</c> / <c>RateLimit</c> headers).
/// The middleware drops a partition it finds idle; the bucket stays here, so a client's state is one bucket throughout.
/// </summary>
public sealed class ApiRateLimits(IOptionsMonitor<ApiRateLimitOptions> options) : IDisposable
{
    public const string PolicyName = HttpExtensions.RateLimitPolicy;

    // One bucket per API client: clients are the configured API keys and app registrations, a bounded set.
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);

    public RateLimitPartition<string> PartitionFor(HttpContext http)
    {
        if (ApiClaims.ClientOf(http.User) is { } client)
        {
            return RateLimitPartition.Get(client, key => new SharedBucket(_buckets.GetOrAdd(key, _ => NewBucket())));
        }
        // Not signed in (the authorization middleware answers 401 first on every limited endpoint): a bucket per
        // address that the middleware owns and drops, never one kept here for an unbounded set of addresses.
        return RateLimitPartition.GetTokenBucketLimiter("anonymous:" + http.Connection.RemoteIpAddress, _ => Options());
    }

    /// <summary>
    /// The two header values for the calling client, or null where no client is known (401). A client the authorization
    /// middleware refused (403) before the limiter ran gets its bucket here, full, as its next request will find it.
    /// </summary>
    public (string Policy, string State)? HeadersFor(HttpContext http)
    {
        if (ApiClaims.ClientOf(http.User) is not { } client)
        {
            return null;
        }
        var bucket = _buckets.GetOrAdd(client, _ => NewBucket());
        var o = Options();
        var available = Math.Max(0, bucket.GetStatistics()?.CurrentAvailablePermits ?? 0);
        // The bucket holds `q` requests and refills in `w` seconds: that is the quota and its window; `t` is the time
        // until it is full again.
        var window = (int)Math.Ceiling(o.TokenLimit / (double)o.TokensPerPeriod);
        var reset = (int)Math.Ceiling((o.TokenLimit - available) / (double)o.TokensPerPeriod);
        return ($"\"{PolicyName}\";q={o.TokenLimit.ToString(CultureInfo.InvariantCulture)};w={window.ToString(CultureInfo.InvariantCulture)}",
            $"\"{PolicyName}\";r={available.ToString(CultureInfo.InvariantCulture)};t={reset.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Writes the RateLimit headers on the response of an endpoint under the API's rate limit.</summary>
    public void WriteHeaders(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>() is { PolicyName: PolicyName } && HeadersFor(http) is { } headers)
        {
            http.Response.Headers["RateLimit-Policy"] = headers.Policy;
            http.Response.Headers["RateLimit"] = headers.State;
        }
    }

    private TokenBucketRateLimiterOptions Options()
    {
        var limits = options.CurrentValue;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.Burst),
            TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private TokenBucketRateLimiter NewBucket() => new(Options());

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }

    /// <summary>The middleware's view of a kept bucket: disposing it (an idle partition) leaves the bucket alone.</summary>
    private sealed class SharedBucket(TokenBucketRateLimiter bucket) : RateLimiter
    {
        public override TimeSpan? IdleDuration => bucket.IdleDuration;

        public override RateLimiterStatistics? GetStatistics() => bucket.GetStatistics();

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => bucket.AttemptAcquire(permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            bucket.AcquireAsync(permitCount, cancellationToken);
    }
}
