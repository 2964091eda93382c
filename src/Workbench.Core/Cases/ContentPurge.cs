using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Contracts;

namespace Workbench.Core.Cases;

/// <summary>
/// What retention removes from a closed case: every text the AI system sent or a reviewer wrote about it (request,
/// requester id, evidence titles, links and snippets, claims, the proposal, tool inputs and outputs, signals, metadata,
/// the final response and parameters). Ids, statuses, timestamps, reason codes, versions and the shape stay, so every
/// page and the reconstruction still read the case, with <see cref="Marker"/> where the text was.
/// </summary>
public static class ContentPurge
{
    public const string Marker = "[purged]";

    public static CaseSubmission Mask(CaseSubmission s) => s with
    {
        Requester = s.Requester with { Id = Marker },
        Request = Marker,
        Proposal = new Proposal(
            s.Proposal.Response is null ? null : new ResponseProposal(Marker),
            s.Proposal.Action is { } a ? new ActionProposal(a.Tool, null, a.Reversible) : null),
        Evidence = [.. s.Evidence.Select(e => e with { Title = Marker, Uri = null, Snippet = null })],
        Claims = [.. s.Claims.Select(c => c with { Text = Marker })],
        ToolTrace = [.. s.ToolTrace.Select(t => t with { Input = null, Output = null })],
        Signals = new Dictionary<string, SignalValue>(),
        Metadata = null,
    };

    public static DecisionView Mask(DecisionView d) => d with
    {
        ResponseText = d.ResponseText is null ? null : Marker,
        ResponseTemplate = d.ResponseTemplate is null ? null : Marker,
        ResponseVariables = null,
        ActionParameters = null,
        Note = d.Note is null ? null : Marker,
    };

    /// <summary>
    /// The traced fields that are the case's own texts (the request as sent and folded, the requester's id, what the
    /// action's parameters say); other values are codes and numbers.
    /// </summary>
    private static readonly HashSet<string> TracedTexts = new(StringComparer.Ordinal)
    {
        "request.text", "request.text_plain", "requester.id", "action.parameters_text",
    };

    /// <summary>The policy trace with the values of the case's own texts masked; which rules fired, and on what else, stays.</summary>
    public static IReadOnlyList<Policy.RuleTrace> Mask(IEnumerable<Policy.RuleTrace> trace) =>
        [.. trace.Select(t => t.Values.Any(v => TracedTexts.Contains(v.Name))
            ? t with { Values = [.. t.Values.Select(v => TracedTexts.Contains(v.Name) && v.Value != "missing" ? v with { Value = Marker } : v)] }
            : t)];

    /// <summary>
    /// The members of a webhook event's <c>data</c> (and of its <c>details</c>) that are ids, states, codes, versions or
    /// times, not content: they stay when a body is masked. Everything else is content — a text becomes
    /// <see cref="Marker"/>, anything else (action parameters, numbers, lists) is removed — so a member added later is
    /// masked unless it is added here.
    /// </summary>
    private static readonly HashSet<string> EventDataKept = new(StringComparer.Ordinal)
    {
        "caseId", "externalId", "status", "queue", "decision", "decidedAt", "reviewers", "rejectReasonCode", "policyVersion",
        "slaDueAt", "priority",
    };

    /// <summary>
    /// A webhook event's body (<c>{"type","id","timestamp","data"}</c>) with the texts of its data masked: the decision's
    /// response text and note, a question, a withdrawal reason. The envelope and the members in <see cref="EventDataKept"/>
    /// stay, so the admin's delivery list still reads it. A body that is not such a JSON object becomes a body with
    /// <c>data</c> null.
    /// </summary>
    public static string MaskWebhookBody(string body)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            root = null;
        }
        if (root is null)
        {
            return """{"data":null}""";
        }
        if (root["data"] is JsonObject data)
        {
            MaskEventData(data, depth: 0);
        }
        else if (root.ContainsKey("data") && root["data"] is not null)
        {
            root["data"] = Marker;
        }
        return root.ToJsonString(WorkbenchJson.Options);
    }

    private static void MaskEventData(JsonObject data, int depth)
    {
        foreach (var name in data.Select(kv => kv.Key).ToList())
        {
            var value = data[name];
            if (value is null || EventDataKept.Contains(name))
            {
                continue;
            }
            if (name == "details" && value is JsonObject details && depth == 0)
            {
                MaskEventData(details, depth + 1);
            }
            else if (value.GetValueKind() == JsonValueKind.String)
            {
                data[name] = Marker;
            }
            else
            {
                data.Remove(name);
            }
        }
    }
}
