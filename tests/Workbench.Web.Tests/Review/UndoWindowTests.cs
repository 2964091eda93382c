using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Core.Cases;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.Web.Tests.Review;

/// <summary>
/// The undo window on a real Kestrel, with the AI system on the API and a real webhook receiver: a decision reaches
/// the AI system only when its window ends (the app's clock, a FakeTimeProvider the test moves), exactly once; an
/// undone decision never. To know the dispatcher has looked at the held event without sleeping, each check withdraws
/// another case: its <c>case.withdrawn</c> is written later, goes out at once, and the dispatcher fans events out in
/// the order they were written.
/// </summary>
public sealed partial class UndoWindowTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WebhookReceiver _receiver = new();
    private WorkbenchFactory _app = default!;
    private Uri _base = default!;
    private HttpClient _agent = default!;
    private HttpClient _rita = default!;

    public async Task InitializeAsync()
    {
        await _receiver.StartAsync();
        _app = new WorkbenchFactory { TestServices = s => s.AddSingleton<TimeProvider>(_clock) };
        foreach (var (key, value) in App().Settings)
        {
            _app.Settings[key] = value;
        }
        _app.Settings["Review:UndoWindow"] = "00:00:10";
        _base = _app.StartKestrel();
        await _app.EndpointAsync(_receiver.Url());
        _agent = LiveApp.ApiClient(_base);
        _rita = await LiveApp.SignedInAsync(_base, "rita");
    }

    public async Task DisposeAsync()
    {
        _agent.Dispose();
        _rita.Dispose();
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static StringContent Body(object body) =>
        new(body as string ?? JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    private async Task<Guid> SubmitAsync()
    {
        using var response = await _agent.PostAsync("/api/v1/cases", Body(Samples.Json(Samples.Queues, "undo-" + Guid.NewGuid().ToString("N")).ToJsonString()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> PostAsync(HttpClient client, string path, object body, HttpStatusCode expected)
    {
        using var response = await client.PostAsync(path, Body(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Rita claims and approves (the sample's irreversible refund, confirmed): a decision.</summary>
    private async Task<JsonElement> DecideAsync(Guid id)
    {
        await PostAsync(_rita, $"/api/v1/review/cases/{id}/claim", new { }, HttpStatusCode.OK);
        return await PostAsync(_rita, $"/api/v1/review/cases/{id}/actions", Samples.ApprovalBody(Samples.Queues).ToJsonString(), HttpStatusCode.OK);
    }

    /// <summary>Withdraws a fresh case and waits for its webhook: every event written before it has been looked at.</summary>
    private async Task DispatcherPassedAsync()
    {
        var marker = await SubmitAsync();
        await PostAsync(_agent, $"/api/v1/cases/{marker}/withdraw", new { reason = "marker" }, HttpStatusCode.OK);
        await Eventually(() => Task.FromResult(Delivered(WebhookEventTypes.CaseWithdrawn, marker).Any()), Limit, "the marker's case.withdrawn delivered");
    }

    private List<JsonElement> Delivered(string type, Guid caseId) =>
        _receiver.Succeeded.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Where(e => e.GetProperty("type").GetString() == type && e.GetProperty("data").GetProperty("caseId").GetGuid() == caseId)
            .ToList();

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await _agent.GetAsync(path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task During_the_window_nothing_reaches_the_ai_system_and_after_it_the_decision_is_delivered_once()
    {
        var id = await SubmitAsync();
        var decided = await DecideAsync(id);
        Assert.Equal("decided", decided.GetProperty("status").GetString());
        Assert.Equal(_clock.GetUtcNow() + Window, decided.GetProperty("releaseAt").GetDateTimeOffset());
        var longPoll = _agent.GetAsync($"/api/v1/cases/{id}/decision?wait=40");

        await DispatcherPassedAsync();
        Assert.Empty(Delivered(WebhookEventTypes.CaseDecided, id));
        Assert.False(longPoll.IsCompleted, "the long-poll answered during the undo window");
        var (pollStatus, pending) = await GetAsync($"/api/v1/cases/{id}/decision?wait=0");
        Assert.Equal((HttpStatusCode.Accepted, "in_review"), (pollStatus, pending.GetProperty("status").GetString()));
        var (_, view) = await GetAsync($"/api/v1/cases/{id}");
        Assert.Equal("in_review", view.GetProperty("status").GetString());
        Assert.False(view.TryGetProperty("decision", out var d) && d.ValueKind != JsonValueKind.Null);

        _clock.Advance(Window);

        using (var answered = await longPoll.WaitAsync(Limit))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.Equal("approved", JsonDocument.Parse(await answered.Content.ReadAsStringAsync()).RootElement.GetProperty("decision").GetString());
        }
        await Eventually(() => Task.FromResult(Delivered(WebhookEventTypes.CaseDecided, id).Count > 0), Limit, "the decision delivered");
        await DispatcherPassedAsync();
        Assert.Single(Delivered(WebhookEventTypes.CaseDecided, id));
        Assert.Equal("decided", (await GetAsync($"/api/v1/cases/{id}")).Body.GetProperty("status").GetString());
    }

    /// <summary>The ids the AI system's listing gives for a status filter (its cases of this run are few: one page).</summary>
    private async Task<List<Guid>> ListedAsync(string status)
    {
        var (code, body) = await GetAsync($"/api/v1/cases?status={status}&limit=100");
        Assert.Equal(HttpStatusCode.OK, code);
        return body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
    }

    [Fact]
    public async Task During_the_window_the_status_filter_and_the_outcome_report_see_the_case_in_review_and_after_it_decided()
    {
        var id = await SubmitAsync();
        await DecideAsync(id);

        Assert.DoesNotContain(id, await ListedAsync("decided"));
        Assert.Contains(id, await ListedAsync("in_review"));
        var listed = (await GetAsync("/api/v1/cases?limit=100")).Body.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id);
        Assert.Equal("in_review", listed.GetProperty("status").GetString());
        // Reporting an outcome would tell the AI system a decision exists: refused as for any case in review.
        var early = await PostAsync(_agent, $"/api/v1/cases/{id}/outcome", new { outcome = "correct" }, HttpStatusCode.Conflict);
        Assert.Contains("this case is in_review", early.GetProperty("detail").GetString());
        Assert.Equal(0, await _app.WithDbAsync(db => db.DownstreamOutcomes.CountAsync(o => o.CaseId == id)));

        _clock.Advance(Window);

        Assert.Contains(id, await ListedAsync("decided"));
        Assert.DoesNotContain(id, await ListedAsync("in_review"));
        await PostAsync(_agent, $"/api/v1/cases/{id}/outcome", new { outcome = "correct" }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Undo_within_the_window_sends_nothing_ever_and_the_case_is_the_reviewers_to_act_on_again()
    {
        var id = await SubmitAsync();
        await DecideAsync(id);
        _clock.Advance(TimeSpan.FromSeconds(4));

        var undone = await PostAsync(_rita, $"/api/v1/review/cases/{id}/undo", new { }, HttpStatusCode.OK);

        Assert.Equal(("in_review", "rita"), (undone.GetProperty("status").GetString(), undone.GetProperty("claimedBy").GetString()));
        Assert.False(undone.TryGetProperty("decision", out var none) && none.ValueKind != JsonValueKind.Null);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await DispatcherPassedAsync();
        Assert.Empty(Delivered(WebhookEventTypes.CaseDecided, id));
        var (pollStatus, pending) = await GetAsync($"/api/v1/cases/{id}/decision?wait=0");
        Assert.Equal((HttpStatusCode.Accepted, "in_review"), (pollStatus, pending.GetProperty("status").GetString()));
        var stored = await _app.WithDbAsync(async db => new
        {
            HeldEvents = await db.OutboxEvents.CountAsync(e => e.CaseId == id),
            Actions = await db.ReviewActions.CountAsync(a => a.CaseId == id),
            Undone = await db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == AuditEventTypes.CaseDecisionUndone),
        });
        Assert.Equal((0, 0, 1), (stored.HeldEvents, stored.Actions, stored.Undone));

        // Rita still holds the claim: she rejects instead, and that decision goes out once its own window ends.
        await PostAsync(_rita, $"/api/v1/review/cases/{id}/actions",
            new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", rootCause = "retrieval_conflict" }, HttpStatusCode.OK);
        _clock.Advance(Window);
        await Eventually(() => Task.FromResult(Delivered(WebhookEventTypes.CaseDecided, id).Count > 0), Limit, "the second decision delivered");
        await DispatcherPassedAsync();
        var delivered = Assert.Single(Delivered(WebhookEventTypes.CaseDecided, id));
        Assert.Equal("rejected", delivered.GetProperty("data").GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Undo_after_the_window_is_refused_and_changes_nothing()
    {
        var id = await SubmitAsync();
        await DecideAsync(id);
        _clock.Advance(Window);

        var problem = await PostAsync(_rita, $"/api/v1/review/cases/{id}/undo", new { }, HttpStatusCode.Conflict);

        Assert.Equal(ProblemTypes.UndoWindowClosed, problem.GetProperty("type").GetString());
        Assert.Contains("can no longer be undone", problem.GetProperty("detail").GetString());
        Assert.Equal("decided", problem.GetProperty("current").GetProperty("status").GetString());
        await Eventually(() => Task.FromResult(Delivered(WebhookEventTypes.CaseDecided, id).Count > 0), Limit, "the decision delivered");
        Assert.Equal(0, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == AuditEventTypes.CaseDecisionUndone)));
        Assert.Equal("approved", (await GetAsync($"/api/v1/cases/{id}/decision")).Body.GetProperty("decision").GetString());
    }

    /// <summary>
    /// Moves the app's clock to a second before the end of the 10 s window and lets a dispatcher whose clock is past it
    /// release the held decision of <paramref name="id"/>: what the app's clock still calls held has gone out.
    /// </summary>
    private async Task ReleasedByALaterDispatcherAsync(Guid id)
    {
        _clock.Advance(TimeSpan.FromSeconds(9));
        var later = new FakeTimeProvider(_clock.GetUtcNow() + TimeSpan.FromSeconds(2));
        var dispatcher = ActivatorUtilities.CreateInstance<Workbench.Web.Webhooks.WebhookDispatcher>(_app.Services, (TimeProvider)later);
        await Eventually(async () =>
        {
            await dispatcher.FanOutAsync(CancellationToken.None);
            return await _app.WithDbAsync(db => db.OutboxEvents.AnyAsync(e => e.CaseId == id && e.FannedOutAt != null));
        }, Limit, "the held decision released by the dispatcher");
    }

    [Fact]
    public async Task An_undo_the_release_overtook_is_refused_as_too_late_and_takes_nothing_back()
    {
        var id = await SubmitAsync();
        await DecideAsync(id);
        // The race, in order: a dispatcher whose clock has reached the end of the window releases the decision's event,
        // then the undo arrives while the app's clock (the one the undo reads) is still a second inside the window.
        await ReleasedByALaterDispatcherAsync(id);

        var problem = await PostAsync(_rita, $"/api/v1/review/cases/{id}/undo", new { }, HttpStatusCode.Conflict);

        Assert.Equal(ProblemTypes.UndoWindowClosed, problem.GetProperty("type").GetString());
        Assert.Contains("can no longer be undone", problem.GetProperty("detail").GetString());
        Assert.Equal("decided", problem.GetProperty("current").GetProperty("status").GetString());
        var stored = await _app.WithDbAsync(async db => new
        {
            Status = (await db.Cases.SingleAsync(c => c.Id == id)).Status,
            Events = await db.OutboxEvents.CountAsync(e => e.CaseId == id),
            Actions = await db.ReviewActions.CountAsync(a => a.CaseId == id && a.Kind == ReviewActionKind.Approve),
            Undone = await db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == AuditEventTypes.CaseDecisionUndone),
        });
        Assert.Equal((CaseStatus.Decided, 1, 1, 0), (stored.Status, stored.Events, stored.Actions, stored.Undone));
    }

    [Fact]
    public async Task Only_the_reviewer_who_decided_may_undo_a_lead_is_refused_and_another_queue_does_not_see_the_case()
    {
        var id = await SubmitAsync();
        await DecideAsync(id);
        using var lena = await LiveApp.SignedInAsync(_base, "lena");
        using var mia = await LiveApp.SignedInAsync(_base, "mia"); // does not work policy-legal

        var forbidden = await PostAsync(lena, $"/api/v1/review/cases/{id}/undo", new { }, HttpStatusCode.Forbidden);
        await PostAsync(mia, $"/api/v1/review/cases/{id}/undo", new { }, HttpStatusCode.NotFound);

        Assert.Contains("Only rita", forbidden.GetProperty("detail").GetString());
        Assert.Equal("decided", (await _app.WithDbAsync(db => db.Cases.SingleAsync(c => c.Id == id))).Status.ToString().ToLowerInvariant());
        _clock.Advance(Window);
        await Eventually(() => Task.FromResult(Delivered(WebhookEventTypes.CaseDecided, id).Count > 0), Limit, "the decision delivered");
    }
}

/// <summary>The undo window's setting is checked at start: a value that cannot be meant stops it with one line naming the setting.</summary>
public sealed class UndoWindowSettingTests
{
    [Theory]
    [InlineData("-00:00:05")]
    [InlineData("00:05:01")]
    [InlineData("1.00:00:00")]
    public void A_negative_or_absurd_undo_window_stops_the_start_naming_the_setting(string value)
    {
        using var app = new WorkbenchFactory();
        app.Settings["Review:UndoWindow"] = value;

        // The app stops at start (the process prints the line and exits 1: StartupConfigurationTests in the system tests).
        Assert.ThrowsAny<Exception>(() => app.CreateClient());
        var window = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        var line = Assert.Single(new Workbench.Web.Review.ReviewOptions { UndoWindow = window }.Problems());
        Assert.StartsWith($"The setting Review:UndoWindow is {window}; it must be between 00:00:00 (no undo) and 00:05:00", line);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:05:00")]
    public void No_window_and_the_longest_window_start(string value)
    {
        using var app = new WorkbenchFactory();
        app.Settings["Review:UndoWindow"] = value;

        using var client = app.CreateClient();

        Assert.Equal(TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture),
            app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Workbench.Web.Review.ReviewOptions>>().CurrentValue.UndoWindow);
    }
}
