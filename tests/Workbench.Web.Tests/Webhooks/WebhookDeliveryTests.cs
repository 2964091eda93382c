using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Client;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Http;
using Workbench.Web.Intake;
using Workbench.Web.Webhooks;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.Web.Tests.Webhooks;

/// <summary>The outbox and the dispatcher against real HTTP receivers on 127.0.0.1.</summary>
public sealed class WebhookDeliveryTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_decision_is_delivered_signed_and_the_client_verifier_accepts_it()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await using var app = App();
        var endpoint = await app.EndpointAsync(receiver.Url());

        var id = await app.DecidedCaseAsync();

        await Eventually(() => receiver.Succeeded.Any(), Limit, "the decision delivered");
        var got = Assert.Single(receiver.Received);
        var message = new WebhookVerifier(endpoint.Secret).Verify(got.Headers, got.Body);
        var evt = message.ReadEvent();
        Assert.Equal(WebhookEventTypes.CaseDecided, evt.Type);
        Assert.Equal(message.Id, evt.Id);
        var decision = evt.GetData<DecisionView>()!;
        Assert.Equal(id, decision.CaseId);
        Assert.Equal(DecisionKind.Rejected, decision.Decision);
        Assert.Equal("application/json; charset=utf-8", got.Headers["content-type"]);
        await Eventually(async () => (await app.DeliveriesAsync()).SingleOrDefault()?.Status == DeliveryStatus.Delivered, Limit, "marked delivered");
        var row = (await app.DeliveriesAsync()).Single();
        Assert.Equal((1, 204), (row.Attempts, row.LastStatusCode));
        // Another secret does not verify it.
        Assert.Throws<WebhookVerificationException>(() => new WebhookVerifier(WebhookSecrets.NewSecret()).Verify(got.Headers, got.Body));
    }

    [Fact]
    public async Task The_outbox_row_commits_with_the_decision_and_intake_time_outcomes_write_none()
    {
        await using var app = App();
        app.Settings["Webhooks:DispatcherEnabled"] = "false";
        await app.SubmitSampleAsync(Samples.Proceeds);
        await app.SubmitSampleAsync(Samples.Clarifies);
        Assert.Equal(0, await app.WithDbAsync(db => db.OutboxEvents.CountAsync()));

        var id = await app.InfoThenDecisionAsync();
        var other = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        Assert.IsType<CommandResult<CaseView>.Done>(await app.Services.GetRequiredService<AgentCommands>()
            .WithdrawAsync("demo-agent", other, new WithdrawRequest("no longer needed"), null, CancellationToken.None));

        var events = await app.WithDbAsync(db => db.OutboxEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync());
        Assert.Equal([WebhookEventTypes.CaseInfoRequested, WebhookEventTypes.CaseDecided, WebhookEventTypes.CaseWithdrawn], events.Select(e => e.Type));
        Assert.Equal([id, id, other], events.Select(e => e.CaseId!.Value));
        Assert.All(events, e => Assert.Null(e.FannedOutAt));
        Assert.Equal(3, events.Select(e => e.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task A_receiver_answering_500_five_times_gets_the_same_webhook_id_until_it_answers_200()
    {
        await using var receiver = new WebhookReceiver();
        var calls = 0;
        receiver.Answer = _ => Interlocked.Increment(ref calls) <= 5 ? 500 : 200;
        await receiver.StartAsync();
        await using var app = App();
        var endpoint = await app.EndpointAsync(receiver.Url());

        await app.DecidedCaseAsync();

        await Eventually(() => receiver.Succeeded.Any(), Limit, "delivered after five failures");
        await Eventually(async () => (await app.DeliveriesAsync()).SingleOrDefault()?.Status == DeliveryStatus.Delivered, Limit, "marked delivered");
        var all = receiver.Received.ToList();
        Assert.Equal([500, 500, 500, 500, 500, 200], all.Select(r => r.AnsweredWith));
        Assert.Single(all.Select(r => r.Id).Distinct());
        var verifier = new WebhookVerifier(endpoint.Secret);
        Assert.All(all, r => verifier.Verify(r.Headers, r.Body));
        Assert.Single(all.Select(r => r.Body).Distinct());
        var row = (await app.DeliveriesAsync()).Single();
        Assert.Equal((6, 200), (row.Attempts, row.LastStatusCode));
        Assert.Equal(5, receiver.Received.Count(r => r.AnsweredWith == 500));
    }

    [Fact]
    public async Task A_receiver_down_for_a_while_then_back_gets_every_event_in_per_case_order()
    {
        await using var receiver = new WebhookReceiver(); // not started: the port refuses connections
        await using var app = App();
        var endpoint = await app.EndpointAsync(receiver.Url());

        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await app.InfoThenDecisionAsync());
        }
        await Eventually(async () => (await app.DeliveriesAsync()).Count(d => d.Attempts >= 3) >= 5, Limit, "first deliveries failing");
        var whileDown = await app.DeliveriesAsync();
        Assert.All(whileDown, d => Assert.Equal(DeliveryStatus.Pending, d.Status));
        // Each case's decision waits for its info request: it was never tried while the first one was pending.
        Assert.All(whileDown.Where(d => d.Type == WebhookEventTypes.CaseDecided), d => Assert.Equal(0, d.Attempts));

        await receiver.StartAsync();
        await Eventually(() => receiver.Succeeded.Select(r => r.Id).Distinct().Count() == 10, Limit, "all ten events delivered");

        var verifier = new WebhookVerifier(endpoint.Secret);
        var events = receiver.Succeeded.Select(r => verifier.Verify(r.Headers, r.Body).ReadEvent()).ToList();
        foreach (var id in ids)
        {
            var mine = events.Where(e => e.GetData<System.Text.Json.JsonElement>().GetProperty("caseId").GetGuid() == id).Select(e => e.Type).ToList();
            Assert.Equal([WebhookEventTypes.CaseInfoRequested, WebhookEventTypes.CaseDecided], mine);
        }
        await Eventually(async () => (await app.DeliveriesAsync()).All(d => d.Status == DeliveryStatus.Delivered), Limit, "all marked delivered");
    }

    [Fact]
    public async Task A_slow_receiver_does_not_hold_up_another_receivers_deliveries()
    {
        await using var slow = new WebhookReceiver { Delay = TimeSpan.FromSeconds(4) };
        await using var fast = new WebhookReceiver();
        await slow.StartAsync();
        await fast.StartAsync();
        await using var app = App();
        await app.EndpointAsync(slow.Url());
        await app.EndpointAsync(fast.Url());

        for (var i = 0; i < 3; i++)
        {
            await app.DecidedCaseAsync();
        }

        await Eventually(() => fast.Succeeded.Count() == 3, TimeSpan.FromSeconds(20), "the fast receiver got all three");
        Assert.Empty(slow.Received); // still waiting for the slow one's first answers
        await Eventually(() => slow.Succeeded.Count() == 3, Limit, "the slow receiver got them too");
    }

    [Fact]
    public async Task A_rotated_secret_and_the_previous_one_both_sign_during_the_overlap()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await using var app = App();
        var admin = app.Services.GetRequiredService<WebhookAdmin>();
        var created = await app.EndpointAsync(receiver.Url());
        var rotated = Assert.IsType<AdminResult<EndpointSecret>.Ok>(await admin.RotateAsync(created.Endpoint.Id, "adam")).Value;
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.True(rotated.Endpoint.Rotating);

        Assert.IsType<AdminResult<DeliveryView>.Ok>(await admin.SendTestAsync(created.Endpoint.Id, "adam"));

        await Eventually(() => receiver.Succeeded.Any(), Limit, "the test event delivered");
        var got = Assert.Single(receiver.Received);
        Assert.Equal(2, got.Headers["webhook-signature"].Split(' ').Length);
        Assert.Equal(WebhookEventTypes.Test, new WebhookVerifier(created.Secret).Verify(got.Headers, got.Body).ReadEvent().Type);
        Assert.Equal(WebhookEventTypes.Test, new WebhookVerifier(rotated.Secret).Verify(got.Headers, got.Body).ReadEvent().Type);
        // The stored endpoint never holds a secret in plain text.
        var stored = await app.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync());
        Assert.DoesNotContain(rotated.Secret, stored.SecretProtected + stored.PreviousSecretProtected, StringComparison.Ordinal);
        Assert.DoesNotContain(rotated.Secret["whsec_".Length..], stored.SecretProtected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dead_lettered_delivery_is_replayed_with_its_webhook_id()
    {
        await using var receiver = new WebhookReceiver();
        var failing = true;
        receiver.Answer = _ => failing ? 503 : 200;
        await receiver.StartAsync();
        await using var app = App();
        app.Settings["Webhooks:RetryFor"] = "00:00:01";
        await app.EndpointAsync(receiver.Url());
        await app.DecidedCaseAsync();

        await Eventually(async () => (await app.DeliveriesAsync()).SingleOrDefault()?.Status == DeliveryStatus.Dead, Limit, "dead-lettered");
        var dead = (await app.DeliveriesAsync()).Single();
        Assert.True(dead.Attempts >= 1);
        Assert.Equal(503, dead.LastStatusCode);
        var admin = app.Services.GetRequiredService<WebhookAdmin>();
        Assert.Single(await admin.DeliveriesAsync("demo-agent", DeliveryStatus.Dead));

        failing = false;
        Assert.IsType<AdminResult<DeliveryView>.Ok>(await admin.ReplayAsync(dead.Id, "adam"));
        await Eventually(async () => (await app.DeliveriesAsync()).SingleOrDefault()?.Status == DeliveryStatus.Delivered, Limit, "delivered after the replay");
        Assert.Single(receiver.Received.Select(r => r.Id).Distinct());
        Assert.Equal(dead.MessageId, receiver.Succeeded.Single().Id);
        // A delivered one is not replayed.
        Assert.IsType<AdminResult<DeliveryView>.Invalid>(await admin.ReplayAsync(dead.Id, "adam"));
    }

    [Fact]
    public async Task A_callback_url_on_the_allow_list_is_called_signed_with_the_clients_callback_secret()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await using var app = App();
        var json = Samples.Json(Samples.Queues);
        json["callbackUrl"] = receiver.Url("/case-callback");
        using var created = await app.ApiClient().PostAsync("/api/v1/cases", new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!.Id;

        await app.DecideAsync(id);

        await Eventually(() => receiver.Succeeded.Any(), Limit, "the callback called");
        var got = Assert.Single(receiver.Received);
        // The demo client's callback secret is the one in appsettings.Development.json.
        var evt = new WebhookVerifier("whsec_ZGVtby1hZ2VudC13ZWJob29rLXNlY3JldC0wMQ==").Verify(got.Headers, got.Body).ReadEvent();
        Assert.Equal(id, evt.GetData<DecisionView>()!.CaseId);

        // A host that is not on the client's list is refused at intake, and nothing is written.
        var before = await app.RowCountsAsync();
        json = Samples.Json(Samples.Queues);
        json["callbackUrl"] = "https://hooks.elsewhere.example/x";
        using var refused = await app.ApiClient().PostAsync("/api/v1/cases", new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("allow-list", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await app.RowCountsAsync());
    }

    [Fact]
    public async Task Private_and_loopback_targets_are_refused_unless_the_setting_allows_them()
    {
        await using var app = App();
        app.Settings["Webhooks:AllowPrivateTargets"] = "false";
        var admin = app.Services.GetRequiredService<WebhookAdmin>();
        foreach (var url in new[] { "https://127.0.0.1/h", "https://10.1.2.3/h", "https://192.168.0.5/h", "https://[::1]/h", "https://localhost/h", "http://hooks.example.com/h", "https://169.254.169.254/latest" })
        {
            var result = await admin.CreateEndpointAsync(new CreateEndpointRequest("demo-agent", url, null), "adam");
            Assert.Contains("$.url", Assert.IsType<AdminResult<EndpointSecret>.Invalid>(result).Errors.Keys);
        }
        Assert.IsType<AdminResult<EndpointSecret>.Ok>(await admin.CreateEndpointAsync(new CreateEndpointRequest("demo-agent", "https://hooks.example.com/h", null), "adam"));

        // At send time every resolved address is checked again: a name that resolves to loopback is not connected to.
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        using var guarded = new HttpClient(new SocketsHttpHandler { ConnectCallback = TargetGuard.ConnectCallback(() => false), AllowAutoRedirect = false });
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => guarded.PostAsync($"http://localhost:{receiver.Port}/h", new StringContent("{}")));
        Assert.Contains("private", ex.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
        using var open = new HttpClient(new SocketsHttpHandler { ConnectCallback = TargetGuard.ConnectCallback(() => true) });
        Assert.Equal(HttpStatusCode.NoContent, (await open.PostAsync($"http://localhost:{receiver.Port}/h", new StringContent("{}"))).StatusCode);
    }
}
