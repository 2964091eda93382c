using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workbench.Web.Auth;
using Workbench.Web.Queues;
using Workbench.Web.Review;

namespace Workbench.Web.Components.Pages.Queues;

/// <summary>
/// One queue's open cases: filters, an order kept in the address (<c>?sort=newest</c>), the person's density and
/// saved views, and for a lead a selection the bulk bar acts on.
/// </summary>
public partial class QueuePage
{
    public const int PageSize = 25;

    [Inject] private QueueQueries Queries { get; set; } = default!;
    [Inject] private QueueViewStore Views { get; set; } = default!;
    [Inject] private IQueueCatalog Catalog { get; set; } = default!;
    [Inject] private ActivePolicy Policy { get; set; } = default!;
    [Inject] private ReviewerDirectory Directory { get; set; } = default!;
    [Inject] private ReviewService Reviews { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private CaseEvents Events { get; set; } = default!;

    [Parameter] public required string Name { get; set; }
    [SupplyParameterFromQuery(Name = "sort")] public string? SortToken { get; set; }
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    /// <summary>
    /// The first page as the server-rendered page showed it, kept in it for the interactive render, which shows it
    /// without reading it again; a change to the queue since it was read refreshes it at once (LiveRefresh's ReadAt).
    /// </summary>
    [PersistentState] public QueuePageShown? Prerendered { get; set; }

    private CaseEventMark? _readAt;

    private QueueInfo? _queue;
    private bool _denied;
    private bool _taking;
    private DateTimeOffset _now;
    private QueueFilter _filter = QueueFilter.None;
    private QueueOrder _order = QueueOrder.Sla;
    private QueueDensity _density = QueueDensity.Compact;
    private bool _densityRead;
    private ReviewerIdentity _me = new("", false, new HashSet<string>());
    private int _page;
    private int _total;
    // Only the latest read lands: a live refresh and a page change may overlap, and the older answer must not win.
    private int _reads;
    // The same for the reads that redraw held rows in place (OnLiveChangeAsync), which never overtake a page read.
    private int _liveReads;
    private List<BreadcrumbItem> _crumbs = [];
    private IReadOnlyList<(string Code, string Title)> _reasonCodes = [];
    private IReadOnlyList<string> _workflows = [];
    private IReadOnlyList<QueueCaseRow> _pageRows = [];
    private readonly HashSet<Guid> _selected = [];
    // While cases are ticked the rows hold still: those shown that left the queue since, and those that would now be on the page.
    private readonly HashSet<Guid> _left = [];
    private readonly HashSet<Guid> _arrived = [];
    // Until the first page arrives the grid is empty: say "loading", not "no cases".
    private bool _loaded;

    private bool Concerns(CaseEvent e) => e.Kind != CaseEventKinds.Presence && (e.Queue == Name || e.PreviousQueue == Name);

    private async Task ReloadGridAsync()
    {
        await LoadPageAsync(_page);
        StateHasChanged();
    }

    /// <summary>
    /// A change in the queue, live. With nothing ticked the grid reads its page again. With cases ticked the rows
    /// hold still under the lead's pointer, so that the next tick lands on the case she aims at: each row shown is
    /// redrawn where it stands as its case is now, a case that left the queue stays where it was, marked so and no
    /// longer tickable (its tick comes off), and the cases that would now come onto the page are counted, until she
    /// shows them or the selection ends.
    /// </summary>
    private async Task OnLiveChangeAsync()
    {
        if (_selected.Count == 0 || _denied)
        {
            await ReloadGridAsync();
            return;
        }
        // It lands only on the rows it read from, and as the latest of its kind: a page read since (Show, the pager, the
        // last tick taken off) is what the lead asked for and wins; one already on its way that lands first is read over.
        var (full, live, basis) = (_reads, ++_liveReads, _pageRows);
        var now = Time.GetUtcNow();
        var shown = basis.Select(r => r.Id).ToHashSet();
        var current = (await Queries.RowsAsync(Name, shown, CancellationToken.None)).ToDictionary(r => r.Id);
        var (page, _) = await Queries.PageAsync(Name, _filter, _page, PageSize, _order.Sort, _order.Descending, CancellationToken.None);
        if (full != _reads || live != _liveReads)
        {
            return;
        }
        if (_selected.Count == 0 || !ReferenceEquals(basis, _pageRows))
        {
            // The last tick came off meanwhile (nothing holds the rows any more), or a page read landed first: read again.
            await OnLiveChangeAsync();
            return;
        }
        _pageRows = _pageRows.Select(r => current.GetValueOrDefault(r.Id) ?? r).ToList();
        _left.Clear();
        _left.UnionWith(shown.Where(id => !current.ContainsKey(id)));
        _arrived.Clear();
        _arrived.UnionWith(page.Select(r => r.Id).Where(id => !shown.Contains(id)));
        _now = now;
        // A case that left is no longer this queue's to act on from here: its tick comes off, and its box stays off.
        if (_selected.Overlaps(_left))
        {
            _selected.ExceptWith(_left);
            if (_selected.Count == 0)
            {
                await ReloadGridAsync();
                return;
            }
        }
        StateHasChanged();
    }

    private string HeldText
    {
        get
        {
            var parts = new List<string>(2);
            if (_arrived.Count > 0)
            {
                parts.Add(_arrived.Count == 1 ? "1 case not shown yet" : $"{_arrived.Count} cases not shown yet");
            }
            if (_left.Count > 0)
            {
                parts.Add(_left.Count == 1 ? "1 left the queue" : $"{_left.Count} left the queue");
            }
            return $"Held while cases are ticked: {string.Join(", ", parts)}.";
        }
    }

    private Task ShowChangesAsync() => ReloadGridAsync();

    private string RowClass(QueueCaseRow row, int index) => _left.Contains(row.Id) ? "wb-row-link wb-row-left" : "wb-row-link";

    protected override async Task OnParametersSetAsync()
    {
        _now = Time.GetUtcNow();
        var user = (await AuthState).User;
        _me = await Directory.IdentityAsync(user, CancellationToken.None);
        var shown = Prerendered is { } p && p.Queue == Name && p.Order == QueueOrder.Of(SortToken).Token ? p : null;
        Prerendered = null;
        if (!_densityRead)
        {
            _density = shown?.Density ?? await Views.DensityAsync(_me.UserName);
            _densityRead = true;
        }
        var queueChanged = _queue?.Name != Name;
        _queue = Catalog.Find(Name);
        _denied = _queue is null || !_me.MayWork(Name);
        _crumbs = [new("Queues", "/queues"), new(_queue?.Title ?? Name, null, disabled: true)];
        var policy = Policy.Policy;
        _reasonCodes = policy.ReasonCodes.Values.OrderBy(r => r.Title, StringComparer.CurrentCulture).Select(r => (r.Code, r.Title)).ToList();
        _workflows = policy.Workflows.Keys.Order(StringComparer.Ordinal).ToList();
        var order = QueueOrder.Of(SortToken);
        if (order != _order || queueChanged)
        {
            _order = order;
            _selected.Clear();
            if (shown is not null && !_denied)
            {
                (_now, _pageRows, _total, _page, _loaded, _readAt) = (shown.Now, shown.Rows, shown.Total, 0, true, shown.ReadAt);
                return;
            }
            var readAt = Events.Mark();
            await FirstPageAsync();
            if (!RendererInfo.IsInteractive && !_denied)
            {
                Prerendered = new QueuePageShown(Name, _order.Token, [.. _pageRows], _total, _now, _density, readAt);
            }
        }
    }

    /// <summary>Reads page <paramref name="page"/> (from 0) of the queue; past the end (cases left meanwhile), its last page.</summary>
    private async Task LoadPageAsync(int page)
    {
        if (_denied)
        {
            return;
        }
        var read = ++_reads;
        var now = Time.GetUtcNow();
        var (rows, total) = await Queries.PageAsync(Name, _filter, page, PageSize, _order.Sort, _order.Descending, CancellationToken.None);
        if (rows.Count == 0 && page > 0 && total > 0)
        {
            page = (total - 1) / PageSize;
            (rows, total) = await Queries.PageAsync(Name, _filter, page, PageSize, _order.Sort, _order.Descending, CancellationToken.None);
        }
        if (read == _reads)
        {
            (_now, _pageRows, _total, _page, _loaded) = (now, rows, total, page, true);
            _left.Clear();
            _arrived.Clear();
        }
    }

    private async Task GoToPageAsync(int page)
    {
        await LoadPageAsync(page);
    }

    /// <summary>The order goes into the address (replacing the entry, not adding one); the page follows the address.</summary>
    private void SetOrderAsync(string? token) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("sort", QueueOrder.Of(token).Token), replace: true);

    private async Task SetDensityAsync(QueueDensity density)
    {
        _density = density;
        await Views.SetDensityAsync(_me.UserName, density);
    }

    private async Task ApplyViewAsync(SavedQueueView view)
    {
        _density = view.Density;
        await Views.SetDensityAsync(_me.UserName, view.Density);
        await OnFilterChangedAsync(view.Filter);
        if (view.Order != _order)
        {
            SetOrderAsync(view.Order.Token);
        }
        Snackbar.Add($"View \"{view.Name}\" applied.", Severity.Info);
    }

    private async Task OnFilterChangedAsync(QueueFilter filter)
    {
        _filter = filter;
        _selected.Clear();
        await FirstPageAsync();
    }

    private Task FirstPageAsync() => LoadPageAsync(0);

    private bool AllOnPageSelected => _pageRows.Any(r => !_left.Contains(r.Id)) && _pageRows.All(r => _left.Contains(r.Id) || _selected.Contains(r.Id));

    private async Task SelectPage(bool on)
    {
        foreach (var row in _pageRows.Where(r => !_left.Contains(r.Id)))
        {
            _ = on ? _selected.Add(row.Id) : _selected.Remove(row.Id);
        }
        await SelectionChangedAsync();
    }

    private async Task Select(Guid id, bool on)
    {
        _ = on ? _selected.Add(id) : _selected.Remove(id);
        await SelectionChangedAsync();
    }

    private Task ClearSelection()
    {
        _selected.Clear();
        return SelectionChangedAsync();
    }

    /// <summary>The last tick taken off: what was held back comes in.</summary>
    private Task SelectionChangedAsync() =>
        _selected.Count == 0 && (_left.Count > 0 || _arrived.Count > 0) ? LoadPageAsync(_page) : Task.CompletedTask;

    private async Task OnBulkDoneAsync()
    {
        _selected.Clear();
        await ReloadGridAsync();
    }

    private static string CaseHref(Guid id) => $"/cases/{id}";

    private void OpenCase(DataGridRowClickEventArgs<QueueCaseRow> args) => Navigation.NavigateTo(CaseHref(args.Item.Id));

    private async Task NextCaseAsync()
    {
        _taking = true;
        try
        {
            switch (await Reviews.NextAsync(_me, Name))
            {
                case ReviewResult.Ok ok:
                    Navigation.NavigateTo(CaseHref(ok.Case.Id) + "?via=next");
                    break;
                case ReviewResult.Empty:
                    Snackbar.Add($"No case to take in {_queue?.Title ?? Name} right now.", Severity.Info);
                    break;
                default:
                    Snackbar.Add("You may not take cases from this queue.", Severity.Warning);
                    break;
            }
        }
        finally
        {
            _taking = false;
        }
    }
}
