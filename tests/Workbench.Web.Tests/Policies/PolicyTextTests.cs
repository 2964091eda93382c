using Workbench.Contracts;
using Workbench.Core.Policy;
using Workbench.Web.Learning;
using Workbench.Web.Policies;

namespace Workbench.Web.Tests.Policies;

/// <summary>The text edits behind "roll back" (a new version name) and "change the stage" (a prepared draft).</summary>
public sealed class PolicyTextTests
{
    private static readonly string DefaultYaml = File.ReadAllText(Path.Combine(Processes.RepositoryRoot(), "assets", "policies", "default.yaml"));

    [Fact]
    public void WithVersion_replaces_only_the_top_level_version()
    {
        var policy = PolicyLoader.Load(PolicyService.WithVersion(DefaultYaml, "2026.12.1")).Policy!;
        Assert.Equal("2026.12.1", policy.Version);
        Assert.Equal(PolicyLoader.Load(DefaultYaml).Policy!.Rules.Count, policy.Rules.Count);
    }

    [Theory]
    [InlineData("support.faq", AutonomyStage.Auto)]
    [InlineData("sales.contract", AutonomyStage.ApproveAll)]
    [InlineData("billing.refund", AutonomyStage.Sampled)]
    public void WithAutonomy_changes_one_workflow_and_nothing_else(string workflow, AutonomyStage stage)
    {
        var before = PolicyLoader.Load(DefaultYaml).Policy!;
        var after = PolicyLoader.Load(InsightsService.WithAutonomy(DefaultYaml, workflow, stage)).Policy!;

        Assert.Equal(stage, after.Workflows[workflow].Autonomy);
        Assert.All(before.Workflows.Keys.Where(w => w != workflow), w => Assert.Equal(before.Workflows[w].Autonomy, after.Workflows[w].Autonomy));
    }

    [Fact]
    public void WithAutonomy_of_an_unknown_workflow_leaves_the_text_alone() =>
        Assert.Equal(DefaultYaml, InsightsService.WithAutonomy(DefaultYaml, "no.such", AutonomyStage.Auto));
}
