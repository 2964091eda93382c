using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Core.Policy;

/// <summary>
/// What the policy engine returns for one case: separate outcomes for releasing the answer and executing
/// the action (never one threshold for both), every fired reason code, routing, SLA and the rule trace.
/// </summary>
public sealed record PolicyDecision
{
    public required PathOutcome Release { get; init; }
    public required PathOutcome Execute { get; init; }
    public required IReadOnlyList<string> ReasonCodes { get; init; }
    /// <summary>Null for cases that are not queued (proceed without spot check, clarify).</summary>
    public string? Queue { get; init; }
    /// <summary>
    /// For a case that waits for the answer to its clarifying question: the queue it goes to once answered, where the
    /// rules and guards route it (a refund over the threshold to finance, not its workflow's queue). Null otherwise.
    /// </summary>
    public string? ClarifiedQueue { get; init; }
    public CasePriority Priority { get; init; } = CasePriority.Normal;
    public DateTimeOffset? SlaDueAt { get; init; }
    /// <summary>1 normally; 2 is four-eyes.</summary>
    public int ApprovalsRequired { get; init; } = 1;
    /// <summary>The workflow's tier after the floor was applied.</summary>
    public int RiskTier { get; init; }
    public AutonomyStage AutonomyStage { get; init; }
    /// <summary>A proceed case sampled into the non-blocking spot-check queue.</summary>
    public bool SpotCheck { get; init; }
    public string? ClarifyingQuestion { get; init; }
    public required string PolicyVersion { get; init; }
    public IReadOnlyList<RuleTrace> Trace { get; init; } = [];
    /// <summary>
    /// Whether the policy counted the requester as authenticated: the submission's word, unless the policy takes it
    /// only from the AI systems it lists and the sending one is not among them.
    /// </summary>
    public bool RequesterAuthenticated { get; init; }

    /// <summary>The more severe of the two outcomes: what decides the case's path.</summary>
    public PathOutcome Path => (PathOutcome)Math.Max((int)Release, (int)Execute);
}

/// <summary>One rule's evaluation: fired or not, and the values its expression read.</summary>
public sealed record RuleTrace(string RuleId, bool Fired, IReadOnlyList<TracedValue> Values);

public sealed record TracedValue(string Name, string Value);

/// <summary>
/// The trace as stored with the case's evaluation: the JSON <c>JsonSerializer.Serialize(trace, WorkbenchJson.Options)</c>
/// writes, byte for byte (members in declaration order, camelCase names, the default escaping), written directly.
/// Every case stores its trace, and the serializer's generic path over this list of records was the largest
/// serialization of intake.
/// </summary>
public static class PolicyTraceJson
{
    private static readonly JsonEncodedText RuleId = JsonEncodedText.Encode("ruleId");
    private static readonly JsonEncodedText Fired = JsonEncodedText.Encode("fired");
    private static readonly JsonEncodedText Values = JsonEncodedText.Encode("values");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");

    public static string Write(IReadOnlyList<RuleTrace> trace)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + 128 * trace.Count);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var rule in trace)
            {
                writer.WriteStartObject();
                writer.WriteString(RuleId, rule.RuleId);
                writer.WriteBoolean(Fired, rule.Fired);
                writer.WriteStartArray(Values);
                foreach (var value in rule.Values)
                {
                    writer.WriteStartObject();
                    writer.WriteString(Name, value.Name);
                    writer.WriteString(Value, value.Value);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
