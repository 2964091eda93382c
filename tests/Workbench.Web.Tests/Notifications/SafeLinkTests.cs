using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Notifications;
using Workbench.Web.Auth;
using Workbench.Web.Notifications;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Notifications;

/// <summary>
/// A link in a mail opens its case only after the normal sign-in, once, for the person it was sent to, for a limited
/// time — and following it never changes the case (a link scanner or a forwarded mail must not decide anything).
/// </summary>
public sealed partial class SafeLinkTests : IAsyncLifetime
{
    private readonly NotificationTestApp _t = new();

    public Task InitializeAsync() => _t.StartAsync();

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [GeneratedRegex(@"http://localhost(/go/[A-Za-z0-9_\-]+)")]
    private static partial Regex LinkPattern();

    /// <summary>Assigns a case to rita, who takes assignments by mail, and returns the case and the link her mail carries.</summary>
    private async Task<(Guid Case, string Path)> MailedLinkAsync()
    {
        await _t.Get<NotificationSettings>().SavePreferencesAsync(PersonPreferences.Defaults("rita") with
        {
            Events = new Dictionary<string, IReadOnlyList<string>> { [NotificationKinds.Assigned] = [NotificationChannels.Email] },
        }, default);
        var id = await _t.QueuedLegalCaseAsync();
        Assert.IsType<ReviewResult.Ok>(await _t.Get<ReviewService>().AssignAsync(new ReviewerIdentity("lena", true, null), id,
            new ReviewerIdentity("rita", false, new HashSet<string> { "support", "policy-legal" })));
        await _t.FlushAsync();
        var mail = Assert.Single(await _t.Smtp.WaitForAsync("rita@workbench.test"));
        var path = LinkPattern().Match(mail.TextBody!).Groups[1].Value;
        Assert.NotEmpty(path);
        Assert.Contains(path, mail.HtmlBody!, StringComparison.Ordinal);
        return (id, path);
    }

    private Task<DateTimeOffset?> UsedAtAsync() => _t.App.WithDbAsync(db => db.NotificationLinks.AsNoTracking().Select(l => l.UsedAt).SingleAsync());

    [Fact]
    public async Task Without_sign_in_the_link_leads_to_the_sign_in_page_and_stays_unused_and_the_case_unchanged()
    {
        var (id, path) = await MailedLinkAsync();
        using var scanner = _t.App.CreateBrowserClient();

        using var response = await scanner.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString(path), response.Headers.Location.OriginalString, StringComparison.Ordinal);
        Assert.Null(await UsedAtAsync());
        var c = await _t.App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(x => x.Id == id));
        Assert.Equal(CaseStatus.Queued, c.Status);
        Assert.Equal("rita", c.AssignedTo);
    }

    [Fact]
    public async Task Signed_in_its_person_lands_on_the_case_once_and_the_second_click_is_told_it_was_used()
    {
        var (id, path) = await MailedLinkAsync();
        using var rita = await _t.App.SignedInAs("rita");

        using var first = await rita.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal($"/cases/{id}", first.Headers.Location!.OriginalString);
        Assert.NotNull(await UsedAtAsync());
        // Opening is all it did: the case waits for rita's decision as before.
        var c = await _t.App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(x => x.Id == id));
        Assert.Equal(CaseStatus.Queued, c.Status);
        Assert.Equal(0, await _t.App.WithDbAsync(db => db.ReviewActions.CountAsync(a => a.CaseId == id)));

        using var second = await rita.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.StartsWith("/notifications/link?outcome=used", second.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forwarded_link_opens_nothing_for_another_person_and_stays_usable_by_its_own()
    {
        var (id, path) = await MailedLinkAsync();
        using var mia = await _t.App.SignedInAs("mia");

        using var forwarded = await mia.GetAsync(path);

        Assert.StartsWith("/notifications/link?outcome=otherperson", forwarded.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain(id.ToString(), forwarded.Headers.Location.OriginalString, StringComparison.Ordinal);
        Assert.Null(await UsedAtAsync());
        using var rita = await _t.App.SignedInAs("rita");
        using var own = await rita.GetAsync(path);
        Assert.Equal($"/cases/{id}", own.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_changed_token_is_invalid_and_an_old_one_has_expired()
    {
        var (_, path) = await MailedLinkAsync();
        using var rita = await _t.App.SignedInAs("rita");
        var token = path["/go/".Length..];
        var changed = "/go/" + token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA");

        using var tampered = await rita.GetAsync(changed);
        Assert.StartsWith("/notifications/link?outcome=invalid", tampered.Headers.Location!.OriginalString, StringComparison.Ordinal);

        _t.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        using var again = await _t.App.SignedInAs("rita");
        using var late = await again.GetAsync(path);
        Assert.StartsWith("/notifications/link?outcome=expired", late.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Null(await UsedAtAsync());
    }
}
