using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Policy;
using Workbench.Core.Policy.Scenarios;
using Workbench.Core.Policy.Signals;

namespace Workbench.Core.Tests.Policy;

/// <summary>
/// The pieces behind the trust boundary, one rule at a time: the catalogue's lookups, money and currency reading,
/// document identity for conflicts, exception language, the loader's refusals and business-day SLAs. The end-to-end
/// cases are Scenarios/trust-boundary.yaml (the engine) and TrustBoundaryApiTests (the HTTP API).
/// </summary>
public class TrustBoundaryTests
{
    private static readonly DateTimeOffset Now = TestPolicies.Now;

    private const string Minimal = """
        version: "t"
        workflows:
          w: { tier: 1, queue: q, autonomy: auto }
          strict: { tier: 3, queue: q2, autonomy: recommend_only }
          middle: { tier: 3, queue: q, autonomy: approve_all }
        queues:
          q: { sla: { await_approval: 1h, handoff: 2h } }
          q2: { sla: { await_approval: 1h, handoff: 2h } }
        currencies: { base: USD, rates: { EUR: 1.1, JPY: 0.007 } }
        tools:
          pay.refund: { tier: 2, reversible: false, amount: [amount, fee.amount], currency: currency, default_currency: USD, sign: positive, workflows: [middle, strict] }
          "ops.*": { tier: 3, reversible: true, requires_authoritative_source: false }
          ops.exact: { tier: 1, reversible: false, requires_authoritative_source: false }
        rules:
          - id: never
            when: tier > 5
            then: { outcome: handoff }
        """;

    private static CompiledPolicy Policy(string yaml = Minimal)
    {
        var result = PolicyLoader.Load(yaml);
        return result.Policy ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    }

    private static CaseSubmission Case(string tool, string parameters, string workflow = "w", bool reversible = true, string? response = null) => new()
    {
        ExternalId = "x",
        Workflow = workflow,
        TaskType = "t",
        Requester = new Requester("u", null, true),
        Request = "r",
        Proposal = new Proposal(response is null ? null : new ResponseProposal(response),
            new ActionProposal(tool, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parameters), reversible)),
        Evidence = [new EvidenceItem { Id = "e", Title = "Policy", Uri = "https://policies.northwind.example/refunds", Authority = EvidenceAuthority.Authoritative, Version = "1" }],
    };

    private static ActionFacts Facts(CaseSubmission c, CompiledPolicy? policy = null)
    {
        var p = policy ?? Policy();
        return ActionFacts.Of(c, p.Actions, p.Workflows);
    }

    [Fact]
    public void A_case_asked_to_clarify_keeps_the_queue_the_same_case_goes_to_once_nothing_is_missing()
    {
        // A refund filed as an FAQ is treated as a billing refund, which needs its invoice: without it, it is asked for.
        var policy = TestPolicies.Default;
        var asked = policy.Evaluate(Case("payments.issue_refund", """{"amount":450,"currency":"USD"}""", "support.faq", reversible: false), Guid.Empty, Now);
        var complete = policy.Evaluate(Case("payments.issue_refund", """{"invoice_id":"INV-5","amount":450,"currency":"USD"}""", "support.faq", reversible: false), Guid.Empty, Now);

        Assert.Equal((PathOutcome.Clarify, (string?)null), (asked.Path, asked.Queue));
        Assert.NotNull(complete.Queue);
        Assert.Equal(complete.Queue, asked.ClarifiedQueue);
        Assert.NotEqual(policy.Workflows["support.faq"].Queue, asked.ClarifiedQueue);
        Assert.Null(complete.ClarifiedQueue);
    }

    [Fact]
    public void An_exact_entry_wins_over_a_glob_and_a_glob_matches_by_wildcard()
    {
        var p = Policy();
        Assert.Equal("ops.exact", p.Actions.Find("ops.exact")!.Pattern);
        Assert.Equal("ops.*", p.Actions.Find("ops.restart.now")!.Pattern);
        Assert.Null(p.Actions.Find("opsx.restart"));
        Assert.Null(p.Actions.Find("Pay.Refund"));
        Assert.Null(p.Actions.Find(null));
    }

    [Fact]
    public void Money_is_read_from_every_amount_path_converted_to_the_base_and_the_largest_counts()
    {
        var f = Facts(Case("pay.refund", """{ "amount": 100, "fee": { "amount": 300 }, "currency": "EUR" }""", "middle"));
        Assert.Equal(330, f.Amount!.Value, 6);
        Assert.False(f.AmountInvalid);
        Assert.False(f.CurrencyUnknown);
        Assert.Equal("300 EUR", f.AmountAsSent);
    }

    [Fact]
    public void An_undeclared_parameter_named_like_an_amount_counts_as_money()
    {
        var f = Facts(Case("pay.refund", """{ "amount": 5, "creditAmount": "900" }""", "middle"));
        Assert.Equal(900, f.Amount);
    }

    [Fact]
    public void A_money_tool_without_an_amount_or_with_a_non_positive_one_is_invalid_and_a_positive_one_is_not()
    {
        Assert.True(Facts(Case("pay.refund", """{ "order": "A-1" }""", "middle")).AmountInvalid);
        Assert.True(Facts(Case("pay.refund", """{ "amount": -1 }""", "middle")).AmountInvalid);
        Assert.True(Facts(Case("pay.refund", """{ "amount": 0 }""", "middle")).AmountInvalid);
        Assert.True(Facts(Case("pay.refund", """{ "amount": "lots" }""", "middle")).AmountInvalid);
        Assert.False(Facts(Case("pay.refund", """{ "amount": 0.01 }""", "middle")).AmountInvalid);
    }

    [Fact]
    public void A_currency_is_known_only_from_the_rate_table_or_the_tools_default()
    {
        Assert.Equal("USD", Facts(Case("pay.refund", """{ "amount": 5 }""", "middle")).Currency);
        Assert.False(Facts(Case("pay.refund", """{ "amount": 5 }""", "middle")).CurrencyUnknown);
        Assert.True(Facts(Case("pay.refund", """{ "amount": 5, "currency": "GBP" }""", "middle")).CurrencyUnknown);
        Assert.True(Facts(Case("pay.refund", """{ "amount": 5, "currency": 840 }""", "middle")).CurrencyUnknown);
        Assert.False(Facts(Case("pay.refund", """{ "amount": 5, "currency": "jpy" }""", "middle")).CurrencyUnknown);
    }

    [Fact]
    public void The_client_can_make_an_action_irreversible_but_not_reversible()
    {
        Assert.True(Facts(Case("pay.refund", """{ "amount": 5 }""", "middle", reversible: true)).Irreversible);
        Assert.True(Facts(Case("ops.restart", "{}", reversible: false)).Irreversible);
        Assert.False(Facts(Case("ops.restart", "{}", reversible: true)).Irreversible);
    }

    [Fact]
    public void A_tool_outside_its_workflows_is_treated_under_the_strictest_and_inside_them_under_the_named_one()
    {
        var outside = Facts(Case("pay.refund", """{ "amount": 5 }""", "w"));
        Assert.True(outside.WorkflowMismatch);
        Assert.Equal("strict", outside.EffectiveWorkflow); // tier 3 both: recommend_only is more careful than approve_all
        var inside = Facts(Case("pay.refund", """{ "amount": 5 }""", "middle"));
        Assert.False(inside.WorkflowMismatch);
        Assert.Equal("middle", inside.EffectiveWorkflow);
        Assert.False(Facts(Case("ops.restart", "{}", "w")).WorkflowMismatch); // no workflows listed: any
    }

    [Fact]
    public void The_tier_is_the_highest_of_workflow_tool_and_client()
    {
        var p = Policy();
        Assert.Equal(3, p.Evaluate(Case("ops.restart", "{}", "w"), Guid.Empty, Now).RiskTier);
        Assert.Equal(1, p.Evaluate(Case("ops.exact", "{}", "w"), Guid.Empty, Now).RiskTier);
        Assert.Equal(2, p.Evaluate(Case("ops.exact", "{}", "w") with { RiskTier = 2 }, Guid.Empty, Now).RiskTier);
        Assert.Equal(1, p.Evaluate(Case("ops.exact", "{}", "w") with { RiskTier = 0 }, Guid.Empty, Now).RiskTier);
    }

    [Fact]
    public void Autonomy_earned_on_a_low_tier_workflow_does_not_reach_a_higher_tier_tool()
    {
        // w is tier 1 at 'auto'; ops.restart is tier 3 and reversible: it needs an approval, not a free pass.
        var d = Policy().Evaluate(Case("ops.restart", "{}", "w"), Guid.Empty, Now);
        Assert.Equal(PathOutcome.AwaitApproval, d.Execute);
        Assert.Contains(BuiltInReasonCodes.StagedAutonomy, d.ReasonCodes);
        // Its own tier's tool still proceeds under the workflow's stage.
        Assert.Equal(PathOutcome.Proceed, Policy().Evaluate(Case("ops.exact", "{}", "w", reversible: true) with { Proposal = new Proposal(null, new ActionProposal("ops.exact", null, true)) }, Guid.Empty, Now).Execute);
    }

    [Fact]
    public void Unknown_tools_are_handed_off_unless_the_policy_says_otherwise()
    {
        var handedOff = Policy().Evaluate(Case("mystery.tool", "{}"), Guid.Empty, Now);
        Assert.Equal(PathOutcome.Handoff, handedOff.Execute);
        Assert.Contains(BuiltInReasonCodes.UnknownTool, handedOff.ReasonCodes);
        Assert.True(handedOff.Trace.Single(t => t.RuleId == "guard:unknown-tool").Fired);

        var tolerant = Policy(Minimal.Replace("tools:", "unknown_tools: { outcome: await_approval, queue: q2 }\ntools:", StringComparison.Ordinal));
        var d = tolerant.Evaluate(Case("mystery.tool", "{}"), Guid.Empty, Now);
        Assert.Equal(PathOutcome.AwaitApproval, d.Execute);
        Assert.Equal("q2", d.Queue);
    }

    [Fact]
    public void An_answer_waits_for_a_held_action_it_reports_and_not_for_one_it_does_not()
    {
        var reported = Policy().Evaluate(Case("pay.refund", """{ "amount": 5 }""", "middle", response: "Refunded."), Guid.Empty, Now);
        Assert.Equal(PathOutcome.AwaitApproval, reported.Release);
        Assert.Contains(BuiltInReasonCodes.ReleaseFollowsAction, reported.ReasonCodes);

        var quiet = Policy(Minimal.Replace("ops.exact: { tier: 1, reversible: false, requires_authoritative_source: false }",
            "ops.exact: { tier: 1, reversible: false, requires_authoritative_source: false, reported_by_response: false }", StringComparison.Ordinal));
        var c = Case("ops.exact", """{ "host": "web-1" }""", "middle", response: "Here is the plan.");
        Assert.Equal(PathOutcome.Proceed, quiet.Evaluate(c, Guid.Empty, Now).Release);
        // ...unless the answer fills in the action's own values.
        var filled = c with { Proposal = c.Proposal with { Response = new ResponseProposal("Rebooted {{host}}.") } };
        Assert.Equal(PathOutcome.AwaitApproval, quiet.Evaluate(filled, Guid.Empty, Now).Release);
    }

    [Theory]
    [InlineData("https://p.example/refunds?version=r13", "https://p.example/refunds?version=r14", true)]
    [InlineData("https://P.example/refunds/", "https://p.example/refunds#window", true)]
    [InlineData("https://p.example/refunds", "https://p.example/shipping", false)]
    [InlineData("/kb/refunds?v=1", "/kb/refunds?v=2", true)]
    [InlineData("https://p.example:443/refunds", "https://p.example/refunds", true)]
    [InlineData("https://p.example/kb/./refunds", "https://p.example/kb/refunds", true)]
    [InlineData("https://p.example/kb/x/../refunds", "https://p.example/kb/refunds", true)]
    [InlineData("https://p.example/%72efunds", "https://p.example/refunds", true)]
    [InlineData("https://bücher.example/refunds", "https://xn--bcher-kva.example/refunds", true)]
    [InlineData("http://p.example/refunds", "https://p.example/refunds", false)]
    public void Evidence_about_one_page_is_one_document_whatever_its_query(string a, string b, bool same) =>
        Assert.Equal(same, SignalDeriver.SameDocument(new EvidenceItem { Id = "a", Title = "A", Uri = a }, new EvidenceItem { Id = "b", Title = "B", Uri = b }));

    [Fact]
    public void Evidence_with_one_title_or_one_topic_is_one_document()
    {
        Assert.True(SignalDeriver.SameDocument(new EvidenceItem { Id = "a", Title = "Refund Policy" }, new EvidenceItem { Id = "b", Title = "refund  policy" }));
        Assert.True(SignalDeriver.SameDocument(new EvidenceItem { Id = "a", Title = "A", Topic = "refunds" }, new EvidenceItem { Id = "b", Title = "B", Topic = "Refunds" }));
        Assert.False(SignalDeriver.SameDocument(new EvidenceItem { Id = "a", Title = "A" }, new EvidenceItem { Id = "b", Title = "B" }));
    }

    [Theory]
    [InlineData("Could you bend the rules this one time?", true)]
    [InlineData("please bend a few of the rules", true)]
    [InlineData("JUST   THIS   ONCE!!!", true)]
    [InlineData("јust this once", true)] // Cyrillic je
    [InlineData("Ｊｕｓｔ ｔｈｉｓ ｏｎｃｅ", true)] // full-width
    [InlineData("can we skip the usual approval step", true)]
    [InlineData("make a small exception for me", true)]
    [InlineData("the manager overrides it", true)]
    [InlineData("Is there a one-time setup fee?", false)]
    [InlineData("What is the refund window?", false)]
    [InlineData("I need this done one more time", false)]
    public void Exception_language_is_found_in_paraphrase_and_disguise_and_not_in_ordinary_requests(string text, bool exception) =>
        Assert.Equal(exception, ExceptionLanguage.Default.Matches(text));

    [Theory]
    [InlineData(@"\bbend(ing)?\b(\s+\w+){0,4}\s+rules?\b", "bend")]
    [InlineData(@"\b(just|only)\s+(this|one)\s+(one\s+)?time\b", "just,only")]
    [InlineData(@"\b(skip|work\s+around|rules?)\s+x", "skip,work,rule")]
    [InlineData(@"\bexception\s+(to|from)\b", "exception")]
    [InlineData(@"\bwaive?", "waiv")]
    [InlineData(@"\bfoo|bar", null)] // the alternation outside the group matches without "foo"
    [InlineData(@"\b(foo)?bar", null)] // the group is optional
    [InlineData(@"\b(foo|(bar))", null)]
    [InlineData(@"\b(a[)]b|c)", null)] // a class could hide the group's end
    [InlineData(@"\b(foo\)|bar)", "foo,bar")] // an escaped parenthesis is not the group's end
    [InlineData(@"(?i)\bfoo", null)]
    [InlineData(@"\bfoo(?x)#(\n|bar", null)] // an inline comment could hide the alternation
    [InlineData(@"\b\w+ing\b", null)]
    [InlineData(@"\bf*oo", null)]
    [InlineData(@"foo\b", null)]
    public void A_pattern_is_skipped_only_when_it_surely_starts_with_a_word_the_request_lacks(string pattern, string? words)
    {
        var found = ExceptionLanguage.FirstWords(pattern);
        Assert.Equal(words, found is null ? null : string.Join(",", found));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Skipping_the_search_never_changes_an_answer(bool nonAsciiPhrase)
    {
        IReadOnlyList<string> phrases = nonAsciiPhrase ? [.. ExceptionLanguage.DefaultPhrases, "exceção especial", "只此一次"] : ExceptionLanguage.DefaultPhrases;
        var quick = new ExceptionLanguage(phrases, ExceptionLanguage.DefaultPatterns);
        // The same lists with one pattern whose first word cannot be read: that language searches every text in full.
        var full = new ExceptionLanguage(phrases, [.. ExceptionLanguage.DefaultPatterns, "(?:zzqx)"]);
        string[] words =
        [
            "bend", "bending", "the", "rules", "rule", "just", "only", "this", "one", "time", "make", "an", "exception", "to",
            "from", "policy", "skip", "waive", "ignore", "work", "around", "get", "approval", "check", "refund", "please",
            "my", "order", "once", "it", "limit", "review", "for", "me", "ј", "!!", "—", "'", "Make", "JUST", "a", "few", "of",
            "bend-the-rules", "just,this", "ONE-TIME", "make-an-exception", "favor", "over", "ride", "override", "Overrides",
            "no", "will", "know", "nobody", "between", "you", "and", "under", "table", "exceção", "Exceçao", "especial",
            "只此一次", "Ｊｕｓｔ", "bénd", "waiver", "special", "case", "as", "blind", "eye", "turn",
        ];
        var random = new Random(20261205);
        var matched = 0;
        for (var i = 0; i < 30_000; i++)
        {
            var text = string.Join(random.Next(4) == 0 ? "  " : " ", Enumerable.Range(0, random.Next(1, 9)).Select(_ => words[random.Next(words.Length)]));
            var expected = full.Matches(text);
            Assert.True(expected == quick.Matches(text), text);
            matched += expected ? 1 : 0;
        }
        Assert.InRange(matched, 3_000, 27_000); // both answers were met often
    }

    [Fact]
    public void A_policy_can_replace_the_exception_phrases()
    {
        var p = Policy(Minimal + "\nexception_language: { phrases: [pretty please], patterns: [] }\n");
        Assert.True(p.ExceptionLanguage.Matches("Pretty please refund me"));
        Assert.False(p.ExceptionLanguage.Matches("just this once"));
    }

    [Theory]
    [InlineData("pay.refund: { reversible: false }", "needs a tier")]
    [InlineData("pay.refund: { tier: 2 }", "needs 'reversible: true' or 'reversible: false'")]
    [InlineData("pay.refund: { tier: 2, reversible: false, workflows: [nope] }", "unknown workflow 'nope'")]
    [InlineData("pay.refund: { tier: 2, reversible: false, amount: [amount], default_currency: CHF }", "default_currency 'CHF' is not in the policy's currencies")]
    [InlineData("pay.refund: { tier: 2, reversible: false, sign: positive }", "names a currency or sign but no 'amount' parameter")]
    [InlineData("pay.refund: { tier: 2, reversible: false, amount: ['a b'] }", "must be a parameter path")]
    [InlineData("'pay refund': { tier: 2, reversible: false }", "must be a tool id or glob")]
    [InlineData("pay.refund: { tier: 2, reversible: false, sign: negative, amount: [amount] }", "sign")]
    public void A_bad_catalogue_entry_is_refused_with_its_line(string entry, string message)
    {
        var yaml = Minimal[..Minimal.IndexOf("tools:", StringComparison.Ordinal)] + "tools:\n  " + entry + "\nrules:\n  - id: never\n    when: tier > 5\n    then: { outcome: handoff }\n";
        var result = PolicyLoader.Load(yaml);
        Assert.Null(result.Policy);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
        Assert.True(error.Line > 10, $"line {error.Line}");
    }

    [Theory]
    [InlineData("authoritative_sources: [policies.example.com]", "is not an absolute URI with a host")]
    [InlineData("authoritative_sources: ['https://policies.example.com/?page=1']", "nothing else")]
    [InlineData("authoritative_sources: ['https://policies.example.com/#top']", "nothing else")]
    [InlineData("authoritative_sources: ['https://bot@policies.example.com/']", "nothing else")]
    [InlineData("authoritative_sources: { host: policies.example.com }", "authoritative_sources")]
    [InlineData("authoritative_sources: ['https://docs.example.com/wiki;space=POL/']", "no evidence URI can lie under")]
    [InlineData("authenticated_requesters_from: ['support bot']", "is not an API client id")]
    [InlineData("authenticated_requesters_from: ['']", "is not an API client id")]
    [InlineData("authenticated_requesters_from: [demo-agent, demo-agent]", "lists 'demo-agent' twice")]
    [InlineData("authenticated_requesters_from: { id: demo-agent }", "authenticated_requesters_from")]
    public void A_bad_authoritative_source_or_client_trusted_on_sign_in_is_refused(string section, string message)
    {
        var result = PolicyLoader.Load(Minimal + "\n" + section + "\n");
        Assert.Null(result.Policy);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://policies.example.com/refunds", true)]
    [InlineData("https://POLICIES.EXAMPLE.COM/refunds/v7?lang=de#window", true)]
    [InlineData("https://policies.example.com:443/refunds", true)] // the scheme's own port
    [InlineData("https://p\u043Elicies.example.com/refunds", false)] // a Cyrillic o, as an IRI
    [InlineData("https://xn--plicies-9ig.example.com/refunds", false)] // the same host in its ASCII form
    [InlineData("https://policies.example.com/refunds-old", false)]
    [InlineData("https://policies.example.com/refunds/../forum", false)]
    [InlineData("https://policies.example.com/refunds/%2e%2e/forum", false)] // a browser reads %2e%2e as ..
    [InlineData("https://policies.example.com/refunds/.%2E/forum", false)]
    [InlineData("https://policies.example.com/refunds/..%2Fforum", false)]
    [InlineData("https://policies.example.com/refunds/..%5Cforum", false)]
    [InlineData("https://policies.example.com/refunds/..;/forum", false)]
    [InlineData("https://policies.example.com/refunds\\..\\forum", false)]
    [InlineData("https://policies.example.com/refunds/%252e%252e/forum", false)] // %2e%2e to a server that decodes twice
    [InlineData("https://policies.example.com/refunds/..%3B/forum", false)]
    [InlineData("https://policies.example.com/refunds/%2e%2e%00/forum", false)]
    [InlineData("https://policies.example.com/refunds/a%09b", false)] // a tab
    [InlineData("https://policies.example.com/refunds/r14/terms", true)]
    [InlineData("https://policies.example.com/Refunds", false)] // paths are case-sensitive
    [InlineData("https://policies.example.com@forum.example/refunds", false)]
    [InlineData("/refunds", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("https://b\u00FCcher.example/any", true)] // listed in its Unicode form, sent as an IRI
    [InlineData("https://xn--bcher-kva.example/any", true)] // and in its ASCII form
    public void A_source_is_listed_by_scheme_host_port_and_path_prefix(string? uri, bool listed)
    {
        var sources = Policy(Minimal + "\nauthoritative_sources: ['https://policies.example.com/refunds/', 'https://b\u00FCcher.example/']\n").AuthoritativeSources!;
        Assert.Equal(listed, sources.Lists(uri));
    }

    [Fact]
    public void Without_a_list_of_authoritative_sources_the_AI_systems_word_is_taken_and_with_one_only_listed_sources_count()
    {
        var submission = Case("ops.exact", "{}") with
        {
            Evidence =
            [
                new EvidenceItem { Id = "a", Title = "Policy", Uri = "https://policies.example.com/refunds/v7", Authority = EvidenceAuthority.Authoritative },
                new EvidenceItem { Id = "b", Title = "Forum", Uri = "https://forum.example.com/t/1", Authority = EvidenceAuthority.Authoritative },
                new EvidenceItem { Id = "c", Title = "Wiki", Uri = "https://wiki.example.com/refunds", Authority = EvidenceAuthority.Secondary },
            ],
        };
        var without = Policy(Minimal).Derive(submission, TestPolicies.Now);
        Assert.Equal(2, without.GetNumber("evidence.authoritative_count"));
        Assert.Equal(0, without.GetNumber("evidence.unlisted_authoritative_count"));

        var with = Policy(Minimal + "\nauthoritative_sources: ['https://policies.example.com/refunds']\n").Derive(submission, TestPolicies.Now);
        Assert.Equal(1, with.GetNumber("evidence.authoritative_count"));
        Assert.Equal(1.0 / 3, with.GetNumber("evidence.authoritative_ratio"));
        Assert.Equal(1, with.GetNumber("evidence.unlisted_authoritative_count"));

        var none = Policy(Minimal + "\nauthoritative_sources: []\n").Derive(submission, TestPolicies.Now);
        Assert.Equal(0, none.GetNumber("evidence.authoritative_count"));
        Assert.Equal(2, none.GetNumber("evidence.unlisted_authoritative_count"));
    }

    [Fact]
    public void A_requester_counts_as_authenticated_only_when_a_client_the_policy_lists_says_so()
    {
        var signedIn = Case("ops.exact", "{}") with { Requester = new Requester("u-1", "customer", true) };
        var notSignedIn = signedIn with { Requester = new Requester("u-1", "customer", false) };
        bool Authenticated(CompiledPolicy policy, CaseSubmission c, string? client) => policy.Derive(c, TestPolicies.Now, client).GetBoolean("requester.authenticated") == true;

        // Without the list every client's word is taken, as before.
        var without = Policy(Minimal);
        Assert.True(Authenticated(without, signedIn, "public-web-widget"));
        Assert.False(Authenticated(without, notSignedIn, "support-bot"));

        var with = Policy(Minimal + "\nauthenticated_requesters_from: [support-bot]\n");
        Assert.True(Authenticated(with, signedIn, "support-bot"));
        Assert.False(Authenticated(with, signedIn, "public-web-widget"));
        Assert.False(Authenticated(with, signedIn, "Support-Bot")); // ids are exact, as API keys name them
        Assert.False(Authenticated(with, notSignedIn, "support-bot")); // a listed client saying "not signed in" is believed too
        Assert.True(Authenticated(with, signedIn, null)); // outside any client (a scenario without one): the submission's word

        var nobody = Policy(Minimal + "\nauthenticated_requesters_from: []\n");
        Assert.False(Authenticated(nobody, signedIn, "support-bot"));
    }

    [Fact]
    public void A_scenario_names_the_client_that_sends_its_case()
    {
        var yaml = Minimal.Replace("  - id: never\n    when: tier > 5\n", "  - id: unverified\n    when: '!requester.authenticated'\n", StringComparison.Ordinal);
        Assert.NotEqual(Minimal, yaml);
        var policy = Policy(yaml + "\nauthenticated_requesters_from: [support-bot]\n");
        const string scenarios = """
            defaults: { case: { workflow: w, request: Where is my parcel?, response: It left the depot today., requester: { id: u-1, role: customer, authenticated: true } } }
            scenarios:
              - { name: listed, client: support-bot, expect: { release: proceed, execute: proceed } }
              - { name: unlisted, client: public-web-widget, expect: { release: handoff, execute: handoff } }
            """;
        var run = ScenarioRunner.Run(policy, scenarios, TestPolicies.Now);
        Assert.Empty(run.Errors);
        Assert.All(run.Results, r => Assert.True(r.Passed, r.Name + ": " + r.Difference));
        Assert.Equal(["support-bot", "public-web-widget"], ScenarioRunner.Read(scenarios, TestPolicies.Now).Scenarios.Select(x => x.Client));

        // A client no API key could have is a typo, not an untrusted system: the file says so instead of running it.
        var typo = ScenarioRunner.Run(policy, scenarios.Replace("client: support-bot", "client: 'support bot'", StringComparison.Ordinal), TestPolicies.Now);
        Assert.Contains("client 'support bot' is not an API client id", Assert.Single(typo.Errors).Message, StringComparison.Ordinal);
        Assert.Equal(2, typo.Results.Count);
        Assert.False(typo.Results[0].Passed);
        Assert.True(typo.Results[1].Passed);
        // A client that is no text at all is refused the same way, not run on the submission's word.
        var mapping = ScenarioRunner.Run(policy, scenarios.Replace("client: support-bot", "client: { id: support-bot }", StringComparison.Ordinal), TestPolicies.Now);
        Assert.Single(mapping.Errors);
        Assert.False(mapping.Results[0].Passed);
    }

    [Theory]
    [InlineData("currencies: { base: usd, rates: { EU: 1.1 } }", "is not an ISO 4217 code")]
    [InlineData("currencies: { base: USD, rates: { EUR: 0 } }", "must be a number above zero")]
    [InlineData("currencies: { base: USD, rates: { USD: 2 } }", "has the rate 1")]
    [InlineData("unknown_tools: { outcome: handoff, queue: nowhere }", "is not a queue")]
    [InlineData("exception_language: { patterns: ['(a'] }", "is not a regular expression")]
    public void A_bad_rate_table_unknown_tool_setting_or_pattern_is_refused(string section, string message)
    {
        var yaml = Minimal.Replace("currencies: { base: USD, rates: { EUR: 1.1, JPY: 0.007 } }", "currencies: { base: USD, rates: { EUR: 1.1, JPY: 0.007 } }", StringComparison.Ordinal);
        yaml = section.StartsWith("currencies", StringComparison.Ordinal)
            ? yaml.Replace("currencies: { base: USD, rates: { EUR: 1.1, JPY: 0.007 } }", section, StringComparison.Ordinal).Replace("default_currency: USD, ", "", StringComparison.Ordinal)
            : yaml + "\n" + section + "\n";
        var result = PolicyLoader.Load(yaml);
        Assert.Null(result.Policy);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_day_in_a_business_hours_sla_is_one_business_day()
    {
        // policy-legal: handoff 1d on 09:00–17:00 Europe/Berlin. Monday 10:00 in Berlin is due Tuesday 10:00, not Thursday.
        var legal = TestPolicies.Default.FindQueue("policy-legal")!;
        var monday10 = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero); // 10:00 CET
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), legal.DueAt(SlaKind.Handoff, CasePriority.Normal, monday10));
        // Friday 16:00 in Berlin: one business day later is Monday 16:00.
        var friday16 = new DateTimeOffset(2026, 11, 27, 15, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 15, 0, 0, TimeSpan.Zero), legal.DueAt(SlaKind.Handoff, CasePriority.Normal, friday16));
        // Hours stay business hours: await_approval 8h is the same one business day.
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), legal.DueAt(SlaKind.AwaitApproval, CasePriority.Normal, monday10));
    }

    [Fact]
    public void A_day_on_a_round_the_clock_queue_is_24_hours()
    {
        var finance = TestPolicies.Default.FindQueue("finance")!;
        Assert.Equal(TimeSpan.FromDays(1), finance.SlaFor(SlaKind.InfoReply, CasePriority.Normal));
    }
}
