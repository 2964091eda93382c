using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Workbench.Core.Notifications;
using Workbench.Web.Notifications;

namespace Workbench.Web.Components.Pages.Notifications;

/// <summary>
/// A person's own notification choices. The page only ever reads and writes the signed-in person's row: the name comes
/// from the sign-in, never from the address or the form.
/// </summary>
public sealed partial class Preferences
{
    [Inject] private NotificationSettings Settings { get; set; } = default!;
    [Inject] private IDbContextFactory<WorkbenchDbContext> DbFactory { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    private string _me = "";
    private string? _directoryEmail;
    private Form? _form;
    private bool _saved;
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    /// <summary>The page's fields as typed: times stay text until they are read, so a typo gets a message rather than a zero.</summary>
    private sealed class Form
    {
        public string? Email { get; set; }
        public required Dictionary<string, HashSet<string>> Events { get; init; }
        public string TimeZone { get; set; } = "UTC";
        public string? QuietFrom { get; set; }
        public string? QuietTo { get; set; }
        public string Digest { get; set; } = DigestSchedule.Off;
        public string? DigestAt { get; set; }
    }

    protected override async Task OnInitializedAsync()
    {
        _me = (await AuthState).User.Identity?.Name ?? "";
        await using var db = await DbFactory.CreateDbContextAsync();
        _directoryEmail = await db.Users.AsNoTracking().Where(u => u.UserName == _me).Select(u => u.Email).FirstOrDefaultAsync();
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var p = await Settings.PreferencesAsync(_me, CancellationToken.None);
        _form = new Form
        {
            Email = p.Email,
            Events = NotificationKinds.Choosable.ToDictionary(k => k.Kind, k => p.ChannelsFor(k.Kind).ToHashSet()),
            TimeZone = p.TimeZone,
            QuietFrom = Time(p.QuietFromMinute),
            QuietTo = Time(p.QuietToMinute),
            Digest = p.Digest,
            DigestAt = Time(p.DigestAtMinute),
        };
        _errors = new Dictionary<string, string[]>();
        _saved = false;
    }

    private void Toggle(string kind, string channel, bool on)
    {
        var set = _form!.Events[kind];
        if (on)
        {
            set.Add(channel);
        }
        else
        {
            set.Remove(channel);
        }
        _saved = false;
    }

    private async Task SaveAsync()
    {
        var f = _form!;
        _saved = false;
        var errors = new Dictionary<string, string[]>();
        var from = Minute(f.QuietFrom, "quietHours", "The quiet hours", errors);
        var to = Minute(f.QuietTo, "quietHours", "The quiet hours", errors);
        var digestAt = Minute(f.DigestAt, "digestAt", "The daily digest's time", errors);
        if (errors.Count > 0)
        {
            _errors = errors;
            return;
        }
        var preferences = new PersonPreferences
        {
            UserName = _me,
            Email = f.Email?.Trim(),
            Events = f.Events.ToDictionary(e => e.Key,
                e => (IReadOnlyList<string>)NotificationChannels.Personal.Where(e.Value.Contains).ToList()),
            TimeZone = (f.TimeZone ?? "").Trim(),
            QuietFromMinute = from,
            QuietToMinute = to,
            Digest = f.Digest,
            DigestAtMinute = digestAt ?? 8 * 60,
        };
        var result = await Settings.SavePreferencesAsync(preferences, CancellationToken.None);
        if (result is SettingsResult.Invalid invalid)
        {
            _errors = invalid.Errors;
            return;
        }
        _errors = new Dictionary<string, string[]>();
        _saved = true;
    }

    /// <summary>"HH:mm" as minutes after midnight; empty is none; anything else is a mistake put in <paramref name="errors"/>.</summary>
    private static int? Minute(string? text, string field, string what, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return (t.Hour * 60) + t.Minute;
        }
        errors[field] = [$"{what}: '{text.Trim()}' is not a time of day; write it as HH:mm, for example 22:00."];
        return null;
    }

    private static string? Time(int? minute) => minute is { } m ? $"{m / 60:00}:{m % 60:00}" : null;

    private bool Has(string field) => _errors.ContainsKey(field);

    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var e) ? string.Join(" ", e) : null;
}
