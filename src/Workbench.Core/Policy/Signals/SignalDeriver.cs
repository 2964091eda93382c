using System.Globalization;
using System.Text;
using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Core.Policy.Signals;

/// <summary>
/// Computes the engine's own signals from a submission (evidence, claims, tool trace, request text) and merges the
/// client's signals underneath them: a client signal never overwrites a derived one of the same name.
/// </summary>
public static class SignalDeriver
{
    /// <summary>Derives with the built-in catalog only: no declared client signals, no workflow floor or required fields, no action catalogue.</summary>
    public static SignalFrame Derive(CaseSubmission submission, DateTimeOffset now)
        => Derive(submission, now, SignalCatalog.Default, submission.RiskTier ?? 0, [],
            ActionFacts.Of(submission, ActionCatalogue.Empty, EmptyWorkflows), ExceptionLanguage.Default, null, submission.Requester.Authenticated);

    internal static SignalFrame Derive(CaseSubmission submission, DateTimeOffset now, SignalCatalog catalog, int tier, IReadOnlyList<string> requiredFields,
        ActionFacts facts, ExceptionLanguage exceptionLanguage, AuthoritativeSources? sources, bool requesterAuthenticated)
    {
        var f = new SignalFrame(catalog) { ClientSignals = submission.Signals, Action = facts };

        DeriveEvidence(f, submission.Evidence, now, sources);
        DeriveClaims(f, submission.Claims, submission.Evidence);
        DeriveTools(f, submission.ToolTrace);

        var action = submission.Proposal.Action;
        f.SetBool(SignalCatalog.IrreversibleAction, facts.Present && facts.Irreversible);
        f.SetBool(SignalCatalog.ExceptionLanguage, exceptionLanguage.Matches(submission.Request));
        f.SetNumber(SignalCatalog.WorkflowFieldsMissing, CountMissingFields(submission.Proposal, requiredFields));

        // On a workflow mismatch the case is treated under the strictest workflow its tool belongs to, rules included.
        f.SetString(SignalCatalog.Workflow, facts.EffectiveWorkflow ?? submission.Workflow);
        f.SetString(SignalCatalog.TaskType, submission.TaskType);
        f.SetNumber(SignalCatalog.Tier, tier);
        f.SetString(SignalCatalog.RequesterId, submission.Requester.Id);
        f.SetString(SignalCatalog.RequesterRole, submission.Requester.Role);
        f.SetString(SignalCatalog.RequesterRolePlain, submission.Requester.Role is { } role ? RolePlain(role) : null);
        f.SetBool(SignalCatalog.RequesterAuthenticated, requesterAuthenticated);
        f.SetBool(SignalCatalog.ActionPresent, action is not null);
        f.SetString(SignalCatalog.ActionTool, action?.Tool);
        f.SetBool(SignalCatalog.ResponsePresent, submission.Proposal.Response is not null);
        f.SetString(SignalCatalog.RequestText, submission.Request);
        f.SetString(SignalCatalog.RequestTextPlain, ExceptionLanguage.Fold(submission.Request));
        if (submission.RiskTier is { } declared)
        {
            f.SetNumber(SignalCatalog.ClientTier, declared);
        }
        if (facts.Present)
        {
            f.SetBool(SignalCatalog.ActionCatalogued, facts.Catalogued);
            f.SetBool(SignalCatalog.ActionWorkflowMismatch, facts.WorkflowMismatch);
            f.SetBool(SignalCatalog.ActionAmountInvalid, facts.AmountInvalid);
            f.SetBool(SignalCatalog.ActionCurrencyUnknown, facts.CurrencyUnknown);
            f.SetNumber(SignalCatalog.ActionToolTier, facts.ToolTier);
            f.SetBool(SignalCatalog.ActionAnnounced, facts.AnnouncedByResponse);
        }
        if (action is not null)
        {
            f.SetString(SignalCatalog.ActionParametersText, ParametersText(action.Parameters));
        }

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

        // The amount is the largest the case speaks of: what the catalogue's money parameters would execute (in the base
        // currency), or an unknown tool's own 'amount', and the client's amount signal. The client can raise it, never lower it.
        double? amount = facts.Amount;
        if (amount is null && facts.Definition is not { IsMoney: true } && TryGetParameterAmount(action, out var raw))
        {
            amount = raw;
        }
        if (signals.TryGetValue("amount", out var sent) && sent.Kind == SignalKind.Number && double.IsFinite(sent.Number))
        {
            amount = amount is { } a ? Math.Max(a, sent.Number) : sent.Number;
        }
        if (amount is { } value)
        {
            f.SetNumber(SignalCatalog.Amount, value);
        }
        return f;
    }

    /// <summary>
    /// The parameters' values (not their names: <c>resource_owner: alice</c> grants nothing), depth first, words of
    /// camel case split ("GlobalAdmin" is "global admin") and folded as exception language is (so "Admin", "ADMIN" and a
    /// Cyrillic "аdmin" all read "admin"): what a rule matches to know what the action would do.
    /// </summary>
    internal static string ParametersText(IReadOnlyDictionary<string, JsonElement>? parameters)
    {
        if (parameters is not { Count: > 0 })
        {
            return "";
        }
        var sb = new StringBuilder();
        foreach (var value in parameters.Values)
        {
            AppendText(sb, value);
        }
        return ExceptionLanguage.Fold(sb.ToString());

        static void AppendText(StringBuilder sb, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in value.EnumerateObject())
                    {
                        AppendText(sb, p.Value);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray())
                    {
                        AppendText(sb, item);
                    }
                    break;
                case JsonValueKind.String:
                    AppendWords(sb, value.GetString()!);
                    sb.Append(' ');
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    sb.Append(value.GetRawText()).Append(' ');
                    break;
            }
        }
    }

    /// <summary>
    /// Appends the text with a space where one word of an identifier meets the next: before an upper-case letter that
    /// follows a lower-case letter or a digit ("GlobalAdmin", "Tier2Admin"), and before the last capital of a run of them
    /// when a lower-case letter follows it ("ADMINRole"). Judged by the characters a person sees: an invisible character
    /// between the words ("Global\u200BAdmin") does not hide the break.
    /// </summary>
    private static void AppendWords(StringBuilder sb, string text)
    {
        var previous = UnicodeCategory.SpaceSeparator;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                && Review.HiddenCharacters.IsDefaultIgnorable(char.ConvertToUtf32(c, text[i + 1])))
            {
                sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            var category = char.GetUnicodeCategory(c);
            if (category == UnicodeCategory.Format || Review.HiddenCharacters.IsDefaultIgnorable(c))
            {
                sb.Append(c);
                continue;
            }
            if (category == UnicodeCategory.UppercaseLetter
                && (previous is UnicodeCategory.LowercaseLetter or UnicodeCategory.DecimalDigitNumber
                    || (previous == UnicodeCategory.UppercaseLetter && i + 1 < text.Length && char.IsLower(text[i + 1]))))
            {
                sb.Append(' ');
            }
            sb.Append(c);
            previous = category;
        }
    }

    /// <summary>The requester's role in words, folded as the request is: "ExternalContractor" and "external-contractor" are "external contractor".</summary>
    private static string RolePlain(string role)
    {
        var sb = new StringBuilder(role.Length + 8);
        AppendWords(sb, role);
        return ExceptionLanguage.Fold(sb.ToString());
    }

    private static readonly IReadOnlyDictionary<string, WorkflowDefinition> EmptyWorkflows = new Dictionary<string, WorkflowDefinition>();

    /// <summary>
    /// An item counts as authoritative when the AI system marks it so and, where the policy lists its authoritative
    /// sources, its URI lies under one of them.
    /// </summary>
    internal static bool CountsAsAuthoritative(EvidenceItem e, AuthoritativeSources? sources) =>
        e.Authority == EvidenceAuthority.Authoritative && (sources is null || sources.Lists(e.Uri));

    private static void DeriveEvidence(SignalFrame f, IReadOnlyList<EvidenceItem> evidence, DateTimeOffset now, AuthoritativeSources? sources)
    {
        var count = evidence.Count;
        var authoritative = 0;
        var unlisted = 0;
        double newest = double.MaxValue, oldest = double.MinValue;
        var dated = false;
        var versioned = 0;
        string? firstVersion = null;
        var twoVersions = false;
        for (var i = 0; i < count; i++)
        {
            var e = evidence[i];
            if (e.Authority == EvidenceAuthority.Authoritative && sources is not null && !sources.Lists(e.Uri))
            {
                unlisted++; // the AI system's word against the business's list: it counts as secondary
            }
            else if (e.Authority == EvidenceAuthority.Authoritative)
            {
                authoritative++;
                if (e.Version is { } version)
                {
                    versioned++;
                    // Usually every source carries one version, and no document can disagree with itself.
                    if (firstVersion is null)
                    {
                        firstVersion = version.Trim();
                    }
                    else if (!twoVersions && !version.AsSpan().Trim().Equals(firstVersion, StringComparison.OrdinalIgnoreCase))
                    {
                        twoVersions = true;
                    }
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
        f.SetNumber(SignalCatalog.UnlistedAuthoritativeCount, unlisted);
        if (dated)
        {
            f.SetNumber(SignalCatalog.NewestEvidenceAgeDays, newest);
            f.SetNumber(SignalCatalog.OldestEvidenceAgeDays, oldest);
        }
        f.SetNumber(SignalCatalog.VersionConflicts, twoVersions ? CountVersionConflicts(evidence, versioned, sources) : 0);
    }

    // Counts each conflicting document once. Items about one document are linked through any key they share, so a
    // document is a group of linked items: A shares a topic with B and B a URI with C, so A, B and C are one document
    // even where A and C share nothing. A group conflicts when its items carry two versions, which is exactly when two
    // directly linked items differ (what ConflictingVersions marks). Only authoritative items with a version take part,
    // and their document keys (a parsed URI, a folded title) are computed once per item rather than once per pair: the
    // pairs are quadratic, but evidence lists are short, and only a case whose sources carry two versions gets here.
    private static int CountVersionConflicts(IReadOnlyList<EvidenceItem> evidence, int versioned, AuthoritativeSources? sources)
    {
        var keys = new DocumentKey[versioned];
        var versions = new string[versioned];
        var k = 0;
        foreach (var e in evidence)
        {
            if (e.Version is not null && CountsAsAuthoritative(e, sources))
            {
                keys[k] = DocumentKey.Of(e);
                versions[k] = e.Version.Trim();
                k++;
            }
        }
        var group = new int[versioned];
        for (var i = 0; i < versioned; i++)
        {
            group[i] = i;
        }
        for (var i = 0; i < versioned; i++)
        {
            for (var j = i + 1; j < versioned; j++)
            {
                if (keys[i].Same(keys[j]))
                {
                    group[Root(group, i)] = Root(group, j);
                }
            }
        }
        // Per group: the first version met, and whether the group was counted already.
        var first = new string?[versioned];
        var counted = new bool[versioned];
        var conflicts = 0;
        for (var i = 0; i < versioned; i++)
        {
            var root = Root(group, i);
            if (first[root] is null)
            {
                first[root] = versions[i];
            }
            else if (!counted[root] && !string.Equals(first[root], versions[i], StringComparison.OrdinalIgnoreCase))
            {
                counted[root] = true;
                conflicts++;
            }
        }
        return conflicts;
    }

    private static int Root(int[] group, int i)
    {
        while (group[i] != i)
        {
            group[i] = group[group[i]];
            i = group[i];
        }
        return i;
    }

    /// <summary>
    /// For each item that counts as authoritative (<see cref="CountsAsAuthoritative"/>) and carries a version, the ids of
    /// the other such items about the same document (<see cref="SameDocument"/>) in another version: the items behind
    /// <c>evidence.version_conflicts</c>, for the reviewer's evidence tab to mark. Empty exactly when that count is 0.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ConflictingVersions(IReadOnlyList<EvidenceItem> evidence, AuthoritativeSources? sources)
    {
        var items = evidence.Where(e => e.Version is not null && CountsAsAuthoritative(e, sources))
            .Select(e => (Item: e, Key: DocumentKey.Of(e), Version: e.Version!.Trim()))
            .ToList();
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (item, key, version) in items)
        {
            var others = items
                .Where(o => !ReferenceEquals(o.Item, item) && o.Key.Same(key) && !string.Equals(o.Version, version, StringComparison.OrdinalIgnoreCase))
                .Select(o => o.Item.Id)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (others.Count > 0)
            {
                result[item.Id] = others;
            }
        }
        return result;
    }

    /// <summary>
    /// Two items are about the same document when they share a topic (the client's grouping, for what a URI cannot say),
    /// a URI without its query and fragment (<c>…/refunds?version=r13</c> and <c>?version=r14</c> are one page), or a
    /// title. No client field has to be set for two versions of one page to conflict.
    /// </summary>
    internal static bool SameDocument(EvidenceItem a, EvidenceItem b) => DocumentKey.Of(a).Same(DocumentKey.Of(b));

    private readonly record struct DocumentKey(string? Topic, string? Uri, string? Title)
    {
        public static DocumentKey Of(EvidenceItem e) =>
            new(string.IsNullOrWhiteSpace(e.Topic) ? null : e.Topic.Trim(), UriKey(e.Uri), TitleKey(e.Title));

        public bool Same(DocumentKey other) =>
            Matches(Topic, other.Topic) || Matches(Uri, other.Uri) || Matches(Title, other.Title);

        private static bool Matches(string? a, string? b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }

    private static string? UriKey(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            return null;
        }
        var text = uri.Trim();
        var cut = text.IndexOfAny(['?', '#']);
        if (cut >= 0)
        {
            text = text[..cut];
        }
        if (!IsPlainWebAddress(text) && Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.IsAbsoluteUri && !string.IsNullOrEmpty(parsed.Host))
        {
            text = parsed.Scheme + "://" + parsed.IdnHost + parsed.AbsolutePath;
        }
        text = text.TrimEnd('/');
        return text.Length == 0 ? null : text;
    }

    // An http(s) address of plain characters, without a port, user, escapes or dot segments, is already its own
    // canonical form (case aside, which the comparison ignores); parsing it would only cost time on every submission.
    // Anything else is parsed, so that ':443', '%2F', '/./' or a Unicode host cannot make one page look like two.
    private static bool IsPlainWebAddress(string text)
    {
        var rest = text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? 8
            : text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? 7 : -1;
        if (rest < 0 || rest == text.Length)
        {
            return false;
        }
        var previous = '/';
        for (var i = rest; i < text.Length; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~' or '/' or '.') || (c == '/' && previous == '/') || (c == '.' && previous is '/' or '.'))
            {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static string? TitleKey(string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return null;
        }
        var folded = ExceptionLanguage.FoldAsSeen(title);
        return folded.Length == 0 ? null : folded;
    }

    private static void DeriveClaims(SignalFrame f, IReadOnlyList<Claim> claims, IReadOnlyList<EvidenceItem> evidence)
    {
        // Indexed loops: the lists arrive as interfaces, whose enumerators are allocated per loop.
        var ungrounded = 0;
        for (var c = 0; c < claims.Count; c++)
        {
            if (!CitesSubmittedEvidence(claims[c], evidence))
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
        var ids = claim.EvidenceIds;
        for (var k = 0; k < ids.Count; k++)
        {
            var id = ids[k];
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
        if (requiredFields.Count == 0)
        {
            return 0;
        }
        var parameters = proposal.Action?.Parameters ?? EmptyParameters;
        var variables = proposal.Response?.Variables ?? EmptyVariables;
        var missing = 0;
        for (var i = 0; i < requiredFields.Count; i++)
        {
            var field = requiredFields[i];
            if (!HasParameter(parameters, field) && !HasVariable(variables, field))
            {
                missing++;
            }
        }
        return missing;
    }

    // Every submission with a workflow that names required fields comes here once per field: the usual dictionaries
    // are walked with their own enumerator rather than a boxed one.
    private static bool HasParameter(IReadOnlyDictionary<string, JsonElement> parameters, string field)
    {
        if (parameters is Dictionary<string, JsonElement> dictionary)
        {
            foreach (var (name, v) in dictionary)
            {
                if (SameFieldName(name, field) && IsFilled(v))
                {
                    return true;
                }
            }
            return false;
        }
        foreach (var (name, v) in parameters)
        {
            if (SameFieldName(name, field) && IsFilled(v))
            {
                return true;
            }
        }
        return false;
    }

    private static bool HasVariable(IReadOnlyDictionary<string, string> variables, string field)
    {
        if (variables is Dictionary<string, string> dictionary)
        {
            foreach (var (name, value) in dictionary)
            {
                if (SameFieldName(name, field) && !string.IsNullOrWhiteSpace(value))
                {
                    return true;
                }
            }
            return false;
        }
        foreach (var (name, value) in variables)
        {
            if (SameFieldName(name, field) && !string.IsNullOrWhiteSpace(value))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A parameter holds a value: not null, and not a string of whitespace only. A plain string is checked on its raw
    /// UTF-8 text without decoding it into a string; one with escapes or non-ASCII characters (which may be Unicode
    /// white space such as U+00A0) is decoded.
    /// </summary>
    private static bool IsFilled(JsonElement v)
    {
        if (v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return false;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            return true;
        }
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(v);
        var content = raw.Length >= 2 ? raw[1..^1] : raw;
        foreach (var b in content)
        {
            if (b is (byte)'\\' or >= 0x80)
            {
                return !string.IsNullOrWhiteSpace(v.GetString());
            }
        }
        foreach (var b in content)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r'))
            {
                return true;
            }
        }
        return false;
    }

    private static readonly IReadOnlyDictionary<string, JsonElement> EmptyParameters = new Dictionary<string, JsonElement>();
    private static readonly IReadOnlyDictionary<string, string> EmptyVariables = new Dictionary<string, string>();

    /// <summary>
    /// A policy names fields in snake_case; AI systems send camelCase or PascalCase as often. order_id, orderId,
    /// OrderId and order-id are one field.
    /// </summary>
    internal static bool SameFieldName(ReadOnlySpan<char> sent, ReadOnlySpan<char> required)
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
