using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Testing.Notifications;
using Workbench.Web.Notifications;
using Workbench.Web.Review;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Notifications;

/// <summary>
/// The app with every channel pointed at a real server on 127.0.0.1: an SMTP server, one HTTP receiver standing in for
/// Slack, Teams and a browser's push service, and a browser's push keys. The clock is the test's; the planner and the
/// sender do not run on their own (Notifications:Enabled false): the tests call them, so each step happens when they say.
/// The policy is the shipped one with policy-legal on a round-the-clock 4 h SLA that escalates to security.
/// </summary>
public sealed class NotificationTestApp : IAsyncDisposable
{
    private readonly string _policyPath;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public SmtpTestServer Smtp { get; } = new();
    public WebhookReceiver Receiver { get; } = new();
    public VapidKeys Vapid { get; } = VapidKeys.Create();
    public WorkbenchFactory App { get; }

    public NotificationTestApp(Action<Dictionary<string, string?>>? settings = null)
    {
        _policyPath = PolicyFiles.Write(PolicyFiles.LegalEscalatingToSecurity);
        var all = new Dictionary<string, string?>
        {
            ["Policy:Path"] = _policyPath,
            ["Notifications:Enabled"] = "false",
            ["Notifications:PublicBaseUrl"] = "http://localhost",
            ["Notifications:AllowPrivateTargets"] = "true",
            ["Notifications:FirstRetryDelay"] = "00:00:01",
            ["Sla:Interval"] = "1.00:00:00",
        };
        foreach (var (k, v) in Smtp.Settings.Concat(Vapid.Settings))
        {
            all[k] = v;
        }
        settings?.Invoke(all);
        App = new WorkbenchFactory
        {
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(Clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            },
        };
        foreach (var (k, v) in all)
        {
            App.Settings[k] = v;
        }
    }

    public async Task StartAsync()
    {
        // A push service answers 201 Created (RFC 8030 §5); Slack and Teams answer 200.
        Receiver.Answer = r => r.Path.StartsWith("/push/", StringComparison.Ordinal) ? 201 : 200;
        await Receiver.StartAsync();
        // The first request waits for the app to have started: migrated, policy loaded, people seeded.
        using var client = App.CreateClient();
        using var ready = await client.GetAsync("/health/ready");
        Assert.True(ready.IsSuccessStatusCode, $"The app is not ready: {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}");
        await PlanAsync(); // the cursor starts at the head of the chain
    }

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public Task<int> PlanAsync() => Get<NotificationPlanner>().PlanAsync();

    public Task<int> SendAsync() => Get<NotificationSender>().SendDueAsync();

    /// <summary>Plans and sends until nothing is left to do now.</summary>
    public async Task FlushAsync()
    {
        await PlanAsync();
        while (await SendAsync() > 0)
        {
        }
    }

    public Task<List<NotificationRecord>> NotificationsAsync() =>
        App.WithDbAsync(db => db.Notifications.AsNoTracking().OrderBy(n => n.Id).ToListAsync());

    /// <summary>Subscribes a browser of <paramref name="user"/> whose push service is the receiver at <paramref name="path"/>.</summary>
    public async Task<WebPushBrowser> SubscribeBrowserAsync(string user, string path = "/push/1")
    {
        var browser = new WebPushBrowser();
        using var client = await App.SignedInAs(user);
        using var response = await client.PostAsJsonAsync("/api/v1/me/push-subscriptions", browser.Subscription(Receiver.Url(path)));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        return browser;
    }

    public async Task SetQueueChannelsAsync(string queue, string? lead = null, params string[] chain)
    {
        var result = await Get<NotificationSettings>().SaveQueueAsync(queue,
            new QueueSettingsRequest(lead, chain, Receiver.Url($"/slack/{queue}"), Receiver.Url($"/teams/{queue}")), "adam", default);
        Assert.IsType<SettingsResult.Ok>(result);
    }

    public async Task<Guid> QueuedLegalCaseAsync(string? externalId = null)
    {
        var body = Samples.Json(Samples.Queues, externalId);
        var receipt = await App.SubmitJsonAsync(body);
        Assert.Equal("policy-legal", receipt.Queue);
        return receipt.Id;
    }

    public Task<SlaSweepResult> SweepAsync() => Get<SlaMonitor>().SweepAsync();

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
        Smtp.Dispose();
        File.Delete(_policyPath);
    }
}
