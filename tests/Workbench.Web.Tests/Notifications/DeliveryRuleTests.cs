using Microsoft.EntityFrameworkCore;
using Workbench.Core.Notifications;
using Workbench.Data.Entities;
using Workbench.Web.Auth;
using Workbench.Web.Notifications;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Notifications;

/// <summary>
/// When and where a message goes, over the real channels on loopback: quiet hours in the person's zone, a digest
/// instead of single messages, a failing channel degrading to the next, the escalation chain past the lead, and a
/// queue nobody works.
/// </summary>
public sealed class DeliveryRuleTests : IAsyncLifetime
{
    private static readonly ReviewerIdentity Lena = new("lena", true, null);
    private static readonly ReviewerIdentity Rita = new("rita", false, new HashSet<string> { "support", "policy-legal" });
    private readonly NotificationTestApp _t = new();

    public Task InitializeAsync() => _t.StartAsync();

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private async Task SaveAsync(PersonPreferences preferences) =>
        Assert.IsType<SettingsResult.Ok>(await _t.Get<NotificationSettings>().SavePreferencesAsync(preferences, default));

    private static PersonPreferences AssignedByMail(string user) => PersonPreferences.Defaults(user) with
    {
        Events = new Dictionary<string, IReadOnlyList<string>> { [NotificationKinds.Assigned] = [NotificationChannels.Email] },
    };

    private async Task<string> AssignToRitaAsync()
    {
        var id = await _t.QueuedLegalCaseAsync();
        Assert.IsType<ReviewResult.Ok>(await _t.Get<ReviewService>().AssignAsync(Lena, id, Rita));
        return (await _t.App.WithDbAsync(db => db.Cases.SingleAsync(c => c.Id == id))).ExternalId;
    }

    private async Task<List<NotificationRecord>> OfKindAsync(string kind) => (await _t.NotificationsAsync()).Where(n => n.Kind == kind).ToList();

    [Fact]
    public async Task A_message_in_the_persons_quiet_hours_waits_until_they_end_in_his_zone()
    {
        // Quiet from an hour ago to an hour from now, in New York, whatever the time of day the test runs at (across midnight too).
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var local = TimeZoneInfo.ConvertTime(_t.Clock.GetUtcNow(), zone);
        var minute = (local.Hour * 60) + local.Minute;
        await SaveAsync(AssignedByMail("rita") with
        {
            TimeZone = "America/New_York",
            QuietFromMinute = (minute + 1440 - 60) % 1440,
            QuietToMinute = (minute + 60) % 1440,
        });
        await AssignToRitaAsync();

        await _t.FlushAsync();
        Assert.Empty(_t.Smtp.MailsTo("rita@workbench.test"));
        var held = Assert.Single(await OfKindAsync(NotificationKinds.Assigned));
        Assert.Equal(NotificationStatus.Pending, held.Status);
        // Held until the end of the quiet hours: the next local minute + 60, which is 59 to 60 minutes from now.
        var wait = held.NextAttemptAt - _t.Clock.GetUtcNow();
        Assert.InRange(wait, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(60));
        Assert.Equal(0, held.Attempts);

        _t.Clock.Advance(wait);
        await _t.FlushAsync();
        // (The queue, idle for an hour by then, is news of its own: rita has no browser, so it came by mail too.)
        Assert.Single(await _t.Smtp.WaitForAsync("rita@workbench.test"), m => m.Subject!.EndsWith("was assigned to you", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_hourly_digest_sends_one_message_for_everything_of_the_hour()
    {
        await SaveAsync(AssignedByMail("rita") with { Digest = DigestSchedule.Hourly });
        var first = await AssignToRitaAsync();
        var second = await AssignToRitaAsync();

        await _t.FlushAsync();
        Assert.Empty(_t.Smtp.MailsTo("rita@workbench.test"));

        var now = _t.Clock.GetUtcNow();
        _t.Clock.Advance(DigestSchedule.Next(DigestSchedule.Hourly, TimeZoneInfo.Utc, 0, now) - now);
        await _t.FlushAsync();

        var mail = Assert.Single(await _t.Smtp.WaitForAsync("rita@workbench.test"));
        Assert.Equal("2 things need you in Workbench", mail.Subject);
        Assert.Contains($"Case {first} was assigned to you", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"Case {second} was assigned to you", mail.TextBody, StringComparison.Ordinal);
        var rows = await OfKindAsync(NotificationKinds.Assigned);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.True(r.Status == NotificationStatus.Sent && r.InDigest));
    }

    [Fact]
    public async Task A_mail_server_that_is_down_degrades_to_the_persons_browser_and_shows_on_the_channels_health()
    {
        // The SMTP server stops answering; rita chose mail for assignments and has a browser subscribed.
        _t.Smtp.Dispose();
        using var browser = await _t.SubscribeBrowserAsync("rita");
        await SaveAsync(AssignedByMail("rita"));
        await AssignToRitaAsync();

        await _t.FlushAsync();

        var sent = Assert.Single(await OfKindAsync(NotificationKinds.Assigned));
        Assert.Equal((NotificationStatus.Sent, "browser"), (sent.Status, sent.SentChannels));
        Assert.StartsWith("SMTP: ", sent.LastError, StringComparison.Ordinal);
        Assert.Single(_t.Receiver.Received, r => r.Path == "/push/1");
        var health = (await _t.Get<NotificationSettings>().ChannelsAsync(default)).ToDictionary(c => c.Channel);
        Assert.NotNull(health[NotificationChannels.Email].FailingSince);
        Assert.Equal(1, health[NotificationChannels.Email].Degraded);
        Assert.NotNull(health[NotificationChannels.Browser].LastSuccessAt);
    }

    [Fact]
    public async Task A_breach_nobody_picks_up_goes_down_the_escalation_chain_past_the_lead_one_step_at_a_time()
    {
        await _t.SetQueueChannelsAsync("policy-legal", "lena", "adam", "sam");
        await _t.QueuedLegalCaseAsync();
        _t.Clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await _t.SweepAsync()).Breached);
        await _t.FlushAsync();

        async Task<string[]> ToldAsync() => [.. (await OfKindAsync(NotificationKinds.SlaBreached)).Select(n => n.Recipient).Where(r => !r.StartsWith("queue:", StringComparison.Ordinal))];

        Assert.Equal(["lena"], await ToldAsync());
        _t.Clock.Advance(TimeSpan.FromMinutes(29));
        await _t.FlushAsync();
        Assert.Equal(["lena"], await ToldAsync());

        _t.Clock.Advance(TimeSpan.FromMinutes(1));
        await _t.FlushAsync();
        Assert.Equal(["lena", "adam"], await ToldAsync());
        var mail = Assert.Single(await _t.Smtp.WaitForAsync("adam@workbench.test"), m => m.Subject!.StartsWith("SLA breached", StringComparison.Ordinal));
        Assert.Contains("You are next in the escalation chain of policy-legal: lena was told and nobody has picked it up.", mail.TextBody, StringComparison.Ordinal);
        // Timed from the due time missed in policy-legal, though the escalated case now runs on security's own SLA.
        Assert.Contains("SLA: breached 31 min ago", mail.TextBody, StringComparison.Ordinal);

        _t.Clock.Advance(TimeSpan.FromMinutes(30));
        await _t.FlushAsync();
        Assert.Equal(["lena", "adam", "sam"], await ToldAsync());
        // The chain ends with the escalation queue's lead, lena again: nobody is told twice.
        _t.Clock.Advance(TimeSpan.FromHours(2));
        await _t.FlushAsync();
        Assert.Equal(["lena", "adam", "sam"], await ToldAsync());
    }

    [Fact]
    public async Task A_queue_with_cases_waiting_and_nobody_working_it_is_reported_once_per_stretch()
    {
        await _t.QueuedLegalCaseAsync();
        _t.Clock.Advance(TimeSpan.FromMinutes(29));
        await _t.FlushAsync();
        Assert.Empty(await OfKindAsync(NotificationKinds.QueueIdle));

        _t.Clock.Advance(TimeSpan.FromMinutes(1));
        await _t.FlushAsync();
        var idle = await OfKindAsync(NotificationKinds.QueueIdle);
        // Its reviewers (rita works policy-legal) and its lead (every lead: the queue names none), with the queue in the message.
        Assert.Equal(["lena", "rita"], idle.Select(n => n.Recipient).Order());
        Assert.All(idle, n => Assert.Contains("waiting in policy-legal with nobody working it", n.MessageJson, StringComparison.Ordinal));

        _t.Clock.Advance(TimeSpan.FromMinutes(20));
        await _t.FlushAsync();
        Assert.Equal(2, (await OfKindAsync(NotificationKinds.QueueIdle)).Count);
    }
}
