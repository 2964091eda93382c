using MudBlazor.Services;

namespace Workbench.Web.Components;

public static class UiExtensions
{
    public static IHostApplicationBuilder AddWorkbenchUi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        return builder;
    }

    public static WebApplication MapWorkbenchUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
