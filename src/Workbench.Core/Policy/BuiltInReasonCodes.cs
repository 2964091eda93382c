using Workbench.Contracts;

namespace Workbench.Core.Policy;

/// <summary>The article's reason codes, known to every policy; a policy may reword them and add its own.</summary>
public static class BuiltInReasonCodes
{
    public const string MissingAuthSource = "MISSING_AUTH_SOURCE";
    public const string MultiPolicyConflict = "MULTI_POLICY_CONFLICT";
    public const string AmbiguousUserIntent = "AMBIGUOUS_USER_INTENT";
    public const string IrreversibleAction = "IRREVERSIBLE_ACTION";
    public const string ToolchainNonconvergence = "TOOLCHAIN_NONCONVERGENCE";
    public const string HighValueTransaction = "HIGH_VALUE_TRANSACTION";
    /// <summary>Added when the workflow's autonomy stage, not a rule, held back an action.</summary>
    public const string StagedAutonomy = "STAGED_AUTONOMY";

    public static IReadOnlyList<ReasonCodeDefinition> All { get; } =
    [
        new(MissingAuthSource, "No authoritative source", "The answer is not backed by an authoritative document.", RootCause.RetrievalMiss),
        new(MultiPolicyConflict, "Conflicting policies", "Authoritative sources disagree (different versions on the same topic).", RootCause.RetrievalConflict),
        new(AmbiguousUserIntent, "Ambiguous intent", "The request can be read more than one way.", RootCause.UserAmbiguity),
        new(IrreversibleAction, "Irreversible action", "The proposed action cannot be undone.", null),
        new(ToolchainNonconvergence, "Tool chain did not converge", "Tool steps kept failing or never reached a result.", RootCause.ToolFailure),
        new(HighValueTransaction, "High-value transaction", "The amount exceeds the autonomous limit.", null),
        new(StagedAutonomy, "Autonomy stage", "The workflow's autonomy stage requires a human for this action.", null),
    ];
}
