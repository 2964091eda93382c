using Workbench.Core.Policy.Language;
using Workbench.Core.Policy.Signals;

namespace Workbench.Core.Tests.Policy;

public class ExpressionLanguageTests
{
    private static SignalFrame Frame(params (string Path, object Value)[] values)
    {
        var frame = new SignalFrame(SignalCatalog.Default);
        foreach (var (path, value) in values)
        {
            Assert.True(SignalCatalog.Default.TryResolve(path, out var d), path);
            switch (value)
            {
                case double n:
                    frame.SetNumber(d.Slot, n);
                    break;
                case int i:
                    frame.SetNumber(d.Slot, i);
                    break;
                case bool b:
                    frame.SetBool(d.Slot, b);
                    break;
                default:
                    frame.SetString(d.Slot, (string)value);
                    break;
            }
        }
        return frame;
    }

    private static bool Eval(string expression, params (string, object)[] values)
        => Compiler.Compile(expression, SignalCatalog.Default).Predicate(Frame(values));

    private static ExpressionException Refused(string expression)
        => Assert.Throws<ExpressionException>(() => Compiler.Compile(expression, SignalCatalog.Default));

    // --- parser ---------------------------------------------------------------------------------------

    [Fact]
    public void Every_signal_sits_at_its_own_slot_so_the_trace_formats_it_as_its_type()
    {
        var catalog = TestPolicies.Default.Signals; // the built-ins and the default policy's declared client signal
        Assert.All(catalog.All.Select((d, i) => (d, i)), x => Assert.Equal(x.i, x.d.Slot));
        // The deriver writes by the slot constants: each must be the signal of its name, and the declared client
        // signal comes after every built-in one.
        Assert.Equal("workflow", catalog.All[SignalCatalog.Workflow].Path);
        Assert.Equal("requester.id", catalog.All[SignalCatalog.RequesterId].Path);
        Assert.Equal("action.parameters_text", catalog.All[SignalCatalog.ActionParametersText].Path);
        Assert.Equal("request.text_plain", catalog.All[SignalCatalog.RequestTextPlain].Path);
        Assert.Equal("signals.unlisted_authoritative_count", catalog.All[SignalCatalog.UnlistedAuthoritativeCount].Path);
        Assert.Equal("signals.customer_vip", catalog.All[SignalCatalog.BuiltInCount].Path);
        Assert.Equal(SignalCatalog.BuiltInCount + 1, catalog.SlotCount);
    }

    [Fact]
    public void And_binds_tighter_than_or()
    {
        Assert.True(Eval("true || false && false"));
        Assert.False(Eval("(true || false) && false"));
    }

    [Fact]
    public void Arithmetic_follows_the_usual_precedence()
    {
        Assert.True(Eval("1 + 2 * 3 == 7"));
        Assert.True(Eval("(1 + 2) * 3 == 9"));
        Assert.True(Eval("10 - 4 - 3 == 3"));
        Assert.True(Eval("-2 * 3 == -6"));
        Assert.True(Eval("7 % 4 == 3 && 9 / 2 == 4.5"));
    }

    [Fact]
    public void Not_applies_to_the_comparison_that_follows()
    {
        Assert.True(Eval("!(1 > 2)"));
        Assert.True(Eval("!false && true"));
    }

    [Fact]
    public void Number_literals_accept_decimals_and_digit_separators()
    {
        Assert.True(Eval("1_000.5 == 1000.5"));
    }

    [Fact]
    public void String_literals_take_either_quote_and_escape_it()
    {
        Assert.True(Eval("workflow == 'it\\'s'", ("workflow", "it's")));
        Assert.True(Eval("workflow == \"a\"", ("workflow", "a")));
    }

    [Theory]
    [InlineData("tier >", 6, "ends too early")]
    [InlineData("tier >= 3 &&", 12, "ends too early")]
    [InlineData("(tier > 1", 9, "expected ')'")]
    [InlineData("tier = 3", 5, "'=='")]
    [InlineData("tier > 3 and true", 9, "&&")]
    [InlineData("workflow == 'open", 12, "unterminated")]
    [InlineData("tier > 3 $", 9, "unexpected character")]
    [InlineData("tier 3", 5, "unexpected '3'")]
    [InlineData("", 0, "empty")]
    [InlineData("tier in [1, 2", 13, "',' or ']'")]
    public void Syntax_errors_report_the_offset(string expression, int offset, string message)
    {
        var e = Refused(expression);
        Assert.Equal(offset, e.Offset);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Very_long_expressions_are_refused_rather_than_overflowing_the_stack()
    {
        var e = Refused(string.Join(" && ", Enumerable.Repeat("tier > 1", 300)));
        Assert.Contains("too long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Method_calls_are_not_part_of_the_language()
    {
        var e = Refused("request.text.ToUpper() == 'X'");
        Assert.Contains("calls are not part of the language", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_rather_than_overflowing_the_stack()
    {
        var e = Refused(new string('(', 200) + "true" + new string(')', 200));
        Assert.Contains("nests too deeply", e.Message, StringComparison.Ordinal);
    }

    // --- type checker ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("signals.amount > 'high'", 17, "'>' needs a number")]
    [InlineData("workflow > 3", 0, "'>' needs a number")]
    [InlineData("tier == true", 5, "cannot compare a number with a boolean")]
    [InlineData("tier && true", 0, "'&&' needs a boolean")]
    [InlineData("tier + 1", 5, "must be boolean")]
    [InlineData("tier contains 'x'", 0, "'contains' needs a string")]
    [InlineData("workflow in [1, 2]", 13, "the list holds a number")]
    [InlineData("requester.authenticated in [true]", 24, "not a boolean")]
    [InlineData("(signals.amount ?? 'none') > 1", 19, "needs a number default")]
    [InlineData("!tier", 1, "'!' needs a boolean")]
    public void Type_errors_name_the_operand(string expression, int offset, string message)
    {
        var e = Refused(expression);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Unknown_signals_are_refused_with_a_hint()
    {
        var e = Refused("tier > 1 && signals.customer_mood > 3");
        Assert.Equal(12, e.Offset);
        Assert.Contains("unknown signal or field 'signals.customer_mood'", e.Message, StringComparison.Ordinal);
        Assert.Contains("signals:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_read_the_same_slot_as_the_canonical_name()
    {
        Assert.True(Eval("evidence.count == signals.evidence_count && evidence.count == 3", ("signals.evidence_count", 3)));
    }

    // --- compiler and the missing-value rule ------------------------------------------------------------

    [Fact]
    public void A_comparison_with_a_missing_signal_is_false()
    {
        Assert.False(Eval("signals.amount > 500"));
        Assert.False(Eval("signals.amount <= 500"));
        Assert.False(Eval("signals.amount == signals.amount"));
    }

    [Fact]
    public void Negating_a_comparison_with_a_missing_signal_is_true()
    {
        Assert.True(Eval("!(signals.amount > 500)"));
    }

    [Fact]
    public void Arithmetic_with_a_missing_operand_is_missing()
    {
        Assert.False(Eval("signals.amount + 1 > 0"));
        Assert.True(Eval("signals.amount + 1 > 0", ("signals.amount", 0)));
    }

    [Fact]
    public void Has_tells_whether_a_signal_is_present()
    {
        Assert.False(Eval("has(signals.intent_ambiguity)"));
        Assert.True(Eval("has(signals.intent_ambiguity)", ("signals.intent_ambiguity", 0.2)));
    }

    [Fact]
    public void Coalesce_substitutes_a_default_for_a_missing_signal()
    {
        Assert.True(Eval("(signals.model_confidence ?? 1) == 1"));
        Assert.True(Eval("(signals.model_confidence ?? 1) == 0.4", ("signals.model_confidence", 0.4)));
        Assert.True(Eval("requester.role ?? 'none' == 'none'"));
    }

    [Fact]
    public void A_missing_boolean_used_as_a_condition_is_false()
    {
        Assert.False(Eval("action.irreversible"));
        Assert.True(Eval("!action.irreversible"));
    }

    [Fact]
    public void Comparisons_on_present_values_work_at_the_boundary()
    {
        Assert.False(Eval("signals.amount > 500", ("signals.amount", 500.0)));
        Assert.True(Eval("signals.amount > 500", ("signals.amount", 500.01)));
        Assert.True(Eval("signals.amount >= 500 && signals.amount < 500.01 && signals.amount != 1", ("signals.amount", 500.0)));
    }

    [Fact]
    public void In_matches_numbers_and_strings_exactly()
    {
        Assert.True(Eval("requester.role in ['contractor', 'guest']", ("requester.role", "guest")));
        Assert.False(Eval("requester.role in ['contractor', 'guest']", ("requester.role", "Guest")));
        Assert.False(Eval("requester.role in ['contractor', 'guest']"));
        Assert.True(Eval("tier in [2, 3]", ("tier", 3)));
        Assert.True(Eval("signals.amount in [-1, 0]", ("signals.amount", -1.0)));
    }

    [Fact]
    public void Contains_is_case_insensitive_and_false_when_missing()
    {
        Assert.True(Eval("request.text contains 'REFUND'", ("request.text", "a refund please")));
        Assert.False(Eval("request.text contains 'refund'", ("request.text", "a return please")));
        Assert.False(Eval("action.tool contains 'refund'"));
    }

    [Fact]
    public void Matches_runs_a_case_insensitive_regex()
    {
        Assert.True(Eval("request.text matches '\\\\bjust this once\\\\b'", ("request.text", "Just this once, ok?")));
        Assert.True(Eval("request.text matches '^A-\\\\d{4}$'", ("request.text", "a-1001")));
        Assert.False(Eval("request.text matches '^A-\\\\d{4}$'", ("request.text", "A-10012")));
    }

    [Theory]
    [InlineData("(a+)+")]
    [InlineData("(a*)*b")]
    [InlineData("(x+y*)+$")]
    [InlineData("((ab)+)*")]
    [InlineData("(\\w+\\s?)+$")]
    [InlineData("(.*a){2,}")]
    public void Catastrophic_regexes_are_refused(string pattern)
    {
        var e = Refused($"request.text matches '{pattern.Replace("\\", "\\\\", StringComparison.Ordinal)}'");
        Assert.Contains("nested unbounded quantifier", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(ab)+")]
    [InlineData("(a|b)*c")]
    [InlineData("a+b+")]
    [InlineData("(a+){2}")]
    [InlineData("[(a+)]+")]
    [InlineData("\\(a+\\)+")]
    public void Safe_regexes_with_repetition_are_accepted(string pattern)
    {
        Compiler.Compile($"request.text matches '{pattern.Replace("\\", "\\\\", StringComparison.Ordinal)}'", SignalCatalog.Default);
    }

    [Fact]
    public void A_regex_the_non_backtracking_engine_cannot_run_is_refused()
    {
        var e = Refused("request.text matches '(a)\\\\1'");
        Assert.Contains("invalid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regex_match_that_times_out_counts_as_a_match()
    {
        // A deliberately backtracking regex: the language never builds one, but the fail-safe must hold anyway.
        var slow = new System.Text.RegularExpressions.Regex("(a+)+$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(5));
        Assert.True(RegexSafety.IsMatchOrTimedOut(slow, new string('a', 40) + "!"));
    }

    [Fact]
    public void The_compiler_records_every_path_the_rule_reads_once()
    {
        var c = Compiler.Compile("tier >= 2 && signals.amount > 500 || tier == 3 && evidence.count > 0", SignalCatalog.Default);
        Assert.Equal(["tier", "signals.amount", "evidence.count"], c.Reads.Select(r => r.Path));
    }
}
