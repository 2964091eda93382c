using System.Text.Json;
using AngleSharp.Dom;
using Bunit;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Components.Pages.Cases;
using Workbench.Web.Review;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Components;

public sealed class CaseActionBarTests : ComponentTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly ActionAvailability Holding = new(CanClaim: false, CanRelease: true, CanAct: true, CanApprove: true, Hint: null);
    private static readonly ActionAvailability Queued = new(CanClaim: true, CanRelease: false, CanAct: false, CanApprove: false, Hint: "Claim the case to act on it.");

    private readonly List<ReviewActionRequest> _acts = [];
    private readonly List<string> _calls = [];
    private bool _succeed = true;

    public CaseActionBarTests() => Context.JSInterop.SetupModule("./js/shortcuts.js").Mode = JSRuntimeMode.Loose;

    private static CaseDetail Detail()
    {
        var s = TestCases.Submission();
        var record = TestCases.FullRecord(Guid.NewGuid(), Now);
        record.Status = CaseStatus.InReview;
        record.SubmissionJson = JsonSerializer.Serialize(s, WorkbenchJson.Options);
        return new CaseDetail(record, s, record.Evaluation, [], [], []);
    }

    private IRenderedComponent<CaseActionBar> RenderBar(CaseDetail detail, ActionAvailability can, bool busy = false) => Render<CaseActionBar>(p => p
        .Add(x => x.CaseId, detail.Case.Id)
        .Add(x => x.Detail, detail)
        .Add(x => x.Can, can)
        .Add(x => x.Busy, busy)
        .Add(x => x.Assignable, Array.Empty<UserRecord>())
        .Add(x => x.Claim, () => _calls.Add("claim"))
        .Add(x => x.Release, () => _calls.Add("release"))
        .Add(x => x.Act, (CaseActionRun run) =>
        {
            _acts.Add(run.Request);
            run.Succeeded = _succeed;
        })
        .Add(x => x.Assign, (UserRecord u) => _calls.Add("assign " + u.UserName))
        .Add(x => x.Neighbour, (int step) => _calls.Add("neighbour " + step))
        .Add(x => x.NextCase, () => _calls.Add("next")));

    private static Task Press(IRenderedComponent<CaseActionBar> bar, string key) => bar.FindComponent<CaseShortcuts>().Instance.OnShortcut(key);

    private static IElement Button(IRenderedComponent<CaseActionBar> bar, string text) =>
        bar.FindAll("button").Single(b => b.TextContent.Trim() == text);

    private static bool Shows(IRenderedComponent<CaseActionBar> bar, string label) => bar.FindAll("label").Any(l => l.TextContent.Contains(label));

    [Fact]
    public async Task Reject_opens_its_form_with_the_cases_first_reason_code_and_sends_it()
    {
        var bar = RenderBar(Detail(), Holding);
        await Press(bar, "r");
        Assert.True(Shows(bar, "Reason code (required)"));
        Assert.True(Shows(bar, "Note for the AI system (optional)"));

        await Button(bar, "Confirm reject").ClickAsync(new());
        var request = Assert.Single(_acts);
        Assert.Equal(ReviewActionKind.Reject, request.Action);
        Assert.Equal("HIGH_VALUE_TRANSACTION", request.RejectReasonCode);
        Assert.False(Shows(bar, "Reason code (required)")); // it went through: the form closes
    }

    [Fact]
    public async Task A_refused_action_keeps_the_form_open_with_what_was_typed()
    {
        _succeed = false;
        var bar = RenderBar(Detail(), Holding);
        await Press(bar, "e");
        await Button(bar, "Approve edited response").ClickAsync(new());
        var request = Assert.Single(_acts);
        Assert.Equal(ReviewActionKind.ApproveWithEdits, request.Action);
        Assert.Equal(TestCases.Submission().Proposal.Response!.Body, request.EditedResponse); // the proposal, to edit
        Assert.True(Shows(bar, "Edited response"));
    }

    [Fact]
    public async Task Escape_closes_a_form_and_each_mode_key_opens_its_own()
    {
        var bar = RenderBar(Detail(), Holding);
        await Press(bar, "i");
        Assert.True(Shows(bar, "Question for the AI system"));
        await Press(bar, "o");
        Assert.False(Shows(bar, "Question for the AI system"));
        Assert.True(Shows(bar, "Route to queue"));
        await Press(bar, "escape");
        Assert.False(Shows(bar, "Route to queue"));
        Assert.Empty(_acts);
    }

    [Fact]
    public async Task A_approves_at_once_but_not_while_a_form_is_open()
    {
        var bar = RenderBar(Detail(), Holding);
        await Press(bar, "r");
        await Press(bar, "a");
        Assert.Empty(_acts);
        await Press(bar, "escape");
        await Press(bar, "a");
        Assert.Equal(ReviewActionKind.Approve, Assert.Single(_acts).Action);
    }

    [Fact]
    public async Task Without_the_claim_only_claim_and_navigation_answer()
    {
        var bar = RenderBar(Detail(), Queued);
        foreach (var key in new[] { "a", "e", "r", "i", "o" })
        {
            await Press(bar, key);
        }
        Assert.Empty(_acts);
        Assert.DoesNotContain(bar.FindAll("label"), l => l.TextContent.Contains("Reason code"));
        await Press(bar, "c");
        await Press(bar, "j");
        await Press(bar, "k");
        await Press(bar, "n");
        Assert.Equal(["claim", "neighbour 1", "neighbour -1", "next"], _calls);
        Assert.Equal("Claim the case to act on it.", bar.Find("[data-testid='action-hint']").TextContent);
    }

    [Fact]
    public async Task While_an_action_runs_no_key_does_anything()
    {
        var bar = RenderBar(Detail(), Holding, busy: true);
        await Press(bar, "a");
        await Press(bar, "r");
        await Press(bar, "n");
        Assert.Empty(_acts);
        Assert.Empty(_calls);
        Assert.False(Shows(bar, "Reason code (required)"));
    }

    [Fact]
    public async Task The_next_case_starts_with_no_form_and_none_of_the_previous_text()
    {
        var first = Detail();
        var bar = RenderBar(first, Holding);
        await Press(bar, "e");
        Assert.True(Shows(bar, "Edited response"));

        var next = Detail();
        bar.Render(p => p.Add(x => x.CaseId, next.Case.Id).Add(x => x.Detail, next));
        Assert.False(Shows(bar, "Edited response"));
        await Press(bar, "i");
        Assert.True(Button(bar, "Send question").HasAttribute("disabled")); // no question carried over
        Assert.Empty(_acts);
    }
}
