using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workbench.Web.Auth;
using Workbench.Web.Review;

namespace Workbench.Web.Components.Pages.Cases;

/// <summary>
/// <c>/cases/{id}</c>: reads the case and runs what its action bar and classify panel ask for. The live side
/// (presence, other people's actions, reconnection, the claim's renewal) is <see cref="CaseLiveSession"/>.
/// </summary>
public sealed partial class CasePage
{
    private ReviewerIdentity? _me;
    private CaseDetail? _detail;
    private ReviewCaseView? _view;
    private ActionAvailability? _can;
    private DateTimeOffset _now;
    private bool _notFound;
    private bool _withheld;
    private bool _busy;
    private string? _message;
    private bool _classify;
    /// <summary>The root cause the reviewer gave with the decision: the classify panel starts from it.</summary>
    private RootCause? _givenRootCause;
    private List<BreadcrumbItem> _crumbs = [];
    private Guid _loadedId;
    private List<UserRecord> _assignable = [];
    private IReadOnlyList<string> _others = [];
    private string? _live;
    /// <summary>The end of the undo window of the reviewer's own decision, while it lasts: the undo bar shows.</summary>
    private DateTimeOffset? _undoUntil;

    [Inject] private CaseDetails Details { get; set; } = default!;
    [Inject] private DoubleReviewService DoubleReviews { get; set; } = default!;
    [Inject] private ReviewService Reviews { get; set; } = default!;
    [Inject] private ReviewerDirectory Directory { get; set; } = default!;
    [Inject] private ActivePolicy Policy { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter] public Guid Id { get; set; }
    /// <summary><c>next</c> when the reviewer came through Next case: after a route the next case opens, not the queue.</summary>
    [SupplyParameterFromQuery(Name = "via")] public string? Via { get; set; }
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    // Known before the first read of a case, so that the live session listens before the case is read.
    protected override async Task OnInitializedAsync() =>
        _me = await Directory.IdentityAsync((await AuthState).User, CancellationToken.None);

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedId != Id)
        {
            _loadedId = Id;
            _live = null;
            _message = null;
            _classify = false;
            await LoadAsync();
        }
    }

    private async Task LoadAsync()
    {
        var now = Time.GetUtcNow();
        // Checked before anything of the case is read: a possible second reviewer must not see the first review.
        if (await DoubleReviews.WithholdsAsync(Id, _me!.UserName))
        {
            (_now, _withheld, _detail) = (now, true, null);
            return;
        }
        var detail = await Details.LoadAsync(Id, _me!);
        if (detail is null)
        {
            (_now, _withheld, _notFound, _detail) = (now, false, true, null);
            return;
        }
        var assignable = _me!.IsLead
            ? (await Directory.AllAsync(CancellationToken.None))
                .Where(u => u.Role == UserRole.Reviewer && ReviewerDirectory.IdentityOf(u).MayWork(detail.Case.Queue))
                .ToList()
            : null;

        // Everything the page renders from is set together, after the last await: a render that comes between two awaits
        // (the prerender's first pass, a live event, a presence change) never sees a new case without its actions.
        (_now, _withheld, _notFound, _detail) = (now, false, false, detail);
        _view = ReviewService.View(detail.Case);
        _undoUntil = UndoWindowOf(detail.Case, _me!.UserName, now);
        if (assignable is not null)
        {
            _assignable = assignable;
        }
        _can = ActionAvailability.For(_view, _me!.UserName, _now, IsSelfApproval,
            detail.RoundTemplate is { } template ? Core.Review.MessageTemplate.Render(template, detail.RoundVariables).Missing : null);
        _crumbs = [new("Queues", "/queues")];
        if (detail.Case.Queue is { } queue)
        {
            _crumbs.Add(new(Policy.Queues.FirstOrDefault(q => q.Name == queue)?.Title ?? queue, $"/queues/{queue}"));
        }
        _crumbs.Add(new(Workbench.Core.Review.HiddenCharacters.Reveal(detail.Case.ExternalId), null, disabled: true));
    }

    /// <summary>The end of the case's undo window when the reviewer made its decision and the window still lasts.</summary>
    private static DateTimeOffset? UndoWindowOf(CaseRecord c, string me, DateTimeOffset now) =>
        c is { Status: CaseStatus.Decided, ReleaseAt: { } at, UndoJson: { } json } && at > now &&
        JsonSerializer.Deserialize<Core.Review.UndoState>(json, WorkbenchJson.Options)?.DecidedBy == me
            ? at
            : null;

    private string DecisionWords => _detail?.Case.Decision switch
    {
        DecisionKind.Approved => "Approved",
        DecisionKind.ApprovedWithEdits => "Approved with edits",
        DecisionKind.Rejected => "Rejected",
        _ => "Decided",
    };

    private Task UndoAsync() => RunAsync(() => Reviews.UndoAsync(_me!, Id), _ =>
    {
        _classify = false;
        Snackbar.Add("Decision undone: nothing was sent, and the case is yours to act on again.", Severity.Success);
        return Task.FromResult(true);
    });

    private bool IsSelfApproval => _detail is not null && string.Equals(_detail.Case.ClientId, _me?.UserName, StringComparison.OrdinalIgnoreCase);

    private string Confidence => _detail?.Submission.Signals.TryGetValue("model_confidence", out var v) == true ? v.ToString() : "not reported";

    private async Task OnLiveChangeAsync(CaseLiveChange change)
    {
        _others = change.Viewers ?? _others;
        _live = change.Banner ?? _live;
        if (change.ReadAgain)
        {
            await LoadAsync();
        }
    }

    private Task ClaimAsync() => RunAsync(() => Reviews.ClaimAsync(_me!, Id));

    private Task ReleaseAsync() => RunAsync(() => Reviews.ReleaseAsync(_me!, Id));

    private Task ActAsync(CaseActionRun run)
    {
        var request = run.Request;
        var fromQueue = _detail?.Case.Queue;
        return RunAsync(() => Reviews.ActAsync(_me!, Id, request with { ExpectedRevision = _view!.Revision }), async ok =>
        {
            run.Succeeded = true;
            switch (request.Action)
            {
                case ReviewActionKind.Approve or ReviewActionKind.ApproveWithEdits when ok.Status == CaseStatus.Decided:
                case ReviewActionKind.Reject:
                    _classify = true;
                    _givenRootCause = request.RootCause;
                    Snackbar.Add(request.Action == ReviewActionKind.Reject ? "Rejected." : "Approved.", Severity.Success);
                    break;
                case ReviewActionKind.Approve or ReviewActionKind.ApproveWithEdits:
                    Snackbar.Add($"Approval {ok.ApprovedBy.Count} of {ok.ApprovalsRequired} recorded; another reviewer gives the next one.", Severity.Info);
                    break;
                case ReviewActionKind.RequestInfo:
                    Snackbar.Add("Question sent to the AI system; the case returns when it answers.", Severity.Info);
                    break;
                case ReviewActionKind.Route:
                    // The case left this queue (often for one the reviewer does not work): back to where the work is.
                    Snackbar.Add($"Routed to {ok.Queue}.", Severity.Info);
                    if (Via == "next")
                    {
                        await NextCaseInAsync(fromQueue);
                    }
                    else
                    {
                        Navigation.NavigateTo(fromQueue is null ? "/queues" : $"/queues/{fromQueue}");
                    }
                    return false;
            }
            return true;
        });
    }

    private Task AssignAsync(UserRecord user) =>
        RunAsync(() => Reviews.AssignAsync(_me!, Id, ReviewerDirectory.IdentityOf(user)),
            ok =>
            {
                Snackbar.Add($"Assigned to {ok.AssignedTo}: it is at the top of their queue.", Severity.Success);
                return Task.FromResult(true);
            });

    /// <summary>Runs an action and reads the case again, unless what ran on success (<paramref name="onOk"/>) left the page (false).</summary>
    private async Task RunAsync(Func<Task<ReviewResult>> call, Func<ReviewCaseView, Task<bool>>? onOk = null)
    {
        _busy = true;
        try
        {
            var result = await call();
            switch (result)
            {
                case ReviewResult.Ok ok:
                    _message = null;
                    if (onOk is not null && !await onOk(ok.Case))
                    {
                        return;
                    }
                    break;
                case ReviewResult.Conflict conflict:
                    _message = conflict.Detail;
                    break;
                case ReviewResult.Forbidden forbidden:
                    _message = forbidden.Detail;
                    break;
                case ReviewResult.Invalid invalid:
                    _message = string.Join(" ", invalid.Errors.SelectMany(e => e.Value));
                    break;
                case ReviewResult.NotFound:
                    _message = "This case is no longer in a queue you work.";
                    break;
            }
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private Task NextCaseAsync() => NextCaseInAsync(_detail?.Case.Queue);

    /// <summary>Claims the next case of <paramref name="queue"/> (any queue of the reviewer's when he does not work it) and opens it.</summary>
    private async Task NextCaseInAsync(string? queue)
    {
        var result = await Reviews.NextAsync(_me!, _me!.MayWork(queue) ? queue : null);
        if (result is ReviewResult.Ok ok)
        {
            Navigation.NavigateTo($"/cases/{ok.Case.Id}?via=next");
        }
        else
        {
            Snackbar.Add("No more cases waiting in this queue.", Severity.Success);
            Navigation.NavigateTo(queue is null ? "/queues" : $"/queues/{queue}");
        }
    }

    /// <summary>Back to the case's queue without taking another case (Skip after a decision).</summary>
    private void BackToQueue() => Navigation.NavigateTo(_detail?.Case.Queue is { } queue ? $"/queues/{queue}" : "/queues");

    private async Task NeighbourAsync(int step)
    {
        if (_detail?.Case.Queue is not { } queue)
        {
            return;
        }
        if (await Details.NeighbourAsync(Id, queue, step) is { } other)
        {
            Navigation.NavigateTo($"/cases/{other}");
        }
        else
        {
            Snackbar.Add(step > 0 ? "This is the last open case of the queue." : "This is the first open case of the queue.", Severity.Normal);
        }
    }
}
