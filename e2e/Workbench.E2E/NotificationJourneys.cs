using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;
using Workbench.Testing.Notifications;

namespace Workbench.E2E;

/// <summary>
/// The app in its own process with every notification channel on loopback: an SMTP server, one HTTP receiver standing
/// in for Slack, Teams and a browser's push service, and VAPID keys.
/// </summary>
public sealed class NotificationApp : IAsyncLifetime
{
    public AppServer App { get; } = new();
    public SmtpTestServer Smtp { get; } = new();
    public WebhookReceiver Receiver { get; } = new();
    public VapidKeys Vapid { get; } = VapidKeys.Create();

    public async Task InitializeAsync()
    {
        // A push service answers 201 Created (RFC 8030); Slack and Teams answer 200.
        Receiver.Answer = r => r.Path.StartsWith("/push/", StringComparison.Ordinal) ? 201 : 200;
        await Receiver.StartAsync();
        foreach (var (key, value) in Smtp.Settings.Concat(Vapid.Settings))
        {
            App.Settings[key] = value!;
        }
        App.Settings["Notifications:AllowPrivateTargets"] = "true";
        App.Settings["Notifications:PublicBaseUrl"] = App.BaseUrl;
        App.Settings["Notifications:Interval"] = "00:00:01";
        await App.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
        Smtp.Dispose();
    }
}

/// <summary>
/// An admin sets up a queue's Slack and Teams targets and sends a test through each channel; a reviewer sets his
/// preferences and turns browser notifications on and off. Headless Chromium refuses a real push subscription
/// (<c>pushManager.subscribe</c> rejects with "AbortError: Registration failed - permission denied" even with the
/// notifications permission granted; its push service would be Google's, out of reach here), so the page's PushManager
/// is given a subscription whose endpoint is the local receiver and whose keys the test holds. Everything else is real:
/// the service worker's registration, the page's button, the API, the stored subscription, and the encrypted, VAPID-signed
/// push arriving at that endpoint.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class NotificationJourneys(BrowserFixture browser, NotificationApp fixture) : IClassFixture<NotificationApp>
{
    /// <summary>
    /// A full-page shot from the top, the pointer off every tooltip. The window is first made as tall as the page:
    /// Chromium does not paint a cross-origin frame outside the window — and the mail preview, a sandboxed frame, has an
    /// opaque origin — so a full-page shot of a 900-pixel window showed its frame empty below the fold. A tall window
    /// also keeps the fixed app bar at the top and the side menu the page's full height.
    /// </summary>
    private static async Task Shot(IPage page, string name)
    {
        await page.Mouse.MoveAsync(1, 899);
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        var mail = page.Locator("[data-testid='mail-preview']");
        if (await mail.CountAsync() > 0)
        {
            await Assertions.Expect(page.FrameLocator("[data-testid='mail-preview']").GetByText("Open the case")).ToBeVisibleAsync();
        }
        var height = await page.EvaluateAsync<int>("document.documentElement.scrollHeight");
        await page.SetViewportSizeAsync(1440, Math.Max(900, height));
        await page.EvaluateAsync("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
        await page.SetViewportSizeAsync(1440, 900);
    }

    /// <summary>Replaces the browser's push service with one that hands out <paramref name="keys"/> at <paramref name="endpoint"/>.</summary>
    private static Task LocalPushServiceAsync(IBrowserContext context, string endpoint, WebPushBrowser keys) => context.AddInitScriptAsync($$"""
        (() => {
          let current = null;
          const make = () => ({
            endpoint: {{JsonSerializer.Serialize(endpoint)}},
            toJSON() { return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: {{JsonSerializer.Serialize(keys.P256dh)}}, auth: {{JsonSerializer.Serialize(keys.Auth)}} } }; },
            unsubscribe() { current = null; return Promise.resolve(true); },
          });
          if (self.PushManager) {
            PushManager.prototype.subscribe = function () { current = make(); return Promise.resolve(current); };
            PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
          }
        })();
        """);

    private async Task<(IBrowserContext Context, IPage Page)> SignInAsync(NotificationApp app, string user, string path, WebPushBrowser? push = null,
        string pushPath = "/push/e2e")
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.App.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            Permissions = ["notifications"],
        });
        if (push is not null)
        {
            await LocalPushServiceAsync(context, app.Receiver.Url(pushPath), push);
        }
        var page = await context.NewPageAsync();
        await page.DevSignInAsync(user, path);
        await page.WaitInteractiveAsync();
        return (context, page);
    }

    private static Task SendTestAsync(IPage page, string channel) =>
        page.GetByRole(AriaRole.Button, new() { Name = $"Send a test by {channel}" }).ClickAsync();

    private static async Task DarkAsync(IPage page) =>
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();

    [Fact]
    public async Task An_admin_sets_a_queues_Slack_and_Teams_targets_and_each_channels_test_really_arrives()
    {
        var (context, page) = await SignInAsync(fixture, "adam", "/admin/notifications");
        await using var _ = context;
        await Assertions.Expect(page.Locator("[data-testid='channels'] tr[data-channel='email']")).ToContainTextAsync("SMTP 127.0.0.1");

        // A malformed URL: said next to the field, nothing stored.
        var row = page.Locator("[data-testid='queue-channels'] tr[data-queue='policy-legal']");
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit policy-legal" }).ClickAsync();
        var editor = page.Locator("[data-testid='queue-editor']");
        await editor.GetByLabel("Slack incoming webhook URL").FillAsync("hooks.slack.com/services/T0/B0/x");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save policy-legal" }).ClickAsync();
        await Assertions.Expect(editor.Locator("[data-testid='queue-errors']")).ToContainTextAsync("Not an absolute URL.");
        await Shot(page, "notifications-admin-invalid");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("every lead");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("—");

        // The real targets: the local receiver standing in for Slack and Teams.
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit policy-legal" }).ClickAsync();
        await editor.GetByLabel("Escalation chain").FillAsync("adam");
        await editor.GetByLabel("Slack incoming webhook URL").FillAsync(fixture.Receiver.Url("/slack/policy-legal"));
        await editor.GetByLabel("Teams incoming webhook URL").FillAsync(fixture.Receiver.Url("/teams/policy-legal"));
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save policy-legal" }).ClickAsync();
        await Assertions.Expect(editor).ToHaveCountAsync(0);
        await Assertions.Expect(row).ToContainTextAsync($"http://127.0.0.1:{fixture.Receiver.Port}/…");
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("adam");

        foreach (var (channel, path) in new[] { ("Slack", "/slack/policy-legal"), ("Teams", "/teams/policy-legal") })
        {
            await SendTestAsync(page, channel);
            // This channel's result by name: the alert still shows the last channel's "Sent:" until the click's render arrives.
            await Assertions.Expect(page.Locator("[data-testid='test-result']")).ToContainTextAsync($"Sent: the {channel} test was accepted");
            // The planner runs too: once the queue has targets, the demo cases' own notices may arrive beside the test.
            Assert.Single(fixture.Receiver.Received, r => r.Path == path && r.Body.Contains("Workbench test message", StringComparison.Ordinal));
        }

        await SendTestAsync(page, "Email");
        await Assertions.Expect(page.Locator("[data-testid='test-result']")).ToContainTextAsync("Sent:");
        Assert.Single(await fixture.Smtp.WaitForAsync("adam@workbench.test"), m => m.Subject == "Workbench test message");

        await Assertions.Expect(page.Locator("[data-testid='slack-preview']")).ToContainTextAsync("SLA breached: case refund-20931");
        await Shot(page, "notifications-admin-light");
        await DarkAsync(page);
        await Shot(page, "notifications-admin-dark");
    }

    [Fact]
    public async Task A_reviewer_sets_quiet_hours_and_a_digest_and_turns_browser_notifications_on_and_off()
    {
        using var keys = new WebPushBrowser();
        var (context, page) = await SignInAsync(fixture, "rita", "/account/notifications", keys);
        await using var _ = context;
        await Assertions.Expect(page.Locator("[data-testid='browser-state']")).ToContainTextAsync("This browser is not subscribed. 0 browsers");

        await page.GetByLabel("Time zone").FillAsync("Europe/Berlln");
        await page.GetByLabel("Quiet from").FillAsync("22:00");
        await page.GetByLabel("Quiet until").FillAsync("22:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).ClickAsync();
        var errors = page.Locator("[data-testid='preferences-errors']");
        await Assertions.Expect(errors).ToContainTextAsync("'Europe/Berlln' is not a time zone this server knows");
        await Assertions.Expect(errors).ToContainTextAsync("The quiet hours start and end at the same time");
        await Shot(page, "notifications-preferences-invalid");

        await page.GetByLabel("Time zone").FillAsync("Europe/Berlin");
        await page.GetByLabel("Quiet until").FillAsync("07:00");
        await page.Locator("tr[data-kind='sla_at_risk']").GetByRole(AriaRole.Checkbox).Last.CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='preferences-saved']")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.GetByLabel("Quiet until")).ToHaveValueAsync("07:00");
        await Assertions.Expect(page.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Berlin");

        // On: the service worker registers, the subscription is posted and stored for rita.
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on in this browser" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='browser-message']")).ToContainTextAsync("This browser will show your notifications.");
        await Assertions.Expect(page.Locator("[data-testid='browser-state']")).ToContainTextAsync("This browser is subscribed. 1 browser of yours subscribed");
        Assert.True(await page.EvaluateAsync<bool>("async () => !!(await navigator.serviceWorker.getRegistration('/'))"));
        await Shot(page, "notifications-preferences-light");
        await DarkAsync(page);
        await Shot(page, "notifications-preferences-dark");

        // Off: removed on the server too.
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn off in this browser" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='browser-state']")).ToContainTextAsync("This browser is not subscribed. 0 browsers");
    }

    /// <summary>A sample case the default policy queues in support (a refund within its limits, needing approval).</summary>
    private static async Task<(Guid Id, string ExternalId)> SupportCaseAsync(AgentApi agent)
    {
        foreach (var sample in new[] { "009-", "010-", "014-", "015-" })
        {
            var (id, externalId) = await agent.SubmitAsync(AgentApi.Sample(sample));
            if ((await agent.GetAsync($"/api/v1/cases/{id}")).GetProperty("queue").GetString() == "support")
            {
                return (id, externalId);
            }
        }
        throw new InvalidOperationException("None of the refund samples is queued in support by the default policy any more.");
    }

    /// <summary>
    /// The push the app sent, decrypted with the subscription's keys, handed to this browser's service worker as a push
    /// event (DevTools' <c>ServiceWorker.deliverPushMessage</c>: the step a real push service would take) — so what the
    /// person sees is what <c>sw.js</c> makes of the app's payload.
    /// </summary>
    [Fact]
    public async Task A_reviewers_mention_arrives_as_a_browser_notification_shown_by_the_service_worker()
    {
        using var keys = new WebPushBrowser();
        var (context, page) = await SignInAsync(fixture, "mia", "/account/notifications", keys, "/push/mia");
        await using var _ = context;
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on in this browser" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='browser-state']")).ToContainTextAsync("This browser is subscribed.");

        var devTools = await context.NewCDPSessionAsync(page);
        var registrations = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        devTools.Event("ServiceWorker.workerRegistrationUpdated").OnEvent += (_, e) =>
        {
            foreach (var r in e!.Value.GetProperty("registrations").EnumerateArray())
            {
                registrations[r.GetProperty("scopeURL").GetString()!] = r.GetProperty("registrationId").GetString()!;
            }
        };
        // The worker's versions as DevTools reports them (status, running status): said when no notification shows.
        var versions = new ConcurrentQueue<string>();
        devTools.Event("ServiceWorker.workerVersionUpdated").OnEvent += (_, e) =>
        {
            foreach (var v in e!.Value.GetProperty("versions").EnumerateArray())
            {
                versions.Enqueue($"{v.GetProperty("versionId").GetString()} {v.GetProperty("status").GetString()}/{v.GetProperty("runningStatus").GetString()}");
            }
        };
        await devTools.SendAsync("ServiceWorker.enable");
        var scope = fixture.App.BaseUrl + "/";
        await WebhookTestKit.Eventually(() => registrations.ContainsKey(scope), TimeSpan.FromSeconds(30), "the service worker's registration is known");

        // rita mentions mia in a note on a case of the support queue, which both work (a person who could not open the
        // case cannot be mentioned), in her own browser.
        var (id, externalId) = await SupportCaseAsync(new AgentApi(fixture.App.BaseUrl));
        var (ritaContext, rita) = await SignInAsync(fixture, "rita", $"/cases/{id}");
        await using (ritaContext)
        {
            await rita.GetByLabel("Add a note (@name mentions a colleague)").FillAsync("@mia could you check the refund amount?");
            await rita.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
            await Assertions.Expect(rita.Locator("[data-testid='note-thread'] li.note")).ToContainTextAsync("mentions @mia");
        }

        // The push service (the local receiver) gets it encrypted for mia's subscription and signed with the app's VAPID key.
        var endpoint = fixture.Receiver.Url("/push/mia");
        await WebhookTestKit.Eventually(() => fixture.Receiver.Received.Any(r => r.Path == "/push/mia"), TimeSpan.FromSeconds(30),
            "the mention was pushed to mia's browser");
        var push = Assert.Single(fixture.Receiver.Received, r => r.Path == "/push/mia");
        WebPushBrowser.VerifyVapid(push.Headers["authorization"], fixture.Vapid.PublicKey, endpoint);
        var payload = keys.Decrypt(push.Bytes);

        // DevTools hands the message over without an answer; a worker that is stopping just then drops it. A push service
        // hands it again when the browser did not take it, so the journey does too, once, after 10 s: both carry the
        // same tag, so the second one replaces the first and one notification shows either way.
        async Task DeliverAsync() => await devTools.SendAsync("ServiceWorker.deliverPushMessage", new()
        {
            ["origin"] = fixture.App.BaseUrl,
            ["registrationId"] = registrations[scope],
            ["data"] = payload,
        });
        await DeliverAsync();

        // What the service worker showed, as the browser keeps it.
        const string Shown = """
            async () => {
              const registration = await navigator.serviceWorker.getRegistration('/');
              return (await registration.getNotifications()).map(n => ({ title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url }));
            }
            """;
        JsonElement notification = default;
        async Task<bool> ShownAsync()
        {
            var shown = await page.EvaluateAsync<JsonElement>(Shown);
            if (shown.GetArrayLength() == 0)
            {
                return false;
            }
            notification = shown[0];
            return true;
        }
        try
        {
            await WebhookTestKit.Eventually(ShownAsync, TimeSpan.FromSeconds(10), "the service worker showed the notification");
        }
        catch (TimeoutException)
        {
            await DeliverAsync();
            try
            {
                await WebhookTestKit.Eventually(ShownAsync, TimeSpan.FromSeconds(30), "the service worker showed the notification");
            }
            catch (TimeoutException e)
            {
                var permission = await page.EvaluateAsync<string>("() => Notification.permission");
                throw new TimeoutException($"{e.Message}; notification permission {permission}; the worker's versions: {string.Join(", ", versions)}", e);
            }
        }
        Assert.Equal($"rita mentioned you on case {externalId}", notification.GetProperty("title").GetString());
        Assert.Contains("rita mentioned you in a note on case " + externalId, notification.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"{fixture.App.BaseUrl}/go/", notification.GetProperty("url").GetString(), StringComparison.Ordinal);
    }
}
