using Microsoft.AspNetCore.Components;
using Workbench.Web.Auth;
using Workbench.Web.Live;
using Workbench.Web.Review;

namespace Workbench.Web.Components.Pages.Cases;

/// <summary>What changed around the open case: who else views it (null: unchanged), a banner to show (null: none
/// new), and whether the page must read the case again.</summary>
public sealed record CaseLiveChange(IReadOnlyList<string>? Viewers, string? Banner, bool ReadAgain);

/// <summary>
/// While a case page is open: tells the others who views the case, hears the case's events (another reviewer's
/// action, someone else arriving or leaving), catches up after a reconnection, and renews the claim the viewer holds.
/// </summary>
public sealed partial class CaseLiveSession : IDisposable
{
    /// <summary>While the page is open and the case is held, the claim is renewed this often.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(2);

    private Guid _enteredId;
    private IDisposable? _presence;
    private PeriodicTimer? _renewTimer;
    private volatile bool _disposed;
    // Set on the publisher's thread, taken by the refresh: the latest action by someone else, and whether the viewers changed.
    private CaseEvent? _action;
    private int _viewersChanged;

    [Inject] private CaseViewers Viewers { get; set; } = default!;
    [Inject] private ReviewService Reviews { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [Parameter, EditorRequired] public required Guid CaseId { get; set; }
    [Parameter, EditorRequired] public required ReviewerIdentity Me { get; set; }
    /// <summary>Whether the viewer holds the claim, which is then renewed.</summary>
    [Parameter, EditorRequired] public required bool Holding { get; set; }
    [Parameter, EditorRequired] public required EventCallback<CaseLiveChange> Changed { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        if (_enteredId != CaseId)
        {
            _enteredId = CaseId;
            _presence?.Dispose();
            _presence = Viewers.Enter(CaseId, Me.UserName);
            await Changed.InvokeAsync(new CaseLiveChange(Others(), null, false));
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _renewTimer = new PeriodicTimer(RenewEvery, Time);
            _ = RenewLoopAsync(_renewTimer);
        }
    }

    private bool Concerns(CaseEvent e)
    {
        if (e.CaseId != CaseId)
        {
            return false;
        }
        if (e.Kind == CaseEventKinds.Presence)
        {
            Interlocked.Exchange(ref _viewersChanged, 1);
            return true;
        }
        if (e.Actor != Me.UserName)
        {
            Interlocked.Exchange(ref _action, e);
            return true;
        }
        return false; // the viewer's own action: the page has read the case after it
    }

    private async Task RefreshAsync(bool reconnected)
    {
        var action = Interlocked.Exchange(ref _action, null);
        var viewersChanged = Interlocked.Exchange(ref _viewersChanged, 0) == 1;
        if (_disposed || (action is null && !viewersChanged && !reconnected))
        {
            return;
        }
        // After a reconnection events may have been missed: show the viewers and the case as they are now.
        await Changed.InvokeAsync(new CaseLiveChange(
            viewersChanged || reconnected ? Others() : null,
            action is null ? null : $"{action.Actor} {LiveText(action.Kind)} just now; the page shows the case as it is now.",
            action is not null || reconnected));
    }

    private List<string> Others() => Viewers.Of(CaseId).Where(u => u != Me.UserName).ToList();

    private static string LiveText(string kind) => kind switch
    {
        CaseEventKinds.Claimed => "claimed this case",
        CaseEventKinds.Released => "released this case",
        CaseEventKinds.Decided => "decided this case",
        CaseEventKinds.ApprovalRecorded => "approved this case (more approvals needed)",
        CaseEventKinds.InfoRequested => "asked the AI system for information",
        CaseEventKinds.Routed => "routed this case to another queue",
        CaseEventKinds.Assigned => "assigned this case",
        CaseEventKinds.ReplyReceived => "replied to the question",
        CaseEventKinds.Withdrawn => "withdrew this case",
        CaseEventKinds.LeaseExpired => "let the claim expire",
        CaseEventKinds.NoteAdded or CaseEventKinds.Mentioned => "wrote an internal note",
        _ => "changed this case",
    };

    private async Task RenewLoopAsync(PeriodicTimer timer)
    {
        try
        {
            while (await timer.WaitForNextTickAsync())
            {
                if (_disposed)
                {
                    return;
                }
                if (Holding)
                {
                    await InvokeAsync(async () =>
                    {
                        if (await Reviews.RenewAsync(Me, CaseId) is not ReviewResult.Ok)
                        {
                            await Changed.InvokeAsync(new CaseLiveChange(null, null, true));
                        }
                    });
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _presence?.Dispose();
        _renewTimer?.Dispose();
    }
}
