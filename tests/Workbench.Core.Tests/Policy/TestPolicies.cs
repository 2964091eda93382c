using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Policy;

/// <summary>The shipped default policy, loaded once per test run.</summary>
internal static class TestPolicies
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<string> DefaultText = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Policies", "default.yaml")));

    private static readonly Lazy<CompiledPolicy> DefaultPolicy = new(() =>
    {
        var result = PolicyLoader.Load(DefaultText.Value);
        return result.Policy ?? throw new InvalidOperationException("default policy refused: " + string.Join("\n", result.Errors));
    });

    public static string DefaultYaml => DefaultText.Value;

    public static CompiledPolicy Default => DefaultPolicy.Value;

    /// <summary>
    /// The default policy after support.refund earned the sampled stage (an admin published it on the staged-autonomy
    /// evidence): for the tests about thresholds, sampling and simulation, where a small reversible credit proceeds.
    /// </summary>
    public static string GraduatedYaml => DefaultText.Value.Replace(
        "    autonomy: approve_all\n    required_fields: [order_id]",
        "    autonomy: sampled\n    spot_check_rate: 0.10\n    required_fields: [order_id]", StringComparison.Ordinal);

    private static readonly Lazy<CompiledPolicy> GraduatedPolicy = new(() =>
    {
        var yaml = GraduatedYaml;
        if (yaml == DefaultText.Value)
        {
            throw new InvalidOperationException("the default policy's support.refund no longer reads as the graduation expects");
        }
        var result = PolicyLoader.Load(yaml);
        return result.Policy ?? throw new InvalidOperationException("graduated policy refused: " + string.Join("\n", result.Errors));
    });

    public static CompiledPolicy Graduated => GraduatedPolicy.Value;
}
