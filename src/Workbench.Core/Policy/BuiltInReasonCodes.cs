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
    /// <summary>The action's tool is not in the policy's catalogue.</summary>
    public const string UnknownTool = "UNKNOWN_TOOL";
    /// <summary>The tool does not belong to the workflow the AI system named.</summary>
    public const string WorkflowMismatch = "WORKFLOW_MISMATCH";
    /// <summary>A money action in a currency the rate table does not know.</summary>
    public const string UnknownCurrency = "UNKNOWN_CURRENCY";
    /// <summary>A money action whose amount is missing, unreadable or breaks the sign rule.</summary>
    public const string InvalidAmount = "INVALID_AMOUNT";
    /// <summary>The response reports a held action, so it waits for the action's decision.</summary>
    public const string ReleaseFollowsAction = "RELEASE_FOLLOWS_ACTION";

    public static IReadOnlyList<ReasonCodeDefinition> All { get; } =
    [
        new(MissingAuthSource, "No authoritative source", "The answer is not backed by an authoritative document.", RootCause.RetrievalMiss),
        new(MultiPolicyConflict, "Conflicting policies", "Authoritative sources disagree (different versions on the same topic).", RootCause.RetrievalConflict),
        new(AmbiguousUserIntent, "Ambiguous intent", "The request can be read more than one way.", RootCause.UserAmbiguity),
        new(IrreversibleAction, "Irreversible action", "The proposed action cannot be undone.", null),
        new(ToolchainNonconvergence, "Tool chain did not converge", "Tool steps kept failing or never reached a result.", RootCause.ToolFailure),
        new(HighValueTransaction, "High-value transaction", "The amount exceeds the autonomous limit.", null),
        new(StagedAutonomy, "Autonomy stage", "The workflow's autonomy stage requires a human for this action.", null),
        new(UnknownTool, "Unknown tool", "The action's tool is not in the policy's catalogue, so nothing vouches for what it does.", RootCause.UnsupportedTask),
        new(WorkflowMismatch, "Tool outside its workflow", "The AI system named a workflow this tool does not belong to; the case is treated under the strictest workflow the tool belongs to.", RootCause.Prompt),
        new(UnknownCurrency, "Unknown currency", "The amount is in a currency the policy's rate table does not know, so no limit can be checked.", RootCause.MissingBusinessData),
        new(InvalidAmount, "Invalid amount", "The amount is missing, unreadable, or not above zero where the tool requires it (refunds, credits, payments).", RootCause.MissingBusinessData),
        new(ReleaseFollowsAction, "Answer reports the action", "The answer announces the action, so it is released only with the action's decision.", null),
    ];
}
