using System.Text.Json;

namespace Workbench.Core.Cases;

/// <summary>A reviewer's structured action on a case, captured for downstream learning.</summary>
public sealed record ReviewAction
{
    public required ReviewActionKind Kind { get; init; }
    public required string Reviewer { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>Approve with edits: the edited response text.</summary>
    public string? EditedResponse { get; init; }
    /// <summary>Approve with edits: the edited action parameters.</summary>
    public IReadOnlyDictionary<string, JsonElement>? EditedParameters { get; init; }
    /// <summary>Reject: the reason code (required).</summary>
    public string? RejectReasonCode { get; init; }
    /// <summary>Request info: the question that goes back to the AI system.</summary>
    public string? Question { get; init; }
    /// <summary>Route: the target queue.</summary>
    public string? TargetQueue { get; init; }
    public string? Note { get; init; }
}

/// <summary>The human decision that flows back to the AI system.</summary>
public sealed record CaseDecision
{
    public required DecisionKind Decision { get; init; }
    public string? ResponseText { get; init; }
    public IReadOnlyDictionary<string, JsonElement>? ActionParameters { get; init; }
    public string? RejectReasonCode { get; init; }
    public string? Note { get; init; }
    public required IReadOnlyList<string> Reviewers { get; init; }
    public required DateTimeOffset DecidedAt { get; init; }
    public required string PolicyVersion { get; init; }
}

/// <summary>What a reviewer records after a decision: one click each, skippable.</summary>
public sealed record Classification(RootCause? RootCause, bool? EscalationNecessary);
