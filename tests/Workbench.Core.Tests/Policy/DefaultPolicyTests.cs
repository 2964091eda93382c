using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Policy;

public class DefaultPolicyTests
{
    [Fact]
    public void Default_policy_loads_without_errors()
    {
        var result = PolicyLoader.Load(TestPolicies.DefaultYaml);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Default_policy_has_the_workflows_and_queues_named_in_the_design()
    {
        var p = TestPolicies.Default;
        Assert.Equal(0, p.Workflows["support.faq"].Tier);
        Assert.Equal(2, p.Workflows["support.refund"].Tier);
        Assert.Equal(3, p.Workflows["billing.refund"].Tier);
        Assert.Equal(2, p.Workflows["sales.contract"].Tier);
        Assert.Equal(3, p.Workflows["infra.remediation"].Tier);
        Assert.Equal(3, p.Workflows["access.change"].Tier);
        Assert.Equal(
            new[] { "brand", "finance", "policy-legal", "security", "spot-check", "support", "support-exceptions" },
            p.Queues.Select(q => q.Name).Order(StringComparer.Ordinal));
        foreach (var code in new[] { "MISSING_AUTH_SOURCE", "MULTI_POLICY_CONFLICT", "AMBIGUOUS_USER_INTENT", "IRREVERSIBLE_ACTION", "TOOLCHAIN_NONCONVERGENCE", "HIGH_VALUE_TRANSACTION" })
        {
            Assert.False(string.IsNullOrWhiteSpace(p.ReasonCodes[code].Description));
        }
    }
}
