using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Web.Auth;
using Workbench.Web.Components.Pages.Cases;
using Workbench.Web.Review;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Components;

/// <summary>
/// The classification panel under a decided case, over the real review service and database: a refused answer is
/// said on the panel in words, the panel keeps showing what is recorded, and nothing is written.
/// </summary>
public sealed class ClassifyPanelTests : ComponentTest, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly WorkbenchFactory _app = new();

    public new async Task InitializeAsync()
    {
        using var client = _app.CreateClient();
        using var ready = await client.GetAsync("/health/ready");
        Assert.True(ready.IsSuccessStatusCode);
        Context.Services.AddSingleton(_app.Services.GetRequiredService<ReviewService>());
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _app.DisposeAsync();
    }

    private Task<(RootCause? RootCause, bool? Necessary, int Classified)> StateAsync(Guid id) => _app.WithDbAsync(async db =>
    {
        var action = await db.ReviewActions.AsNoTracking().SingleAsync(a => a.CaseId == id);
        return (action.RootCause, action.EscalationNecessary, await db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == AuditEventTypes.CaseClassified));
    });

    private IRenderedComponent<ClassifyPanel> Panel(Guid id, ReviewerIdentity me, RootCause? given, Action next) => Render<ClassifyPanel>(p => p
        .Add(x => x.CaseId, id)
        .Add(x => x.Me, me)
        .Add(x => x.Workflow, "support.refund")
        .Add(x => x.Given, given)
        .Add(x => x.Next, EventCallback.Factory.Create(this, next))
        .Add(x => x.Skip, EventCallback.Factory.Create(this, () => { })));

    [Fact]
    public async Task Another_reviewers_answer_on_ritas_decision_is_refused_in_words_and_nothing_is_written()
    {
        // Rita rejected the case with root cause retrieval_conflict; mia works the same queue but did not act on it.
        var id = await _app.RejectedCaseAsync();
        var before = await StateAsync(id);
        var next = 0;
        var panel = Panel(id, new ReviewerIdentity("mia", false, new HashSet<string> { "policy-legal" }), null, () => next++);

        await panel.FindAll("button").Single(b => b.TextContent.Contains("No, it was not necessary", StringComparison.Ordinal)).ClickAsync(new MouseEventArgs());
        panel.WaitForAssertion(() => Assert.Equal("Only a reviewer who acted on the case (or a lead) classifies it.",
            panel.Find("[data-testid='classify-refusal']").TextContent.Trim()), Wait);
        // The button does not show an answer that was not recorded, and the panel does not move on.
        Assert.DoesNotContain("mud-button-filled", panel.FindAll("button").Single(b => b.TextContent.Contains("No, it was not necessary", StringComparison.Ordinal)).ClassName,
            StringComparison.Ordinal);
        Assert.Equal(0, next);
        Assert.Equal(before, await StateAsync(id));
        Assert.Equal((RootCause.RetrievalConflict, (bool?)null, 0), before);
    }

    [Fact]
    public async Task The_deciders_answers_are_recorded_without_a_refusal_and_move_on()
    {
        var id = await _app.RejectedCaseAsync();
        var next = 0;
        var panel = Panel(id, new ReviewerIdentity("rita", false, new HashSet<string> { "support", "policy-legal" }), RootCause.RetrievalConflict, () => next++);

        await panel.FindAll("button").Single(b => b.TextContent.Contains("Yes, it needed a human", StringComparison.Ordinal)).ClickAsync(new MouseEventArgs());
        panel.WaitForAssertion(() => Assert.Equal(1, next), Wait);
        Assert.Empty(panel.FindAll("[data-testid='classify-refusal']"));
        Assert.Equal((RootCause.RetrievalConflict, (bool?)true, 1), await StateAsync(id));
    }
}
