using System.Text.Json;

namespace Workbench.Contracts;

/// <summary>What an AI system submits: the case it must not finish alone. Field names follow docs/design.md's API contract.</summary>
public sealed record CaseSubmission
{
    public required string ExternalId { get; init; }
    public required string Workflow { get; init; }
    public required string TaskType { get; init; }
    /// <summary>Optional; the workflow's tier is the floor.</summary>
    public int? RiskTier { get; init; }
    public required Requester Requester { get; init; }
    public required string Request { get; init; }
    public required Proposal Proposal { get; init; }
    public IReadOnlyList<EvidenceItem> Evidence { get; init; } = [];
    public IReadOnlyList<Claim> Claims { get; init; } = [];
    public IReadOnlyList<ToolStep> ToolTrace { get; init; } = [];
    public IReadOnlyDictionary<string, SignalValue> Signals { get; init; } = new Dictionary<string, SignalValue>();
    public Provenance? Provenance { get; init; }
    /// <summary>Optional: what producing this proposal cost in model calls, for the board's cost per path.</summary>
    public ModelCost? ModelCost { get; init; }
    public string? CallbackUrl { get; init; }
    public JsonElement? Metadata { get; init; }
}

public sealed record Requester(string Id, string? Role, bool Authenticated);

/// <summary>A response to release and/or an action to execute; at least one is present.</summary>
public sealed record Proposal(ResponseProposal? Response, ActionProposal? Action);

/// <summary>Markdown body; <paramref name="Variables"/> are the template variables the model filled in.</summary>
public sealed record ResponseProposal(string Body, IReadOnlyDictionary<string, string>? Variables = null);

public sealed record ActionProposal(string Tool, IReadOnlyDictionary<string, JsonElement>? Parameters, bool Reversible);

public sealed record EvidenceItem
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public string? Uri { get; init; }
    public string? Snippet { get; init; }
    /// <summary>
    /// How far the AI system holds the source authoritative. Where the policy lists its authoritative sources, an item
    /// marked authoritative whose <see cref="Uri"/> lies under none of them counts as secondary.
    /// </summary>
    public EvidenceAuthority Authority { get; init; } = EvidenceAuthority.Unverified;
    /// <summary>The document's version label, e.g. "2024-03" or "v7".</summary>
    public string? Version { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
    /// <summary>Retrieval relevance, 0–1.</summary>
    public double? Score { get; init; }
    /// <summary>What the document is about; two authoritative items on one topic with different versions conflict.</summary>
    public string? Topic { get; init; }
}

public sealed record Claim(string Text, IReadOnlyList<string> EvidenceIds);

public sealed record ToolStep
{
    public required int Step { get; init; }
    public required string Tool { get; init; }
    public required ToolStepStatus Status { get; init; }
    public int? DurationMs { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }
}

/// <summary>An amount of money in an ISO 4217 currency (three capital letters, e.g. <c>USD</c>).</summary>
public sealed record ModelCost(decimal Amount, string Currency);

public sealed record Provenance(
    string? Model,
    string? PromptVersion,
    string? RetrievalIndexVersion,
    IReadOnlyDictionary<string, string>? ToolVersions);
