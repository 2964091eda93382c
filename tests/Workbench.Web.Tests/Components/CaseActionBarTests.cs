using System.Text.Json;
using AngleSharp.Dom;
using Bunit;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Components.Pages.Cases;
using Workbench.Web.Components.Shared;
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

    /// <summary>A held case whose action is an irreversible refund of 120.50 USD (a tier-2 case unless said otherwise).</summary>
    private static CaseDetail Detail(int tier = 2, Func<CaseSubmission, CaseSubmission>? change = null)
    {
        var s = TestCases.Submission();
        s = change?.Invoke(s) ?? s;
        var record = TestCases.FullRecord(Guid.NewGuid(), Now);
        record.Status = CaseStatus.InReview;
        record.RiskTier = tier;
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

    /// <summary>The reviewer picks a root cause in the open form's select.</summary>
    private static Task ChooseRootCause(IRenderedComponent<CaseActionBar> bar, RootCause cause) =>
        bar.InvokeAsync(() => bar.FindComponent<RootCauseSelect>().Instance.ValueChanged.InvokeAsync(cause));

    [Fact]
    public void Every_action_button_names_its_key_in_aria_keyshortcuts()
    {
        var bar = RenderBar(Detail(), Holding);
        var keys = bar.FindAll("button[aria-keyshortcuts]").ToDictionary(b => b.GetAttribute("aria-label") ?? b.TextContent.Trim(), b => b.GetAttribute("aria-keyshortcuts"));

        Assert.Equal("A", keys["Approve"]);
        Assert.Equal("E", keys["Approve with edits"]);
        Assert.Equal("R", keys["Reject"]);
        Assert.Equal("I", keys["Request info"]);
        Assert.Equal("O", keys["Route"]);
        Assert.Equal("K", keys["Previous case"]);
        Assert.Equal("J", keys["Next case in the queue"]);
        Assert.Equal("Shift+?", keys["Keyboard shortcuts"]);
        Assert.Equal("Claim", RenderBar(Detail(), Queued).Find("button[aria-keyshortcuts='C']").TextContent.Trim());
        Assert.Equal("region", bar.Find(".action-bar").GetAttribute("role"));
    }

    [Fact]
    public async Task Approve_is_off_and_A_does_nothing_while_the_message_has_a_placeholder_without_a_value_but_edits_are_open()
    {
        var can = Holding with { CanApproveAsIs = false, Hint = "The message still has a placeholder without a value: {{refund_amount}}." };
        var bar = RenderBar(Detail(), can);

        Assert.True(bar.Find("button[aria-keyshortcuts='A']").HasAttribute("disabled"));
        Assert.False(bar.Find("button[aria-keyshortcuts='E']").HasAttribute("disabled"));
        Assert.Contains("{{refund_amount}}", bar.Markup);
        await Press(bar, "a"); // with a complete message this opens the refund's confirmation
        Assert.Empty(bar.FindAll("[role='alertdialog']"));
        Assert.Empty(_acts);
    }

    [Fact]
    public async Task Question_mark_opens_a_help_sheet_with_every_key_and_Escape_closes_it()
    {
        var bar = RenderBar(Detail(), Holding);
        Assert.Empty(bar.FindAll("[data-testid='shortcut-help']"));
        await Press(bar, "?");
        var listed = bar.FindAll("[data-testid='shortcut-help'] dt kbd").Select(k => k.TextContent).ToList();
        Assert.Equal(["C", "A", "Y", "E", "R", "I", "O", "U", "J", "K", "N", "?", "Esc"], listed);
        // Each key the sheet lists is one the browser passes on (wwwroot/js/shortcuts.js), and the other way round.
        var script = File.ReadAllText(Path.Combine(AppServer.RepositoryRoot, "src", "Workbench.Web", "wwwroot", "js", "shortcuts.js"));
        var passed = System.Text.RegularExpressions.Regex.Match(script, @"new Set\(\[(.*?)\]\)").Groups[1].Value
            .Split(',').Select(k => k.Trim().Trim('\'')).ToHashSet();
        Assert.Equal(passed, listed.Select(k => k == "Esc" ? "escape" : k.ToLowerInvariant()).ToHashSet());

        await Press(bar, "escape");
        Assert.Empty(bar.FindAll("[data-testid='shortcut-help']"));
        Assert.Empty(_acts);
    }

    [Fact]
    public async Task Reject_opens_its_form_with_the_cases_first_reason_code_and_sends_it()
    {
        var bar = RenderBar(Detail(), Holding);
        await Press(bar, "r");
        Assert.True(Shows(bar, "Reason code (required)"));
        Assert.True(Shows(bar, "Note for the AI system (optional)"));
        Assert.True(Shows(bar, "Root cause (required)"));
        Assert.True(Button(bar, "Confirm reject").HasAttribute("disabled")); // no root cause chosen for the reviewer
        await Button(bar, "Confirm reject").ClickAsync(new());
        Assert.Empty(_acts);

        await ChooseRootCause(bar, RootCause.PolicyTooLoose);
        await Button(bar, "Confirm reject").ClickAsync(new());
        var request = Assert.Single(_acts);
        Assert.Equal(ReviewActionKind.Reject, request.Action);
        Assert.Equal("HIGH_VALUE_TRANSACTION", request.RejectReasonCode);
        Assert.Equal(RootCause.PolicyTooLoose, request.RootCause);
        Assert.False(Shows(bar, "Reason code (required)")); // it went through: the form closes
    }

    [Fact]
    public async Task A_refused_action_keeps_the_form_open_with_what_was_typed()
    {
        _succeed = false;
        var bar = RenderBar(Detail(), Holding);
        await Press(bar, "e");
        Assert.True(Button(bar, "Approve edited response").HasAttribute("disabled")); // an edit names its root cause
        await ChooseRootCause(bar, RootCause.Prompt);
        await Button(bar, "Approve edited response").ClickAsync(new());
        Assert.Empty(_acts); // the refund is irreversible: the confirmation comes first
        await Press(bar, "y");
        var request = Assert.Single(_acts);
        Assert.Equal(ReviewActionKind.ApproveWithEdits, request.Action);
        Assert.Equal(TestCases.Submission().Proposal.Response!.Body, request.EditedResponse); // the proposal, to edit
        Assert.Equal("payments.issue_refund", request.ConfirmedTool);
        Assert.Equal(RootCause.Prompt, request.RootCause);
        await Press(bar, "escape"); // back from the confirmation to the edit, text and root cause kept
        Assert.True(Shows(bar, "Message template"));
        Assert.False(Button(bar, "Approve edited response").HasAttribute("disabled"));
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
    public async Task A_opens_a_confirmation_that_restates_the_refund_and_only_Y_approves_it()
    {
        var bar = RenderBar(Detail(), Holding);
        await Press(bar, "r");
        await Press(bar, "a");
        Assert.Empty(_acts);
        await Press(bar, "escape");
        await Press(bar, "a");
        await Press(bar, "a"); // the same key twice never approves
        Assert.Empty(_acts);
        Assert.Equal("confirm", bar.Find("[role='alertdialog']").GetAttribute("data-gesture"));
        Assert.Contains("payments.issue_refund", bar.Find("[data-confirm='tool']").TextContent);
        Assert.Equal("120.50 USD", bar.Find("[data-confirm='amount']").TextContent.Trim());
        Assert.Equal("A-1042", bar.Find("[data-confirm='target']").TextContent.Trim());
        Assert.Contains("Irreversible", bar.Find("[data-confirm='reversible']").TextContent);
        Assert.Equal("Y", Button(bar, "Approve (Y)").GetAttribute("aria-keyshortcuts"));

        await Press(bar, "y");
        var request = Assert.Single(_acts);
        Assert.Equal((ReviewActionKind.Approve, "payments.issue_refund"), (request.Action, request.ConfirmedTool));
        Assert.Empty(bar.FindAll("[role='alertdialog']")); // it went through: the confirmation closes
    }

    [Fact]
    public async Task At_tier_3_the_amount_must_be_typed_and_Y_does_nothing()
    {
        var bar = RenderBar(Detail(tier: 3), Holding);
        await Press(bar, "a");
        Assert.Equal("type_amount", bar.Find("[role='alertdialog']").GetAttribute("data-gesture"));
        Assert.True(Shows(bar, "Type the amount to approve (120.50 USD)"));
        await Press(bar, "y");
        Assert.True(bar.Find("[data-testid='confirm-approval']").HasAttribute("disabled"));

        bar.Find("input").Input("120");
        Assert.True(bar.Find("[data-testid='confirm-approval']").HasAttribute("disabled"));
        bar.Find("input").Input("120.50");
        Assert.False(bar.Find("[data-testid='confirm-approval']").HasAttribute("disabled"));
        Assert.Empty(_acts);
        await bar.Find("[data-testid='confirm-approval']").ClickAsync(new());
        var request = Assert.Single(_acts);
        Assert.Equal(("payments.issue_refund", "120.50"), (request.ConfirmedTool, request.ConfirmedAmount));
    }

    [Fact]
    public async Task A_reversible_action_without_money_is_approved_by_A_at_once()
    {
        var bar = RenderBar(Detail(change: s => s with
        {
            Workflow = "sales.contract",
            Proposal = s.Proposal with
            {
                Action = new ActionProposal("clm.insert_clause",
                    new Dictionary<string, JsonElement> { ["contractId"] = JsonSerializer.SerializeToElement("CTR-1") }, Reversible: true),
            },
        }), Holding);
        await Press(bar, "a");
        Assert.Equal(ReviewActionKind.Approve, Assert.Single(_acts).Action);
        Assert.Null(_acts[0].ConfirmedTool);
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
        Assert.True(Shows(bar, "Message template"));

        var next = Detail();
        bar.Render(p => p.Add(x => x.CaseId, next.Case.Id).Add(x => x.Detail, next));
        Assert.False(Shows(bar, "Message template"));
        await Press(bar, "i");
        Assert.True(Button(bar, "Send question").HasAttribute("disabled")); // no question carried over
        Assert.Empty(_acts);
    }
}
