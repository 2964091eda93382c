using System.Text;
using System.Text.RegularExpressions;
using Workbench.Contracts;

namespace Workbench.Core.Cases;

/// <summary>Intake limits, from configuration (<c>Intake:Limits:*</c>); the defaults are the documented ones (docs/api.md).</summary>
public sealed record IntakeLimits
{
    public int MaxBodyBytes { get; init; } = 1024 * 1024;
    public int MaxEvidenceItems { get; init; } = 200;
    public int MaxToolSteps { get; init; } = 200;
    public int MaxClaims { get; init; } = 100;
    public int MaxRequestBytes { get; init; } = 32 * 1024;
    public int MaxResponseBytes { get; init; } = 64 * 1024;
    public int MaxSnippetBytes { get; init; } = 8 * 1024;
    public int MaxToolTextBytes { get; init; } = 16 * 1024;
    public int MaxSignals { get; init; } = 100;
    public int MaxParameters { get; init; } = 100;
    public int MaxMetadataBytes { get; init; } = 16 * 1024;
    public int MaxJsonDepth { get; init; } = 32;
}

/// <summary>
/// Checks a submission against the contract and the limits and returns every problem at once, keyed by JSON
/// path (<c>$.evidence[3].uri</c>). Pure: the caller says which workflows exist and which callback URLs are allowed.
/// </summary>
public static partial class SubmissionValidator
{
    public static IReadOnlyDictionary<string, string[]> Validate(
        CaseSubmission s, IntakeLimits limits, Func<string, bool> isKnownWorkflow, Func<Uri, string?> checkCallback)
    {
        var errors = new Errors();
        Text(errors, "$.externalId", s.ExternalId, 255, required: true);
        if (Text(errors, "$.workflow", s.Workflow, 128, required: true) && !isKnownWorkflow(s.Workflow))
        {
            errors.Add("$.workflow", $"'{s.Workflow}' is not a workflow of the active policy.");
        }
        if (Text(errors, "$.taskType", s.TaskType, 128, required: true) && !NamePattern().IsMatch(s.TaskType))
        {
            errors.Add("$.taskType", "Use letters, digits, '.', '_' or '-'.");
        }
        if (s.RiskTier is < 0 or > 3)
        {
            errors.Add("$.riskTier", "Must be 0, 1, 2 or 3.");
        }

        if (s.Requester is null)
        {
            errors.Add("$.requester", "Required.");
        }
        else
        {
            Text(errors, "$.requester.id", s.Requester.Id, 255, required: true);
            Text(errors, "$.requester.role", s.Requester.Role, 64, required: false);
        }

        Text(errors, "$.request", s.Request, limits.MaxRequestBytes, required: true, multiline: true, bytes: true);
        ValidateProposal(errors, s.Proposal, limits);
        var evidenceIds = ValidateEvidence(errors, s.Evidence, limits);
        ValidateClaims(errors, s.Claims, limits, evidenceIds);
        ValidateToolTrace(errors, s.ToolTrace, limits);

        if (s.Signals is null)
        {
            errors.Add("$.signals", "Must be an object (or left out).");
        }
        else
        {
            if (s.Signals.Count > limits.MaxSignals)
            {
                errors.Add("$.signals", $"At most {limits.MaxSignals} signals.");
            }
            foreach (var (name, value) in s.Signals)
            {
                if (!SignalNamePattern().IsMatch(name))
                {
                    errors.Add($"$.signals.{Safe(name)}", "Signal names are lower_snake_case, 1–64 characters, starting with a letter.");
                }
                else if (value.Kind == SignalKind.Number && !double.IsFinite(value.Number))
                {
                    errors.Add($"$.signals.{name}", "Must be a finite number.");
                }
            }
        }

        if (s.Provenance is { } p)
        {
            Text(errors, "$.provenance.model", p.Model, 256, required: false);
            Text(errors, "$.provenance.promptVersion", p.PromptVersion, 256, required: false);
            Text(errors, "$.provenance.retrievalIndexVersion", p.RetrievalIndexVersion, 256, required: false);
            if (p.ToolVersions is { } tv)
            {
                if (tv.Count > 100)
                {
                    errors.Add("$.provenance.toolVersions", "At most 100 tools.");
                }
                foreach (var (tool, version) in tv)
                {
                    Text(errors, $"$.provenance.toolVersions.{Safe(tool)}", version, 256, required: true);
                }
            }
        }

        if (s.ModelCost is { } cost)
        {
            if (cost.Amount < 0 || cost.Amount > 1_000_000m)
            {
                errors.Add("$.modelCost.amount", "Must be between 0 and 1000000.");
            }
            else if (decimal.Round(cost.Amount, 6) != cost.Amount)
            {
                errors.Add("$.modelCost.amount", "At most six decimal places.");
            }
            if (cost.Currency is null || cost.Currency.Length != 3 || !cost.Currency.All(char.IsAsciiLetterUpper))
            {
                errors.Add("$.modelCost.currency", "Must be an ISO 4217 code of three capital letters, e.g. USD.");
            }
        }

        if (s.CallbackUrl is not null)
        {
            if (!Uri.TryCreate(s.CallbackUrl, UriKind.Absolute, out var callback) || s.CallbackUrl.Length > 2048)
            {
                errors.Add("$.callbackUrl", "Must be an absolute https URL of at most 2048 characters.");
            }
            else if (checkCallback(callback) is { } problem)
            {
                errors.Add("$.callbackUrl", problem);
            }
        }

        if (s.Metadata is { } metadata)
        {
            if (metadata.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                errors.Add("$.metadata", "Must be a JSON object.");
            }
            else if (Encoding.UTF8.GetByteCount(metadata.GetRawText()) > limits.MaxMetadataBytes)
            {
                errors.Add("$.metadata", $"At most {limits.MaxMetadataBytes} bytes.");
            }
        }
        return errors.Result;
    }

    private static void ValidateProposal(Errors errors, Proposal? proposal, IntakeLimits limits)
    {
        if (proposal is null)
        {
            errors.Add("$.proposal", "Required: a response, an action or both.");
            return;
        }
        if (proposal.Response is null && proposal.Action is null)
        {
            errors.Add("$.proposal", "Needs a response, an action or both.");
        }
        if (proposal.Response is { } r)
        {
            Text(errors, "$.proposal.response.body", r.Body, limits.MaxResponseBytes, required: true, multiline: true, bytes: true);
            if (r.Variables is { } vars)
            {
                if (vars.Count > limits.MaxParameters)
                {
                    errors.Add("$.proposal.response.variables", $"At most {limits.MaxParameters} variables.");
                }
                foreach (var (name, value) in vars)
                {
                    if (!NamePattern().IsMatch(name))
                    {
                        errors.Add($"$.proposal.response.variables.{Safe(name)}", "Variable names use letters, digits, '.', '_' or '-'.");
                    }
                    Text(errors, $"$.proposal.response.variables.{Safe(name)}", value, 4096, required: false, multiline: true);
                }
            }
        }
        if (proposal.Action is { } a)
        {
            if (Text(errors, "$.proposal.action.tool", a.Tool, 128, required: true) && !NamePattern().IsMatch(a.Tool))
            {
                errors.Add("$.proposal.action.tool", "Use letters, digits, '.', '_' or '-'.");
            }
            if (a.Parameters is { Count: var n } && n > limits.MaxParameters)
            {
                errors.Add("$.proposal.action.parameters", $"At most {limits.MaxParameters} parameters.");
            }
        }
    }

    private static HashSet<string> ValidateEvidence(Errors errors, IReadOnlyList<EvidenceItem>? evidence, IntakeLimits limits)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (evidence is null)
        {
            errors.Add("$.evidence", "Must be an array (or left out).");
            return ids;
        }
        if (evidence.Count > limits.MaxEvidenceItems)
        {
            errors.Add("$.evidence", $"At most {limits.MaxEvidenceItems} evidence items.");
            return ids;
        }
        for (var i = 0; i < evidence.Count; i++)
        {
            var e = evidence[i];
            var at = $"$.evidence[{i}]";
            if (e is null)
            {
                errors.Add(at, "Must be an object.");
                continue;
            }
            if (Text(errors, $"{at}.id", e.Id, 255, required: true) && !ids.Add(e.Id))
            {
                errors.Add($"{at}.id", $"Duplicate evidence id '{e.Id}'.");
            }
            Text(errors, $"{at}.title", e.Title, 512, required: true);
            Text(errors, $"{at}.snippet", e.Snippet, limits.MaxSnippetBytes, required: false, multiline: true, bytes: true);
            Text(errors, $"{at}.version", e.Version, 64, required: false);
            Text(errors, $"{at}.topic", e.Topic, 128, required: false);
            if (e.Uri is not null && !IsWebUri(e.Uri))
            {
                errors.Add($"{at}.uri", "Must be an absolute http or https URL of at most 2048 characters.");
            }
            if (e.Score is { } score && (!double.IsFinite(score) || score < 0 || score > 1))
            {
                errors.Add($"{at}.score", "Must be between 0 and 1.");
            }
            if (!Enum.IsDefined(e.Authority))
            {
                errors.Add($"{at}.authority", "Must be authoritative, secondary or unverified.");
            }
            if (e.PublishedAt is { } published && (published.Year < 1900 || published.Year > 2200))
            {
                errors.Add($"{at}.publishedAt", "Must be a real date.");
            }
        }
        return ids;
    }

    private static void ValidateClaims(Errors errors, IReadOnlyList<Claim>? claims, IntakeLimits limits, HashSet<string> evidenceIds)
    {
        if (claims is null)
        {
            errors.Add("$.claims", "Must be an array (or left out).");
            return;
        }
        if (claims.Count > limits.MaxClaims)
        {
            errors.Add("$.claims", $"At most {limits.MaxClaims} claims.");
            return;
        }
        for (var i = 0; i < claims.Count; i++)
        {
            var c = claims[i];
            if (c is null)
            {
                errors.Add($"$.claims[{i}]", "Must be an object.");
                continue;
            }
            Text(errors, $"$.claims[{i}].text", c.Text, 4096, required: true, multiline: true);
            if (c.EvidenceIds is null)
            {
                errors.Add($"$.claims[{i}].evidenceIds", "Must be an array (empty for an ungrounded claim).");
                continue;
            }
            for (var j = 0; j < c.EvidenceIds.Count; j++)
            {
                if (c.EvidenceIds[j] is not { } id || !evidenceIds.Contains(id))
                {
                    errors.Add($"$.claims[{i}].evidenceIds[{j}]", $"No evidence item has the id '{c.EvidenceIds[j]}'.");
                }
            }
        }
    }

    private static void ValidateToolTrace(Errors errors, IReadOnlyList<ToolStep>? trace, IntakeLimits limits)
    {
        if (trace is null)
        {
            errors.Add("$.toolTrace", "Must be an array (or left out).");
            return;
        }
        if (trace.Count > limits.MaxToolSteps)
        {
            errors.Add("$.toolTrace", $"At most {limits.MaxToolSteps} tool steps.");
            return;
        }
        for (var i = 0; i < trace.Count; i++)
        {
            var t = trace[i];
            var at = $"$.toolTrace[{i}]";
            if (t is null)
            {
                errors.Add(at, "Must be an object.");
                continue;
            }
            if (t.Step < 0)
            {
                errors.Add($"{at}.step", "Must be 0 or more.");
            }
            Text(errors, $"{at}.tool", t.Tool, 128, required: true);
            if (!Enum.IsDefined(t.Status))
            {
                errors.Add($"{at}.status", "Must be succeeded, failed, timed_out or skipped.");
            }
            if (t.DurationMs is < 0)
            {
                errors.Add($"{at}.durationMs", "Must be 0 or more.");
            }
            Text(errors, $"{at}.input", t.Input, limits.MaxToolTextBytes, required: false, multiline: true, bytes: true);
            Text(errors, $"{at}.output", t.Output, limits.MaxToolTextBytes, required: false, multiline: true, bytes: true);
        }
    }

    /// <summary>Checks one string; returns true when it is present and fine so callers can check more.</summary>
    private static bool Text(Errors errors, string path, string? value, int max, bool required, bool multiline = false, bool bytes = false)
    {
        if (value is null || (required && string.IsNullOrWhiteSpace(value)))
        {
            if (required)
            {
                errors.Add(path, "Required.");
            }
            return false;
        }
        var length = bytes ? Encoding.UTF8.GetByteCount(value) : value.Length;
        if (length > max)
        {
            errors.Add(path, bytes ? $"At most {max} bytes of UTF-8 text." : $"At most {max} characters.");
            return false;
        }
        foreach (var ch in value)
        {
            if (char.IsControl(ch) && !(multiline && ch is '\n' or '\r' or '\t'))
            {
                errors.Add(path, "Contains a control character.");
                return false;
            }
        }
        return true;
    }

    private static bool IsWebUri(string text) =>
        text.Length <= 2048 && Uri.TryCreate(text, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && !string.IsNullOrEmpty(uri.Host);

    private static string Safe(string name) => Review.TextCut.Shorten(name, 65);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex SignalNamePattern();

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public void Add(string path, string message)
        {
            if (!_errors.TryGetValue(path, out var list))
            {
                _errors[path] = list = [];
            }
            list.Add(message);
        }

        public IReadOnlyDictionary<string, string[]> Result => _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }
}
