using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Notifications;
using Workbench.Data.Entities;
using Workbench.Testing.Notifications;
using Workbench.Web.Auth;
using Workbench.Web.Notifications;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Notifications;

/// <summary>
/// Each event reaches its people over real channels on loopback: mails into an SMTP server, Slack and Teams payloads
/// into an HTTP receiver (checked against their schemas), Web Push bodies decrypted with the browser's keys.
/// </summary>
public sealed class ChannelDeliveryTests : IAsyncLifetime
{
    private readonly NotificationTestApp _t = new();

    public Task InitializeAsync() => _t.StartAsync();

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static readonly JsonSchema SlackSchema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Notifications", "Schemas", "slack-block-kit.schema.json"));
    private static readonly JsonSchema TeamsSchema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Notifications", "Schemas", "teams-adaptive-card.schema.json"));

    internal static void AssertValid(JsonSchema schema, string json)
    {
        var result = schema.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, "not valid against its schema: " + string.Join("; ",
            (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))) + "\n" + json);
    }

    [Fact]
    public async Task A_breach_mails_the_queue_lead_and_posts_to_the_queues_Slack_and_Teams_with_what_why_and_next()
    {
        await _t.SetQueueChannelsAsync("policy-legal", lead: "lena");
        var id = await _t.QueuedLegalCaseAsync();
        var missed = (await CaseAsync(id)).SlaDueAt!.Value;
        _t.Clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await _t.SweepAsync()).Breached);
        // The breach escalated the case: its row now runs on security's own SLA, a later due time than the one missed.
        var escalated = await CaseAsync(id);
        Assert.Equal(("security", SlaState.Escalated), (escalated.Queue, escalated.SlaState));
        Assert.True(escalated.SlaDueAt > _t.Clock.GetUtcNow(), "the escalation queue's SLA runs from the breach");

        await _t.FlushAsync();

        await _t.Smtp.WaitForAsync("lena@workbench.test");
        // One breach mail, to lena alone: the queue names its lead. (The case now waits in security, where nobody works
        // either: that queue's idle notice goes to every lead, as security names none.)
        var mail = Assert.Single(_t.Smtp.Mails, m => m.Subject?.StartsWith("SLA breached: case ", StringComparison.Ordinal) == true);
        Assert.Equal("lena@workbench.test", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Contains("policy-legal", mail.Subject, StringComparison.Ordinal);
        Assert.NotNull(mail.HtmlBody);
        Assert.NotNull(mail.TextBody);
        // What, why (reason codes, how far past due, the escalation) and the next step, in both bodies.
        foreach (var body in new[] { mail.TextBody!, System.Net.WebUtility.HtmlDecode(mail.HtmlBody!) })
        {
            Assert.Contains("passed its SLA without a decision", body, StringComparison.Ordinal);
            Assert.Contains($"It was escalated to security, whose own SLA for it runs until {Utc(escalated.SlaDueAt!.Value)}.", body, StringComparison.Ordinal);
            Assert.Contains("Reason codes: ", body, StringComparison.Ordinal);
            // The due time it missed in policy-legal (from the breach event), not the new one of its row.
            Assert.Contains($"SLA: breached 1 min ago (was due {Utc(missed)})", body, StringComparison.Ordinal);
            Assert.Contains("Assign it or take it now.", body, StringComparison.Ordinal);
            Assert.Contains("http://localhost/go/", body, StringComparison.Ordinal);
        }

        var slack = Assert.Single(_t.Receiver.Received, r => r.Path == "/slack/policy-legal");
        AssertValid(SlackSchema, slack.Body);
        var teams = Assert.Single(_t.Receiver.Received, r => r.Path == "/teams/policy-legal");
        AssertValid(TeamsSchema, teams.Body);
        // A channel many people read gets the case's plain address (sign-in and the page's own rules guard it), never a one-person link.
        Assert.Contains($"http://localhost/cases/{id}", slack.Body, StringComparison.Ordinal);
        Assert.Contains($"http://localhost/cases/{id}", teams.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("/go/", slack.Body, StringComparison.Ordinal);

        var sent = (await _t.NotificationsAsync()).Where(n => n.Kind == NotificationKinds.SlaBreached).ToList();
        Assert.Equal(["lena", "queue:policy-legal"], sent.Select(n => n.Recipient).Order());
        Assert.All(sent, n => Assert.Equal(NotificationStatus.Sent, n.Status));
        Assert.Equal("slack teams", sent.Single(n => n.Recipient.StartsWith("queue:", StringComparison.Ordinal)).SentChannels);
    }

    private Task<CaseRecord> CaseAsync(Guid id) => _t.App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id));

    /// <summary>A time as messages write it: minutes, UTC.</summary>
    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    [Fact]
    public async Task An_assignment_arrives_in_the_reviewers_browser_encrypted_for_it_and_signed_with_vapid()
    {
        using var browser = await _t.SubscribeBrowserAsync("rita");
        var id = await _t.QueuedLegalCaseAsync();
        var assigned = await _t.Get<ReviewService>().AssignAsync(new ReviewerIdentity("lena", true, null), id,
            new ReviewerIdentity("rita", false, new HashSet<string> { "support", "policy-legal" }));
        Assert.IsType<ReviewResult.Ok>(assigned);

        await _t.FlushAsync();

        var push = Assert.Single(_t.Receiver.Received, r => r.Path == "/push/1");
        Assert.Equal("aes128gcm", push.Headers["content-encoding"]);
        WebPushBrowser.VerifyVapid(push.Headers["authorization"], _t.Vapid.PublicKey, _t.Receiver.Url("/push/1"));
        using var payload = JsonDocument.Parse(browser.Decrypt(push.Bytes));
        Assert.StartsWith("Case ", payload.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("was assigned to you", payload.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("lena assigned you case", payload.RootElement.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("http://localhost/go/", payload.RootElement.GetProperty("url").GetString(), StringComparison.Ordinal);
        // Rita chose nothing: an assignment goes to the browser by default, not by mail.
        Assert.Empty(_t.Smtp.Mails);
    }

    [Fact]
    public async Task The_AI_systems_reply_goes_to_the_reviewer_who_asked()
    {
        var id = await _t.QueuedLegalCaseAsync();
        var mia = new ReviewerIdentity("mia", false, new HashSet<string> { "policy-legal" });
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "support", "policy-legal" });
        var reviews = _t.Get<ReviewService>();
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, id, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which contract version?" }));
        await _t.FlushAsync();
        using var reply = await _t.App.ApiClient().PostAsync($"/api/v1/cases/{id}/replies",
            new StringContent("""{"message":"v7, signed 2026-10-02"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
        await _t.Get<NotificationSettings>().SavePreferencesAsync(PersonPreferences.Defaults("rita") with
        {
            Events = new Dictionary<string, IReadOnlyList<string>> { [NotificationKinds.ReplyReceived] = [NotificationChannels.Email] },
        }, default);

        await _t.FlushAsync();

        var mail = Assert.Single(await _t.Smtp.WaitForAsync("rita@workbench.test"));
        Assert.StartsWith("The AI system answered your question on case", mail.Subject, StringComparison.Ordinal);
        Assert.Empty(_t.Smtp.MailsTo("mia@workbench.test"));
        _ = mia;
    }

    [Fact]
    public async Task A_mention_tells_each_person_named_but_not_the_writer_and_not_people_who_do_not_exist()
    {
        var id = await _t.QueuedLegalCaseAsync();
        // The note with mentions is written by the reviewer's notes feature; its audit event is all notifications read.
        await _t.App.WithDbAsync(async db =>
        {
            db.Cases.Local.Clear();
            Web.Cases.Audit.Add(db, AuditEventTypes.CaseMentioned, "rita", "reviewer", _t.Clock.GetUtcNow(), id,
                new { Mentioned = new[] { "mia", "rita", "nobody" }, Note = Web.Cases.Audit.Text("@mia can you check clause 4?") });
            return await db.SaveChangesAsync();
        });
        foreach (var user in new[] { "mia", "rita" })
        {
            await _t.Get<NotificationSettings>().SavePreferencesAsync(PersonPreferences.Defaults(user) with
            {
                Events = new Dictionary<string, IReadOnlyList<string>> { [NotificationKinds.Mentioned] = [NotificationChannels.Email] },
            }, default);
        }

        await _t.FlushAsync();

        var mail = Assert.Single(await _t.Smtp.WaitForAsync("mia@workbench.test"));
        Assert.Equal($"rita mentioned you on case {(await _t.App.WithDbAsync(db => db.Cases.SingleAsync(c => c.Id == id))).ExternalId}", mail.Subject);
        Assert.Empty(_t.Smtp.MailsTo("rita@workbench.test"));
        Assert.Equal(["mia"], (await _t.NotificationsAsync()).Select(n => n.Recipient));
    }
}
