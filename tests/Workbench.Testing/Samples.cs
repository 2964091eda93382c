using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Contracts;

namespace Workbench.Testing;

/// <summary>The sample cases of assets/samples, as API bodies for tests.</summary>
public static class Samples
{
    public const string DemoKey = "wb_demo_agent_7Qm2VxK9pLr4TzN8aHcE3uYd";
    public const string DemoKey2 = "wb_demo_agent2_Fh6Jw3Rb8Ns1Lq5ZkXp0Gt";

    /// <summary>support.faq, clean: the policy proceeds.</summary>
    public const string Proceeds = "001-";
    /// <summary>support.faq, ambiguous intent: the policy asks a clarifying question.</summary>
    public const string Clarifies = "006-";
    /// <summary>support.refund citing a superseded policy: handed off to policy-legal, queued.</summary>
    public const string Queues = "013-";

    private static readonly string Directory = Path.Combine(Processes.RepositoryRoot(), "assets", "samples", "cases");

    public static IReadOnlyList<string> Files { get; } = System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal).ToArray();

    /// <summary>The submission with the model cost it reports (<c>modelCost</c>).</summary>
    public static JsonObject WithCost(JsonObject body, decimal amount, string currency)
    {
        body["modelCost"] = new JsonObject { ["amount"] = amount, ["currency"] = currency };
        return body;
    }

    /// <summary>The sample whose file name starts with <paramref name="prefix"/>, with a fresh externalId (or the one given) so tests never collide.</summary>
    public static JsonObject Json(string prefix, string? externalId = null)
    {
        var file = Files.Single(f => Path.GetFileName(f).StartsWith(prefix, StringComparison.Ordinal));
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        json["externalId"] = externalId ?? $"test-{Guid.NewGuid():N}";
        // The samples were written for 2026-11-20: keep evidence as fresh as the file meant it to be.
        var shift = DateTimeOffset.UtcNow - new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        foreach (var e in json["evidence"]?.AsArray() ?? [])
        {
            if (e?["publishedAt"]?.GetValue<string>() is { } published)
            {
                e["publishedAt"] = (DateTimeOffset.Parse(published, System.Globalization.CultureInfo.InvariantCulture) + shift).ToString("O");
            }
        }
        return json;
    }

    public static CaseSubmission Submission(string prefix, string? externalId = null) =>
        Json(prefix, externalId).Deserialize<CaseSubmission>(WorkbenchJson.Options)!;

    /// <summary>
    /// An approval of a case made from the sample, confirmed the way the case page confirms it: the tool named back and
    /// the amount typed (which the policy asks for on the highest tier only, and which does no harm elsewhere).
    /// An edit names its root cause (<see cref="RootCause.Prompt"/>), as the review rules require of a change.
    /// </summary>
    public static ReviewActionRequest Approval(string prefix, ReviewActionKind kind = ReviewActionKind.Approve)
    {
        var action = Json(prefix)["proposal"]?["action"];
        return new ReviewActionRequest
        {
            Action = kind,
            ConfirmedTool = action?["tool"]?.GetValue<string>(),
            ConfirmedAmount = action?["parameters"]?["amount"] is JsonValue amount ? amount.ToJsonString().Trim('"') : null,
            RootCause = kind == ReviewActionKind.ApproveWithEdits ? RootCause.Prompt : null,
        };
    }

    /// <summary><see cref="Approval"/> as the review API's JSON body, with any further members given.</summary>
    public static JsonObject ApprovalBody(string prefix, string action = "approve", string? note = null)
    {
        var approval = Approval(prefix);
        var body = new JsonObject { ["action"] = action, ["confirmedTool"] = approval.ConfirmedTool, ["confirmedAmount"] = approval.ConfirmedAmount };
        if (action == "approve_with_edits")
        {
            body["rootCause"] = "prompt";
        }
        if (note is not null)
        {
            body["note"] = note;
        }
        return body;
    }
}
