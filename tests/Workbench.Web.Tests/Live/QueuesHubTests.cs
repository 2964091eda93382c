using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Live;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Live;

/// <summary>One app on a real Kestrel for the hub tests (SQLite file, Development sign-in).</summary>
public sealed class KestrelApp : IAsyncLifetime
{
    public WorkbenchFactory App { get; } = new();
    public Uri Address { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Address = App.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Real SignalR clients over WebSockets against <c>/hubs/queues</c>.</summary>
public sealed class QueuesHubTests(KestrelApp kestrel) : IClassFixture<KestrelApp>
{
    private WorkbenchFactory App => kestrel.App;
    private Uri Address => kestrel.Address;
    private ReviewService Reviews => App.Services.GetRequiredService<ReviewService>();

    private static readonly ReviewerIdentity Lena = new("lena", true, null);

    [Fact]
    public async Task A_support_reviewer_never_receives_a_finance_event()
    {
        await using var mia = await LiveApp.ReviewerHubAsync(Address, "mia");
        var seen = mia.Record();
        await mia.InvokeAsync("JoinQueue", "support");
        await mia.InvokeAsync("JoinQueue", "support-exceptions");

        var finance = await LiveApp.SubmitAsync(Address, "017-");
        Assert.Equal("finance", finance.Queue);
        // Work the finance case too: claim and decide are finance events as well.
        Assert.IsType<ReviewResult.Ok>(await Reviews.ClaimAsync(Lena, finance.Id));
        Assert.IsType<ReviewResult.Ok>(await Reviews.ActAsync(Lena, finance.Id, Samples.Approval("017-")));
        var support = await QueuedInAsync("support");

        // Events of one instance arrive in order: once the support case's arrives, the finance ones would have.
        await LiveApp.Eventually(() => seen.Any(e => e.CaseId == support), "the support case's event reaches mia");
        Assert.DoesNotContain(seen, e => e.CaseId == finance.Id || e.Queue == "finance" || e.PreviousQueue == "finance");
    }

    [Fact]
    public async Task Joining_a_queue_or_case_the_reviewer_may_not_work_fails_and_joins_nothing()
    {
        await using var rita = await LiveApp.ReviewerHubAsync(Address, "rita"); // support, policy-legal
        var seen = rita.Record();

        var queue = await Assert.ThrowsAsync<HubException>(() => rita.InvokeAsync("JoinQueue", "finance"));
        Assert.Contains("no queue named 'finance' that you may work", queue.Message);
        await Assert.ThrowsAsync<HubException>(() => rita.InvokeAsync("JoinQueue", "no-such-queue"));
        var finance = await LiveApp.SubmitAsync(Address, "017-");
        var @case = await Assert.ThrowsAsync<HubException>(() => rita.InvokeAsync("JoinCase", finance.Id));
        Assert.Contains("that you may see", @case.Message);

        // The connection is still usable, and nothing of the refused groups reaches it.
        await rita.InvokeAsync("JoinQueue", "policy-legal");
        Assert.IsType<ReviewResult.Ok>(await Reviews.ClaimAsync(Lena, finance.Id));
        var mine = (await LiveApp.SubmitAsync(Address, Samples.Queues)).Id;
        await LiveApp.Eventually(() => seen.Any(e => e.CaseId == mine), "rita's own queue's event");
        Assert.DoesNotContain(seen, e => e.CaseId == finance.Id);
    }

    [Fact]
    public async Task Without_a_sign_in_or_a_key_the_hub_refuses_the_connection()
    {
        var anonymous = new HubConnectionBuilder().WithUrl(new Uri(Address, QueuesHub.Path)).Build();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await anonymous.DisposeAsync();

        using var http = new HttpClient { BaseAddress = Address };
        using var badKey = await http.PostAsync($"{QueuesHub.Path}/negotiate?negotiateVersion=1&access_token=wb_not_a_real_key", null);
        Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
    }

    [Fact]
    public async Task The_access_token_query_parameter_authenticates_on_the_hub_path_only()
    {
        using var http = new HttpClient { BaseAddress = Address };
        using var negotiate = await http.PostAsync($"{QueuesHub.Path}/negotiate?negotiateVersion=1&access_token={Samples.DemoKey}", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);

        var id = (await LiveApp.SubmitAsync(Address, Samples.Queues)).Id;
        using var api = await http.GetAsync($"/api/v1/cases/{id}?access_token={Samples.DemoKey}");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode); // a key in a URL ends up in logs: not accepted there
    }

    [Fact]
    public async Task Every_event_type_reaches_a_queue_subscriber_exactly_once()
    {
        var truth = new ConcurrentQueue<CaseEvent>();
        using var subscription = App.Services.GetRequiredService<CaseEvents>().Subscribe(e =>
        {
            if (e.Kind != "presence")
            {
                truth.Enqueue(e);
            }
        });
        await using var lena = await LiveApp.ReviewerHubAsync(Address, "lena");
        var seen = lena.Record();
        foreach (var queue in new[] { "policy-legal", "support", "finance" })
        {
            await lena.InvokeAsync("JoinQueue", queue);
        }
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal", "support" });
        var mia = new ReviewerIdentity("mia", false, new HashSet<string> { "support" });

        // created, claimed, released, assigned, info_requested, reply_received, routed, approval_recorded, decided
        var a = (await LiveApp.SubmitAsync(Address, Samples.Queues)).Id;
        await Ok(Reviews.ClaimAsync(rita, a));
        await Ok(Reviews.ReleaseAsync(rita, a));
        await Ok(Reviews.AssignAsync(Lena, a, rita));
        await Ok(Reviews.ClaimAsync(rita, a));
        await Ok(Reviews.ActAsync(rita, a, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which version?" }));
        using (var api = LiveApp.ApiClient(Address))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/v1/cases/{a}/replies", new { message = "v7" })).StatusCode);
        }
        await Ok(Reviews.ClaimAsync(rita, a));
        await Ok(Reviews.ActAsync(rita, a, new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "support" }));
        await App.WithDbAsync(db => db.Cases.Where(c => c.Id == a).ExecuteUpdateAsync(s => s.SetProperty(c => c.ApprovalsRequired, 2)));
        await Ok(Reviews.ClaimAsync(rita, a));
        await Ok(Reviews.ActAsync(rita, a, Samples.Approval(Samples.Queues)));
        await Ok(Reviews.ClaimAsync(mia, a));
        await Ok(Reviews.ActAsync(mia, a, Samples.Approval(Samples.Queues)));
        // withdrawn
        var b = (await LiveApp.SubmitAsync(Address, Samples.Queues)).Id;
        using (var api = LiveApp.ApiClient(Address))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/v1/cases/{b}/withdraw", new { reason = "not needed" })).StatusCode);
        }
        // lease_expired: a claim whose lease ran out (moved into the past in the database) is returned by the sweeper's call
        var c = (await LiveApp.SubmitAsync(Address, Samples.Queues)).Id;
        await Ok(Reviews.ClaimAsync(rita, c));
        await App.WithDbAsync(db => db.Cases.Where(x => x.Id == c).ExecuteUpdateAsync(s => s.SetProperty(x => x.ClaimExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1))));
        Assert.True(await Reviews.ExpireLeasesAsync() >= 1);

        var ids = new HashSet<Guid> { a, b, c };
        var happened = truth.Where(e => ids.Contains(e.CaseId)).ToList();
        Assert.Equal(
            ["created", "claimed", "released", "assigned", "claimed", "info_requested", "reply_received", "claimed", "routed", "claimed",
             "approval_recorded", "claimed", "decided", "created", "withdrawn", "created", "claimed", "lease_expired"],
            happened.Select(e => e.Kind));
        // Once per event and per joined queue it concerns: the route from policy-legal to support once through each.
        var expected = happened.SelectMany(e => new[] { e.Queue, e.PreviousQueue }.OfType<string>().Distinct()
            .Select(q => (e.CaseId, e.Kind, e.At, Group: QueuesHub.QueueGroup(q)))).ToList();
        Assert.Equal(happened.Count + 1, expected.Count);
        await LiveApp.Eventually(() => seen.Count(e => ids.Contains(e.CaseId)) >= expected.Count, "every event reaches lena");
        await Task.Delay(300); // a duplicate would come right behind its original; give it the chance to show up
        Assert.Equal(expected, seen.Where(e => ids.Contains(e.CaseId)).Select(e => (e.CaseId, e.Kind, e.At, e.Group)).ToList());
    }

    [Fact]
    public async Task An_api_client_hears_its_own_cases_decision_and_cannot_subscribe_to_another_clients_case()
    {
        var mine = (await LiveApp.SubmitAsync(Address, Samples.Queues)).Id;
        var theirs = (await LiveApp.SubmitAsync(Address, Samples.Queues, Samples.DemoKey2)).Id;
        await using var agent = await LiveApp.ClientHubAsync(Address);
        var updates = new ConcurrentQueue<HubClientCaseEvent>();
        agent.On<HubClientCaseEvent>(QueuesHub.ClientMethod, updates.Enqueue);
        var reviewerMessages = agent.Record();

        await agent.InvokeAsync("JoinCase", mine);
        var other = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync("JoinCase", theirs));
        Assert.Contains($"no case {theirs} for this client", other.Message);
        await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync("JoinQueue", "policy-legal"));

        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        foreach (var id in new[] { theirs, mine })
        {
            await Ok(Reviews.ClaimAsync(rita, id));
            await Ok(Reviews.ActAsync(rita, id, Samples.Approval(Samples.Queues)));
        }

        await LiveApp.Eventually(() => updates.Any(u => u.CaseId == mine), "the client's own decision");
        var decided = Assert.Single(updates);
        Assert.Equal(("decided", CaseStatus.Decided), (decided.Kind, decided.Status));
        Assert.Empty(reviewerMessages); // no reviewer names, no claims: only what the client acts upon
    }

    [Fact]
    public async Task The_forwarder_sends_only_events_of_its_own_instance()
    {
        await using var lena = await LiveApp.ReviewerHubAsync(Address, "lena");
        var seen = lena.Record();
        await lena.InvokeAsync("JoinQueue", "support");
        var events = App.Services.GetRequiredService<CaseEvents>();

        var relayed = new CaseEvent("created", Guid.NewGuid(), "support", null, CaseStatus.Queued, "x", DateTimeOffset.UtcNow);
        events.Deliver(relayed); // what the Redis relay does with another instance's event: that instance sent it to the hub
        var local = new CaseEvent("created", Guid.NewGuid(), "support", null, CaseStatus.Queued, "x", DateTimeOffset.UtcNow);
        events.Publish(local);

        await LiveApp.Eventually(() => seen.Any(e => e.CaseId == local.CaseId), "the local event");
        Assert.DoesNotContain(seen, e => e.CaseId == relayed.CaseId);
    }

    private async Task<Guid> QueuedInAsync(string queue)
    {
        var id = (await LiveApp.SubmitAsync(Address, Samples.Queues)).Id;
        await Ok(Reviews.ClaimAsync(Lena, id));
        await Ok(Reviews.ActAsync(Lena, id, new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = queue }));
        return id;
    }

    private static async Task Ok(Task<ReviewResult> action) => Assert.IsType<ReviewResult.Ok>(await action);
}
