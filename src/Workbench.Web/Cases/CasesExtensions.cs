namespace Workbench.Web.Cases;

/// <summary>
/// The shared case model every feature builds on: the clock, the policy in force, the in-process case events and
/// the long-poll notifier. Features add their own services next to their code.
/// </summary>
public static class CasesExtensions
{
    public static IHostApplicationBuilder AddWorkbenchCases(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TimeProvider>(MicrosecondClock.Instance);
        builder.Services.AddSingleton<CaseEvents>();
        builder.Services.AddSingleton(sp => new DecisionNotifier(sp.GetRequiredService<CaseEvents>())
        {
            Recheck = builder.Configuration.GetValue("Live:LongPollRecheck", TimeSpan.FromSeconds(15)),
        });
        builder.Services.AddSingleton<ActivePolicy>();
        builder.Services.AddSingleton<IPolicyRuntime>(sp => sp.GetRequiredService<ActivePolicy>());
        builder.Services.AddSingleton<IQueueCatalog>(sp => sp.GetRequiredService<ActivePolicy>());
        builder.Services.AddSingleton<DecidedPolicies>();
        return builder;
    }
}
