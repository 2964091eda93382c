using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Live;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Cases;

public sealed class CaseEventsTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    [Fact]
    public async Task Each_change_publishes_one_event_after_its_commit()
    {
        var events = app.Services.GetRequiredService<CaseEvents>();
        var seen = new ConcurrentQueue<CaseEvent>();
        using var subscription = events.Subscribe(seen.Enqueue);

        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var reviews = app.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal", "support" });
        await reviews.ClaimAsync(rita, id);
        await reviews.ActAsync(rita, id, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which version?" });
        await app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{id}/replies", new { message = "v7" });
        await reviews.ClaimAsync(rita, id);
        await reviews.ActAsync(rita, id, new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "support" });
        await reviews.ClaimAsync(rita, id);
        await reviews.ActAsync(rita, id, Samples.Approval(Samples.Queues));

        var mine = seen.Where(e => e.CaseId == id).Select(e => e.Kind).ToList();
        Assert.Equal(["created", "claimed", "info_requested", "reply_received", "claimed", "routed", "claimed", "decided"], mine);
        var routed = seen.Single(e => e.CaseId == id && e.Kind == "routed");
        Assert.Equal(("support", "policy-legal"), (routed.Queue, routed.PreviousQueue));
        Assert.Equal(CaseStatus.Decided, seen.Last(e => e.CaseId == id).Status);
    }

    [Fact]
    public void A_failing_subscriber_does_not_stop_the_others()
    {
        var events = app.Services.GetRequiredService<CaseEvents>();
        var delivered = 0;
        using var bad = events.Subscribe(_ => throw new InvalidOperationException("boom"));
        using var good = events.Subscribe(_ => Interlocked.Increment(ref delivered));
        events.Publish(new CaseEvent("created", Guid.NewGuid(), "support", null, CaseStatus.Queued, "x", DateTimeOffset.UtcNow));
        Assert.Equal(1, delivered);
    }

    [Fact]
    public void Presence_counts_each_viewer_once_and_forgets_them_when_they_leave()
    {
        var viewers = app.Services.GetRequiredService<CaseViewers>();
        var id = Guid.NewGuid();
        var a = viewers.Enter(id, "rita");
        var b = viewers.Enter(id, "rita"); // a second tab
        var c = viewers.Enter(id, "lena");
        Assert.Equal(["lena", "rita"], viewers.Of(id));
        a.Dispose();
        Assert.Equal(["lena", "rita"], viewers.Of(id));
        b.Dispose();
        c.Dispose();
        Assert.Empty(viewers.Of(id));
    }
}
