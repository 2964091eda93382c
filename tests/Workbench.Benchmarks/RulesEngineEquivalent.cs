using System.Text.RegularExpressions;
using RulesEngine.Models;
using Workbench.Core.Policy;
using Workbench.Core.Policy.Signals;

namespace Workbench.Benchmarks;

/// <summary>The same derived values as a plain object: microsoft/RulesEngine evaluates lambdas over it.</summary>
public sealed class DerivedInput
{
    public double Tier { get; init; }
    public bool ActionPresent { get; init; }
    public bool ResponsePresent { get; init; }
    public bool RequesterAuthenticated { get; init; }
    public string RequesterRole { get; init; } = "";
    public string Workflow { get; init; } = "";
    public string RequestText { get; init; } = ""; // folded, as the policy reads it (request.text_plain)
    public string ParametersText { get; init; } = "";
    public double VersionConflicts { get; init; }
    public double AuthoritativeCount { get; init; }
    public double UnlistedAuthoritativeCount { get; init; }
    public bool HasNewestAge { get; init; }
    public double NewestAgeDays { get; init; }
    public double ClaimCount { get; init; }
    public double CitationCoverage { get; init; }
    public double UngroundedClaims { get; init; }
    public bool HasModelConfidence { get; init; }
    public double ModelConfidence { get; init; }
    public bool HasAmount { get; init; }
    public double Amount { get; init; }
    public double ToolStepCount { get; init; }
    public bool IrreversibleAction { get; init; }
    public double StepsWithoutConvergence { get; init; }
    public double RepeatedFailures { get; init; }
    public double FieldsMissing { get; init; }
    public bool HasRequiredFieldsMissing { get; init; }
    public double RequiredFieldsMissing { get; init; }
    public bool HasIntentAmbiguity { get; init; }
    public double IntentAmbiguity { get; init; }
    public bool ExceptionLanguage { get; init; }
    public bool HasCustomerVip { get; init; }
    public bool CustomerVip { get; init; }

    public static DerivedInput From(SignalFrame f) => new()
    {
        Tier = f.GetNumber("tier") ?? 0,
        ActionPresent = f.GetBoolean("action.present") ?? false,
        ResponsePresent = f.GetBoolean("response.present") ?? false,
        RequesterAuthenticated = f.GetBoolean("requester.authenticated") ?? false,
        RequesterRole = f.GetString("requester.role_plain") ?? "", // folded, as the policy reads it
        Workflow = f.GetString("workflow") ?? "",
        RequestText = f.GetString("request.text_plain") ?? "",
        ParametersText = f.GetString("action.parameters_text") ?? "",
        VersionConflicts = f.GetNumber("evidence.version_conflicts") ?? 0,
        AuthoritativeCount = f.GetNumber("evidence.authoritative_count") ?? 0,
        UnlistedAuthoritativeCount = f.GetNumber("evidence.unlisted_authoritative_count") ?? 0,
        HasNewestAge = f.IsPresent("evidence.newest_age_days"),
        NewestAgeDays = f.GetNumber("evidence.newest_age_days") ?? 0,
        ClaimCount = f.GetNumber("claims.count") ?? 0,
        CitationCoverage = f.GetNumber("claims.citation_coverage") ?? 1,
        UngroundedClaims = f.GetNumber("claims.ungrounded") ?? 0,
        HasModelConfidence = f.IsPresent("signals.model_confidence"),
        ModelConfidence = f.GetNumber("signals.model_confidence") ?? 0,
        HasAmount = f.IsPresent("signals.amount"),
        Amount = f.GetNumber("signals.amount") ?? 0,
        ToolStepCount = f.GetNumber("tools.step_count") ?? 0,
        IrreversibleAction = f.GetBoolean("action.irreversible") ?? false,
        StepsWithoutConvergence = f.GetNumber("tools.steps_without_convergence") ?? 0,
        RepeatedFailures = f.GetNumber("tools.repeated_failures") ?? 0,
        FieldsMissing = f.GetNumber("fields.missing") ?? 0,
        HasRequiredFieldsMissing = f.IsPresent("signals.required_fields_missing"),
        RequiredFieldsMissing = f.GetNumber("signals.required_fields_missing") ?? 0,
        HasIntentAmbiguity = f.IsPresent("signals.intent_ambiguity"),
        IntentAmbiguity = f.GetNumber("signals.intent_ambiguity") ?? 0,
        ExceptionLanguage = f.GetBoolean("request.exception_language") ?? false,
        HasCustomerVip = f.IsPresent("signals.customer_vip"),
        CustomerVip = f.GetBoolean("signals.customer_vip") ?? false,
    };
}

/// <summary>Regex for RulesEngine lambdas (its expression parser only sees registered custom types).</summary>
public static class BenchRegex
{
    private static readonly Regex Press = new(@"\b(press|journalist|lawsuit|lawyer|twitter|social media)\b", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking);
    private static readonly Regex Admin = new(@"\badmin(istrator)?\b", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking);
    private static readonly Regex Outsider = new(@"\b((sub)?contractors?|guests?)\b", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking);
    private static readonly Regex Privileged = new(@"\b(admin(istrator)?s?|owners?|superusers?)\b", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking);

    public static bool IsPress(string text) => Press.IsMatch(text);

    public static bool IsAdmin(string text) => Admin.IsMatch(text);

    public static bool IsOutsider(string role) => Outsider.IsMatch(role);

    public static bool IsPrivileged(string text) => Privileged.IsMatch(text);
}

/// <summary>The default policy's 19 rules written as a RulesEngine workflow, missing-signal rule included.</summary>
public static class RulesEngineEquivalent
{
    public const string WorkflowName = "default";

    public static RulesEngine.RulesEngine Create()
    {
        (string Name, string Expression)[] rules =
        [
            ("critical-tier-never-auto-executes", "input1.Tier >= 3 && input1.ActionPresent"),
            ("unverified-identity-clarify", "!input1.RequesterAuthenticated && input1.Tier < 2"),
            ("unverified-identity-handoff", "!input1.RequesterAuthenticated && input1.Tier >= 2"),
            ("conflicting-authoritative-sources", "input1.VersionConflicts > 0"),
            ("missing-authoritative-source", "input1.ResponsePresent && input1.AuthoritativeCount == 0"),
            ("unlisted-authoritative-source", "input1.ResponsePresent && input1.UnlistedAuthoritativeCount > 0"),
            ("stale-evidence-high-tier", "input1.Tier >= 2 && input1.HasNewestAge && input1.NewestAgeDays > 180"),
            ("ungrounded-claims", "input1.ClaimCount > 0 && input1.CitationCoverage < 0.8"),
            ("low-confidence-with-gaps", "(input1.HasModelConfidence ? input1.ModelConfidence : 1.0) < 0.5 && input1.UngroundedClaims > 0"),
            ("high-value-transaction", "input1.HasAmount && input1.Amount > 500"),
            ("very-high-value-four-eyes", "input1.HasAmount && input1.Amount > 5000"),
            ("long-irreversible-toolchain", "input1.ToolStepCount > 5 && input1.IrreversibleAction"),
            ("toolchain-nonconvergence", "input1.StepsWithoutConvergence >= 3 || input1.RepeatedFailures >= 2"),
            ("privileged-access-change", "input1.Workflow == \"access.change\" && input1.ActionPresent && (BenchRegex.IsOutsider(input1.RequesterRole) || BenchRegex.IsAdmin(input1.RequestText) || BenchRegex.IsPrivileged(input1.ParametersText))"),
            ("missing-required-fields", "input1.FieldsMissing > 0 || (input1.HasRequiredFieldsMissing ? input1.RequiredFieldsMissing : 0.0) > 0"),
            ("ambiguous-intent", "input1.HasIntentAmbiguity && input1.IntentAmbiguity >= 0.6"),
            ("exception-language", "input1.ExceptionLanguage"),
            ("brand-risk", "input1.ResponsePresent && BenchRegex.IsPress(input1.RequestText)"),
            ("vip-high-tier", "(input1.HasCustomerVip ? input1.CustomerVip : false) && input1.Tier >= 2 && input1.ActionPresent && input1.HasAmount && input1.Amount > 500"),
        ];
        var workflow = new Workflow
        {
            WorkflowName = WorkflowName,
            Rules = [.. rules.Select(r => new Rule { RuleName = r.Name, Expression = r.Expression, RuleExpressionType = RuleExpressionType.LambdaExpression, SuccessEvent = r.Name })],
        };
        return new RulesEngine.RulesEngine([workflow], new ReSettings { CustomTypes = [typeof(BenchRegex)] });
    }

    /// <summary>Fails loudly if the two engines disagree on which rules fire for the benchmark case.</summary>
    public static void AssertSameRulesFire(CompiledPolicy policy, SignalFrame frame, RulesEngine.RulesEngine engine, DerivedInput input)
    {
        var fired = new bool[policy.Rules.Count];
        policy.EvaluateRules(frame, fired);
        var ours = policy.Rules.Where((r, i) => fired[i]).Select(r => r.Id).ToHashSet();
        var theirs = engine.ExecuteAllRulesAsync(WorkflowName, input).GetAwaiter().GetResult().Where(r => r.IsSuccess).Select(r => r.Rule.RuleName).ToHashSet();
        if (policy.Rules.Count != 19 || !ours.SetEquals(theirs))
        {
            throw new InvalidOperationException($"engines disagree: ours [{string.Join(", ", ours)}], RulesEngine [{string.Join(", ", theirs)}]");
        }
    }
}
