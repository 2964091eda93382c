using System.Text;
using System.Text.Json.Nodes;

namespace Workbench.Web.Learning;

/// <summary>Which reviewed cases an export holds.</summary>
public sealed record EvalFilter(string? Workflow, RootCause? RootCause, string? ReasonCode, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// Reviewed cases as JSONL eval data (the product's camelCase JSON): per line the input (request, requester, evidence, claims, tool trace, signals,
/// proposal), the human's output (decision, released text, final parameters) and the labels (root cause, escalation
/// necessary, reason codes, downstream outcome). Streamed row by row: the file is never built in memory. Configured
/// sensitive paths are masked — in the input and in the output that mirrors it.
/// </summary>
public static class EvalExport
{
    public const string Mask = "***";

    public static IQueryable<Data.Entities.CaseRecord> Query(WorkbenchDbContext db, EvalFilter f)
    {
        // Cases whose content retention purged are left out: an eval line without its texts teaches nothing.
        var q = db.Cases.AsNoTracking().Where(c => c.Decision != null && c.Decision != DecisionKind.Expired && c.PurgedAt == null);
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
            q = q.Where(c => db.ReviewActions.Any(a => a.CaseId == c.Id && a.RootCause == rc));
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
                c.Id, c.Workflow, c.CreatedAt, c.SubmissionJson, c.DecisionJson, c.Decision, c.ReasonCodes,
                Label = db.ReviewActions.Where(a => a.CaseId == c.Id && (a.RootCause != null || a.EscalationNecessary != null))
                    .OrderByDescending(a => a.Id).Select(a => new { a.RootCause, a.EscalationNecessary }).FirstOrDefault(),
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
            var outputNode = new JsonObject
            {
                ["decision"] = JsonSerializer.SerializeToNode(r.Decision, WorkbenchJson.Options),
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
                    ["rootCause"] = r.Label?.RootCause is { } rc ? JsonSerializer.SerializeToNode(rc, WorkbenchJson.Options) : null,
                    ["escalationNecessary"] = r.Label?.EscalationNecessary,
                    ["reasonCodes"] = new JsonArray(r.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => (JsonNode?)c).ToArray()),
                    ["downstreamOutcome"] = r.Downstream is { } d ? JsonSerializer.SerializeToNode(d, WorkbenchJson.Options) : null,
                },
            };
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
