using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workbench.Core.Cases;
using Workbench.Core.Notifications;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Tests.Notifications;

/// <summary>
/// A client's webhook endpoint that answers 500, on a real receiver on loopback, with the real dispatcher: the
/// dispatcher keeps each attempt and the endpoint's failing stretch, the admins hear once when it has failed past the
/// threshold, and once more when the dispatcher disables it.
/// </summary>
public sealed class WebhookEndpointNoticeTests : IAsyncLifetime
{
    private static readonly TimeSpan FailingAfter = TimeSpan.FromHours(1);
    private static readonly TimeSpan DisableAfter = TimeSpan.FromHours(6);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly NotificationTestApp _t = new(s =>
    {
        s["Notifications:WebhookFailingAfter"] = FailingAfter.ToString();
        s["Webhooks:DisableAfter"] = DisableAfter.ToString();
        s["Webhooks:AllowPrivateTargets"] = "true";
        s["Webhooks:FirstRetryDelay"] = "00:00:01";
        s["Webhooks:MaxDelay"] = "00:05:00";
        s["Webhooks:RetryFor"] = "10.00:00:00";
        s["Webhooks:PollInterval"] = "00:00:00.050";
    });

    public async Task InitializeAsync()
    {
        await _t.StartAsync();
        var otherwise = _t.Receiver.Answer;
        _t.Receiver.Answer = r => r.Path == "/hook" ? 500 : otherwise(r);
        _t.Receiver.AnswerBody = r => r.Path == "/hook" ? "receiver down: " + new string('x', 5000) : null;
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private Task<List<NotificationRecord>> NoticesAsync(string kind) =>
        _t.App.WithDbAsync(db => db.Notifications.AsNoTracking().Where(n => n.Kind == kind).OrderBy(n => n.Id).ToListAsync());

    private Task<WebhookEndpointRecord> EndpointAsync(Guid id) =>
        _t.App.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == id));

    private Task<int> AttemptsAsync(Guid id) => _t.App.WithDbAsync(db => db.WebhookAttempts.CountAsync(a => a.EndpointId == id));

    /// <summary>Moves the clock on and waits for the dispatcher's next attempt at the endpoint to be written.</summary>
    private async Task NextAttemptAfterAsync(TimeSpan step, Guid endpoint)
    {
        var before = await AttemptsAsync(endpoint);
        _t.Clock.Advance(step);
        await WebhookTestKit.Eventually(async () => await AttemptsAsync(endpoint) > before, Deadline, "the dispatcher tried the endpoint again");
    }

    [Fact]
    public async Task An_endpoint_answering_500_tells_the_admins_once_past_the_threshold_and_once_when_it_is_disabled()
    {
        var endpoint = await _t.App.EndpointAsync(_t.Receiver.Url("/hook"));
        await _t.App.DecidedCaseAsync();
        await WebhookTestKit.Eventually(async () => (await EndpointAsync(endpoint.Endpoint.Id)).FailingSince is not null, Deadline, "the first failure was recorded");

        // Each attempt as the receiver answered it: the status, and the first 4 KiB of what it said.
        var first = await _t.App.WithDbAsync(db => db.WebhookAttempts.AsNoTracking().OrderBy(a => a.Id).FirstAsync(a => a.EndpointId == endpoint.Endpoint.Id));
        Assert.Equal(500, first.StatusCode);
        Assert.StartsWith("receiver down: xxx", first.ResponseBody, StringComparison.Ordinal);
        Assert.Equal(WebhookDispatcher.ResponseBodyBytes, first.ResponseBody!.Length);
        var failingSince = (await EndpointAsync(endpoint.Endpoint.Id)).FailingSince;
        Assert.Equal(first.At, failingSince);

        // Failing, but not yet for as long as the threshold: nobody is told.
        await _t.FlushAsync();
        Assert.Empty(await NoticesAsync(NotificationKinds.WebhookFailing));

        // Past the threshold: one notice per admin, however often the planner runs and the endpoint fails again.
        await NextAttemptAfterAsync(FailingAfter, endpoint.Endpoint.Id);
        await _t.FlushAsync();
        await NextAttemptAfterAsync(TimeSpan.FromMinutes(30), endpoint.Endpoint.Id);
        await _t.FlushAsync();
        var failing = await NoticesAsync(NotificationKinds.WebhookFailing);
        Assert.Equal(["adam"], failing.Select(n => n.Recipient));
        Assert.Equal(NotificationStatus.Sent, failing[0].Status);
        var mail = Assert.Single(await _t.Smtp.WaitForAsync("adam@workbench.test"), m => m.Subject!.Contains("failing for", StringComparison.Ordinal));
        Assert.Contains("Last error: HTTP 500", mail.TextBody, StringComparison.Ordinal);
        Assert.True((await EndpointAsync(endpoint.Endpoint.Id)).Enabled);
        Assert.Equal(failingSince, (await EndpointAsync(endpoint.Endpoint.Id)).FailingSince);
        Assert.Empty(await NoticesAsync(NotificationKinds.WebhookDisabled));

        // Past DisableAfter: the dispatcher disables it with the reason, and the admins hear of it once.
        await NextAttemptAfterAsync(DisableAfter, endpoint.Endpoint.Id);
        // The admins are told from the audit event, which is written after the endpoint's update (on SQLite in a save of
        // its own, EndpointHealth.DisableAsync): the planner runs once the event is there.
        await WebhookTestKit.Eventually(async () => await _t.App.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Type == AuditEventTypes.WebhookEndpointDisabled)),
            Deadline, "the endpoint was disabled and the disabling audited");
        var disabled = await EndpointAsync(endpoint.Endpoint.Id);
        Assert.False(disabled.Enabled);
        Assert.Contains("every delivery failed since", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.Equal(_t.Clock.GetUtcNow(), disabled.DisabledAt);
        await _t.FlushAsync();
        await _t.FlushAsync();
        var notices = await NoticesAsync(NotificationKinds.WebhookDisabled);
        Assert.Equal(["adam"], notices.Select(n => n.Recipient));
        Assert.Equal(NotificationStatus.Sent, notices[0].Status);
        // A disabled endpoint is not tried, and is no longer "failing" news.
        var attempts = await AttemptsAsync(endpoint.Endpoint.Id);
        _t.Clock.Advance(TimeSpan.FromHours(1));
        await _t.FlushAsync();
        Assert.Single(await NoticesAsync(NotificationKinds.WebhookFailing));
        Assert.Equal(attempts, await AttemptsAsync(endpoint.Endpoint.Id));
    }

    [Fact]
    public async Task A_delivered_attempt_ends_the_failing_stretch_and_the_endpoint_is_neither_reported_nor_disabled()
    {
        var endpoint = await _t.App.EndpointAsync(_t.Receiver.Url("/hook"));
        await _t.App.DecidedCaseAsync();
        await WebhookTestKit.Eventually(async () => (await EndpointAsync(endpoint.Endpoint.Id)).FailingSince is not null, Deadline, "the endpoint is failing");

        _t.Receiver.Answer = _ => 204;
        _t.Receiver.AnswerBody = _ => null;
        _t.Clock.Advance(TimeSpan.FromMinutes(10));
        await WebhookTestKit.Eventually(async () => (await EndpointAsync(endpoint.Endpoint.Id)).FailingSince is null, Deadline, "the success cleared the stretch");
        _t.Clock.Advance(DisableAfter);
        await _t.FlushAsync();
        Assert.Empty(await NoticesAsync(NotificationKinds.WebhookFailing));
        Assert.True((await EndpointAsync(endpoint.Endpoint.Id)).Enabled);
    }

    /// <summary>
    /// Two instances (two EndpointHealth services, each with its own database context) find the same endpoint failing
    /// past <c>DisableAfter</c> at the same moment: the disable is a compare-and-set, so one of them disables it and
    /// writes the one audit event the admins are told from; the other writes nothing.
    /// </summary>
    [Fact]
    public async Task Two_instances_disabling_the_same_endpoint_at_once_disable_it_once_and_the_admins_hear_once()
    {
        // An endpoint with no deliveries: the app's own dispatcher never looks at it; it has been failing for longer than DisableAfter.
        var endpoint = await _t.App.EndpointAsync(_t.Receiver.Url("/hook"));
        var since = _t.Clock.GetUtcNow() - DisableAfter - TimeSpan.FromHours(1);
        await _t.App.WithDbAsync(db => db.WebhookEndpoints.Where(e => e.Id == endpoint.Endpoint.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.FailingSince, since)));
        EndpointHealth Instance() => new(_t.Get<IDbContextFactory<WorkbenchDbContext>>(), _t.Clock, _t.Get<IOptionsMonitor<WebhookOptions>>(),
            NullLogger<EndpointHealth>.Instance);
        var (first, second) = (Instance(), Instance());
        var now = _t.Clock.GetUtcNow();

        // Both read it enabled and past the threshold, and both try to disable it.
        var won = await Task.WhenAll(
            first.DisableAsync(endpoint.Endpoint.Id, "demo-agent", endpoint.Endpoint.Url, "every delivery failed (first instance).", now),
            second.DisableAsync(endpoint.Endpoint.Id, "demo-agent", endpoint.Endpoint.Url, "every delivery failed (second instance).", now));
        Assert.Single(won, w => w);
        // And each instance's next failed attempt finds it disabled already: nothing more is written.
        var attempt = new EndpointAttempt(endpoint.Endpoint.Id, now, false, "HTTP 500");
        await Task.WhenAll(first.RecordAsync([attempt]), second.RecordAsync([attempt]));

        var disabled = await EndpointAsync(endpoint.Endpoint.Id);
        Assert.False(disabled.Enabled);
        Assert.Equal(won[0] ? "every delivery failed (first instance)." : "every delivery failed (second instance).", disabled.DisabledReason);
        var events = await _t.App.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type == AuditEventTypes.WebhookEndpointDisabled).ToListAsync());
        Assert.Single(events);
        await _t.FlushAsync();
        await _t.FlushAsync();
        var notices = await NoticesAsync(NotificationKinds.WebhookDisabled);
        Assert.Equal(["adam"], notices.Select(n => n.Recipient));
        Assert.Single(await _t.Smtp.WaitForAsync("adam@workbench.test"), m => m.Subject!.Contains("disabled", StringComparison.Ordinal));
    }
}
