using System.Text;
using System.Text.Json.Nodes;

namespace Workbench.Web.Learning;

/// <summary>Which reviewed cases an export holds.</summary>
public sealed record EvalFilter(string? Workflow, RootCause? RootCause, string? ReasonCode, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// Reviewed cases as JSONL eval data (the product's camelCase JSON): per line the input (request, requester, evidence, claims, tool trace, signals,
/// proposal), the human's output (decision, released text, final parameters) and the labels (root cause, escalation
/// necessary, reason codes, downstream outcome). Only what a person reviewed: cases a person decided, and automatic
/// approvals a person spot-checked (their output is the reviewer's verdict, not the policy's approval); an automatic
/// approval nobody checked is not eval data. Streamed row by row: the file is never built in memory. Configured
/// sensitive paths are masked — in the input and in the output that mirrors it — and so is every value found at them,
/// wherever it recurs in the line's free text and traces.
/// </summary>
public static class EvalExport
{
    public const string Mask = "***";

    public static IQueryable<Data.Entities.CaseRecord> Query(WorkbenchDbContext db, EvalFilter f)
    {
        // Cases whose content retention purged are left out: an eval line without its texts teaches nothing.
        var q = db.Cases.AsNoTracking().Where(c => c.Decision != null && c.Decision != DecisionKind.Expired && c.PurgedAt == null
            && (c.Status != CaseStatus.AutoApproved || db.SpotChecks.Any(s => s.CaseId == c.Id && s.Verdict != null)));
        if (!string.IsNullOrEmpty(f.Workflow))
        {
            q = q.Where(c => c.Workflow == f.Workflow);
        }
        if (!string.IsNullOrEmpty(f.ReasonCode))
        {
            var like = $"% {f.ReasonCode} %";
            q = q.Where(c => EF.Functions.Like(c.ReasonCodes, like));
        }
        if (f.From is { } from)
        {
            q = q.Where(c => c.CreatedAt >= from);
        }
        if (f.To is { } to)
        {
            q = q.Where(c => c.CreatedAt < to);
        }
        if (f.RootCause is { } rc)
        {
            q = q.Where(c => db.ReviewActions.Any(a => a.CaseId == c.Id && a.RootCause == rc) || db.SpotChecks.Any(s => s.CaseId == c.Id && s.RootCause == rc));
        }
        return q;
    }

    /// <summary>Writes one JSON line per reviewed case to <paramref name="output"/>; returns the number of lines.</summary>
    public static async Task<int> WriteAsync(WorkbenchDbContext db, EvalFilter filter, IReadOnlyList<string> sensitivePaths, Stream output,
        CancellationToken ct)
    {
        var rows = Query(db, filter)
            .Select(c => new
            {
                c.Id, c.Workflow, c.CreatedAt, c.SubmissionJson, c.DecisionJson, c.Decision, c.ReasonCodes, c.Status,
                // The latest answer to each question, as Insights reads them (CaseRootCauses).
                RootCause = db.ReviewActions.Where(a => a.CaseId == c.Id && a.RootCause != null).OrderByDescending(a => a.Id).Select(a => a.RootCause).FirstOrDefault(),
                Necessary = db.ReviewActions.Where(a => a.CaseId == c.Id && a.EscalationNecessary != null).OrderByDescending(a => a.Id)
                    .Select(a => a.EscalationNecessary).FirstOrDefault(),
                Spot = c.SpotCheckItem == null || c.SpotCheckItem.Verdict == null ? null : new
                {
                    c.SpotCheckItem.Verdict, c.SpotCheckItem.RootCause, c.SpotCheckItem.EditedResponse, c.SpotCheckItem.EditedParametersJson,
                    c.SpotCheckItem.RejectReasonCode, c.SpotCheckItem.Note, c.SpotCheckItem.Reviewer,
                },
                Downstream = db.DownstreamOutcomes.Where(o => o.CaseId == c.Id).OrderByDescending(o => o.Id).Select(o => (DownstreamOutcome?)o.Outcome).FirstOrDefault(),
            })
            .AsAsyncEnumerable();
        var count = 0;
        var newline = "\n"u8.ToArray();
        await foreach (var r in rows.WithCancellation(ct))
        {
            var submission = JsonNode.Parse(r.SubmissionJson) as JsonObject ?? [];
            var decision = r.DecisionJson is null ? null : JsonSerializer.Deserialize<DecisionView>(r.DecisionJson, WorkbenchJson.Options);
            var input = new JsonObject();
            foreach (var key in new[] { "request", "requester", "evidence", "claims", "toolTrace", "signals", "proposal" })
            {
                if (submission[key] is { } node)
                {
                    input[key] = node.DeepClone();
                }
            }
            // A spot-checked automatic approval: the reviewer's verdict is the human output, the released answer only where
            // the reviewer agreed with it.
            var outputNode = r.Spot is { } spot && r.Status == CaseStatus.AutoApproved
                ? new JsonObject
                {
                    ["decision"] = JsonSerializer.SerializeToNode(spot.Verdict switch
                    {
                        SpotCheckVerdict.WouldHaveEdited => DecisionKind.ApprovedWithEdits,
                        SpotCheckVerdict.WouldHaveRejected => DecisionKind.Rejected,
                        _ => DecisionKind.Approved,
                    }, WorkbenchJson.Options),
                    ["review"] = "spot_check",
                    ["reviewer"] = spot.Reviewer,
                    ["responseText"] = spot.Verdict == SpotCheckVerdict.WouldHaveEdited ? spot.EditedResponse
                        : spot.Verdict == SpotCheckVerdict.Agree ? decision?.ResponseText : null,
                    ["actionParameters"] = spot.Verdict == SpotCheckVerdict.WouldHaveEdited
                        ? spot.EditedParametersJson is { } p ? JsonNode.Parse(p) : null
                        : spot.Verdict == SpotCheckVerdict.Agree && decision?.ActionParameters is not null
                            ? JsonSerializer.SerializeToNode(decision.ActionParameters, WorkbenchJson.Options) : null,
                    ["rejectReasonCode"] = spot.RejectReasonCode,
                    ["note"] = spot.Note,
                }
                : new JsonObject
                {
                    ["decision"] = JsonSerializer.SerializeToNode(r.Decision, WorkbenchJson.Options),
                    ["review"] = "decision",
                    ["responseText"] = decision?.ResponseText,
                    ["actionParameters"] = decision?.ActionParameters is null ? null : JsonSerializer.SerializeToNode(decision.ActionParameters, WorkbenchJson.Options),
                    ["rejectReasonCode"] = decision?.RejectReasonCode,
                    ["note"] = decision?.Note,
                };
            var line = new JsonObject
            {
                ["caseId"] = r.Id.ToString(),
                ["workflow"] = r.Workflow,
                ["createdAt"] = r.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["input"] = input,
                ["output"] = outputNode,
                ["labels"] = new JsonObject
                {
                    ["rootCause"] = (r.RootCause ?? r.Spot?.RootCause) is { } rc ? JsonSerializer.SerializeToNode(rc, WorkbenchJson.Options) : null,
                    ["escalationNecessary"] = r.Necessary,
                    ["reasonCodes"] = new JsonArray(r.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => (JsonNode?)c).ToArray()),
                    ["downstreamOutcome"] = r.Downstream is { } d ? JsonSerializer.SerializeToNode(d, WorkbenchJson.Options) : null,
                },
            };
            // The values first, read before their paths are masked: an order id masked at requester.orderId must not
            // survive in the request text or a tool step's output.
            var values = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in sensitivePaths)
            {
                CollectAt(input, path, values);
            }
            foreach (var path in sensitivePaths)
            {
                MaskPath(input, path);
                // The output repeats what the reviewer released: a sensitive parameter or body is masked there too.
                if (path.StartsWith("proposal.action.parameters.", StringComparison.Ordinal))
                {
                    MaskPath(outputNode, "actionParameters." + path["proposal.action.parameters.".Length..]);
                }
                else if (path == "proposal.response.body")
                {
                    MaskPath(outputNode, "responseText");
                }
            }
            MaskValues(line, values);
            await output.WriteAsync(Encoding.UTF8.GetBytes(line.ToJsonString(WorkbenchJson.Options)), ct);
            await output.WriteAsync(newline, ct);
            if (++count % 200 == 0)
            {
                await output.FlushAsync(ct);
            }
        }
        await output.FlushAsync(ct);
        return count;
    }

    /// <summary>
    /// Values shorter than this are masked at their path only: a two-character value ("no", "42") recurs in ordinary text
    /// by chance, and replacing it everywhere would mask words that reveal nothing.
    /// </summary>
    public const int MinMaskedValueLength = 3;

    /// <summary>The scalar values at a dotted path (every element of an array segment), as text.</summary>
    public static void CollectAt(JsonNode? node, string path, ISet<string> into)
    {
        var segments = path.Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length > 0)
        {
            Collect(node, segments, 0, into);
        }
    }

    private static void Collect(JsonNode? node, string[] segments, int index, ISet<string> into)
    {
        switch (node)
        {
            case JsonArray array when index < segments.Length:
                foreach (var item in array)
                {
                    Collect(item, segments, index, into);
                }
                break;
            case JsonObject obj when index < segments.Length && obj.ContainsKey(segments[index]):
                Collect(obj[segments[index]], segments, index + 1, into);
                break;
            case not null when index == segments.Length:
                // The value at the path; a masked object or array makes every scalar inside it sensitive too.
                foreach (var inner in Scalars(node))
                {
                    if (inner.ToString() is { Length: >= MinMaskedValueLength } text)
                    {
                        into.Add(text);
                    }
                }
                break;
        }
    }

    private static IEnumerable<JsonValue> Scalars(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Scalars(p.Value)),
        JsonArray array => array.SelectMany(Scalars),
        JsonValue value => [value],
        _ => [],
    };

    /// <summary>Replaces every occurrence of the given values in every string (and number) of the tree with the mask.</summary>
    public static void MaskValues(JsonNode? node, IReadOnlyCollection<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }
        // Longest first, so that a value containing another is masked whole.
        var ordered = values.OrderByDescending(v => v.Length).ToArray();
        Walk(node);

        void Walk(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject obj:
                    foreach (var key in obj.Select(p => p.Key).ToList())
                    {
                        if (obj[key] is JsonValue v && Replace(v) is { } masked)
                        {
                            obj[key] = masked;
                        }
                        else
                        {
                            Walk(obj[key]);
                        }
                    }
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is JsonValue v && Replace(v) is { } masked)
                        {
                            array[i] = masked;
                        }
                        else
                        {
                            Walk(array[i]);
                        }
                    }
                    break;
            }
        }

        string? Replace(JsonValue v)
        {
            var kind = v.GetValueKind();
            if (kind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                return null;
            }
            var text = kind == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
            var result = text;
            foreach (var value in ordered)
            {
                result = result.Replace(value, Mask, StringComparison.Ordinal);
            }
            return ReferenceEquals(result, text) || result == text ? null : result;
        }
    }

    /// <summary>Masks the value at a dotted path; a segment over an array applies to every element (<c>evidence.snippet</c>).</summary>
    public static void MaskPath(JsonNode? node, string path)
    {
        var segments = path.Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length > 0)
        {
            MaskAt(node, segments, 0);
        }
    }

    private static void MaskAt(JsonNode? node, string[] segments, int index)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    MaskAt(item, segments, index);
                }
                break;
            case JsonObject obj when obj.ContainsKey(segments[index]):
                if (index == segments.Length - 1)
                {
                    if (obj[segments[index]] is not null)
                    {
                        obj[segments[index]] = Mask;
                    }
                }
                else
                {
                    MaskAt(obj[segments[index]], segments, index + 1);
                }
                break;
        }
    }
}
