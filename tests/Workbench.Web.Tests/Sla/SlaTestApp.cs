using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Web.Review;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Sla;

/// <summary>The app the SLA tests sweep themselves: their policy file, their clock, none of the workers that act on it.</summary>
public static class SlaTestApp
{
    /// <summary>
    /// The app on <paramref name="policyPath"/> and <paramref name="clock"/>, without the SLA monitor's worker and the
    /// lease sweeper, whose timers would act at moments the tests do not choose.
    /// </summary>
    public static WorkbenchFactory On(string policyPath, FakeTimeProvider clock) => new()
    {
        Settings = { ["Policy:Path"] = policyPath },
        TestServices = s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
            s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
        },
    };
}
