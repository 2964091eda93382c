using Bunit;
using MudBlazor;
using Workbench.Web.Components.Pages.Queues;
using Workbench.Web.Queues;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Queues;

/// <summary>The queue grid's toolbar: each control changes its own part of the QueueFilter, and nothing else.</summary>
public sealed class QueueFilterBarTests : ComponentTest
{
    private readonly List<QueueFilter> _emitted = [];

    private IRenderedComponent<QueueFilterBar> RenderBar(QueueFilter value, int debounce = 300) => Render<QueueFilterBar>(ps => ps
        .Add(p => p.Value, value)
        .Add(p => p.ValueChanged, (QueueFilter f) => _emitted.Add(f))
        .Add(p => p.ReasonCodes, [("IRREVERSIBLE_ACTION", "Irreversible action"), ("STALE_EVIDENCE", "Stale evidence")])
        .Add(p => p.Workflows, ["support.faq", "support.refund"])
        .Add(p => p.DebounceMilliseconds, debounce));

    private static MudSelect<T> Select<T>(IRenderedComponent<QueueFilterBar> bar, string label) =>
        bar.FindComponents<MudSelect<T>>().Select(s => s.Instance).Single(s => s.Label == label);

    [Fact]
    public async Task Reason_select_sets_the_reason_code_and_keeps_the_rest()
    {
        var bar = RenderBar(new QueueFilter { Tier = 2, Text = "refund" });
        await bar.InvokeAsync(() => Select<string>(bar, "Reason").ValueChanged.InvokeAsync("STALE_EVIDENCE"));
        Assert.Equal(new QueueFilter { Tier = 2, Text = "refund", ReasonCode = "STALE_EVIDENCE" }, Assert.Single(_emitted));
    }

    [Fact]
    public async Task Tier_workflow_and_claim_selects_set_their_own_fields()
    {
        var bar = RenderBar(QueueFilter.None);
        await bar.InvokeAsync(() => Select<int?>(bar, "Tier").ValueChanged.InvokeAsync(3));
        await bar.InvokeAsync(() => Select<string>(bar, "Workflow").ValueChanged.InvokeAsync("support.refund"));
        await bar.InvokeAsync(() => Select<ClaimFilter>(bar, "Claim").ValueChanged.InvokeAsync(ClaimFilter.Unclaimed));
        Assert.Equal(
            [new QueueFilter { Tier = 3 }, new QueueFilter { Workflow = "support.refund" }, new QueueFilter { Claim = ClaimFilter.Unclaimed }],
            _emitted);
    }

    [Fact]
    public async Task Clearing_a_select_removes_that_filter_only()
    {
        var bar = RenderBar(new QueueFilter { ReasonCode = "STALE_EVIDENCE", Workflow = "support.faq" });
        await bar.InvokeAsync(() => Select<string>(bar, "Reason").ValueChanged.InvokeAsync(null));
        Assert.Equal(new QueueFilter { Workflow = "support.faq" }, Assert.Single(_emitted));
    }

    [Fact]
    public async Task Choosing_the_current_value_again_emits_nothing()
    {
        var bar = RenderBar(new QueueFilter { Claim = ClaimFilter.Claimed });
        await bar.InvokeAsync(() => Select<ClaimFilter>(bar, "Claim").ValueChanged.InvokeAsync(ClaimFilter.Claimed));
        Assert.Empty(_emitted);
    }

    [Fact]
    public void Typing_in_the_search_emits_one_trimmed_filter_after_the_pause()
    {
        // A pause long enough that three keystrokes sent back to back fall inside it even on a starved machine.
        var bar = RenderBar(new QueueFilter { Tier = 1 }, debounce: 1500);
        var input = bar.FindComponent<MudTextField<string>>().Find("input");
        input.Input("re");
        input.Input("refu");
        input.Input(" refund ");
        bar.WaitForAssertion(() => Assert.Equal(new QueueFilter { Tier = 1, Text = "refund" }, Assert.Single(_emitted)), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Blank_search_means_no_text_filter()
    {
        var bar = RenderBar(new QueueFilter { Text = "refund" });
        await bar.InvokeAsync(() => bar.FindComponent<MudTextField<string>>().Instance.ValueChanged.InvokeAsync("   "));
        Assert.Equal(QueueFilter.None, Assert.Single(_emitted));
    }

    [Fact]
    public async Task Clear_filters_resets_everything()
    {
        var bar = RenderBar(new QueueFilter { Tier = 0, ReasonCode = "STALE_EVIDENCE", Claim = ClaimFilter.Claimed, Text = "x" });
        await bar.InvokeAsync(() => bar.FindComponents<MudButton>().Single(b => b.Markup.Contains("Clear filters")).Instance.OnClick.InvokeAsync());
        Assert.Equal(QueueFilter.None, Assert.Single(_emitted));
    }
}
