using MudBlazor.Services;
using Workbench.Web.Intake;
using Workbench.Web.Queues;

namespace Workbench.Web.Components;

public static class UiExtensions
{
    public static IHostApplicationBuilder AddWorkbenchUi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<QueueQueries>();
        builder.Services.AddOptions<Board.BoardOptions>().Bind(builder.Configuration.GetSection("Board"))
            .PostConfigure<IConfiguration>((o, c) => o.ReviewerCostPerHour = Board.BoardOptions.ReviewerCostFrom(c));
        builder.Services.AddSingleton<Board.BoardQueries>();
        builder.Services.Configure<Board.BoardAlertOptions>(builder.Configuration.GetSection("Board"));
        builder.Services.AddSingleton<Board.BoardAlerts>();
        builder.Services.AddSingleton<ActivePolicy>();
        builder.Services.AddSingleton<IPolicyRuntime>(sp => sp.GetRequiredService<ActivePolicy>());
        builder.Services.AddSingleton<IQueueCatalog>(sp => sp.GetRequiredService<ActivePolicy>());
        return builder;
    }

    public static WebApplication MapWorkbenchUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
