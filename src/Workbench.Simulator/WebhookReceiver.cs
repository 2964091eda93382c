using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Workbench.Client;

namespace Workbench.Simulator;

/// <summary>
/// The AI system's webhook endpoint (<c>POST http://127.0.0.1:{port}/webhooks</c>): every delivery is verified with
/// <see cref="WebhookVerifier"/> (Standard Webhooks signature and timestamp) and counted by event type; a delivery
/// that fails verification is answered 401 and counted as refused. Submissions carry this URL as their callbackUrl
/// (the app accepts loopback callbacks only in Development).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public static async Task<WebhookReceiver> StartAsync(int port, string secret, SimulationStats stats, CancellationToken ct)
    {
        var verifier = new WebhookVerifier(secret);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/webhooks", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            try
            {
                var message = verifier.Verify(headers, body);
                Interlocked.Increment(ref stats.WebhooksVerified);
                SimulationStats.Increment(stats.WebhooksByType, message.ReadEvent().Type);
                return Results.NoContent();
            }
            catch (WebhookVerificationException)
            {
                Interlocked.Increment(ref stats.WebhooksRejected);
                return Results.Unauthorized();
            }
        });
        await app.StartAsync(ct);
        return new WebhookReceiver(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
