using Workbench.Contracts;
using Workbench.Core.Policy.Language;
using Workbench.Core.Policy.Signals;
using YamlDotNet.RepresentationModel;

namespace Workbench.Core.Policy;

/// <summary>
/// Loads a policy document (YAML text) into a <see cref="CompiledPolicy"/>: parses, checks every reference and
/// type, compiles every rule. A policy with any error is refused whole; errors name rule, line and column.
/// Never throws for bad input.
/// </summary>
public static partial class PolicyLoader
{
    private static readonly PathOutcome[] DefaultPrecedence = [PathOutcome.Handoff, PathOutcome.Clarify, PathOutcome.AwaitApproval, PathOutcome.Proceed];

    public static PolicyLoadResult Load(string yaml)
    {
        var errors = new List<PolicyError>();
        CompiledPolicy? policy = null;
        try
        {
            policy = LoadCore(yaml ?? "", errors);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last line of defence: a bug here must refuse the policy, not crash the publisher.
            errors.Add(new PolicyError(null, 1, 1, "the policy could not be read: " + e.Message));
        }
        return errors.Count == 0 && policy is not null ? new PolicyLoadResult(policy, []) : new PolicyLoadResult(null, errors);
    }

    private static CompiledPolicy? LoadCore(string yaml, List<PolicyError> errors)
    {
        var root = YamlSupport.ParseRoot(yaml, errors, "policy");
        if (root is null)
        {
            return null;
        }
        var y = new YamlSupport(yaml, errors);
        y.CheckKeys(root, "the policy", null, "version", "description", "precedence", "signals", "default_queue", "spot_check_queue", "workflows", "queues", "reason_codes", "rules", "calendars",
            "tools", "unknown_tools", "currencies", "exception_language", "authoritative_sources", "authenticated_requesters_from");

        var version = y.String(YamlSupport.Get(root, "version"), "version");
        if (string.IsNullOrWhiteSpace(version))
        {
            y.Error(root, "the policy needs a 'version'");
        }

        var precedence = ReadPrecedence(y, root);
        var catalog = new SignalCatalog(ReadDeclaredSignals(y, root));
        var calendars = ReadCalendars(y, root);
        var queues = ReadQueues(y, root, calendars);
        var queueNames = queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (q, node) in queues.Zip(QueueNodes(root)))
        {
            if (q.EscalationTarget is { } target && !queueNames.Contains(target))
            {
                y.Error(node, $"queue '{q.Name}' escalates to unknown queue '{target}'");
            }
        }
        var reasonCodes = ReadReasonCodes(y, root);
        var workflows = ReadWorkflows(y, root, queueNames);

        var defaultQueueNode = YamlSupport.Get(root, "default_queue");
        var defaultQueue = y.String(defaultQueueNode, "default_queue") ?? queues.FirstOrDefault()?.Name ?? "";
        if (defaultQueueNode is not null && !queueNames.Contains(defaultQueue))
        {
            y.Error(defaultQueueNode, $"default_queue '{defaultQueue}' is not a queue");
        }
        var spotNode = YamlSupport.Get(root, "spot_check_queue");
        var spotCheckQueue = y.String(spotNode, "spot_check_queue");
        if (spotCheckQueue is not null && !queueNames.Contains(spotCheckQueue))
        {
            y.Error(spotNode, $"spot_check_queue '{spotCheckQueue}' is not a queue");
        }
        if (spotCheckQueue is null && workflows.Values.Any(w => w.Autonomy == AutonomyStage.Sampled))
        {
            y.Error(root, "a workflow is 'sampled' but the policy names no spot_check_queue");
        }

        var (rules, conditions) = ReadRules(y, root, catalog, queueNames, reasonCodes);
        var actions = ReadActionCatalogue(y, root, workflows, queueNames);
        var exceptionLanguage = ReadExceptionLanguage(y, root);
        var sources = ReadAuthoritativeSources(y, root);
        var identityFrom = ReadAuthenticatedRequestersFrom(y, root);

        if (errors.Count > 0)
        {
            return null;
        }
        return new CompiledPolicy(version!, precedence, catalog, workflows, queues, reasonCodes, rules, conditions, defaultQueue, spotCheckQueue,
            actions, exceptionLanguage, sources, identityFrom);
    }

    private static PathOutcome[] ReadPrecedence(YamlSupport y, YamlMappingNode root)
    {
        var node = YamlSupport.Get(root, "precedence");
        if (node is null)
        {
            return DefaultPrecedence;
        }
        var list = new List<PathOutcome>();
        if (y.Sequence(node, "precedence") is { } seq)
        {
            foreach (var item in seq)
            {
                if (y.Enum<PathOutcome>(item, "precedence entry") is { } o)
                {
                    list.Add(o);
                }
            }
        }
        if (list.Count != 4 || list.Distinct().Count() != 4)
        {
            y.Error(node, "precedence must list each of handoff, clarify, await_approval, proceed once, most severe first");
            return DefaultPrecedence;
        }
        return [.. list];
    }

    private static List<(string, SignalType)> ReadDeclaredSignals(YamlSupport y, YamlMappingNode root)
    {
        var declared = new List<(string, SignalType)>();
        if (y.Mapping(YamlSupport.Get(root, "signals"), "signals", required: false) is not { } map)
        {
            return declared;
        }
        foreach (var (keyNode, typeNode) in map.Children)
        {
            var name = y.String(keyNode, "signal name") ?? "";
            var type = y.String(typeNode, "signal type");
            if (!IsIdentifier(name))
            {
                y.Error(keyNode, $"signal name '{name}' must be lower_snake_case");
                continue;
            }
            if (SignalCatalog.IsBuiltInSignalName(name))
            {
                y.Error(keyNode, $"signal '{name}' is built in and cannot be redeclared");
                continue;
            }
            switch (type)
            {
                case "number":
                    declared.Add((name, SignalType.Number));
                    break;
                case "boolean":
                    declared.Add((name, SignalType.Boolean));
                    break;
                default:
                    y.Error(typeNode, $"signal '{name}' must be 'number' or 'boolean', not '{type}'");
                    break;
            }
        }
        return declared;
    }

    private static IEnumerable<YamlNode> QueueNodes(YamlMappingNode root)
        => YamlSupport.Get(root, "queues") is YamlMappingNode m ? m.Children.Keys : [];

    /// <summary>The policy's calendars by name; a calendar with errors (already reported) maps to null.</summary>
    private static Dictionary<string, BusinessHours?> ReadCalendars(YamlSupport y, YamlMappingNode root)
    {
        var calendars = new Dictionary<string, BusinessHours?>(StringComparer.Ordinal);
        if (y.Mapping(YamlSupport.Get(root, "calendars"), "calendars", required: false) is not { } map)
        {
            return calendars;
        }
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var name = y.String(keyNode, "calendar name") ?? "";
            calendars[name] = ReadBusinessHours(y, valueNode, $"calendar '{name}'");
        }
        return calendars;
    }

    private static readonly Dictionary<string, DayOfWeek> DayNames = new(StringComparer.Ordinal)
    {
        ["mon"] = DayOfWeek.Monday,
        ["tue"] = DayOfWeek.Tuesday,
        ["wed"] = DayOfWeek.Wednesday,
        ["thu"] = DayOfWeek.Thursday,
        ["fri"] = DayOfWeek.Friday,
        ["sat"] = DayOfWeek.Saturday,
        ["sun"] = DayOfWeek.Sunday,
    };

    /// <summary>
    /// <c>{ time_zone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00", holidays: [2026-12-25] }</c>.
    /// </summary>
    private static BusinessHours? ReadBusinessHours(YamlSupport y, YamlNode node, string what)
    {
        if (y.Mapping(node, what) is not { } m)
        {
            return null;
        }
        var before = y.Errors.Count;
        y.CheckKeys(m, what, null, "time_zone", "days", "hours", "holidays");
        var zoneNode = YamlSupport.Get(m, "time_zone");
        var zoneId = y.String(zoneNode, what + " time_zone");
        TimeZoneInfo? zone = null;
        if (zoneId is null)
        {
            y.Error(node, $"{what} needs a time_zone (an IANA id such as Europe/Berlin)");
        }
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out zone))
        {
            y.Error(zoneNode, $"{what} time_zone '{zoneId}' is not a known IANA time zone");
        }
        var daysNode = YamlSupport.Get(m, "days");
        var beforeDays = y.Errors.Count;
        var days = new HashSet<DayOfWeek>();
        foreach (var d in daysNode is null ? ["mon", "tue", "wed", "thu", "fri"] : y.Strings(daysNode, what + " days"))
        {
            if (DayNames.TryGetValue(d, out var day))
            {
                days.Add(day);
            }
            else
            {
                y.Error(daysNode, $"{what} day '{d}' is not one of mon, tue, wed, thu, fri, sat, sun");
            }
        }
        if (daysNode is not null && days.Count == 0 && y.Errors.Count == beforeDays)
        {
            y.Error(daysNode, $"{what} needs at least one working day");
        }
        var hoursNode = YamlSupport.Get(m, "hours");
        var hoursText = y.String(hoursNode, what + " hours") ?? "09:00-17:00";
        TimeOnly open = default;
        TimeSpan close = default;
        var parts = hoursText.Split('-');
        if (parts.Length != 2 || !TryClock(parts[0].Trim(), out var o) || !TryClock(parts[1].Trim(), out close) || o >= close || o >= TimeSpan.FromDays(1))
        {
            y.Error(hoursNode, $"{what} hours '{hoursText}' must be like 09:00-17:00 (closing after opening, 24:00 at the latest)");
        }
        else
        {
            open = TimeOnly.FromTimeSpan(o);
        }
        var holidays = new HashSet<DateOnly>();
        var holidaysNode = YamlSupport.Get(m, "holidays");
        foreach (var h in y.Strings(holidaysNode, what + " holidays"))
        {
            if (DateOnly.TryParseExact(h, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date))
            {
                holidays.Add(date);
            }
            else
            {
                y.Error(holidaysNode, $"{what} holiday '{h}' is not a date like 2026-12-25");
            }
        }
        return y.Errors.Count == before && zone is not null ? new BusinessHours(zone, days, open, close, holidays) : null;
    }

    private static bool TryClock(string text, out TimeSpan value)
    {
        value = default;
        var hm = text.Split(':');
        if (hm.Length != 2 || hm[0].Length is < 1 or > 2 || hm[1].Length != 2
            || !int.TryParse(hm[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(hm[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var min)
            || min > 59 || h > 24 || (h == 24 && min != 0))
        {
            return false;
        }
        value = new TimeSpan(h, min, 0);
        return true;
    }

    private static BreachActions ReadBreachActions(YamlSupport y, YamlNode? node, string what)
    {
        if (node is null)
        {
            return BreachActions.RaisePriority | BreachActions.Escalate | BreachActions.AlertLead;
        }
        var actions = BreachActions.None;
        foreach (var a in y.Strings(node, what))
        {
            actions |= a switch
            {
                "raise_priority" => BreachActions.RaisePriority,
                "escalate" => BreachActions.Escalate,
                "alert_lead" => BreachActions.AlertLead,
                _ => Unknown(a),
            };
        }
        return actions;

        BreachActions Unknown(string a)
        {
            y.Error(node, $"{what} '{a}' is not one of raise_priority, escalate, alert_lead");
            return BreachActions.None;
        }
    }

    private static List<QueueDefinition> ReadQueues(YamlSupport y, YamlMappingNode root, Dictionary<string, BusinessHours?> calendars)
    {
        var queues = new List<QueueDefinition>();
        var node = YamlSupport.Get(root, "queues");
        if (node is null)
        {
            y.Error(root, "the policy needs 'queues'");
            return queues;
        }
        if (y.Mapping(node, "queues") is not { } map)
        {
            return queues;
        }
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var name = y.String(keyNode, "queue name") ?? "";
            var q = y.Mapping(valueNode, $"queue '{name}'") ?? new YamlMappingNode();
            y.CheckKeys(q, $"queue '{name}'", null, "title", "description", "sla", "priority_sla", "escalation", "roles", "groups",
                "business_hours", "pause_while_awaiting_info", "on_breach");
            BusinessHours? hours = null;
            var hoursNode = YamlSupport.Get(q, "business_hours");
            if (hoursNode is YamlScalarNode calendarName && !YamlSupport.IsNull(calendarName))
            {
                if (!calendars.TryGetValue(calendarName.Value!, out hours))
                {
                    y.Error(hoursNode, $"queue '{name}' business_hours '{calendarName.Value}' is not a calendar of the policy");
                }
            }
            else if (hoursNode is YamlMappingNode)
            {
                hours = ReadBusinessHours(y, hoursNode, $"queue '{name}' business_hours");
            }
            var sla = ReadSla(y, YamlSupport.Get(q, "sla"), $"queue '{name}' sla", hours);
            var prioritySla = new Dictionary<CasePriority, QueueSla>();
            if (y.Mapping(YamlSupport.Get(q, "priority_sla"), $"queue '{name}' priority_sla", required: false) is { } pmap)
            {
                foreach (var (pk, pv) in pmap.Children)
                {
                    if (y.Enum<CasePriority>(pk, "priority") is { } p)
                    {
                        prioritySla[p] = ReadSla(y, pv, $"queue '{name}' priority_sla {YamlSupport.ToSnake(p)}", hours);
                    }
                }
            }
            queues.Add(new QueueDefinition(
                name,
                y.String(YamlSupport.Get(q, "title"), "title") ?? name,
                sla,
                prioritySla,
                y.String(YamlSupport.Get(q, "escalation"), "escalation"),
                y.Strings(YamlSupport.Get(q, "roles"), "roles"),
                y.Strings(YamlSupport.Get(q, "groups"), "groups"))
            {
                Hours = hours,
                PauseWhileAwaitingInfo = y.Bool(YamlSupport.Get(q, "pause_while_awaiting_info"), "pause_while_awaiting_info") ?? false,
                OnBreach = ReadBreachActions(y, YamlSupport.Get(q, "on_breach"), $"queue '{name}' on_breach"),
            });
        }
        return queues;
    }

    /// <summary>
    /// A queue's SLA durations. On a queue with business hours a day is one business day (the calendar's daily window,
    /// 8 hours for 09:00–17:00), so "1d" is due at the same time the next working day, not after 24 business hours.
    /// </summary>
    private static QueueSla ReadSla(YamlSupport y, YamlNode? node, string what, BusinessHours? hours)
    {
        if (y.Mapping(node, what, required: false) is not { } m)
        {
            return new QueueSla(null, null, null, null);
        }
        y.CheckKeys(m, what, null, "await_approval", "handoff", "info_reply", "spot_check");
        var day = hours is null ? TimeSpan.FromDays(1) : hours.Close - hours.Open.ToTimeSpan();
        TimeSpan? Read(string key) => y.DurationParts(YamlSupport.Get(m, key), what + " " + key) is { } d ? d.Days * day + d.Time : null;
        return new QueueSla(Read("await_approval"), Read("handoff"), Read("info_reply"), Read("spot_check"));
    }

    private static Dictionary<string, ReasonCodeDefinition> ReadReasonCodes(YamlSupport y, YamlMappingNode root)
    {
        var codes = BuiltInReasonCodes.All.ToDictionary(c => c.Code, StringComparer.Ordinal);
        if (y.Mapping(YamlSupport.Get(root, "reason_codes"), "reason_codes", required: false) is not { } map)
        {
            return codes;
        }
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var code = y.String(keyNode, "reason code") ?? "";
            if (!IsReasonCode(code))
            {
                y.Error(keyNode, $"reason code '{code}' must be UPPER_SNAKE_CASE");
                continue;
            }
            var m = y.Mapping(valueNode, $"reason code '{code}'") ?? new YamlMappingNode();
            y.CheckKeys(m, $"reason code '{code}'", null, "title", "description", "root_cause");
            codes.TryGetValue(code, out var builtIn);
            codes[code] = new ReasonCodeDefinition(
                code,
                y.String(YamlSupport.Get(m, "title"), "title") ?? builtIn?.Title ?? code,
                y.String(YamlSupport.Get(m, "description"), "description") ?? builtIn?.Description ?? "",
                y.Enum<RootCause>(YamlSupport.Get(m, "root_cause"), "root_cause") ?? builtIn?.RootCauseHint);
        }
        return codes;
    }

    private static Dictionary<string, WorkflowDefinition> ReadWorkflows(YamlSupport y, YamlMappingNode root, HashSet<string> queueNames)
    {
        var workflows = new Dictionary<string, WorkflowDefinition>(StringComparer.Ordinal);
        var node = YamlSupport.Get(root, "workflows");
        if (node is null)
        {
            y.Error(root, "the policy needs 'workflows'");
            return workflows;
        }
        if (y.Mapping(node, "workflows") is not { } map)
        {
            return workflows;
        }
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var name = y.String(keyNode, "workflow name") ?? "";
            var w = y.Mapping(valueNode, $"workflow '{name}'") ?? new YamlMappingNode();
            y.CheckKeys(w, $"workflow '{name}'", null, "title", "description", "tier", "queue", "autonomy", "spot_check_rate", "required_fields", "timeout", "on_timeout",
                "allow_unknown_root_cause");
            var tierNode = YamlSupport.Get(w, "tier");
            var tier = y.Number(tierNode, "tier");
            if (tier is null || tier < 0 || tier > 3 || tier != Math.Floor(tier.Value))
            {
                y.Error(tierNode ?? keyNode, $"workflow '{name}' needs a tier of 0, 1, 2 or 3");
            }
            var queueNode = YamlSupport.Get(w, "queue");
            var queue = y.String(queueNode, "queue");
            if (queue is null || !queueNames.Contains(queue))
            {
                y.Error(queueNode ?? keyNode, $"workflow '{name}' needs a known queue, not '{queue}'");
            }
            var autonomyNode = YamlSupport.Get(w, "autonomy");
            var autonomy = y.Enum<AutonomyStage>(autonomyNode, "autonomy");
            if (autonomyNode is null)
            {
                y.Error(keyNode, $"workflow '{name}' needs an autonomy stage (recommend_only, approve_all, sampled, auto)");
            }
            var rateNode = YamlSupport.Get(w, "spot_check_rate");
            var rate = y.Number(rateNode, "spot_check_rate") ?? 0;
            if (rate is < 0 or > 1)
            {
                y.Error(rateNode, "spot_check_rate must be between 0 and 1");
            }
            workflows[name] = new WorkflowDefinition(name, (int)(tier ?? 3), queue ?? "", autonomy ?? AutonomyStage.RecommendOnly, rate,
                y.Strings(YamlSupport.Get(w, "required_fields"), "required_fields"))
            {
                Title = y.String(YamlSupport.Get(w, "title"), "title"),
                Timeout = y.Duration(YamlSupport.Get(w, "timeout"), $"workflow '{name}' timeout"),
                OnTimeout = y.Enum<TimeoutDecision>(YamlSupport.Get(w, "on_timeout"), $"workflow '{name}' on_timeout") ?? TimeoutDecision.Reject,
                AllowUnknownRootCause = y.Bool(YamlSupport.Get(w, "allow_unknown_root_cause"), "allow_unknown_root_cause") ?? false,
            };
        }
        return workflows;
    }

    private static (List<PolicyRule>, List<CompiledCondition>) ReadRules(
        YamlSupport y, YamlMappingNode root, SignalCatalog catalog, HashSet<string> queueNames, Dictionary<string, ReasonCodeDefinition> reasonCodes)
    {
        var rules = new List<PolicyRule>();
        var conditions = new List<CompiledCondition>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var node = YamlSupport.Get(root, "rules");
        if (node is null)
        {
            y.Error(root, "the policy needs 'rules'");
            return (rules, conditions);
        }
        if (y.Sequence(node, "rules") is not { } seq)
        {
            return (rules, conditions);
        }
        var index = 0;
        foreach (var item in seq)
        {
            index++;
            if (y.Mapping(item, $"rule #{index}") is not { } r)
            {
                continue;
            }
            var idNode = YamlSupport.Get(r, "id");
            var id = y.String(idNode, "id");
            if (string.IsNullOrWhiteSpace(id))
            {
                y.Error(item, $"rule #{index} needs an 'id'");
                id = $"#{index}";
            }
            else if (!ids.Add(id))
            {
                y.Error(idNode, $"duplicate rule id '{id}'", id);
            }
            y.CheckKeys(r, $"rule '{id}'", id, "id", "description", "when", "then");

            var whenNode = YamlSupport.Get(r, "when");
            CompiledCondition? condition = null;
            var (line, column) = (YamlSupport.Int(item.Start.Line), YamlSupport.Int(item.Start.Column));
            if (whenNode is YamlScalarNode { Value: { } when } whenScalar && !string.IsNullOrWhiteSpace(when))
            {
                (line, column) = y.Locate(whenScalar, 0);
                try
                {
                    condition = Compiler.Compile(when, catalog);
                    // docs/design.md: the model's self-reported confidence is stored and shown, never decisive on its own.
                    if (condition.Reads.Count > 0 && condition.Reads.All(r => r.Slot == SignalCatalog.ModelConfidence))
                    {
                        y.Errors.Add(new PolicyError(id, line, column, "signals.model_confidence is never decisive on its own: combine it with a signal the system observed"));
                    }
                }
                catch (ExpressionException e)
                {
                    var (l, c) = y.Locate(whenScalar, e.Offset);
                    y.Errors.Add(new PolicyError(id, l, c, e.Message));
                }
            }
            else
            {
                y.Error(whenNode ?? item, $"rule '{id}' needs a 'when' expression", id);
            }

            var then = y.Mapping(YamlSupport.Get(r, "then"), $"rule '{id}' then", id);
            if (then is null)
            {
                y.Error(item, $"rule '{id}' needs a 'then'", id);
                continue;
            }
            y.CheckKeys(then, $"rule '{id}' then", id, "outcome", "scope", "reason", "queue", "priority", "approvals", "question");
            var outcomeNode = YamlSupport.Get(then, "outcome");
            var outcome = y.Enum<PathOutcome>(outcomeNode, "outcome", id);
            if (outcomeNode is null)
            {
                y.Error(then, $"rule '{id}' needs an outcome", id);
            }
            var scope = y.Enum<OutcomeScope>(YamlSupport.Get(then, "scope"), "scope", id) ?? OutcomeScope.Both;
            var reasonNode = YamlSupport.Get(then, "reason");
            var reason = y.String(reasonNode, "reason", id);
            if (reason is not null && !reasonCodes.ContainsKey(reason))
            {
                y.Error(reasonNode, $"unknown reason code '{reason}' (built in or declared under reason_codes)", id);
            }
            var queueNode = YamlSupport.Get(then, "queue");
            var queue = y.String(queueNode, "queue", id);
            if (queue is not null && !queueNames.Contains(queue))
            {
                y.Error(queueNode, $"unknown queue '{queue}'", id);
            }
            var approvalsNode = YamlSupport.Get(then, "approvals");
            var approvals = y.Number(approvalsNode, "approvals", id);
            if (approvals is not null and not (1 or 2))
            {
                y.Error(approvalsNode, "approvals must be 1 or 2 (four-eyes)", id);
            }
            var questionNode = YamlSupport.Get(then, "question");
            var question = y.String(questionNode, "question", id);
            if (question is not null)
            {
                CheckTemplate(y, questionNode!, question, catalog, id);
            }
            rules.Add(new PolicyRule(id, (whenNode as YamlScalarNode)?.Value ?? "", outcome ?? PathOutcome.Handoff, scope, reason, queue,
                y.Enum<CasePriority>(YamlSupport.Get(then, "priority"), "priority", id), approvals is { } a ? (int)a : null, question, line, column)
            {
                Description = y.String(YamlSupport.Get(r, "description"), "description", id),
            });
            conditions.Add(condition ?? new CompiledCondition(_ => false, []));
        }
        return (rules, conditions);
    }

    private static void CheckTemplate(YamlSupport y, YamlNode node, string template, SignalCatalog catalog, string id)
    {
        var i = 0;
        while ((i = template.IndexOf("{{", i, StringComparison.Ordinal)) >= 0)
        {
            var close = template.IndexOf("}}", i + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                y.Error(node, "unclosed '{{' in question", id);
                return;
            }
            var path = template[(i + 2)..close].Trim();
            if (!catalog.TryResolve(path, out _))
            {
                y.Error(node, $"the question refers to unknown field '{path}'", id);
            }
            i = close + 2;
        }
    }

    private static bool IsIdentifier(string s) => s.Length > 0 && char.IsAsciiLetterLower(s[0]) && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    private static bool IsReasonCode(string s) => s.Length > 0 && char.IsAsciiLetterUpper(s[0]) && s.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_');
}
