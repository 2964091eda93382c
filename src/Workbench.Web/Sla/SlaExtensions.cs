namespace Workbench.Web.Sla;

/// <summary>SLAs: the monitor (at risk, breached, escalated, expired) and the lead's board with its alerts, costs and root causes.</summary>
public static class SlaExtensions
{
    public static IHostApplicationBuilder AddWorkbenchSla(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<SlaOptions>(builder.Configuration.GetSection("Sla"));
        builder.Services.AddOptions<BoardOptions>().Bind(builder.Configuration.GetSection("Board"))
            .PostConfigure<IConfiguration>((o, c) => o.ReviewerCostPerHour = BoardOptions.ReviewerCostFrom(c));
        builder.Services.AddSingleton<BoardQueries>();
        builder.Services.Configure<BoardAlertOptions>(builder.Configuration.GetSection("Board"));
        builder.Services.AddSingleton<BoardAlerts>();
        builder.Services.AddSingleton<BoardRootCauses>();
        builder.Services.AddSingleton<SlaMonitor>();
        builder.Services.AddHostedService<SlaMonitorWorker>();
        return builder;
    }
}
