using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workbench.Core.Cases;
using Workbench.Data;
using Workbench.Web.Components.Pages.Admin;
using Workbench.Web.Components.Pages.Notifications;
using Workbench.Web.Notifications;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Notifications;

/// <summary>
/// The preferences page and a queue's channel editor over the real settings service and database (the app on its own
/// SQLite file, private targets refused as in production): a mistake is said on the page, and nothing is written.
/// </summary>
public sealed class NotificationPageTests : ComponentTest, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly WorkbenchFactory _app = new();

    public new async Task InitializeAsync()
    {
        _app.Settings["Notifications:Enabled"] = "false";
        foreach (var (key, value) in Workbench.Testing.Notifications.VapidKeys.Create().Settings)
        {
            _app.Settings[key] = value;
        }
        using var client = _app.CreateClient();
        using var ready = await client.GetAsync("/health/ready");
        Assert.True(ready.IsSuccessStatusCode);
        foreach (var type in new[] { typeof(NotificationSettings), typeof(IDbContextFactory<WorkbenchDbContext>), typeof(WebPushChannel) })
        {
            Context.Services.AddSingleton(type, _app.Services.GetRequiredService(type));
        }
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _app.DisposeAsync();
    }

    private static async Task Type(IRenderedComponent<IComponent> cut, string label, string value)
    {
        var field = cut.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == label);
        await cut.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync(value));
    }

    private static Task Press(IRenderedComponent<IComponent> cut, string text) =>
        cut.FindAll("button").Single(b => b.TextContent.Trim().StartsWith(text, StringComparison.Ordinal)).ClickAsync(new MouseEventArgs());

    private Task<int> PreferenceRowsAsync() => _app.WithDbAsync(db => db.NotificationPreferences.CountAsync());

    private IRenderedComponent<Preferences> RenderPreferences(string user)
    {
        Context.AddAuthorization().SetAuthorized(user);
        var page = Render<Preferences>(_ => { });
        page.WaitForElement("[data-testid='preference-events']", Wait);
        return page;
    }

    [Fact]
    public async Task Quiet_hours_that_make_no_sense_and_an_unknown_time_zone_are_said_on_the_page_and_nothing_is_stored()
    {
        var page = RenderPreferences("rita");

        await Type(page, "Time zone", "Mars/Olympus_Mons");
        await Type(page, "Quiet from", "22:00");
        await Type(page, "Quiet until", "22:00");
        await Press(page, "Save preferences");
        page.WaitForAssertion(() =>
        {
            var errors = page.Find("[data-testid='preferences-errors']").TextContent;
            Assert.Contains("'Mars/Olympus_Mons' is not a time zone this server knows", errors, StringComparison.Ordinal);
            Assert.Contains("start and end at the same time", errors, StringComparison.Ordinal);
        }, Wait);

        await Type(page, "Time zone", "Europe/Berlin");
        await Type(page, "Quiet until", "25:00");
        await Press(page, "Save preferences");
        page.WaitForAssertion(() => Assert.Contains("'25:00' is not a time of day", page.Find("[data-testid='preferences-errors']").TextContent,
            StringComparison.Ordinal), Wait);

        await Type(page, "Quiet until", "");
        await Press(page, "Save preferences");
        page.WaitForAssertion(() => Assert.Contains("Give both the start and the end", page.Find("[data-testid='preferences-errors']").TextContent,
            StringComparison.Ordinal), Wait);
        Assert.Equal(0, await PreferenceRowsAsync());

        // Across midnight in Berlin, a daily digest at 08:30: stored for rita, and only for her.
        await Type(page, "Quiet until", "07:00");
        await page.InvokeAsync(() => page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Digest").Instance.ValueChanged.InvokeAsync("daily"));
        await Type(page, "Daily at", "08:30");
        await Press(page, "Save preferences");
        page.WaitForElement("[data-testid='preferences-saved']", Wait);
        var stored = await _app.WithDbAsync(db => db.NotificationPreferences.AsNoTracking().SingleAsync());
        Assert.Equal(("rita", "Europe/Berlin", 22 * 60, 7 * 60, "daily", 8 * 60 + 30),
            (stored.UserName, stored.TimeZone, stored.QuietFromMinute, stored.QuietToMinute, stored.Digest, stored.DigestAtMinute));
    }

    private async Task<IRenderedComponent<QueueChannelEditor>> RenderEditorAsync(List<string> saved)
    {
        var queue = (await _app.Services.GetRequiredService<NotificationSettings>().QueuesAsync(default)).Single(q => q.Queue == "policy-legal");
        return Render<QueueChannelEditor>(p => p
            .Add(x => x.Queue, queue)
            .Add(x => x.Leads, ["adam", "lena"])
            .Add(x => x.Actor, "adam")
            .Add(x => x.Saved, () => saved.Add("saved")));
    }

    [Fact]
    public async Task A_malformed_webhook_URL_an_inside_address_and_a_person_who_is_not_a_lead_are_refused_and_nothing_is_stored()
    {
        var saved = new List<string>();
        var editor = await RenderEditorAsync(saved);
        await editor.InvokeAsync(() => editor.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Lead").Instance.ValueChanged.InvokeAsync("rita"));
        await Type(editor, "Escalation chain", "lena, nobody");
        await Type(editor, "Slack incoming webhook URL", "hooks.slack.com/services/T0/B0/x");
        // The cloud metadata address: what an attacker with an admin's session would point a channel at.
        await Type(editor, "Teams incoming webhook URL", "http://169.254.169.254/latest/meta-data/");
        await Press(editor, "Save policy-legal");
        editor.WaitForAssertion(() =>
        {
            var errors = editor.Find("[data-testid='queue-errors']").TextContent;
            Assert.Contains("'rita' is not a lead", errors, StringComparison.Ordinal);
            Assert.Contains("Nobody is called nobody.", errors, StringComparison.Ordinal);
            Assert.Contains("Not an absolute URL.", errors, StringComparison.Ordinal);
            Assert.Contains("Must be an https URL.", errors, StringComparison.Ordinal);
        }, Wait);

        await editor.InvokeAsync(() => editor.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Lead").Instance.ValueChanged.InvokeAsync("lena"));
        await Type(editor, "Escalation chain", "adam");
        await Type(editor, "Slack incoming webhook URL", "https://hooks.slack.com.evil.example/services/x");
        await Type(editor, "Teams incoming webhook URL", "https://169.254.169.254/latest/meta-data/");
        await Press(editor, "Save policy-legal");
        editor.WaitForAssertion(() =>
        {
            var errors = editor.Find("[data-testid='queue-errors']").TextContent;
            Assert.Contains("A Slack incoming webhook is an https://hooks.slack.com/services/… URL.", errors, StringComparison.Ordinal);
            Assert.Contains("Must not point at this server, or at a loopback, link-local, private", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("is not a lead", errors, StringComparison.Ordinal);
        }, Wait);
        Assert.Empty(saved);
        Assert.Equal(0, await _app.WithDbAsync(db => db.QueueNotifications.CountAsync()));
        Assert.Equal(0, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.Type == AuditEventTypes.NotificationQueueChanged)));

        await Type(editor, "Slack incoming webhook URL", "https://hooks.slack.com/services/T000/B000/secret");
        await Type(editor, "Teams incoming webhook URL", "https://contoso.webhook.office.com/webhookb2/secret");
        await Press(editor, "Save policy-legal");
        editor.WaitForAssertion(() => Assert.Single(saved), Wait);
        var view = (await _app.Services.GetRequiredService<NotificationSettings>().QueuesAsync(default)).Single(q => q.Queue == "policy-legal");
        Assert.Equal(("lena", "adam", "https://hooks.slack.com/…", "https://contoso.webhook.office.com/…"),
            (view.Lead, string.Join(' ', view.EscalationChain), view.Slack, view.Teams));
    }

    /// <summary>
    /// The "Turn on" button stays disabled until the page's script has loaded and answered what this browser can do: a
    /// click before that would have nothing to call and would do nothing (seen in a real browser on a slow start).
    /// </summary>
    [Fact]
    public async Task The_turn_on_button_is_disabled_until_the_pages_script_has_answered_and_then_subscribes()
    {
        var module = Context.JSInterop.SetupModule("./js/push.js");
        var state = module.Setup<BrowserSubscription.PushState?>("state");
        var subscribe = module.Setup<BrowserSubscription.PushAnswer?>("subscribe", _ => true);
        var cut = Render<BrowserSubscription>(p => p.Add(x => x.UserName, "rita"));
        IElement TurnOn() => cut.FindAll("button").Single(b => b.TextContent.Contains("Turn on in this browser", StringComparison.Ordinal));

        cut.WaitForAssertion(() => Assert.Contains("Checking this browser", cut.Find("[data-testid='browser-state']").TextContent, StringComparison.Ordinal), Wait);
        Assert.True(TurnOn().HasAttribute("disabled"));
        await TurnOn().ClickAsync(new MouseEventArgs());
        Assert.Empty(subscribe.Invocations);

        await cut.InvokeAsync(() => state.SetResult(new BrowserSubscription.PushState(true, "default", false)));
        cut.WaitForAssertion(() => Assert.False(TurnOn().HasAttribute("disabled")), Wait);
        Assert.Contains("This browser is not subscribed.", cut.Find("[data-testid='browser-state']").TextContent, StringComparison.Ordinal);
        await TurnOn().ClickAsync(new MouseEventArgs());
        Assert.Single(subscribe.Invocations);
    }
}
