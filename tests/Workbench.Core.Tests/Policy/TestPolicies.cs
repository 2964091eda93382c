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
}
