using System.Text.RegularExpressions;
using Workbench.Contracts;
using Workbench.Core.Policy.Signals;
using YamlDotNet.RepresentationModel;

namespace Workbench.Core.Policy;

// The business's side of the trust boundary: the action catalogue (tools:), what happens to a tool it does not list
// (unknown_tools:), the exchange rates its money limits are written in (currencies:) and what counts as asking for an
// exception (exception_language:). Format and meaning: docs/policy.md, docs/trust-boundary.md.
public static partial class PolicyLoader
{
    private static ActionCatalogue ReadActionCatalogue(YamlSupport y, YamlMappingNode root, Dictionary<string, WorkflowDefinition> workflows, HashSet<string> queueNames)
    {
        var currencies = ReadCurrencies(y, root);
        var unknown = ReadUnknownTools(y, root, queueNames);
        var tools = new List<ToolDefinition>();
        if (y.Mapping(YamlSupport.Get(root, "tools"), "tools", required: false) is not { } map)
        {
            return new ActionCatalogue(tools, currencies, unknown);
        }
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var pattern = y.String(keyNode, "tool") ?? "";
            var what = $"tool '{pattern}'";
            if (!IsToolPattern(pattern))
            {
                y.Error(keyNode, $"{what} must be a tool id or glob of letters, digits and . _ - : / * ?");
                continue;
            }
            var m = y.Mapping(valueNode, what) ?? new YamlMappingNode();
            y.CheckKeys(m, what, null, "title", "description", "tier", "reversible", "amount", "currency", "default_currency", "sign",
                "workflows", "requires_authoritative_source", "reported_by_response", "approval_gesture", "target");

            var tierNode = YamlSupport.Get(m, "tier");
            var tier = y.Number(tierNode, what + " tier");
            if (tier is null || tier < 0 || tier > 3 || tier != Math.Floor(tier.Value))
            {
                y.Error(tierNode ?? keyNode, $"{what} needs a tier of 0, 1, 2 or 3 (its floor: the business's word, not the AI system's)");
            }
            var reversibleNode = YamlSupport.Get(m, "reversible");
            var reversible = y.Bool(reversibleNode, what + " reversible");
            if (reversibleNode is null)
            {
                y.Error(keyNode, $"{what} needs 'reversible: true' or 'reversible: false' (whether an execution can be undone)");
            }

            var amountNode = YamlSupport.Get(m, "amount");
            List<string> amounts = amountNode is YamlScalarNode single && !YamlSupport.IsNull(single)
                ? [y.String(single, what + " amount") ?? ""]
                : y.Strings(amountNode, what + " amount");
            foreach (var path in amounts.Where(p => !IsParameterPath(p)))
            {
                y.Error(amountNode, $"{what} amount '{path}' must be a parameter path like amount or refund.amount");
            }
            var currencyPath = y.String(YamlSupport.Get(m, "currency"), what + " currency");
            if (currencyPath is not null && !IsParameterPath(currencyPath))
            {
                y.Error(YamlSupport.Get(m, "currency"), $"{what} currency '{currencyPath}' must be a parameter path like currency");
            }
            var defaultNode = YamlSupport.Get(m, "default_currency");
            var defaultCurrency = y.String(defaultNode, what + " default_currency")?.ToUpperInvariant();
            if (defaultCurrency is not null && !currencies.Rates.ContainsKey(defaultCurrency))
            {
                y.Error(defaultNode, $"{what} default_currency '{defaultCurrency}' is not in the policy's currencies");
            }
            var signNode = YamlSupport.Get(m, "sign");
            var sign = y.Enum<AmountSign>(signNode, what + " sign") ?? AmountSign.Any;
            if (amounts.Count == 0 && (currencyPath is not null || defaultCurrency is not null || signNode is not null))
            {
                y.Error(keyNode, $"{what} names a currency or sign but no 'amount' parameter");
            }

            var workflowsNode = YamlSupport.Get(m, "workflows");
            var allowed = y.Strings(workflowsNode, what + " workflows");
            foreach (var w in allowed.Where(w => !workflows.ContainsKey(w)))
            {
                y.Error(workflowsNode, $"{what} names unknown workflow '{w}'");
            }

            var targetNode = YamlSupport.Get(m, "target");
            List<string> targets = targetNode is YamlScalarNode oneTarget && !YamlSupport.IsNull(oneTarget)
                ? [y.String(oneTarget, what + " target") ?? ""]
                : y.Strings(targetNode, what + " target");
            foreach (var path in targets.Where(p => !IsParameterPath(p)))
            {
                y.Error(targetNode, $"{what} target '{path}' must be a parameter path like order_id or user.email");
            }
            var gestureNode = YamlSupport.Get(m, "approval_gesture");
            var gesture = y.Enum<ApprovalGesture>(gestureNode, what + " approval_gesture");
            if (gesture == ApprovalGesture.TypeAmount && amounts.Count == 0)
            {
                y.Error(gestureNode, $"{what} approval_gesture type_amount needs an 'amount' parameter to type");
            }

            tools.Add(new ToolDefinition(pattern)
            {
                Title = y.String(YamlSupport.Get(m, "title"), what + " title"),
                Tier = (int)(tier ?? 3),
                Reversible = reversible ?? false,
                AmountPaths = amounts,
                CurrencyPath = currencyPath,
                DefaultCurrency = defaultCurrency,
                Sign = sign,
                Workflows = allowed,
                RequiresAuthoritativeSource = y.Bool(YamlSupport.Get(m, "requires_authoritative_source"), what + " requires_authoritative_source") ?? true,
                ReportedByResponse = y.Bool(YamlSupport.Get(m, "reported_by_response"), what + " reported_by_response") ?? true,
                ApprovalGesture = gesture,
                TargetPaths = targets,
            });
        }
        return new ActionCatalogue(tools, currencies, unknown);
    }

    /// <summary><c>currencies: { base: USD, rates: { EUR: 1.08, JPY: 0.0067 } }</c>: units of the base per unit of each.</summary>
    private static CurrencyTable ReadCurrencies(YamlSupport y, YamlMappingNode root)
    {
        if (y.Mapping(YamlSupport.Get(root, "currencies"), "currencies", required: false) is not { } m)
        {
            return CurrencyTable.BaseOnly("USD");
        }
        y.CheckKeys(m, "currencies", null, "base", "rates");
        var baseNode = YamlSupport.Get(m, "base");
        var code = y.String(baseNode, "currencies base")?.ToUpperInvariant() ?? "USD";
        if (!IsCurrency(code))
        {
            y.Error(baseNode, $"currencies base '{code}' is not an ISO 4217 code like USD");
        }
        var rates = new Dictionary<string, double>(StringComparer.Ordinal) { [code] = 1 };
        if (y.Mapping(YamlSupport.Get(m, "rates"), "currencies rates", required: false) is { } rateMap)
        {
            foreach (var (keyNode, valueNode) in rateMap.Children)
            {
                var currency = y.String(keyNode, "currency")?.ToUpperInvariant() ?? "";
                var rate = y.Number(valueNode, $"rate of {currency}");
                if (!IsCurrency(currency))
                {
                    y.Error(keyNode, $"currency '{currency}' is not an ISO 4217 code like EUR");
                }
                else if (rate is not { } r || !(r > 0) || !double.IsFinite(r))
                {
                    y.Error(valueNode, $"the rate of {currency} must be a number above zero (units of {code} per {currency})");
                }
                else if (currency == code && r != 1)
                {
                    y.Error(valueNode, $"the base currency {code} has the rate 1");
                }
                else
                {
                    rates[currency] = r;
                }
            }
        }
        return new CurrencyTable(code, rates);
    }

    /// <summary><c>unknown_tools: handoff</c> (the default) or <c>{ outcome: await_approval, queue: security }</c>.</summary>
    private static UnknownToolHandling ReadUnknownTools(YamlSupport y, YamlMappingNode root, HashSet<string> queueNames)
    {
        var node = YamlSupport.Get(root, "unknown_tools");
        if (node is null)
        {
            return new UnknownToolHandling(PathOutcome.Handoff, null);
        }
        if (node is YamlScalarNode)
        {
            return new UnknownToolHandling(y.Enum<PathOutcome>(node, "unknown_tools") ?? PathOutcome.Handoff, null);
        }
        var m = y.Mapping(node, "unknown_tools") ?? new YamlMappingNode();
        y.CheckKeys(m, "unknown_tools", null, "outcome", "queue");
        var queueNode = YamlSupport.Get(m, "queue");
        var queue = y.String(queueNode, "unknown_tools queue");
        if (queue is not null && !queueNames.Contains(queue))
        {
            y.Error(queueNode, $"unknown_tools queue '{queue}' is not a queue");
        }
        return new UnknownToolHandling(y.Enum<PathOutcome>(YamlSupport.Get(m, "outcome"), "unknown_tools outcome") ?? PathOutcome.Handoff, queue);
    }

    /// <summary><c>exception_language: { phrases: [...], patterns: [...] }</c>; each list replaces the shipped one when given.</summary>
    private static ExceptionLanguage ReadExceptionLanguage(YamlSupport y, YamlMappingNode root)
    {
        if (y.Mapping(YamlSupport.Get(root, "exception_language"), "exception_language", required: false) is not { } m)
        {
            return ExceptionLanguage.Default;
        }
        y.CheckKeys(m, "exception_language", null, "phrases", "patterns");
        var phrasesNode = YamlSupport.Get(m, "phrases");
        var phrases = phrasesNode is null ? ExceptionLanguage.DefaultPhrases : y.Strings(phrasesNode, "exception_language phrases");
        var patternsNode = YamlSupport.Get(m, "patterns");
        var patterns = patternsNode is null ? ExceptionLanguage.DefaultPatterns : y.Strings(patternsNode, "exception_language patterns");
        foreach (var pattern in patterns)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                y.Error(patternsNode, $"exception_language pattern '{pattern}' is not a regular expression this engine runs: {e.Message}");
                return ExceptionLanguage.Default;
            }
        }
        return new ExceptionLanguage(phrases, patterns);
    }

    /// <summary>
    /// <c>authenticated_requesters_from:</c> the API clients (their ids) whose word that the requester signed in is taken;
    /// null without the key (every client's word is taken).
    /// </summary>
    private static IReadOnlySet<string>? ReadAuthenticatedRequestersFrom(YamlSupport y, YamlMappingNode root)
    {
        if (YamlSupport.Get(root, "authenticated_requesters_from") is not { } node)
        {
            return null;
        }
        var clients = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in y.Strings(node, "authenticated_requesters_from"))
        {
            // The form an API client's id takes (the admin page refuses any other), so a typo cannot hide as a near match.
            if (!Cases.ApiClientIds.IsValid(id))
            {
                y.Error(node, $"authenticated_requesters_from entry '{id}' is not an API client id ({Cases.ApiClientIds.Rule})");
            }
            else if (!clients.Add(id))
            {
                y.Error(node, $"authenticated_requesters_from lists '{id}' twice");
            }
        }
        return clients;
    }

    /// <summary><c>authoritative_sources:</c> a list of URIs; null without the key (the AI system's word is taken).</summary>
    private static AuthoritativeSources? ReadAuthoritativeSources(YamlSupport y, YamlMappingNode root)
    {
        if (YamlSupport.Get(root, "authoritative_sources") is not { } node)
        {
            return null;
        }
        return AuthoritativeSources.Parse(y.Strings(node, "authoritative_sources"), message => y.Error(node, message));
    }

    private static bool IsToolPattern(string s) =>
        s.Length is > 0 and <= 200 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '/' or '*' or '?');

    private static bool IsParameterPath(string s) =>
        s.Length is > 0 and <= 200 && s.Split('.').All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'));

    private static bool IsCurrency(string s) => s.Length == 3 && s.All(char.IsAsciiLetterUpper);
}
