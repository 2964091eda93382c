using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Workbench.Testing;

/// <summary>One request as the receiver got it.</summary>
public sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, string Body, int AnsweredWith, DateTime At)
{
    /// <summary>The path it was posted to.</summary>
    public string Path { get; init; } = "/";
    /// <summary>The body as sent (a Web Push body is binary, not text).</summary>
    public byte[] Bytes { get; init; } = [];

    public string Id => Headers["webhook-id"];
}

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel, a free port) that records every request and answers as the test says.
/// It can be stopped and started again on the same port to play a receiver that is down for a while.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    public WebhookReceiver(int? port = null) => Port = port ?? Processes.FreePort();

    public int Port { get; }
    public string Url(string path = "/hooks") => $"http://127.0.0.1:{Port}{path}";
    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();
    /// <summary>The status to answer with, given the request (default 204).</summary>
    public Func<ReceivedWebhook, int> Answer { get; set; } = _ => 204;
    /// <summary>The body to answer with, given the request (default none).</summary>
    public Func<ReceivedWebhook, string?> AnswerBody { get; set; } = _ => null;
    /// <summary>How long to wait before answering.</summary>
    public TimeSpan Delay { get; set; }

    public IEnumerable<ReceivedWebhook> Succeeded => Received.Where(r => r.AnsweredWith is >= 200 and < 300);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Url("/").TrimEnd('/'));
        var app = builder.Build();
        app.MapPost("/{**path}", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var probe = new ReceivedWebhook(headers, System.Text.Encoding.UTF8.GetString(bytes), 0, DateTime.UtcNow)
            {
                Path = request.Path.Value ?? "/",
                Bytes = bytes,
            };
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }
            var status = Answer(probe);
            Received.Enqueue(probe with { AnsweredWith = status });
            return AnswerBody(probe) is { } text ? Results.Text(text, "text/plain", System.Text.Encoding.UTF8, status) : Results.StatusCode(status);
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
