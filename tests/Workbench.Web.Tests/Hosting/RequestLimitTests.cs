using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Workbench.Web.Tests.Hosting;

/// <summary>The app on a real Kestrel (127.0.0.1) with its limits shrunk so that each is quick to hit.</summary>
public sealed class RequestLimitTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new()
    {
        Settings =
        {
            ["Kestrel:Limits:MaxRequestBodySize"] = "262144",
            ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:02",
            ["Kestrel:Limits:MaxRequestHeadersTotalSize"] = "16384",
        },
    };
    private Uri _base = null!;

    public Task InitializeAsync()
    {
        _app.UseKestrel(0);
        _app.StartServer();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        _base = new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(_base.Host)), $"bound to {_base}");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient Client(string? key = Samples.DemoKey)
    {
        var client = new HttpClient { BaseAddress = _base, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    [Fact]
    public async Task A_body_over_kestrels_limit_is_413_problem_and_writes_nothing()
    {
        var before = await _app.RowCountsAsync();
        // 300 KiB: under the intake's own 1 MiB limit, over Kestrel's 256 KiB here.
        var json = Samples.Json(Samples.Queues);
        json["request"] = new string('x', 300 * 1024);
        using var client = Client();
        var response = await client.PostAsync("/api/v1/cases", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await _app.RowCountsAsync());
    }

    [Fact]
    public async Task A_chunked_body_over_the_intake_limit_is_413_problem()
    {
        var json = Samples.Json(Samples.Queues);
        json["request"] = new string('y', 200 * 1024);
        using var client = Client();
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString())));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(request);
        // 200 KiB passes Kestrel (256 KiB) but the request text is over the intake's 32 KiB: a validation problem, not a crash.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("urn:workbench:problem:validation", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Headers_that_trickle_in_are_cut_off_after_the_request_headers_timeout()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _base.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
        var started = DateTime.UtcNow;
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var answer = new StringBuilder();
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // Connection reset: also a cut-off.
        }
        Assert.False(cts.IsCancellationRequested, "the server kept the half-sent request open for 15 s");
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1), "cut off before the timeout");
        Assert.True(answer.Length == 0 || answer.ToString().StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer.ToString());
    }

    [Fact]
    public async Task Oversized_headers_are_refused()
    {
        using var client = Client(key: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.TryAddWithoutValidation("X-Big", new string('h', 20 * 1024));
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }
}
