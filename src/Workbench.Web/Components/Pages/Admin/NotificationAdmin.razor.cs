using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Workbench.Core.Notifications;
using Workbench.Web.Notifications;

namespace Workbench.Web.Components.Pages.Admin;

/// <summary>The notification channels' health and tests, and each queue's lead, escalation chain and Slack/Teams target.</summary>
public sealed partial class NotificationAdmin
{
    [Inject] private NotificationSettings Settings { get; set; } = default!;
    [Inject] private EmailChannel Email { get; set; } = default!;
    [Inject] private WebPushChannel Push { get; set; } = default!;
    [Inject] private IOptionsMonitor<NotificationOptions> Options { get; set; } = default!;
    [Inject] private IDbContextFactory<WorkbenchDbContext> DbFactory { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    private string _me = "";
    private IReadOnlyList<NotificationChannelStateRecord> _channels = [];
    private IReadOnlyList<QueueSettingsView> _queues = [];
    private IReadOnlyList<string> _leads = [];
    private readonly Dictionary<string, string?> _testQueue = new() { [NotificationChannels.Slack] = null, [NotificationChannels.Teams] = null };
    private QueueSettingsView? _editing;
    private DeliveryOutcome? _test;
    private string _testChannel = "";
    private bool _sending;

    private TimeSpan Escalation => Options.CurrentValue.EscalateEvery;

    protected override async Task OnInitializedAsync()
    {
        _me = (await AuthState).User.Identity?.Name ?? "";
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _channels = await Settings.ChannelsAsync(CancellationToken.None);
        _queues = await Settings.QueuesAsync(CancellationToken.None);
        await using var db = await DbFactory.CreateDbContextAsync();
        _leads = await db.Users.AsNoTracking().Where(u => u.Role == UserRole.Lead || u.Role == UserRole.Admin)
            .OrderBy(u => u.UserName).Select(u => u.UserName).ToListAsync();
        foreach (var channel in _testQueue.Keys.ToList())
        {
            // The first queue with a target is chosen for a test until the admin picks another.
            _testQueue[channel] ??= _queues.FirstOrDefault(q => (channel == NotificationChannels.Slack ? q.Slack : q.Teams) is not null)?.Queue;
        }
    }

    private async Task SavedAsync()
    {
        _editing = null;
        await LoadAsync();
    }

    private async Task SendTestAsync(string channel)
    {
        _sending = true;
        // The last result goes while this one is sent: it would otherwise read as this channel's ("Sent: the Teams
        // test…" over the Slack outcome) before this channel has been tried.
        _test = null;
        _testChannel = channel;
        try
        {
            _test = await Settings.SendTestAsync(channel, _me, _testQueue.GetValueOrDefault(channel), CancellationToken.None);
            _channels = await Settings.ChannelsAsync(CancellationToken.None);
        }
        finally
        {
            _sending = false;
        }
    }

    private string TestText(DeliveryOutcome outcome) => outcome.Reached.Count > 0
        ? $"Sent: the {ChannelName(_testChannel)} test was accepted{(_testChannel is NotificationChannels.Slack or NotificationChannels.Teams ? $" by {_testQueue[_testChannel]}'s target" : " for you")}."
        : $"The {ChannelName(_testChannel)} test failed: {outcome.Error ?? "no channel reached."}";

    private string SetUp(string channel) => channel switch
    {
        NotificationChannels.Email => Email.Configured ? $"SMTP {Options.CurrentValue.Email.Host}:{Options.CurrentValue.Email.Port}" : "no SMTP server (Notifications:Email:Host)",
        NotificationChannels.Browser => Push.Configured ? "VAPID keys set" : "no VAPID keys (Notifications:WebPush)",
        NotificationChannels.Slack => Count(_queues.Count(q => q.Slack is not null)),
        _ => Count(_queues.Count(q => q.Teams is not null)),
    };

    /// <summary>The queues a Slack or Teams test can go to: those with a target on that channel.</summary>
    private IEnumerable<string> TestQueues(string channel) =>
        _queues.Where(q => (channel == NotificationChannels.Slack ? q.Slack : q.Teams) is not null).Select(q => q.Queue);

    private static string Count(int queues) => queues == 0 ? "no queue has a target" : $"{queues} queue{(queues == 1 ? "" : "s")}";

    public static string ChannelName(string channel) => channel switch
    {
        NotificationChannels.Email => "Email",
        NotificationChannels.Browser => "Browser",
        NotificationChannels.Slack => "Slack",
        NotificationChannels.Teams => "Teams",
        _ => channel,
    };

    private static string Then(QueueSettingsView q)
    {
        var next = q.EscalationChain.ToList();
        if (q.EscalationQueue is { } e && e != q.Queue)
        {
            next.Add($"lead of {e}");
        }
        return next.Count == 0 ? "—" : string.Join(" → ", next);
    }
}
