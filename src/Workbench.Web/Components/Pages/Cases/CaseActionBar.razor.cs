using Microsoft.AspNetCore.Components;
using Workbench.Core.Review;
using Workbench.Web.Review;

namespace Workbench.Web.Components.Pages.Cases;

/// <summary>
/// A review action the bar asks its page to run. The page sets <see cref="Succeeded"/> when it went through, and
/// the bar then closes its form; otherwise the form stays open with what the reviewer typed.
/// </summary>
public sealed class CaseActionRun(ReviewActionRequest request)
{
    public ReviewActionRequest Request { get; } = request;
    public bool Succeeded { get; set; }
}

/// <summary>
/// The case page's actions and their single-key shortcuts: claim, approve, and the forms of approve with edits,
/// reject, request info and route. The page runs what the bar asks for and says whether it went through.
/// </summary>
public sealed partial class CaseActionBar
{
    private enum Mode
    {
        None,
        Edit,
        Reject,
        Info,
        Route,
        /// <summary>An approval waits for the deliberate gesture its action needs (<see cref="ApprovalGate"/>).</summary>
        Confirm,
    }

    private Guid _caseId;
    private CaseDetail? _shownDetail;
    private Mode _mode;
    private string _editText = "";
    private Dictionary<string, string> _editVariables = [];
    private string? _rejectCode;
    private RootCause? _rootCause;
    private string? _question;
    private string? _targetQueue;
    private string? _note;
    private string? _assignee;
    private bool _shortcutsReady;
    private ApprovalGate? _gate;
    private ReviewActionRequest? _pending;
    private string? _typedAmount;
    private bool _help;

    [Inject] private ActivePolicy Policy { get; set; } = default!;

    /// <summary>The case the page shows; its detail may still be the previous case's while the page reads.</summary>
    [Parameter, EditorRequired] public required Guid CaseId { get; set; }
    [Parameter, EditorRequired] public required CaseDetail Detail { get; set; }
    [Parameter, EditorRequired] public required ActionAvailability Can { get; set; }
    /// <summary>An action is running: nothing else may start.</summary>
    [Parameter, EditorRequired] public required bool Busy { get; set; }
    /// <summary>The reviewers a lead may assign the case to; empty for everyone else.</summary>
    [Parameter, EditorRequired] public required IReadOnlyList<UserRecord> Assignable { get; set; }
    [Parameter, EditorRequired] public required EventCallback Claim { get; set; }
    [Parameter, EditorRequired] public required EventCallback Release { get; set; }
    [Parameter, EditorRequired] public required EventCallback<CaseActionRun> Act { get; set; }
    [Parameter, EditorRequired] public required EventCallback<UserRecord> Assign { get; set; }
    /// <summary>The next (1) or previous (-1) open case of the queue.</summary>
    [Parameter, EditorRequired] public required EventCallback<int> Neighbour { get; set; }
    [Parameter, EditorRequired] public required EventCallback NextCase { get; set; }

    protected override void OnParametersSet()
    {
        if (_caseId != CaseId)
        {
            _caseId = CaseId;
            _mode = Mode.None;
            _editText = ""; // never carry one customer's text over to the next case
            _editVariables = [];
            _question = null;
            _targetQueue = null;
            _note = null;
            _rejectCode = null;
            _rootCause = null;
            _pending = null;
            _typedAmount = null;
        }
        if (!ReferenceEquals(_shownDetail, Detail))
        {
            _shownDetail = Detail;
            _assignee = Detail.Case.AssignedTo;
            // The action as an approval now would execute it: the round's edited parameters, else the proposal's.
            var edited = Detail.Case.EditedParametersJson is { } json
                ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, WorkbenchJson.Options)
                : null;
            _gate = ApprovalGate.For(Policy.Policy, Detail.Submission, Detail.Case.RiskTier, edited);
            if (_mode == Mode.Confirm && _gate is null)
            {
                _mode = Mode.None;
            }
        }
    }

    private async Task OnShortcutAsync(string key)
    {
        if (Busy)
        {
            return;
        }
        switch (key)
        {
            case "escape" when _help:
                _help = false;
                break;
            case "escape":
                Cancel();
                break;
            case "?":
                ToggleHelp();
                break;
            case "c" when Can.CanClaim:
                await Claim.InvokeAsync();
                break;
            case "a" when Can.CanApproveAsIs && _mode == Mode.None:
                await ApproveAsync();
                break;
            // The second key is a different one: pressing A twice never approves an irreversible action.
            case "y" when _mode == Mode.Confirm && _gate?.Gesture == Core.Policy.ApprovalGesture.Confirm:
                await ConfirmApprovalAsync();
                break;
            case "e" when Can.CanApprove:
                StartEdit();
                break;
            case "r" when Can.CanAct:
                Start(Mode.Reject);
                break;
            case "i" when Can.CanAct:
                Start(Mode.Info);
                break;
            case "o" when Can.CanAct:
                Start(Mode.Route);
                break;
            case "j":
                await Neighbour.InvokeAsync(1);
                break;
            case "k":
                await Neighbour.InvokeAsync(-1);
                break;
            case "n":
                await NextCase.InvokeAsync();
                break;
        }
    }

    private void Start(Mode mode)
    {
        _mode = mode;
        _pending = null;
        _note = null;
        _rootCause = null; // never preselected: the reviewer names it (the reason codes' hint is marked in the list)
        _rejectCode = mode == Mode.Reject ? Detail.Case.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(Policy.Policy.ReasonCodes.ContainsKey) : null;
    }

    private void StartEdit()
    {
        Start(Mode.Edit);
        // The text this round approves: an earlier reviewer's edit, else the proposal.
        _editText = Detail.RoundTemplate ?? "";
        _editVariables = new Dictionary<string, string>(Detail.RoundVariables ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    private void ToggleHelp() => _help = !_help;

    /// <summary>The policy accepts "unknown" as the root cause for the case's workflow.</summary>
    private bool AllowUnknown => Policy.Policy.AllowsUnknownRootCause(Detail.Case.Workflow);

    /// <summary>The root cause the case's first reason code with a hint points at: marked in the list, never chosen for the reviewer.</summary>
    private RootCause? SuggestedRootCause => Detail.Case.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(code => Policy.Policy.ReasonCodes.GetValueOrDefault(code)?.RootCauseHint)
        .FirstOrDefault(hint => hint is not null);

    private void Cancel()
    {
        // Back from the confirmation of an edit returns to the edit, with the text as typed.
        _mode = _mode == Mode.Confirm && _pending?.Action == ReviewActionKind.ApproveWithEdits ? Mode.Edit : Mode.None;
        _pending = null;
        _typedAmount = null;
    }

    private Task ApproveAsync() => ApprovalAsync(new ReviewActionRequest { Action = ReviewActionKind.Approve });

    private Task ConfirmEditAsync()
    {
        var variables = ChangedVariables();
        return ApprovalAsync(new ReviewActionRequest
        {
            Action = ReviewActionKind.ApproveWithEdits,
            // A change of values alone leaves the wording as the round has it: no empty diff in History.
            EditedResponse = variables is not null && _editText == Detail.RoundTemplate ? null : _editText,
            EditedVariables = variables,
            RootCause = _rootCause,
        });
    }

    /// <summary>The variables the reviewer set or changed against the round's; null when none.</summary>
    private Dictionary<string, string>? ChangedVariables()
    {
        var round = Detail.RoundVariables ?? new Dictionary<string, string>();
        var changed = _editVariables.Where(v => !round.TryGetValue(v.Key, out var before) || before != v.Value).ToDictionary(StringComparer.Ordinal);
        return changed.Count == 0 ? null : changed;
    }

    /// <summary>An approval goes out at once when its action needs no confirmation; otherwise the confirmation opens first.</summary>
    private Task ApprovalAsync(ReviewActionRequest request)
    {
        if (_gate is null)
        {
            return ActAsync(request);
        }
        _pending = request;
        _typedAmount = null;
        _mode = Mode.Confirm;
        return Task.CompletedTask;
    }

    private Task ConfirmApprovalAsync()
    {
        if (_pending is null || _gate is null || (_gate.Gesture == Core.Policy.ApprovalGesture.TypeAmount && !_gate.AmountMatches(_typedAmount)))
        {
            return Task.CompletedTask;
        }
        return ActAsync(_pending with { ConfirmedTool = _gate.Tool, ConfirmedAmount = _typedAmount });
    }

    private Task ConfirmRejectAsync() =>
        ActAsync(new ReviewActionRequest { Action = ReviewActionKind.Reject, RejectReasonCode = _rejectCode, Note = _note, RootCause = _rootCause });

    private Task ConfirmInfoAsync() => ActAsync(new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = _question });

    private Task ConfirmRouteAsync() => ActAsync(new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = _targetQueue, Note = _note });

    private async Task ActAsync(ReviewActionRequest request)
    {
        var run = new CaseActionRun(request);
        await Act.InvokeAsync(run);
        if (run.Succeeded)
        {
            _mode = Mode.None;
            _pending = null;
            _typedAmount = null;
            _editText = "";
            _editVariables = [];
            _question = null;
            _targetQueue = null;
            _note = null;
            _rootCause = null;
        }
    }

    private async Task AssignAsync()
    {
        if (Assignable.FirstOrDefault(u => u.UserName == _assignee) is { } user)
        {
            await Assign.InvokeAsync(user);
        }
    }
}
