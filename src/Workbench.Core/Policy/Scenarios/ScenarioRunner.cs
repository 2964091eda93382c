using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workbench.Contracts;
using YamlDotNet.RepresentationModel;

namespace Workbench.Core.Policy.Scenarios;

/// <summary>One scenario's result: what was expected, what the policy decided, and a readable difference.</summary>
public sealed record ScenarioResult(string Name, bool Passed, string Difference, PolicyDecision? Decision);

/// <summary>The results of a scenario file, or the errors that kept it (or the policy) from running.</summary>
public sealed record ScenarioRunResult(IReadOnlyList<ScenarioResult> Results, IReadOnlyList<PolicyError> Errors)
{
    public bool Passed => Errors.Count == 0 && Results.All(r => r.Passed);
}

/// <summary>One scenario as read: its case (null when it could not be read) and how to tell a decision against its expectations.</summary>
/// <param name="Client">The API client the case comes from; null: none, and the submission's word on its requester is taken.</param>
public sealed record Scenario(string Name, Guid CaseId, CaseSubmission? Case, Func<PolicyDecision?, string> Difference, string? Client = null);

/// <summary>The scenarios of a file, or the errors that kept it from being read.</summary>
public sealed record ScenarioFile(IReadOnlyList<Scenario> Scenarios, IReadOnlyList<PolicyError> Errors);

/// <summary>
/// Runs scenario tests (YAML: a case in, the expected outcomes out) against a policy. Used by <c>dotnet test</c>
/// and by the UI before a draft is published, so it takes text, not files.
/// </summary>
/// <remarks>
/// Format: <c>defaults: { case: {...} }</c> (optional, merged key by key under each scenario's case) and
/// <c>scenarios:</c> a list of <c>name</c>, optional <c>case_id</c> and <c>client</c> (the API client id that sends the
/// case, for a policy that takes only some clients' word on the requester), <c>case</c> and <c>expect</c>. A case has
/// workflow, task_type, risk_tier, request, requester {id, role, authenticated}, response (text or
/// {body, variables}), action {tool, reversible, parameters}, evidence [{id, title, authority, version, topic,
/// age_days | published_at, score, uri}], claims [{text, evidence: [ids]}], tools [{tool, status}], signals {name: value}.
/// <c>expect</c> takes release and execute (required), and optionally reasons (the exact set), queue (null for
/// none), priority, approvals, spot_check, tier, autonomy, question_contains. Only the keys given are checked.
/// </remarks>
public static class ScenarioRunner
{
    public static ScenarioRunResult Run(string policyYaml, string scenariosYaml, DateTimeOffset now)
    {
        var load = PolicyLoader.Load(policyYaml);
        return load.Policy is null ? new ScenarioRunResult([], load.Errors) : Run(load.Policy, scenariosYaml, now);
    }

    public static ScenarioRunResult Run(CompiledPolicy policy, string scenariosYaml, DateTimeOffset now)
    {
        var read = Read(scenariosYaml, now);
        var results = read.Scenarios.Select(s => s.Case is null
            ? new ScenarioResult(s.Name, false, s.Difference(null), null)
            : Check(s, policy.Evaluate(s.Case, s.CaseId, now, s.Client))).ToList();
        return new ScenarioRunResult(results, read.Errors);
    }

    /// <summary>One scenario's verdict on a decision, however it was reached (the engine, or the HTTP API's receipt).</summary>
    public static ScenarioResult Check(Scenario scenario, PolicyDecision decision)
    {
        var diff = scenario.Difference(decision);
        return new ScenarioResult(scenario.Name, diff.Length == 0, diff, decision);
    }

    /// <summary>
    /// Reads a scenario file into its cases and expectations without running them, so that the same file can be run
    /// by the engine (<see cref="Run(CompiledPolicy, string, DateTimeOffset)"/>) or sent through the HTTP API.
    /// </summary>
    public static ScenarioFile Read(string scenariosYaml, DateTimeOffset now)
    {
        var errors = new List<PolicyError>();
        var scenarios = new List<Scenario>();
        try
        {
            var root = YamlSupport.ParseRoot(scenariosYaml ?? "", errors, "scenario file");
            if (root is null)
            {
                return new ScenarioFile([], errors);
            }
            var y = new YamlSupport(scenariosYaml!, errors);
            y.CheckKeys(root, "the scenario file", null, "defaults", "scenarios");
            var defaults = y.Mapping(YamlSupport.Get(root, "defaults"), "defaults", required: false) is { } d
                ? y.Mapping(YamlSupport.Get(d, "case"), "defaults case", required: false)
                : null;
            var seq = y.Sequence(YamlSupport.Get(root, "scenarios"), "scenarios");
            if (seq is null)
            {
                y.Error(root, "the scenario file needs a 'scenarios' list");
                return new ScenarioFile([], Named(errors));
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in seq)
            {
                var before = errors.Count;
                if (y.Mapping(item, "scenario") is not { } s)
                {
                    continue;
                }
                var name = y.String(YamlSupport.Get(s, "name"), "name") ?? $"line {item.Start.Line}";
                if (!names.Add(name))
                {
                    y.Error(item, $"duplicate scenario name '{name}'", name);
                }
                y.CheckKeys(s, $"scenario '{name}'", name, "name", "description", "case_id", "client", "case", "expect");
                var caseNode = y.Mapping(YamlSupport.Get(s, "case"), $"scenario '{name}' case", name) ?? new YamlMappingNode();
                var submission = ReadCase(y, Merge(defaults, ResolveMergeKey(caseNode)), now, name);
                var expect = y.Mapping(YamlSupport.Get(s, "expect"), $"scenario '{name}' expect", name);
                if (expect is null)
                {
                    y.Error(item, $"scenario '{name}' needs 'expect'", name);
                }
                var caseIdNode = YamlSupport.Get(s, "case_id");
                var caseIdText = y.String(caseIdNode, "case_id", name);
                var caseId = NameGuid(name);
                if (caseIdText is not null && !Guid.TryParse(caseIdText, out caseId))
                {
                    y.Error(caseIdNode, $"case_id '{caseIdText}' is not a GUID", name);
                }
                var clientNode = YamlSupport.Get(s, "client");
                var client = y.String(clientNode, "client", name);
                if (client is not null && !Cases.ApiClientIds.IsValid(client))
                {
                    y.Error(clientNode, $"client '{client}' is not an API client id ({Cases.ApiClientIds.Rule})", name);
                }
                if (errors.Count > before || submission is null || expect is null)
                {
                    var problem = "the scenario could not be read: " + string.Join("; ", errors.Skip(before));
                    scenarios.Add(new Scenario(name, caseId, null, _ => problem));
                    continue;
                }
                scenarios.Add(new Scenario(name, caseId, submission, decision => decision is null ? "no decision" : Compare(y, expect, decision, name), client));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            errors.Add(new PolicyError(null, 1, 1, "the scenarios could not be read: " + e.Message));
        }
        return new ScenarioFile(scenarios, Named(errors));
    }

    // The shared YAML helpers put the scenario name where a policy error puts the rule id; say what it is.
    private static List<PolicyError> Named(List<PolicyError> errors) =>
        errors.Select(e => e.RuleId is null ? e : new PolicyError(null, e.Line, e.Column, $"scenario '{e.RuleId}': {e.Message}")).ToList();

    private static Guid NameGuid(string name)
    {
        // Deterministic per name, so spot-check sampling in a scenario never flakes.
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        return new Guid(hash[..16]);
    }

    // YamlDotNet's representation model keeps "<<: *anchor" as a plain key; scenario files use it to share a case.
    private static YamlMappingNode ResolveMergeKey(YamlMappingNode node)
    {
        var mergeKey = new YamlScalarNode("<<");
        return node.Children.TryGetValue(mergeKey, out var baseNode) && baseNode is YamlMappingNode baseMap
            ? Merge(baseMap, new YamlMappingNode(node.Children.Where(kv => !kv.Key.Equals(mergeKey))))
            : node;
    }

    private static YamlMappingNode Merge(YamlMappingNode? defaults, YamlMappingNode node)
    {
        if (defaults is null)
        {
            return node;
        }
        var merged = new YamlMappingNode();
        foreach (var (k, v) in defaults.Children)
        {
            if (!node.Children.ContainsKey(k))
            {
                merged.Add(k, v);
            }
        }
        foreach (var (k, v) in node.Children)
        {
            merged.Add(k, v);
        }
        return merged;
    }

    private static CaseSubmission? ReadCase(YamlSupport y, YamlMappingNode c, DateTimeOffset now, string name)
    {
        y.CheckKeys(c, $"scenario '{name}' case", name, "workflow", "task_type", "risk_tier", "request", "requester", "response", "action", "evidence", "claims", "tools", "signals");
        var workflow = y.String(YamlSupport.Get(c, "workflow"), "workflow", name);
        if (workflow is null)
        {
            y.Error(c, $"scenario '{name}' case needs a workflow", name);
            return null;
        }
        var requesterNode = y.Mapping(YamlSupport.Get(c, "requester"), "requester", name) ?? new YamlMappingNode();
        var requester = new Requester(
            y.String(YamlSupport.Get(requesterNode, "id"), "requester id", name) ?? "user-1",
            y.String(YamlSupport.Get(requesterNode, "role"), "requester role", name),
            y.Bool(YamlSupport.Get(requesterNode, "authenticated"), "requester authenticated", name) ?? true);

        ResponseProposal? response = null;
        var responseNode = YamlSupport.Get(c, "response");
        if (responseNode is YamlMappingNode rm)
        {
            var vars = new Dictionary<string, string>();
            if (y.Mapping(YamlSupport.Get(rm, "variables"), "variables", name, required: false) is { } vm)
            {
                foreach (var (k, v) in vm.Children)
                {
                    vars[y.String(k, "variable", name) ?? ""] = y.String(v, "variable value", name) ?? "";
                }
            }
            response = new ResponseProposal(y.String(YamlSupport.Get(rm, "body"), "body", name) ?? "", vars);
        }
        else if (responseNode is not null && y.String(responseNode, "response", name) is { } body)
        {
            response = new ResponseProposal(body);
        }

        ActionProposal? action = null;
        if (y.Mapping(YamlSupport.Get(c, "action"), "action", name, required: false) is { } am)
        {
            var parameters = new Dictionary<string, JsonElement>();
            if (y.Mapping(YamlSupport.Get(am, "parameters"), "parameters", name, required: false) is { } pm)
            {
                foreach (var (k, v) in pm.Children)
                {
                    parameters[y.String(k, "parameter", name) ?? ""] = ToJson(v);
                }
            }
            action = new ActionProposal(
                y.String(YamlSupport.Get(am, "tool"), "tool", name) ?? "tool",
                parameters,
                y.Bool(YamlSupport.Get(am, "reversible"), "reversible", name) ?? true);
        }

        var evidence = new List<EvidenceItem>();
        var i = 0;
        foreach (var node in y.Sequence(YamlSupport.Get(c, "evidence"), "evidence", name) ?? new YamlSequenceNode())
        {
            i++;
            if (y.Mapping(node, "evidence item", name) is not { } em)
            {
                continue;
            }
            DateTimeOffset? published = null;
            if (y.Number(YamlSupport.Get(em, "age_days"), "age_days", name) is { } age)
            {
                published = now - TimeSpan.FromDays(age);
            }
            else if (y.String(YamlSupport.Get(em, "published_at"), "published_at", name) is { } p)
            {
                published = DateTimeOffset.TryParse(p, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dt) ? dt : null;
                if (published is null)
                {
                    y.Error(em, $"published_at '{p}' is not a date", name);
                }
            }
            evidence.Add(new EvidenceItem
            {
                Id = y.String(YamlSupport.Get(em, "id"), "id", name) ?? $"e{i}",
                Title = y.String(YamlSupport.Get(em, "title"), "title", name) ?? $"Evidence {i}",
                Uri = y.String(YamlSupport.Get(em, "uri"), "uri", name),
                Authority = y.Enum<EvidenceAuthority>(YamlSupport.Get(em, "authority"), "authority", name) ?? EvidenceAuthority.Unverified,
                Version = y.String(YamlSupport.Get(em, "version"), "version", name),
                Topic = y.String(YamlSupport.Get(em, "topic"), "topic", name),
                PublishedAt = published,
                Score = y.Number(YamlSupport.Get(em, "score"), "score", name),
            });
        }

        var claims = new List<Claim>();
        foreach (var node in y.Sequence(YamlSupport.Get(c, "claims"), "claims", name) ?? new YamlSequenceNode())
        {
            if (y.Mapping(node, "claim", name) is { } cm)
            {
                claims.Add(new Claim(y.String(YamlSupport.Get(cm, "text"), "text", name) ?? "", y.Strings(YamlSupport.Get(cm, "evidence"), "evidence", name)));
            }
        }

        var tools = new List<ToolStep>();
        foreach (var node in y.Sequence(YamlSupport.Get(c, "tools"), "tools", name) ?? new YamlSequenceNode())
        {
            if (y.Mapping(node, "tool step", name) is { } tm)
            {
                tools.Add(new ToolStep
                {
                    Step = tools.Count + 1,
                    Tool = y.String(YamlSupport.Get(tm, "tool"), "tool", name) ?? "tool",
                    Status = y.Enum<ToolStepStatus>(YamlSupport.Get(tm, "status"), "status", name) ?? ToolStepStatus.Succeeded,
                });
            }
        }

        var signals = new Dictionary<string, SignalValue>(StringComparer.Ordinal);
        if (y.Mapping(YamlSupport.Get(c, "signals"), "signals", name, required: false) is { } sm)
        {
            foreach (var (k, v) in sm.Children)
            {
                var key = y.String(k, "signal", name) ?? "";
                var text = y.String(v, "signal value", name);
                if (text is "true" or "false")
                {
                    signals[key] = text == "true";
                }
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                {
                    signals[key] = n;
                }
                else
                {
                    y.Error(v, $"signal '{key}' must be a number or a boolean", name);
                }
            }
        }

        var tierNode = YamlSupport.Get(c, "risk_tier");
        return new CaseSubmission
        {
            ExternalId = name,
            Workflow = workflow,
            TaskType = y.String(YamlSupport.Get(c, "task_type"), "task_type", name) ?? "answer",
            RiskTier = y.Number(tierNode, "risk_tier", name) is { } t ? (int)t : null,
            Requester = requester,
            Request = y.String(YamlSupport.Get(c, "request"), "request", name) ?? "",
            Proposal = new Proposal(response, action),
            Evidence = evidence,
            Claims = claims,
            ToolTrace = tools,
            Signals = signals,
        };
    }

    /// <summary>A YAML value as the JSON an AI system would send: numbers and booleans unquoted, objects and lists kept.</summary>
    private static JsonElement ToJson(YamlNode? node)
    {
        using var doc = JsonDocument.Parse(JsonText(node));
        return doc.RootElement.Clone();
    }

    private static string JsonText(YamlNode? node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                return "{" + string.Join(",", map.Children.Select(kv => JsonSerializer.Serialize((kv.Key as YamlScalarNode)?.Value ?? "") + ":" + JsonText(kv.Value))) + "}";
            case YamlSequenceNode seq:
                return "[" + string.Join(",", seq.Children.Select(JsonText)) + "]";
        }
        var scalar = node as YamlScalarNode;
        var text = scalar?.Value;
        if (scalar is null || YamlSupport.IsNull(scalar))
        {
            return "null";
        }
        if (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return n.ToString("R", CultureInfo.InvariantCulture);
        }
        if (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && text is "true" or "false")
        {
            return text;
        }
        return JsonSerializer.Serialize(text);
    }

    private static string Compare(YamlSupport y, YamlMappingNode expect, PolicyDecision d, string name)
    {
        y.CheckKeys(expect, $"scenario '{name}' expect", name, "release", "execute", "reasons", "queue", "priority", "approvals", "spot_check", "tier", "autonomy", "question_contains");
        var diffs = new List<string>();
        void Check(string what, string expected, string actual)
        {
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                diffs.Add($"{what}: expected {expected}, got {actual}");
            }
        }
        string Snake<T>(T v)
            where T : struct, Enum => YamlSupport.ToSnake(v);

        var release = y.Enum<PathOutcome>(YamlSupport.Get(expect, "release"), "release", name);
        var execute = y.Enum<PathOutcome>(YamlSupport.Get(expect, "execute"), "execute", name);
        if (release is null || execute is null)
        {
            diffs.Add("expect needs release and execute");
        }
        else
        {
            Check("release", Snake(release.Value), Snake(d.Release));
            Check("execute", Snake(execute.Value), Snake(d.Execute));
        }
        if (YamlSupport.Get(expect, "reasons") is { } reasonsNode)
        {
            var expected = y.Strings(reasonsNode, "reasons", name).Order(StringComparer.Ordinal).ToList();
            var actual = d.ReasonCodes.Order(StringComparer.Ordinal).ToList();
            if (!expected.SequenceEqual(actual))
            {
                var missing = expected.Except(actual).ToList();
                var extra = actual.Except(expected).ToList();
                diffs.Add($"reasons: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]"
                    + (missing.Count > 0 ? $" (missing {string.Join(", ", missing)})" : "")
                    + (extra.Count > 0 ? $" (unexpected {string.Join(", ", extra)})" : ""));
            }
        }
        if (YamlSupport.Get(expect, "queue") is { } queueNode)
        {
            Check("queue", y.String(queueNode, "queue", name) ?? "null", d.Queue ?? "null");
        }
        if (y.Enum<CasePriority>(YamlSupport.Get(expect, "priority"), "priority", name) is { } p)
        {
            Check("priority", Snake(p), Snake(d.Priority));
        }
        if (y.Number(YamlSupport.Get(expect, "approvals"), "approvals", name) is { } a)
        {
            Check("approvals", ((int)a).ToString(CultureInfo.InvariantCulture), d.ApprovalsRequired.ToString(CultureInfo.InvariantCulture));
        }
        if (y.Bool(YamlSupport.Get(expect, "spot_check"), "spot_check", name) is { } sc)
        {
            Check("spot_check", sc ? "true" : "false", d.SpotCheck ? "true" : "false");
        }
        if (y.Number(YamlSupport.Get(expect, "tier"), "tier", name) is { } t)
        {
            Check("tier", ((int)t).ToString(CultureInfo.InvariantCulture), d.RiskTier.ToString(CultureInfo.InvariantCulture));
        }
        if (y.Enum<AutonomyStage>(YamlSupport.Get(expect, "autonomy"), "autonomy", name) is { } st)
        {
            Check("autonomy", Snake(st), Snake(d.AutonomyStage));
        }
        if (y.String(YamlSupport.Get(expect, "question_contains"), "question_contains", name) is { } q
            && (d.ClarifyingQuestion is null || !d.ClarifyingQuestion.Contains(q, StringComparison.OrdinalIgnoreCase)))
        {
            diffs.Add($"question: expected it to contain \"{q}\", got {(d.ClarifyingQuestion is null ? "none" : $"\"{d.ClarifyingQuestion}\"")}");
        }
        if (diffs.Count > 0)
        {
            var fired = d.Trace.Where(t => t.Fired).Select(t => t.RuleId).ToList();
            diffs.Add($"fired rules: [{string.Join(", ", fired)}]");
        }
        return string.Join("; ", diffs);
    }
}
