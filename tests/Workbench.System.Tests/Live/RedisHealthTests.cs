using System.Net;

namespace Workbench.System.Tests.Live;

/// <summary>
/// Readiness while Redis is hung (SIGSTOP: the socket stays open, nothing answers — what a partition looks like) and
/// while it is gone (killed, then started again on its port): the instance reports <c>degraded</c> and keeps taking
/// cases, and reports healthy again once Redis answers. A redis-server of its own, so stopping it disturbs no other test.
/// </summary>
public sealed class RedisHealthTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private readonly RedisServer _redis = new();
    private WorkbenchFactory _app = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Redis:Connection"] = _redis.Connection,
                ["Redis:ProbeInterval"] = "00:00:00.500",
                ["Redis:ProbeTimeout"] = "00:00:01",
            },
        };
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_hung_or_stopped_Redis_makes_readiness_degraded_not_unready_and_the_instance_keeps_taking_cases()
    {
        var http = _app.CreateClient();
        var ready = await Readiness.WaitAsync(http, r => r.CheckStatus("redis") == "healthy", Within, "Redis healthy at start");
        Assert.Equal(200, ready.HttpStatus);
        Assert.Contains("answers PING", ready.Checks["redis"].Description);

        _redis.Pause();
        var hung = await Readiness.WaitAsync(http, r => r.CheckStatus("redis") == "degraded", Within, "a hung Redis");
        Assert.Equal(200, hung.HttpStatus); // degraded keeps the instance in the balancer
        Assert.Equal("degraded", hung.Status);
        Assert.Equal("healthy", hung.CheckStatus("database"));
        Assert.Contains("did not answer PING within 1 s", hung.Checks["redis"].Description);
        Assert.Contains("serves alone", hung.Checks["redis"].Description);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.NotEqual(Guid.Empty, (await _app.SubmitSampleAsync(Samples.Queues)).Id);

        _redis.Resume();
        await Readiness.WaitAsync(http, r => r.CheckStatus("redis") == "healthy" && r.HttpStatus == 200, Within, "Redis healthy after SIGCONT");

        _redis.Kill();
        var gone = await Readiness.WaitAsync(http, r => r.CheckStatus("redis") == "degraded", Within, "a killed Redis");
        Assert.Equal(200, gone.HttpStatus);
        Assert.NotEqual(Guid.Empty, (await _app.SubmitSampleAsync(Samples.Queues)).Id);

        await _redis.StartAsync();
        await Readiness.WaitAsync(http, r => r.CheckStatus("redis") == "healthy" && r.Status == "healthy", Within, "Redis healthy after a restart");
    }
}
