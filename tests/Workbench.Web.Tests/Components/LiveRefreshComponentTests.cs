using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Workbench.Contracts;
using Workbench.Web.Cases;
using Workbench.Web.Live;
using Workbench.Web.Tests.Infrastructure;
using LiveRefresh = Workbench.Web.Components.Shared.LiveRefresh;

namespace Workbench.Web.Tests.Components;

public sealed class LiveRefreshComponentTests : ComponentTest
{
    private readonly CaseEvents _events = new(NullLogger<CaseEvents>.Instance);
    private readonly CircuitConnection _connection = new(new CircuitRegistry());
    private readonly List<bool> _refreshes = [];

    public LiveRefreshComponentTests()
    {
        Context.Services.AddSingleton(_events);
        Context.Services.AddSingleton(_connection);
    }

    private IRenderedComponent<LiveRefresh> RenderLive(TimeSpan delay, bool catchUp = true, CaseEventMark? readAt = null) => Render<LiveRefresh>(p => p
        .Add(x => x.ReadAt, readAt)
        .Add(x => x.Delay, delay)
        .Add(x => x.Concerns, e => e.Kind != CaseEventKinds.Presence && e.Queue == "finance")
        .Add(x => x.Refresh, reconnected =>
        {
            lock (_refreshes)
            {
                _refreshes.Add(reconnected);
            }
            return Task.CompletedTask;
        })
        .Add(x => x.CatchUpOnReconnect, catchUp));

    private static CaseEvent Event(string kind, string queue) =>
        new(kind, Guid.NewGuid(), queue, null, CaseStatus.Queued, "rita", DateTimeOffset.UtcNow);

    private int Count
    {
        get
        {
            lock (_refreshes)
            {
                return _refreshes.Count;
            }
        }
    }

    private async Task ReconnectAsync()
    {
        await _connection.OnConnectionDownAsync(null!, default);
        await _connection.OnConnectionUpAsync(null!, default);
    }

    [Fact]
    public async Task A_burst_of_events_that_concern_the_page_gives_one_refresh_at_once_and_one_after_the_delay()
    {
        RenderLive(TimeSpan.FromMilliseconds(400));
        _events.Publish(Event(CaseEventKinds.Created, "finance"));
        await Until(() => Count == 1);
        for (var i = 0; i < 20; i++)
        {
            _events.Publish(Event(CaseEventKinds.Claimed, "finance"));
        }
        await Until(() => Count == 2);
        await Task.Delay(800); // nothing else is pending: no further refresh may come
        Assert.Equal(2, Count);
    }

    [Fact]
    public async Task Events_that_do_not_concern_the_page_refresh_nothing()
    {
        RenderLive(TimeSpan.Zero);
        _events.Publish(Event(CaseEventKinds.Created, "policy-legal"));
        _events.Publish(Event(CaseEventKinds.Presence, "finance"));
        await Task.Delay(300);
        Assert.Equal(0, Count);
        _events.Publish(Event(CaseEventKinds.Created, "finance"));
        await Until(() => Count == 1);
    }

    [Fact]
    public async Task A_reconnection_refreshes_and_says_so_and_the_next_event_does_not()
    {
        RenderLive(TimeSpan.Zero);
        await ReconnectAsync();
        await Until(() => Count == 1);
        _events.Publish(Event(CaseEventKinds.Decided, "finance"));
        await Until(() => Count == 2);
        lock (_refreshes)
        {
            Assert.Equal([true, false], _refreshes);
        }
    }

    [Fact]
    public async Task A_page_that_does_not_catch_up_ignores_reconnections()
    {
        RenderLive(TimeSpan.Zero, catchUp: false);
        await ReconnectAsync();
        await Task.Delay(300);
        Assert.Equal(0, Count);
    }

    [Fact]
    public async Task A_trigger_from_the_page_refreshes_like_an_event()
    {
        var cut = RenderLive(TimeSpan.Zero);
        cut.Instance.Trigger();
        await Until(() => Count == 1);
    }

    [Fact]
    public async Task A_closed_page_stops_listening()
    {
        RenderLive(TimeSpan.Zero);
        Assert.Equal(1, _events.SubscriberCount);
        await Context.DisposeComponentsAsync();
        Assert.Equal(0, _events.SubscriberCount);
        _events.Publish(Event(CaseEventKinds.Created, "finance"));
        await ReconnectAsync();
        await Task.Delay(300);
        Assert.Equal(0, Count);
    }

    [Fact]
    public async Task A_page_shown_from_what_its_server_render_read_refreshes_at_once_when_its_queue_changed_since()
    {
        var readAt = _events.Mark();
        _events.Publish(Event(CaseEventKinds.Created, "policy-legal"));
        _events.Publish(Event(CaseEventKinds.Claimed, "finance"));
        RenderLive(TimeSpan.Zero, readAt: readAt);
        await Until(() => Count == 1);
        lock (_refreshes)
        {
            Assert.Equal([false], _refreshes);
        }
    }

    [Fact]
    public async Task A_page_shown_from_what_its_server_render_read_is_not_read_again_when_nothing_of_its_queue_changed()
    {
        var readAt = _events.Mark();
        _events.Publish(Event(CaseEventKinds.Created, "policy-legal"));
        _events.Publish(Event(CaseEventKinds.Presence, "finance"));
        RenderLive(TimeSpan.Zero, readAt: readAt);
        await Task.Delay(300);
        Assert.Equal(0, Count);
        _events.Publish(Event(CaseEventKinds.Created, "finance"));
        await Until(() => Count == 1);
    }

    [Fact]
    public async Task A_page_read_on_another_instance_or_too_long_ago_refreshes_at_once()
    {
        RenderLive(TimeSpan.Zero, readAt: new CaseEventMark(Guid.NewGuid(), 0));
        await Until(() => Count == 1);

        var readAt = _events.Mark();
        for (var i = 0; i <= CaseEvents.RecentCapacity; i++)
        {
            _events.Publish(Event(CaseEventKinds.Created, "policy-legal"));
        }
        Assert.Null(_events.Since(readAt));
        RenderLive(TimeSpan.Zero, readAt: readAt);
        await Until(() => Count == 2);
    }

    [Fact]
    public void The_events_since_a_mark_are_those_delivered_after_it_in_order()
    {
        _events.Publish(Event(CaseEventKinds.Created, "finance"));
        var mark = _events.Mark();
        Assert.Empty(_events.Since(mark)!);
        var later = new[] { Event(CaseEventKinds.Claimed, "finance"), Event(CaseEventKinds.Decided, "policy-legal") };
        _events.Publish(later[0]);
        _events.Deliver(later[1]);
        Assert.Equal(later, _events.Since(mark));
        Assert.Equal(3, _events.Mark().Sequence);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The refresh did not come within 10 s.");
            await Task.Delay(10);
        }
    }
}
