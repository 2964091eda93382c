using MudBlazor.Services;

namespace Workbench.Web.Components;

public static class UiExtensions
{
    public static IHostApplicationBuilder AddWorkbenchUi(this IHostApplicationBuilder builder)
    {
        // A policy draft travels from the editor to the server as one message: the 32 KB default cut off a policy with
        // its action catalogue (about 18 KB of YAML, more as JSON). 256 KB holds any realistic draft and still bounds
        // what one circuit message can cost the server.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 256 * 1024);
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
