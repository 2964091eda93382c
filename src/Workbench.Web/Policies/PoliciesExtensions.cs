using Workbench.Web.Sla;

namespace Workbench.Web.Policies;

/// <summary>Policies: versions, drafts with scenario checks and simulation, publish and rollback, and the watcher that
/// makes every instance pick up a newly published version.</summary>
public static class PoliciesExtensions
{
    public static IHostApplicationBuilder AddWorkbenchPolicies(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<PolicyLifecycleOptions>(builder.Configuration.GetSection("Policy"));
        // The reviewer hour is one setting with the board's (Board:ReviewerCostPerHour; this section's older key still read).
        builder.Services.AddOptions<SimulationOptions>().Bind(builder.Configuration.GetSection("Learning:Simulation"))
            .PostConfigure<IConfiguration>((o, c) => o.ReviewerCostPerHour = BoardOptions.ReviewerCostFrom(c));
        builder.Services.AddSingleton<PolicyService>();
        builder.Services.AddSingleton<PolicySimulator>();
        builder.Services.AddHostedService<PolicyVersionWatcher>();
        return builder;
    }

    public static WebApplication MapWorkbenchPolicies(this WebApplication app)
    {
        app.MapPoliciesApi();
        return app;
    }
}
