using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Workbench.Client;

/// <summary>Registers <see cref="WorkbenchClient"/> with a resilience pipeline fit for the Workbench API.</summary>
public static class WorkbenchServiceCollectionExtensions
{
    /// <summary>
    /// The timeout of one attempt: above the server's longest long-poll (60 s) so that a held
    /// <c>GET …/decision?wait=60</c> is never cut short by the client.
    /// </summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(75);

    /// <summary>The timeout of one call, retries and their delays included.</summary>
    public static readonly TimeSpan TotalRequestTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The circuit breaker's sampling window: the library refuses one shorter than twice <see cref="AttemptTimeout"/>.
    /// </summary>
    public static readonly TimeSpan CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(150);

    /// <summary>
    /// Registers <see cref="WorkbenchClient"/> as a typed <see cref="HttpClient"/> client with the standard resilience
    /// handler: up to 3 retries with exponential back-off and jitter on network errors, attempt timeouts, 408, 429
    /// (honouring <c>Retry-After</c>) and 5xx — for POST as well, which is safe because every submission carries an
    /// <c>Idempotency-Key</c> that the retries reuse; a <see cref="AttemptTimeout"/> (75 s) per attempt, longer than the
    /// 60 s long-poll; a <see cref="TotalRequestTimeout"/> (3 min) per call; a circuit breaker sampling over
    /// <see cref="CircuitBreakerSamplingDuration"/> (150 s).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the base address (required) and the credentials.</param>
    /// <returns>The builder, to add handlers or adjust the resilience options further.</returns>
    public static IHttpClientBuilder AddWorkbenchClient(
        this IServiceCollection services, Action<WorkbenchClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<WorkbenchClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "WorkbenchClientOptions.BaseAddress must be an absolute URI.");

        var builder = services
            .AddHttpClient<WorkbenchClient, WorkbenchClient>((http, sp) =>
                new WorkbenchClient(http, sp.GetRequiredService<IOptions<WorkbenchClientOptions>>().Value))
            .ConfigureHttpClient((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<WorkbenchClientOptions>>().Value;
                http.BaseAddress = WorkbenchClient.WithTrailingSlash(options.BaseAddress!);
                // HttpClient.Timeout (100 s by default) spans all attempts: the pipeline's total timeout governs instead.
                http.Timeout = TotalRequestTimeout + TimeSpan.FromSeconds(15);
            });

        builder.AddStandardResilienceHandler(ConfigureResilience);
        return builder;
    }

    private static void ConfigureResilience(HttpStandardResilienceOptions options)
    {
        options.AttemptTimeout.Timeout = AttemptTimeout;
        options.TotalRequestTimeout.Timeout = TotalRequestTimeout;
        options.CircuitBreaker.SamplingDuration = CircuitBreakerSamplingDuration;

        // The standard handler already retries every method; this is spelled out so that nobody "fixes" it with
        // DisableForUnsafeHttpMethods(): POST /cases is idempotent through its key, and the other POSTs are
        // state transitions that answer 409 rather than apply twice.
        options.Retry.ShouldHandle = args => ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome));
        options.Retry.ShouldRetryAfterHeader = true;
        options.Retry.MaxRetryAttempts = 3;
    }
}
