using Workbench.Core.Policy.Scenarios;

namespace Workbench.Core.Tests.Policy;

/// <summary>Runs every scenario file under Scenarios/ against the default policy: one test case per scenario.</summary>
public class ScenarioTests
{
    private static readonly Lazy<Dictionary<string, ScenarioResult>> Results = new(RunAll);

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var name in Results.Value.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario(string name)
    {
        var result = Results.Value[name];
        Assert.True(result.Passed, result.Difference);
    }

    [Fact]
    public void There_are_at_least_sixty_scenarios_and_every_file_reads_cleanly()
    {
        Assert.True(Results.Value.Count >= 60, $"only {Results.Value.Count} scenarios");
        Assert.DoesNotContain(Results.Value.Keys, k => k.EndsWith("(file)", StringComparison.Ordinal));
    }

    private static Dictionary<string, ScenarioResult> RunAll()
    {
        var all = new Dictionary<string, ScenarioResult>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var run = ScenarioRunner.Run(TestPolicies.Default, File.ReadAllText(file), TestPolicies.Now);
            if (run.Errors.Count > 0)
            {
                // Reported as a failing case rather than thrown, so one broken file does not hide the others.
                all.Add($"{Path.GetFileNameWithoutExtension(file)}: (file)", new ScenarioResult("(file)", false, string.Join("; ", run.Errors), null));
            }
            foreach (var r in run.Results)
            {
                all.Add($"{Path.GetFileNameWithoutExtension(file)}: {r.Name}", r);
            }
        }
        return all;
    }
}
