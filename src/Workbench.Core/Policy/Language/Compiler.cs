using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;
using Workbench.Core.Policy.Signals;

namespace Workbench.Core.Policy.Language;

/// <summary>A rule's compiled condition, and the slots it reads (for the trace).</summary>
internal sealed record CompiledCondition(Func<SignalFrame, bool> Predicate, IReadOnlyList<(string Path, int Slot)> Reads);

/// <summary>Type-checks an expression against a <see cref="SignalCatalog"/> and compiles it to a delegate.</summary>
internal sealed class Compiler
{
    /// <summary>
    /// How long one `matches` may run; NonBacktracking makes it linear anyway (microseconds on the 32 KiB a request may
    /// hold), this is the belt to those braces. A timeout counts as a match, so it must never fire from a starved CPU
    /// alone: at 50 ms it did on an overloaded 2-core machine (the lazily built matcher's first match), escalating
    /// harmless requests as BRAND_RISK. One second only fires on a real runaway.
    /// </summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    private static readonly FieldInfo NumbersField = typeof(SignalFrame).GetField(nameof(SignalFrame.Numbers), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo BoolsField = typeof(SignalFrame).GetField(nameof(SignalFrame.Bools), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo StringsField = typeof(SignalFrame).GetField(nameof(SignalFrame.Strings), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo PresentField = typeof(SignalFrame).GetField(nameof(SignalFrame.Present), BindingFlags.Instance | BindingFlags.NonPublic)!;
    // The fixed list of methods a compiled rule may call.
    private static readonly MethodInfo StringContains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string), typeof(StringComparison)])!;
    private static readonly MethodInfo RegexIsMatch = typeof(RegexSafety).GetMethod(nameof(RegexSafety.IsMatchOrTimedOut), BindingFlags.Static | BindingFlags.Public)!;
    private static readonly MethodInfo StringEquals = typeof(string).GetMethod(nameof(string.Equals), [typeof(string), typeof(string), typeof(StringComparison)])!;

    private readonly SignalCatalog _catalog;
    private readonly ParameterExpression _frame = Expression.Parameter(typeof(SignalFrame), "f");
    private readonly List<(string Path, int Slot)> _read = [];

    private Compiler(SignalCatalog catalog) => _catalog = catalog;

    /// <summary>Parses, checks and compiles; throws <see cref="ExpressionException"/> with the offset of the first error.</summary>
    public static CompiledCondition Compile(string text, SignalCatalog catalog)
    {
        var node = Parser.Parse(text);
        var compiler = new Compiler(catalog);
        var typed = compiler.Emit(node);
        if (typed.Type != SignalType.Boolean)
        {
            throw new ExpressionException(node.Offset, $"a rule condition must be boolean, not {Name(typed.Type)}");
        }
        var body = AsCondition(typed);
        var lambda = Expression.Lambda<Func<SignalFrame, bool>>(body, compiler._frame);
        return new CompiledCondition(lambda.Compile(), compiler._read);
    }

    /// <summary>An emitted sub-expression: its value, and whether it is present (null = always present).</summary>
    private readonly record struct Typed(SignalType Type, Expression Value, Expression? Present);

    private static Expression AsCondition(Typed t) => t.Present is null ? t.Value : Expression.AndAlso(t.Present, t.Value);

    private static Expression? BothPresent(Expression? a, Expression? b) => a is null ? b : b is null ? a : Expression.AndAlso(a, b);

    private static string Name(SignalType t) => t switch
    {
        SignalType.Number => "number",
        SignalType.Boolean => "boolean",
        _ => "string",
    };

    private Typed Emit(Node node)
    {
        switch (node)
        {
            case NumberLiteral n:
                return new Typed(SignalType.Number, Expression.Constant(n.Value), null);
            case StringLiteral s:
                return new Typed(SignalType.String, Expression.Constant(s.Value, typeof(string)), null);
            case BoolLiteral b:
                return new Typed(SignalType.Boolean, Expression.Constant(b.Value), null);
            case PathNode p:
                return EmitPath(p);
            case HasNode h:
                var inner = EmitPath(h.Path);
                return new Typed(SignalType.Boolean, inner.Present ?? Expression.Constant(true), null);
            case UnaryNode { Op: TokenKind.Not } u:
                var operand = Require(Emit(u.Operand), SignalType.Boolean, u.Operand, "'!'");
                return new Typed(SignalType.Boolean, Expression.Not(AsCondition(operand)), null);
            case UnaryNode { Op: TokenKind.Minus } m:
                var neg = Require(Emit(m.Operand), SignalType.Number, m.Operand, "'-'");
                return new Typed(SignalType.Number, Expression.Negate(neg.Value), neg.Present);
            case CoalesceNode c:
                return EmitCoalesce(c);
            case InNode i:
                return EmitIn(i);
            case BinaryNode b:
                return EmitBinary(b);
            default:
                throw new ExpressionException(node.Offset, "unsupported expression");
        }
    }

    private Typed EmitPath(PathNode p)
    {
        if (!_catalog.TryResolve(p.Path, out var d))
        {
            var hint = p.Path.StartsWith("signals.", StringComparison.Ordinal)
                ? " (declare client signals in the policy's 'signals:' section)"
                : "";
            throw new ExpressionException(p.Offset, $"unknown signal or field '{p.Path}'{hint}");
        }
        if (!_read.Contains((p.Path, d.Slot)))
        {
            _read.Add((p.Path, d.Slot));
        }
        var slot = Expression.Constant(d.Slot);
        Expression present = Expression.ArrayIndex(Expression.Field(_frame, PresentField), slot);
        var value = d.Type switch
        {
            SignalType.Number => Expression.ArrayIndex(Expression.Field(_frame, NumbersField), slot),
            SignalType.Boolean => Expression.ArrayIndex(Expression.Field(_frame, BoolsField), slot),
            _ => Expression.ArrayIndex(Expression.Field(_frame, StringsField), slot),
        };
        return new Typed(d.Type, value, present);
    }

    private Typed EmitCoalesce(CoalesceNode c)
    {
        var left = Emit(c.Left);
        var fallback = Emit(c.Default);
        if (left.Type != fallback.Type)
        {
            throw new ExpressionException(c.Default.Offset, $"'??' needs a {Name(left.Type)} default, not a {Name(fallback.Type)}");
        }
        if (left.Present is null)
        {
            return left;
        }
        return new Typed(left.Type, Expression.Condition(left.Present, left.Value, fallback.Value), null);
    }

    private Typed EmitIn(InNode node)
    {
        var left = Emit(node.Left);
        if (left.Type == SignalType.Boolean)
        {
            throw new ExpressionException(node.Offset, "'in' needs a number or a string on the left, not a boolean");
        }
        Expression? any = null;
        foreach (var item in node.Items)
        {
            var typed = Emit(item);
            if (typed.Type != left.Type)
            {
                throw new ExpressionException(item.Offset, $"the list holds a {Name(typed.Type)} but the left side is a {Name(left.Type)}");
            }
            Expression eq = left.Type == SignalType.String
                ? Expression.Call(StringEquals, left.Value, typed.Value, Expression.Constant(StringComparison.Ordinal))
                : Expression.Equal(left.Value, typed.Value);
            any = any is null ? eq : Expression.OrElse(any, eq);
        }
        return new Typed(SignalType.Boolean, any!, left.Present);
    }

    private Typed EmitBinary(BinaryNode b)
    {
        switch (b.Op)
        {
            case TokenKind.AndAnd or TokenKind.OrOr:
            {
                var l = AsCondition(Require(Emit(b.Left), SignalType.Boolean, b.Left, Op(b.Op)));
                var r = AsCondition(Require(Emit(b.Right), SignalType.Boolean, b.Right, Op(b.Op)));
                return new Typed(SignalType.Boolean, b.Op == TokenKind.AndAnd ? Expression.AndAlso(l, r) : Expression.OrElse(l, r), null);
            }
            case TokenKind.Plus or TokenKind.Minus or TokenKind.Star or TokenKind.Slash or TokenKind.Percent:
            {
                var l = Require(Emit(b.Left), SignalType.Number, b.Left, Op(b.Op));
                var r = Require(Emit(b.Right), SignalType.Number, b.Right, Op(b.Op));
                Expression value = b.Op switch
                {
                    TokenKind.Plus => Expression.Add(l.Value, r.Value),
                    TokenKind.Minus => Expression.Subtract(l.Value, r.Value),
                    TokenKind.Star => Expression.Multiply(l.Value, r.Value),
                    TokenKind.Slash => Expression.Divide(l.Value, r.Value),
                    _ => Expression.Modulo(l.Value, r.Value),
                };
                return new Typed(SignalType.Number, value, BothPresent(l.Present, r.Present));
            }
            case TokenKind.Less or TokenKind.LessEqual or TokenKind.Greater or TokenKind.GreaterEqual:
            {
                var l = Require(Emit(b.Left), SignalType.Number, b.Left, Op(b.Op));
                var r = Require(Emit(b.Right), SignalType.Number, b.Right, Op(b.Op));
                Expression value = b.Op switch
                {
                    TokenKind.Less => Expression.LessThan(l.Value, r.Value),
                    TokenKind.LessEqual => Expression.LessThanOrEqual(l.Value, r.Value),
                    TokenKind.Greater => Expression.GreaterThan(l.Value, r.Value),
                    _ => Expression.GreaterThanOrEqual(l.Value, r.Value),
                };
                return new Typed(SignalType.Boolean, value, BothPresent(l.Present, r.Present));
            }
            case TokenKind.Equal or TokenKind.NotEqual:
            {
                var l = Emit(b.Left);
                var r = Emit(b.Right);
                if (l.Type != r.Type)
                {
                    throw new ExpressionException(b.Offset, $"cannot compare a {Name(l.Type)} with a {Name(r.Type)}");
                }
                Expression eq = l.Type == SignalType.String
                    ? Expression.Call(StringEquals, l.Value, r.Value, Expression.Constant(StringComparison.Ordinal))
                    : Expression.Equal(l.Value, r.Value);
                return new Typed(SignalType.Boolean, b.Op == TokenKind.Equal ? eq : Expression.Not(eq), BothPresent(l.Present, r.Present));
            }
            case TokenKind.Contains:
            {
                var l = Require(Emit(b.Left), SignalType.String, b.Left, "'contains'");
                var needle = ((StringLiteral)b.Right).Value;
                return new Typed(SignalType.Boolean,
                    Expression.Call(l.Value, StringContains, Expression.Constant(needle), Expression.Constant(StringComparison.OrdinalIgnoreCase)),
                    NotNull(l));
            }
            case TokenKind.Matches:
            {
                var l = Require(Emit(b.Left), SignalType.String, b.Left, "'matches'");
                var regex = BuildRegex((StringLiteral)b.Right);
                return new Typed(SignalType.Boolean, Expression.Call(RegexIsMatch, Expression.Constant(regex), l.Value), NotNull(l));
            }
            default:
                throw new ExpressionException(b.Offset, "unsupported operator");
        }
    }

    // A string literal is never null; a present string slot is never null either, but guard so a bad frame cannot throw.
    private static Expression NotNull(Typed t)
    {
        var notNull = Expression.NotEqual(t.Value, Expression.Constant(null, typeof(string)));
        return t.Present is null ? notNull : Expression.AndAlso(t.Present, notNull);
    }

    private static Regex BuildRegex(StringLiteral literal)
    {
        if (RegexSafety.FindCatastrophicConstruct(literal.Value) is { } problem)
        {
            throw new ExpressionException(literal.Offset, $"regex \"{literal.Value}\" is refused: {problem}");
        }
        try
        {
            return new Regex(literal.Value, RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new ExpressionException(literal.Offset, $"regex \"{literal.Value}\" is invalid: {e.Message}");
        }
    }

    private static Typed Require(Typed t, SignalType type, Node node, string op)
    {
        if (t.Type != type)
        {
            throw new ExpressionException(node.Offset, $"{op} needs a {Name(type)} here, not a {Name(t.Type)}");
        }
        return t;
    }

    private static string Op(TokenKind kind) => kind switch
    {
        TokenKind.AndAnd => "'&&'",
        TokenKind.OrOr => "'||'",
        TokenKind.Plus => "'+'",
        TokenKind.Minus => "'-'",
        TokenKind.Star => "'*'",
        TokenKind.Slash => "'/'",
        TokenKind.Percent => "'%'",
        TokenKind.Less => "'<'",
        TokenKind.LessEqual => "'<='",
        TokenKind.Greater => "'>'",
        _ => "'>='",
    };
}

/// <summary>
/// Refuses regexes whose shape is exponential under a backtracking engine: a group with an unbounded quantifier
/// inside that is itself repeated without bound, like <c>(a+)+</c> or <c>(x*y*)*</c>. Rules run with
/// RegexOptions.NonBacktracking, so such a pattern would not hang here, but a policy is also read and copied by
/// people and tools that do backtrack; refusing it at load is the clearer contract.
/// </summary>
internal static class RegexSafety
{
    /// <summary>
    /// A match that runs out of time counts as a match: escalating is the safe side of a rule that could not be
    /// decided. (Linear-time NonBacktracking makes this a belt-and-braces case on very long texts.)
    /// </summary>
    public static bool IsMatchOrTimedOut(Regex regex, string input)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            return true;
        }
    }

    public static string? FindCatastrophicConstruct(string pattern)
    {
        // For each open group: does it contain an unbounded quantifier?
        var stack = new Stack<bool>();
        var i = 0;
        var lastGroupHadUnbounded = false;
        var lastWasGroupClose = false;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                i += 2;
                lastWasGroupClose = false;
                continue;
            }
            if (c == '[')
            {
                i = SkipClass(pattern, i);
                lastWasGroupClose = false;
                continue;
            }
            if (c == '(')
            {
                stack.Push(false);
                i++;
                lastWasGroupClose = false;
                continue;
            }
            if (c == ')')
            {
                lastGroupHadUnbounded = stack.Count > 0 && stack.Pop();
                if (lastGroupHadUnbounded && stack.Count > 0)
                {
                    // The inner repetition makes the enclosing group ambiguous too.
                    stack.Pop();
                    stack.Push(true);
                }
                lastWasGroupClose = true;
                i++;
                continue;
            }
            var unbounded = IsUnboundedQuantifier(pattern, i, out var length);
            if (unbounded)
            {
                if (lastWasGroupClose && lastGroupHadUnbounded)
                {
                    return $"nested unbounded quantifier at position {i + 1} (e.g. (a+)+) can take exponential time";
                }
                if (stack.Count > 0)
                {
                    stack.Pop();
                    stack.Push(true);
                }
                i += length;
                lastWasGroupClose = false;
                continue;
            }
            lastWasGroupClose = false;
            i++;
        }
        return null;
    }

    private static bool IsUnboundedQuantifier(string p, int i, out int length)
    {
        length = 1;
        if (p[i] is '*' or '+')
        {
            if (i + 1 < p.Length && p[i + 1] is '?' or '+')
            {
                length = 2;
            }
            return true;
        }
        if (p[i] == '{')
        {
            var close = p.IndexOf('}', i);
            if (close > i && p[(i + 1)..close] is var body && body.EndsWith(',') && body.TrimEnd(',').All(char.IsAsciiDigit))
            {
                length = close - i + 1;
                return true;
            }
        }
        return false;
    }

    private static int SkipClass(string p, int i)
    {
        i++;
        if (i < p.Length && p[i] == '^')
        {
            i++;
        }
        if (i < p.Length && p[i] == ']')
        {
            i++;
        }
        while (i < p.Length && p[i] != ']')
        {
            i += p[i] == '\\' ? 2 : 1;
        }
        return i + 1;
    }
}
