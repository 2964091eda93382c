using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Workbench.Web.Tests.Infrastructure;

/// <summary>
/// A bUnit context with MudBlazor's services, no transitions and loose JS interop: for component logic tests.
/// Dispose it with DisposeAsync (MudBlazor registers services that are only IAsyncDisposable).
/// </summary>
public class MudBunitContext : BunitContext
{
    public MudBunitContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o =>
        {
            o.PopoverOptions.CheckForPopoverProvider = false;
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
        });
        Services.AddSingleton(TimeProvider.System);
    }
}
