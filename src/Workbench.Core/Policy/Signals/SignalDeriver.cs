using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Core.Policy.Signals;

/// <summary>
/// Computes the engine's own signals from a submission (evidence, claims, tool trace, request text) and merges the
/// client's signals underneath them: a client signal never overwrites a derived one of the same name.
/// </summary>
public static class SignalDeriver
{
    /// <summary>Phrases that mark a request for an exception rather than a standard answer (the article's examples and kin).</summary>
    public static IReadOnlyList<string> ExceptionPhrases { get; } =
    [
        "override", "special case", "just this once", "make an exception", "one-time exception", "bypass",
        "waive", "as a favor", "as a favour", "skip the approval", "off the record",
    ];

    /// <summary>Derives with the built-in catalog only: no declared client signals, no workflow floor or required fields.</summary>
    public static SignalFrame Derive(CaseSubmission submission, DateTimeOffset now)
        => Derive(submission, now, SignalCatalog.Default, submission.RiskTier ?? 0, []);

    internal static SignalFrame Derive(CaseSubmission submission, DateTimeOffset now, SignalCatalog catalog, int tier, IReadOnlyList<string> requiredFields)
    {
        var f = new SignalFrame(catalog) { ClientSignals = submission.Signals };

        DeriveEvidence(f, submission.Evidence, now);
        DeriveClaims(f, submission.Claims, submission.Evidence);
        DeriveTools(f, submission.ToolTrace);

        var action = submission.Proposal.Action;
        f.SetBool(SignalCatalog.IrreversibleAction, action is not null && !action.Reversible);
        f.SetBool(SignalCatalog.ExceptionLanguage, HasExceptionLanguage(submission.Request));
        f.SetNumber(SignalCatalog.WorkflowFieldsMissing, CountMissingFields(submission.Proposal, requiredFields));

        f.SetString(SignalCatalog.Workflow, submission.Workflow);
        f.SetString(SignalCatalog.TaskType, submission.TaskType);
        f.SetNumber(SignalCatalog.Tier, tier);
        f.SetString(SignalCatalog.RequesterId, submission.Requester.Id);
        f.SetString(SignalCatalog.RequesterRole, submission.Requester.Role);
        f.SetBool(SignalCatalog.RequesterAuthenticated, submission.Requester.Authenticated);
        f.SetBool(SignalCatalog.ActionPresent, action is not null);
        f.SetString(SignalCatalog.ActionTool, action?.Tool);
        f.SetBool(SignalCatalog.ResponsePresent, submission.Proposal.Response is not null);
        f.SetString(SignalCatalog.RequestText, submission.Request);

        // Client signals fill only their own slots; a kind mismatch (a boolean sent for a number) reads as missing.
        var signals = submission.Signals;
        if (signals.Count > 0)
        {
            foreach (var d in catalog.ClientSlots)
            {
                if (signals.TryGetValue(d.ClientKey!, out var v))
                {
                    if (d.Type == SignalType.Number && v.Kind == SignalKind.Number)
                    {
                        f.SetNumber(d.Slot, v.Number);
                    }
                    else if (d.Type == SignalType.Boolean && v.Kind == SignalKind.Boolean)
                    {
                        f.SetBool(d.Slot, v.Boolean);
                    }
                }
            }
        }

        // The amount in the action's parameters is what would be executed: it outranks the client's amount signal.
        if (TryGetParameterAmount(action, out var amount))
        {
            f.SetNumber(SignalCatalog.Amount, amount);
        }
        else if (signals.TryGetValue("amount", out var sent) && sent.Kind == SignalKind.Number)
        {
            f.SetNumber(SignalCatalog.Amount, sent.Number);
        }
        return f;
    }

    internal static bool HasExceptionLanguage(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        foreach (var phrase in ExceptionPhrases)
        {
            if (text.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static void DeriveEvidence(SignalFrame f, IReadOnlyList<EvidenceItem> evidence, DateTimeOffset now)
    {
        var count = evidence.Count;
        var authoritative = 0;
        double newest = double.MaxValue, oldest = double.MinValue;
        var dated = false;
        var conflicts = 0;
        for (var i = 0; i < count; i++)
        {
            var e = evidence[i];
            if (e.Authority == EvidenceAuthority.Authoritative)
            {
                authoritative++;
                if (IsConflictingTopicHead(evidence, i))
                {
                    conflicts++;
                }
            }
            if (e.PublishedAt is { } published)
            {
                var age = (now - published).TotalDays;
                dated = true;
                newest = Math.Min(newest, age);
                oldest = Math.Max(oldest, age);
            }
        }
        f.SetNumber(SignalCatalog.EvidenceCount, count);
        f.SetNumber(SignalCatalog.AuthoritativeCount, authoritative);
        f.SetNumber(SignalCatalog.AuthoritativeRatio, count == 0 ? 0 : (double)authoritative / count);
        if (dated)
        {
            f.SetNumber(SignalCatalog.NewestEvidenceAgeDays, newest);
            f.SetNumber(SignalCatalog.OldestEvidenceAgeDays, oldest);
        }
        f.SetNumber(SignalCatalog.VersionConflicts, conflicts);
    }

    // Counts each conflicting topic once: at its first authoritative item, if a later authoritative item on the
    // same topic carries a different version. Quadratic, but evidence lists are short and this allocates nothing.
    private static bool IsConflictingTopicHead(IReadOnlyList<EvidenceItem> evidence, int i)
    {
        var e = evidence[i];
        if (e.Topic is null || e.Version is null)
        {
            return false;
        }
        for (var j = 0; j < i; j++)
        {
            var p = evidence[j];
            if (p.Authority == EvidenceAuthority.Authoritative && p.Version is not null && string.Equals(p.Topic, e.Topic, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        for (var j = i + 1; j < evidence.Count; j++)
        {
            var n = evidence[j];
            if (n.Authority == EvidenceAuthority.Authoritative && n.Version is not null
                && string.Equals(n.Topic, e.Topic, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(n.Version, e.Version, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static void DeriveClaims(SignalFrame f, IReadOnlyList<Claim> claims, IReadOnlyList<EvidenceItem> evidence)
    {
        var ungrounded = 0;
        foreach (var claim in claims)
        {
            if (!CitesSubmittedEvidence(claim, evidence))
            {
                ungrounded++;
            }
        }
        f.SetNumber(SignalCatalog.ClaimCount, claims.Count);
        f.SetNumber(SignalCatalog.UngroundedClaims, ungrounded);
        f.SetNumber(SignalCatalog.CitationCoverage, claims.Count == 0 ? 1 : (double)(claims.Count - ungrounded) / claims.Count);
    }

    private static bool CitesSubmittedEvidence(Claim claim, IReadOnlyList<EvidenceItem> evidence)
    {
        foreach (var id in claim.EvidenceIds)
        {
            for (var i = 0; i < evidence.Count; i++)
            {
                if (string.Equals(evidence[i].Id, id, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static void DeriveTools(SignalFrame f, IReadOnlyList<ToolStep> steps)
    {
        var failed = 0;
        var repeated = 0;
        var trailing = 0;
        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            if (s.Status == ToolStepStatus.Succeeded)
            {
                trailing = 0;
                continue;
            }
            trailing++;
            if (s.Status is ToolStepStatus.Failed or ToolStepStatus.TimedOut)
            {
                failed++;
                for (var j = 0; j < i; j++)
                {
                    if (steps[j].Status is ToolStepStatus.Failed or ToolStepStatus.TimedOut && string.Equals(steps[j].Tool, s.Tool, StringComparison.Ordinal))
                    {
                        repeated++;
                        break;
                    }
                }
            }
        }
        f.SetNumber(SignalCatalog.ToolStepCount, steps.Count);
        f.SetNumber(SignalCatalog.FailedSteps, failed);
        f.SetNumber(SignalCatalog.RepeatedFailures, repeated);
        f.SetNumber(SignalCatalog.StepsWithoutConvergence, trailing);
    }

    private static int CountMissingFields(Proposal proposal, IReadOnlyList<string> requiredFields)
    {
        var missing = 0;
        foreach (var field in requiredFields)
        {
            var inParameters = false;
            foreach (var (name, v) in proposal.Action?.Parameters ?? EmptyParameters)
            {
                if (SameFieldName(name, field) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                    && !(v.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetString())))
                {
                    inParameters = true;
                    break;
                }
            }
            var inVariables = false;
            foreach (var (name, value) in proposal.Response?.Variables ?? EmptyVariables)
            {
                if (SameFieldName(name, field) && !string.IsNullOrWhiteSpace(value))
                {
                    inVariables = true;
                    break;
                }
            }
            if (!inParameters && !inVariables)
            {
                missing++;
            }
        }
        return missing;
    }

    private static readonly IReadOnlyDictionary<string, JsonElement> EmptyParameters = new Dictionary<string, JsonElement>();
    private static readonly IReadOnlyDictionary<string, string> EmptyVariables = new Dictionary<string, string>();

    /// <summary>
    /// A policy names fields in snake_case; AI systems send camelCase or PascalCase as often. order_id, orderId,
    /// OrderId and order-id are one field.
    /// </summary>
    internal static bool SameFieldName(string sent, string required)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < sent.Length && sent[i] is '_' or '-')
            {
                i++;
            }
            while (j < required.Length && required[j] is '_' or '-')
            {
                j++;
            }
            if (i == sent.Length || j == required.Length)
            {
                return i == sent.Length && j == required.Length;
            }
            if (char.ToLowerInvariant(sent[i]) != char.ToLowerInvariant(required[j]))
            {
                return false;
            }
            i++;
            j++;
        }
    }

    private static bool TryGetParameterAmount(ActionProposal? action, out double amount)
    {
        amount = 0;
        if (action?.Parameters is { } p && p.TryGetValue("amount", out var v))
        {
            if (v.ValueKind == JsonValueKind.Number)
            {
                amount = v.GetDouble();
                return true;
            }
            if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out amount))
            {
                return true;
            }
        }
        return false;
    }
}
