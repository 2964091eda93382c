using System.Diagnostics;
using System.Text.Json;
using Workbench.Web.Webhooks;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.System.Tests.Webhooks;

/// <summary>
/// Our deliveries against the reference implementation: the npm <c>standardwebhooks</c> package (tests/interop, installed
/// by tests/run.sh with npm ci) runs <c>new Webhook(secret).verify(body, headers)</c> in node.
/// </summary>
public sealed class StandardWebhooksInteropTests
{
    private static readonly string Interop = Path.Combine(Processes.RepositoryRoot(), "tests", "interop");

    [Fact]
    public async Task The_standardwebhooks_package_accepts_our_delivery_and_rejects_a_tampered_body_and_an_old_timestamp()
    {
        Assert.True(Directory.Exists(Path.Combine(Interop, "node_modules", "standardwebhooks")),
            "tests/interop/node_modules is missing: run `npm ci --prefix tests/interop` (tests/run.sh does).");
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await using var app = App();
        var endpoint = await app.EndpointAsync(receiver.Url());
        await app.DecidedCaseAsync();
        await Eventually(() => receiver.Succeeded.Any(), TimeSpan.FromSeconds(30), "the decision delivered");
        var got = receiver.Succeeded.Single();
        var headers = new Dictionary<string, string>
        {
            ["webhook-id"] = got.Headers["webhook-id"],
            ["webhook-timestamp"] = got.Headers["webhook-timestamp"],
            ["webhook-signature"] = got.Headers["webhook-signature"],
        };

        var accepted = await VerifyAsync(endpoint.Secret, got.Body, headers);
        Assert.Equal($"ok {got.Id} case.decided", accepted);

        var tampered = await VerifyAsync(endpoint.Secret, got.Body.Replace("rejected", "approved", StringComparison.Ordinal), headers);
        Assert.Equal("rejected No matching signature found", tampered);

        // Correctly signed, but ten minutes old: a replay.
        using var old = WebhookDispatcher.Sign(receiver.Url(), got.Id, DateTimeOffset.UtcNow.AddMinutes(-10), got.Body, [endpoint.Secret]);
        var oldHeaders = old.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value));
        Assert.Equal("rejected Message timestamp too old", await VerifyAsync(endpoint.Secret, got.Body, oldHeaders));
        // The same request made now is accepted: only the timestamp was wrong.
        using var fresh = WebhookDispatcher.Sign(receiver.Url(), got.Id, DateTimeOffset.UtcNow, got.Body, [endpoint.Secret, WebhookSecrets.NewSecret()]);
        Assert.StartsWith("ok ", await VerifyAsync(endpoint.Secret, got.Body, fresh.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value))),
            StringComparison.Ordinal);
    }

    private static async Task<string> VerifyAsync(string secret, string body, IDictionary<string, string> headers)
    {
        var psi = new ProcessStartInfo("node", ["verify.mjs"])
        {
            WorkingDirectory = Interop,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var node = Process.Start(psi)!;
        await node.StandardInput.WriteAsync(JsonSerializer.Serialize(new { secret, body, headers }));
        node.StandardInput.Close();
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await node.WaitForExitAsync(cts.Token);
        var text = (await output).Trim();
        Assert.True(text.Length > 0, "node printed nothing: " + await errors);
        return text;
    }
}
