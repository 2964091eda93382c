using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Policy.Signals;

namespace Workbench.Core.Tests.Policy;

public class SignalDeriverTests
{
    private static readonly DateTimeOffset Now = TestPolicies.Now;

    private static CaseSubmission Case(
        IReadOnlyList<EvidenceItem>? evidence = null,
        IReadOnlyList<Claim>? claims = null,
        IReadOnlyList<ToolStep>? tools = null,
        ActionProposal? action = null,
        string request = "Where is my parcel?",
        Dictionary<string, SignalValue>? signals = null) => new()
        {
            ExternalId = "x",
            Workflow = "support.faq",
            TaskType = "answer",
            RiskTier = 1,
            Requester = new Requester("u-1", null, true),
            Request = request,
            Proposal = new Proposal(new ResponseProposal("ok"), action),
            Evidence = evidence ?? [],
            Claims = claims ?? [],
            ToolTrace = tools ?? [],
            Signals = signals ?? [],
        };

    private static EvidenceItem E(string id, EvidenceAuthority authority, string? topic = null, string? version = null, double? ageDays = null) => new()
    {
        Id = id,
        Title = id,
        Authority = authority,
        Topic = topic,
        Version = version,
        PublishedAt = ageDays is { } a ? Now.AddDays(-a) : null,
    };

    private static ToolStep T(int step, string tool, ToolStepStatus status) => new() { Step = step, Tool = tool, Status = status };

    private static SignalFrame Derive(CaseSubmission c) => SignalDeriver.Derive(c, Now);

    [Theory]
    [InlineData("""{"order_id":"A-1001","amount":40}""", 0)]
    [InlineData("""{"orderId":"A-1001","Amount":"40"}""", 0)]
    [InlineData("""{"order_id":"","amount":40}""", 1)]
    [InlineData("""{"order_id":"   ","amount":null}""", 2)]
    [InlineData("""{"order_id":"\u0020\t","amount":40}""", 1)] // white space written as escapes
    [InlineData("""{"order_id":"  ","amount":40}""", 1)] // Unicode white space (no-break, em space)
    [InlineData("""{"order_id":"\u0041","amount":40}""", 0)] // an escaped letter is a value
    [InlineData("""{"order_id":"Zoë","amount":{"value":1}}""", 0)]
    [InlineData("""{"other":"x"}""", 2)]
    public void Workflow_fields_missing_counts_required_fields_without_a_value(string parameters, int missing)
    {
        using var doc = JsonDocument.Parse(parameters);
        var action = new ActionProposal("refunds.issue", doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()), true);
        var c = Case(action: action);
        var f = SignalDeriver.Derive(c, Now, SignalCatalog.Default, 1, ["order_id", "amount"],
            Workbench.Core.Policy.ActionFacts.Of(c, Workbench.Core.Policy.ActionCatalogue.Empty, new Dictionary<string, Workbench.Core.Policy.WorkflowDefinition>()),
            ExceptionLanguage.Default, null, true);
        Assert.Equal(missing, f.GetNumber("signals.workflow_fields_missing"));
    }

    [Fact]
    public void Workflow_fields_missing_reads_template_variables_too()
    {
        var c = Case() with { Proposal = new Proposal(new ResponseProposal("Refund for {{order_id}}", new Dictionary<string, string> { ["orderId"] = "A-1", ["amount"] = " " }), null) };
        var f = SignalDeriver.Derive(c, Now, SignalCatalog.Default, 1, ["order_id", "amount"],
            Workbench.Core.Policy.ActionFacts.None, ExceptionLanguage.Default, null, true);
        Assert.Equal(1, f.GetNumber("signals.workflow_fields_missing"));
    }

    [Fact]
    public void Evidence_count_and_authoritative_ratio()
    {
        var f = Derive(Case([E("a", EvidenceAuthority.Authoritative), E("b", EvidenceAuthority.Secondary), E("c", EvidenceAuthority.Unverified), E("d", EvidenceAuthority.Authoritative)]));
        Assert.Equal(4, f.GetNumber("evidence.count"));
        Assert.Equal(2, f.GetNumber("evidence.authoritative_count"));
        Assert.Equal(0.5, f.GetNumber("evidence.authoritative_ratio"));
    }

    [Fact]
    public void Authoritative_ratio_is_zero_without_evidence()
    {
        var f = Derive(Case());
        Assert.Equal(0, f.GetNumber("evidence.count"));
        Assert.Equal(0, f.GetNumber("evidence.authoritative_ratio"));
    }

    [Fact]
    public void Newest_and_oldest_evidence_age_in_days_ignore_undated_items()
    {
        var f = Derive(Case([E("a", EvidenceAuthority.Authoritative, ageDays: 3), E("b", EvidenceAuthority.Secondary), E("c", EvidenceAuthority.Secondary, ageDays: 400.5)]));
        Assert.Equal(3, f.GetNumber("evidence.newest_age_days"));
        Assert.Equal(400.5, f.GetNumber("evidence.oldest_age_days"));
    }

    [Fact]
    public void Evidence_ages_are_missing_when_nothing_is_dated()
    {
        var f = Derive(Case([E("a", EvidenceAuthority.Authoritative)]));
        Assert.False(f.IsPresent("evidence.newest_age_days"));
        Assert.False(f.IsPresent("evidence.oldest_age_days"));
        Assert.Equal("missing", f.Format(SignalCatalog.NewestEvidenceAgeDays));
    }

    [Fact]
    public void Version_conflicts_count_topics_where_authoritative_versions_differ()
    {
        var f = Derive(Case([
            E("a", EvidenceAuthority.Authoritative, "refunds", "v1"),
            E("b", EvidenceAuthority.Authoritative, "refunds", "v2"),
            E("c", EvidenceAuthority.Authoritative, "refunds", "v3"),
            E("d", EvidenceAuthority.Authoritative, "shipping", "v1"),
            E("e", EvidenceAuthority.Authoritative, "shipping", "v1"),
            E("f", EvidenceAuthority.Secondary, "warranty", "v1"),
            E("g", EvidenceAuthority.Authoritative, "warranty", "v2"),
            E("h", EvidenceAuthority.Authoritative, "returns", "v1"),
            E("i", EvidenceAuthority.Authoritative, "returns", null),
            E("j", EvidenceAuthority.Authoritative, null, "v9"),
            E("k", EvidenceAuthority.Authoritative, "privacy", "v1"),
            E("l", EvidenceAuthority.Authoritative, "PRIVACY", "v2"),
        ]));
        // refunds (3 versions) and privacy (case-insensitive topic) conflict; shipping agrees; warranty's other
        // version is secondary; returns' other item has no version; an item without topic conflicts with nothing.
        Assert.Equal(2, f.GetNumber("evidence.version_conflicts"));
    }

    [Fact]
    public void One_document_is_every_item_linked_to_it_in_whatever_order_the_items_come()
    {
        // A and B share a topic, B and C a page: one document in two versions, though A and C share nothing.
        EvidenceItem[] items =
        [
            new() { Id = "a", Title = "Refund policy", Uri = "https://policies.northwind.example/refunds", Topic = "refunds", Version = "r14", Authority = EvidenceAuthority.Authoritative },
            new() { Id = "b", Title = "Returns guide", Uri = "https://policies.northwind.example/returns", Topic = "refunds", Version = "r14", Authority = EvidenceAuthority.Authoritative },
            new() { Id = "c", Title = "Returns (EU)", Uri = "https://policies.northwind.example/returns?version=r9", Version = "r9", Authority = EvidenceAuthority.Authoritative },
        ];
        int[][] orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        foreach (var order in orders)
        {
            var evidence = order.Select(i => items[i]).ToList();
            var f = Derive(Case(evidence));
            Assert.True(f.GetNumber("evidence.version_conflicts") == 1, $"order {string.Join("", order.Select(i => items[i].Id))}");
            var marked = SignalDeriver.ConflictingVersions(evidence, null);
            Assert.Equal(["b", "c"], marked.Keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void A_tag_character_hidden_in_a_title_does_not_make_one_document_two()
    {
        // Same title as a person reads it, different pages and no topic: one document in two versions.
        var f = Derive(Case([
            new() { Id = "a", Title = "Refund policy", Uri = "https://policies.northwind.example/refunds-2025", Version = "r13", Authority = EvidenceAuthority.Authoritative },
            new() { Id = "b", Title = "Refund policy\U000E0078", Uri = "https://policies.northwind.example/refunds-2026", Version = "r14", Authority = EvidenceAuthority.Authoritative },
        ]));
        Assert.Equal(1, f.GetNumber("evidence.version_conflicts"));
    }

    [Fact]
    public void No_exception_phrase_is_read_across_the_two_readings_of_a_text_with_tags()
    {
        // As a person reads it, the request ends in "just this"; as a model reads it, it starts with "once".
        var request = "Once upon a time: just this\U000E0078";
        Assert.Equal("once upon a time just this | once upon a time just thisx", Derive(Case(request: request)).GetString("request.text_plain"));
        Assert.False(Derive(Case(request: request)).GetBoolean("request.exception_language"));
        // The same readings with nothing hidden are one.
        Assert.Equal("refund me", Derive(Case(request: "Refund me\U000E0020")).GetString("request.text_plain"));
    }

    [Fact]
    public void Ungrounded_claims_and_citation_coverage()
    {
        var f = Derive(Case(
            [E("a", EvidenceAuthority.Authoritative)],
            [new Claim("cited", ["a"]), new Claim("no ids", []), new Claim("unknown id", ["zz"]), new Claim("one of two known", ["zz", "a"])]));
        Assert.Equal(4, f.GetNumber("claims.count"));
        Assert.Equal(2, f.GetNumber("claims.ungrounded"));
        Assert.Equal(0.5, f.GetNumber("claims.citation_coverage"));
    }

    [Fact]
    public void Citation_coverage_is_full_without_claims()
    {
        Assert.Equal(1, Derive(Case()).GetNumber("claims.citation_coverage"));
    }

    [Fact]
    public void Tool_step_count_failed_and_repeated_failures()
    {
        var f = Derive(Case(tools: [
            T(1, "a", ToolStepStatus.Failed),
            T(2, "a", ToolStepStatus.TimedOut),
            T(3, "b", ToolStepStatus.Failed),
            T(4, "a", ToolStepStatus.Failed),
            T(5, "c", ToolStepStatus.Skipped),
            T(6, "c", ToolStepStatus.Succeeded),
        ]));
        Assert.Equal(6, f.GetNumber("tools.step_count"));
        Assert.Equal(4, f.GetNumber("tools.failed_steps"));
        Assert.Equal(2, f.GetNumber("tools.repeated_failures"));
        Assert.Equal(0, f.GetNumber("tools.steps_without_convergence"));
    }

    [Fact]
    public void Steps_without_convergence_count_the_trailing_unsuccessful_steps()
    {
        var f = Derive(Case(tools: [T(1, "a", ToolStepStatus.Succeeded), T(2, "b", ToolStepStatus.Failed), T(3, "c", ToolStepStatus.Skipped), T(4, "d", ToolStepStatus.TimedOut)]));
        Assert.Equal(3, f.GetNumber("tools.steps_without_convergence"));
    }

    [Fact]
    public void Irreversible_action_needs_an_action_that_is_not_reversible()
    {
        Assert.True(Derive(Case(action: new ActionProposal("wipe", null, false))).GetBoolean("action.irreversible"));
        Assert.False(Derive(Case(action: new ActionProposal("tag", null, true))).GetBoolean("action.irreversible"));
        Assert.False(Derive(Case()).GetBoolean("action.irreversible"));
        Assert.False(Derive(Case()).GetBoolean("action.present"));
    }

    [Theory]
    [InlineData("Can you override the limit?", true)]
    [InlineData("This is a special case", true)]
    [InlineData("JUST THIS ONCE please", true)]
    [InlineData("could you waive the fee", true)]
    [InlineData("Where is my parcel?", false)]
    [InlineData("", false)]
    public void Exception_language_in_the_request(string request, bool expected)
    {
        Assert.Equal(expected, Derive(Case(request: request)).GetBoolean("request.exception_language"));
    }

    [Theory]
    [InlineData("Where is my parcel?", "where is my parcel")]
    [InlineData("I'm a JOURNALIST.", "i m a journalist")]
    [InlineData("My la\u200Bwyer, on social-media", "my lawyer on social media")] // a zero-width space inside a word
    [InlineData("a j\u043Eurnalist", "a journalist")] // a Cyrillic o
    [InlineData("la\U000E0100wyer, admın, \u04CFawyer", "lawyer admin lawyer")] // a variation selector above U+FFFF, a dotless i, a palochka
    [InlineData("ad\U000E0041min \U0001D400\U0001D401", "admin ab | adamin ab")] // a tag character inside a word, read dropped and as a model reads it; mathematical bold letters
    [InlineData("Refund me\U000E0020\U000E006A\U000E0075\U000E0073\U000E0074\U000E0020\U000E006F\U000E006E\U000E0063\U000E0065", "refund me | refund me just once")] // words only a model reads
    [InlineData("My law\U000E0079\U000E0065\U000E0072!", "my law | my lawyer")] // a word split between visible letters and tags
    [InlineData("\U000E006C\U000E0061\U000E0077", "law")] // nothing visible: the model's reading alone
    [InlineData("laws\u061C\u057D\u200Dit law\u2065yer", "lawsuit lawyer")] // an Arabic letter mark, an Armenian s, a joiner, an unassigned ignorable
    [InlineData("\uFF41\uFF44\uFF4D\uFF49\uFF4E r\u00E9sum\u00E9", "admin resume")] // full-width letters, accents
    [InlineData("", "")]
    public void The_plain_request_text_is_the_request_folded_as_exception_language_is(string request, string plain)
    {
        var f = Derive(Case(request: request));
        Assert.Equal(plain, f.GetString("request.text_plain"));
        Assert.Equal(request, f.GetString("request.text")); // the request as sent stays readable as such
    }

    [Theory]
    [InlineData("contractor", "contractor")]
    [InlineData("External-Contractor", "external contractor")]
    [InlineData("con\u200Btractor", "contractor")] // a zero-width space inside the role
    [InlineData("Gu\u0435st", "guest")] // a Cyrillic e
    [InlineData("\uFF47\uFF55\uFF45\uFF53\uFF54", "guest")] // full-width letters
    [InlineData("ExternalContractor", "external contractor")] // camel case
    [InlineData("External\u200BContractor", "external contractor")] // camel case behind an invisible character
    [InlineData("GuestUser", "guest user")]
    [InlineData("Level3Guest", "level3 guest")] // a digit ends a word
    [InlineData("GUESTAccount", "guest account")] // capitals, then a capitalised word
    public void The_plain_role_is_the_role_folded_as_the_request_is(string role, string plain)
    {
        var f = Derive(Case() with { Requester = new Requester("u-1", role, true) });
        Assert.Equal(plain, f.GetString("requester.role_plain"));
        Assert.Equal(role, f.GetString("requester.role"));
    }

    [Fact]
    public void The_client_amount_signal_can_raise_the_action_amount_but_never_lower_it()
    {
        var parameters = new Dictionary<string, JsonElement> { ["amount"] = JsonDocument.Parse("250.5").RootElement };
        Assert.Equal(9999, Derive(Case(action: new ActionProposal("refund", parameters, true), signals: new() { ["amount"] = 9999 })).GetNumber("signals.amount"));
        Assert.Equal(250.5, Derive(Case(action: new ActionProposal("refund", parameters, true), signals: new() { ["amount"] = 3 })).GetNumber("signals.amount"));
    }

    [Fact]
    public void Amount_falls_back_to_the_client_signal_and_is_missing_without_either()
    {
        Assert.Equal(80, Derive(Case(signals: new() { ["amount"] = 80 })).GetNumber("signals.amount"));
        Assert.False(Derive(Case()).IsPresent("signals.amount"));
        Assert.False(Derive(Case(signals: new() { ["amount"] = true })).IsPresent("signals.amount"));
    }

    [Fact]
    public void Client_signals_never_overwrite_derived_ones_of_the_same_name_but_are_kept()
    {
        var sent = new Dictionary<string, SignalValue> { ["evidence_count"] = 42, ["exception_language"] = true, ["custom"] = 1 };
        var f = Derive(Case(signals: sent));
        Assert.Equal(0, f.GetNumber("signals.evidence_count"));
        Assert.False(f.GetBoolean("signals.exception_language"));
        Assert.Same(sent, f.ClientSignals);
    }

    [Fact]
    public void Well_known_client_signals_are_read_and_kind_mismatches_are_missing()
    {
        var f = Derive(Case(signals: new() { ["intent_ambiguity"] = 0.7, ["model_confidence"] = true, ["required_fields_missing"] = 2 }));
        Assert.Equal(0.7, f.GetNumber("signals.intent_ambiguity"));
        Assert.Equal(2, f.GetNumber("signals.required_fields_missing"));
        Assert.False(f.IsPresent("signals.model_confidence"));
    }

    [Fact]
    public void Fields_of_the_submission_are_in_the_frame()
    {
        var f = Derive(Case(action: new ActionProposal("refunds.issue", null, true)));
        Assert.Equal("support.faq", f.GetString("workflow"));
        Assert.Equal("answer", f.GetString("task_type"));
        Assert.Equal(1, f.GetNumber("tier"));
        Assert.Equal("u-1", f.GetString("requester.id"));
        Assert.False(f.IsPresent("requester.role"));
        Assert.False(f.IsPresent("requester.role_plain"));
        Assert.True(f.GetBoolean("requester.authenticated"));
        Assert.Equal("refunds.issue", f.GetString("action.tool"));
        Assert.True(f.GetBoolean("response.present"));
        Assert.Equal("Where is my parcel?", f.GetString("request.text"));
    }

    [Fact]
    public void Workflow_required_fields_are_looked_up_in_parameters_and_template_variables()
    {
        var policy = TestPolicies.Default;
        var parameters = new Dictionary<string, JsonElement> { ["invoice_id"] = JsonDocument.Parse("null").RootElement };
        var c = Case(action: new ActionProposal("billing.credit", parameters, true)) with { Workflow = "billing.refund" };
        Assert.Equal(1, policy.Derive(c, Now).GetNumber("fields.missing"));
        var withVariable = c with { Proposal = new Proposal(new ResponseProposal("x", new Dictionary<string, string> { ["invoice_id"] = "INV-1" }), c.Proposal.Action) };
        Assert.Equal(0, policy.Derive(withVariable, Now).GetNumber("fields.missing"));
    }

    [Theory]
    [InlineData("orderId", "order_id", true)]
    [InlineData("OrderId", "order_id", true)]
    [InlineData("order-id", "order_id", true)]
    [InlineData("order_id", "order_id", true)]
    [InlineData("order", "order_id", false)]
    [InlineData("orderIdentifier", "order_id", false)]
    [InlineData("border_id", "order_id", false)]
    public void Required_field_names_match_across_snake_camel_and_kebab_case(string sent, string required, bool same)
    {
        Assert.Equal(same, Workbench.Core.Policy.Signals.SignalDeriver.SameFieldName(sent, required));
    }
}
