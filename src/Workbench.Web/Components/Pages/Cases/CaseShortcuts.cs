using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Workbench.Web.Components.Pages.Cases;

/// <summary>
/// The case page's single-key shortcuts (<c>wwwroot/js/shortcuts.js</c>: ignored while typing and with modifier keys),
/// listened to while this is rendered. Renders nothing; each key the browser reports comes to <see cref="Pressed"/>.
/// </summary>
public sealed class CaseShortcuts : ComponentBase, IAsyncDisposable
{
    private IJSObjectReference? _module;
    private IJSObjectReference? _shortcuts;
    private DotNetObjectReference<CaseShortcuts>? _self;
    private bool _disposed;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>A key, lower case (<c>a</c>, <c>escape</c>…).</summary>
    [Parameter, EditorRequired] public required EventCallback<string> Pressed { get; set; }

    /// <summary>The browser listens.</summary>
    [Parameter, EditorRequired] public required EventCallback Ready { get; set; }

    protected override bool ShouldRender() => false;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        // The shortcuts need the browser and may fail or arrive after the page closed: then whatever was created
        // is released here.
        _self = DotNetObjectReference.Create(this);
        try
        {
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/shortcuts.js");
            if (_disposed)
            {
                await _module.DisposeAsync();
                return;
            }
            _shortcuts = await _module.InvokeAsync<IJSObjectReference>("register", _self);
            if (_disposed)
            {
                await _shortcuts.InvokeVoidAsync("dispose");
                return;
            }
            if (_shortcuts is not null)
            {
                await Ready.InvokeAsync();
            }
        }
        catch (Exception ex) when (ex is JSDisconnectedException or JSException or TaskCanceledException or ObjectDisposedException)
        {
            // No shortcuts on this page view; the buttons still work.
        }
    }

    [JSInvokable]
    public Task OnShortcut(string key) => InvokeAsync(() => Pressed.InvokeAsync(key));

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        try
        {
            if (_shortcuts is not null)
            {
                await _shortcuts.InvokeVoidAsync("dispose");
                await _shortcuts.DisposeAsync();
            }
            if (_module is not null)
            {
                await _module.DisposeAsync();
            }
        }
        catch (Exception ex) when (ex is JSDisconnectedException or JSException or TaskCanceledException)
        {
            // The circuit is gone with the page: nothing to unregister.
        }
        _self?.Dispose();
    }
}
