using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Policy;

public class PolicyLoaderTests
{
    // Line numbers below matter: the valid base ends on line 15, test rules start on line 16.
    private const string Base = """
        version: "t1"
        workflows:
          demo:
            tier: 1
            queue: main
            autonomy: auto
        queues:
          main:
            sla: { await_approval: 1h, handoff: 2h }
        reason_codes:
          CUSTOM_CODE: { title: Custom, description: A custom code }
        rules:
          - id: big-amount
            when: signals.amount > 500
            then: { outcome: await_approval, reason: HIGH_VALUE_TRANSACTION, queue: main }

        """;

    private static PolicyError SingleError(string yaml)
    {
        var result = PolicyLoader.Load(yaml);
        Assert.Null(result.Policy);
        return Assert.Single(result.Errors);
    }

    private static PolicyError RefusedRule(string when, string then = "{ outcome: handoff }")
        => SingleError(Base + $"  - id: bad\n    when: {when}\n    then: {then}\n");

    [Fact]
    public void The_base_policy_loads()
    {
        var result = PolicyLoader.Load(Base);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal("t1", result.Policy!.Version);
        Assert.Equal(14, result.Policy.Rules[0].Line);
        Assert.Equal(11, result.Policy.Rules[0].Column);
    }

    [Fact]
    public void A_syntax_error_is_refused_with_rule_line_and_column()
    {
        var e = RefusedRule("tier > > 1");
        Assert.Equal(("bad", 17, 18), (e.RuleId, e.Line, e.Column));
        Assert.Contains("unexpected '>'", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("rule 'bad', line 17, column 18:", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_signal_is_refused_with_rule_line_and_column()
    {
        var e = RefusedRule("tier > 1 && signals.mood > 2");
        Assert.Equal(("bad", 17, 23), (e.RuleId, e.Line, e.Column));
        Assert.Contains("unknown signal or field 'signals.mood'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_confidence_alone_is_refused_as_a_decisive_condition()
    {
        var e = RefusedRule("signals.model_confidence < 0.5");
        Assert.Equal(("bad", 17, 11), (e.RuleId, e.Line, e.Column));
        Assert.Contains("never decisive on its own", e.Message, StringComparison.Ordinal);
        Assert.True(PolicyLoader.Load(Base + "  - id: ok\n    when: signals.model_confidence < 0.5 && claims.ungrounded > 0\n    then: { outcome: handoff }\n").Succeeded);
    }

    [Fact]
    public void A_declared_client_signal_is_known()
    {
        var yaml = Base.Replace("workflows:", "signals:\n  mood: number\nworkflows:", StringComparison.Ordinal)
            + "  - id: moody\n    when: signals.mood > 2\n    then: { outcome: clarify }\n";
        Assert.True(PolicyLoader.Load(yaml).Succeeded);
    }

    [Fact]
    public void A_type_mismatch_is_refused_with_rule_line_and_column()
    {
        var e = RefusedRule("tier >= 1 && workflow > 3");
        Assert.Equal(("bad", 17, 24), (e.RuleId, e.Line, e.Column));
        Assert.Contains("needs a number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_rule_id_is_refused_with_line_and_column()
    {
        var e = SingleError(Base + "  - id: big-amount\n    when: tier > 2\n    then: { outcome: handoff }\n");
        Assert.Equal(("big-amount", 16, 9), (e.RuleId, e.Line, e.Column));
        Assert.Contains("duplicate rule id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_queue_is_refused_with_rule_line_and_column()
    {
        var e = RefusedRule("tier > 2", "{ outcome: handoff, queue: nowhere }");
        Assert.Equal(("bad", 18, 38), (e.RuleId, e.Line, e.Column));
        Assert.Contains("unknown queue 'nowhere'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_reason_code_is_refused_with_rule_line_and_column()
    {
        var e = RefusedRule("tier > 2", "{ outcome: handoff, reason: NOT_A_CODE }");
        Assert.Equal(("bad", 18, 39), (e.RuleId, e.Line, e.Column));
        Assert.Contains("unknown reason code 'NOT_A_CODE'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_defined_reason_code_is_known()
    {
        Assert.True(PolicyLoader.Load(Base + "  - id: custom\n    when: tier > 2\n    then: { outcome: handoff, reason: CUSTOM_CODE }\n").Succeeded);
    }

    [Fact]
    public void A_catastrophic_regex_is_refused_with_rule_line_and_column()
    {
        var e = RefusedRule("request.text matches '(a+)+$'");
        Assert.Equal(("bad", 17, 32), (e.RuleId, e.Line, e.Column));
        Assert.Contains("nested unbounded quantifier", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_expression_counts_the_quote_in_the_column()
    {
        var e = RefusedRule("'!tier'");
        Assert.Equal(("bad", 17, 13), (e.RuleId, e.Line, e.Column));
    }

    [Fact]
    public void An_error_in_a_block_expression_points_into_the_right_line()
    {
        var e = SingleError(Base + "  - id: bad\n    when: |\n      tier >= 2 &&\n        signals.nope > 1\n    then: { outcome: handoff }\n");
        Assert.Equal(("bad", 19, 9), (e.RuleId, e.Line, e.Column));
    }

    [Fact]
    public void A_yaml_syntax_error_is_refused_with_line_and_column()
    {
        var result = PolicyLoader.Load(Base + "  - id: broken\n    when: [unclosed\n");
        Assert.Null(result.Policy);
        var e = Assert.Single(result.Errors);
        Assert.Null(e.RuleId);
        Assert.True(e.Line >= 17, e.ToString());
        Assert.Contains("YAML syntax", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_and_the_policy_is_refused_whole()
    {
        var yaml = Base
            + "  - id: one\n    when: tier >\n    then: { outcome: handoff }\n"
            + "  - id: two\n    when: tier > 1\n    then: { outcome: handoff, queue: nowhere }\n"
            + "  - id: three\n    when: tier > 1\n    then: { outcome: sometimes }\n";
        var result = PolicyLoader.Load(yaml);
        Assert.Null(result.Policy);
        Assert.Equal(["one", "two", "three"], result.Errors.Select(e => e.RuleId));
    }

    [Fact]
    public void Unknown_keys_are_refused_so_typos_do_not_silently_drop_settings()
    {
        var e = RefusedRule("tier > 2", "{ outcome: handoff, queeu: main }");
        Assert.Contains("unknown key 'queeu'", e.Message, StringComparison.Ordinal);
        Assert.Equal("bad", e.RuleId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("just a string")]
    [InlineData("- a\n- b")]
    [InlineData("version: 1\nrules: 3")]
    [InlineData("{ unbalanced")]
    public void Garbage_is_refused_without_throwing(string yaml)
    {
        var result = PolicyLoader.Load(yaml);
        Assert.False(result.Succeeded);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void References_between_sections_are_checked()
    {
        var yaml = Base.Replace("queue: main\n    autonomy: auto", "queue: elsewhere\n    autonomy: sampled", StringComparison.Ordinal)
            .Replace("sla: { await_approval: 1h, handoff: 2h }", "sla: { await_approval: 1 hour }\n    escalation: nowhere", StringComparison.Ordinal);
        var messages = PolicyLoader.Load(yaml).Errors.Select(e => e.Message).ToList();
        Assert.Contains(messages, m => m.Contains("needs a known queue, not 'elsewhere'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("escalates to unknown queue 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("is not a duration", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("no spot_check_queue", StringComparison.Ordinal));
    }

    [Fact]
    public void A_question_template_may_only_name_known_fields()
    {
        var e = RefusedRule("tier > 2", "{ outcome: clarify, question: 'Hello {{requester.secret}}' }");
        Assert.Contains("unknown field 'requester.secret'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redeclaring_a_built_in_signal_is_refused()
    {
        var e = SingleError(Base.Replace("workflows:", "signals:\n  amount: number\nworkflows:", StringComparison.Ordinal));
        Assert.Contains("built in", e.Message, StringComparison.Ordinal);
        Assert.Equal((3, 3), (e.Line, e.Column));
    }
}
