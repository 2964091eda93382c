// The policy expression language ("when" of a rule).
//
//   expr       := or
//   or         := and ( "||" and )*
//   and        := not ( "&&" not )*
//   not        := "!" not | compare
//   compare    := coalesce ( ("=="|"!="|"<"|"<="|">"|">=") coalesce
//                          | "in" "[" literal ("," literal)* "]"
//                          | "contains" string | "matches" string )?
//   coalesce   := additive ( "??" literal )?
//   additive   := mult ( ("+"|"-") mult )*
//   mult       := unary ( ("*"|"/"|"%") unary )*
//   unary      := "-" unary | primary
//   primary    := number | string | "true" | "false" | path | "has" "(" path ")" | "(" expr ")"
//   path       := ident ( "." ident )*          e.g. signals.amount, evidence.authoritative_ratio, tier
//
// Types are number, boolean and string; every path has one fixed type (see SignalCatalog) and every
// operator its operand types, checked at load. `contains` and `matches` take a string literal on the right
// (case-insensitive; `matches` is a .NET regex run with RegexOptions.NonBacktracking and a 50 ms timeout;
// a timed-out match counts as a match, so the rule errs towards escalation; nested unbounded quantifiers
// such as (a+)+ are refused at load). `in` compares exactly (ordinal for strings).
// The only "methods" a compiled rule can call are string.Contains, Regex.IsMatch and string.Equals.
//
// MISSING VALUES (the explicit rule): a signal the client did not send, or a derived value that does not
// exist for this case (e.g. evidence age when nothing is dated), is *missing*.
//   * An arithmetic result with a missing operand is missing.
//   * A comparison, `in`, `contains` or `matches` with a missing operand is false.
//   * A missing boolean read as a condition is false.
//   * `!` negates the result of the above: `!(signals.amount > 500)` is true when amount is missing.
//   * `has(path)` is true when the value is present; `path ?? literal` substitutes the literal when missing.
// An unknown path (not derived, not a field, not well known, not declared in the policy's `signals:`) is a
// load error, never a runtime "missing".
namespace Workbench.Core.Policy.Language;

internal enum TokenKind
{
    Number,
    String,
    Identifier,
    True,
    False,
    In,
    Contains,
    Matches,
    Has,
    AndAnd,
    OrOr,
    Not,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Coalesce,
    Dot,
    Comma,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Offset, double Number = 0);

/// <summary>A language error at an offset inside the expression text.</summary>
internal sealed class ExpressionException(int offset, string message) : Exception(message)
{
    public int Offset { get; } = offset;
}

internal abstract record Node(int Offset);

internal sealed record NumberLiteral(int Offset, double Value) : Node(Offset);

internal sealed record StringLiteral(int Offset, string Value) : Node(Offset);

internal sealed record BoolLiteral(int Offset, bool Value) : Node(Offset);

internal sealed record PathNode(int Offset, string Path) : Node(Offset);

internal sealed record HasNode(int Offset, PathNode Path) : Node(Offset);

internal sealed record UnaryNode(int Offset, TokenKind Op, Node Operand) : Node(Offset);

internal sealed record BinaryNode(int Offset, TokenKind Op, Node Left, Node Right) : Node(Offset);

internal sealed record InNode(int Offset, Node Left, IReadOnlyList<Node> Items) : Node(Offset);

internal sealed record CoalesceNode(int Offset, Node Left, Node Default) : Node(Offset);

internal static class Lexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            var start = i;
            if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.' || text[i] == '_'))
                {
                    i++;
                }
                var raw = text[start..i].Replace("_", "", StringComparison.Ordinal);
                if (!double.TryParse(raw, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var n))
                {
                    throw new ExpressionException(start, $"'{text[start..i]}' is not a number");
                }
                tokens.Add(new Token(TokenKind.Number, text[start..i], start, n));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }
                var word = text[start..i];
                var kind = word switch
                {
                    "true" => TokenKind.True,
                    "false" => TokenKind.False,
                    "in" => TokenKind.In,
                    "contains" => TokenKind.Contains,
                    "matches" => TokenKind.Matches,
                    "has" => TokenKind.Has,
                    "and" or "or" or "not" => throw new ExpressionException(start, $"use {(word == "and" ? "&&" : word == "or" ? "||" : "!")} instead of '{word}'"),
                    _ => TokenKind.Identifier,
                };
                tokens.Add(new Token(kind, word, start));
                continue;
            }
            if (c is '"' or '\'')
            {
                i++;
                var sb = new System.Text.StringBuilder();
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new ExpressionException(start, "unterminated string");
                    }
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        // Only the quote and the backslash are escapes; everything else (regex escapes) is kept as written.
                        var next = text[i + 1];
                        if (next == c || next == '\\')
                        {
                            sb.Append(next);
                            i += 2;
                            continue;
                        }
                        sb.Append('\\');
                        i++;
                        continue;
                    }
                    if (text[i] == c)
                    {
                        i++;
                        break;
                    }
                    sb.Append(text[i]);
                    i++;
                }
                tokens.Add(new Token(TokenKind.String, sb.ToString(), start));
                continue;
            }
            var two = i + 1 < text.Length ? text.Substring(i, 2) : "";
            var op2 = two switch
            {
                "&&" => TokenKind.AndAnd,
                "||" => TokenKind.OrOr,
                "==" => TokenKind.Equal,
                "!=" => TokenKind.NotEqual,
                "<=" => TokenKind.LessEqual,
                ">=" => TokenKind.GreaterEqual,
                "??" => TokenKind.Coalesce,
                _ => (TokenKind?)null,
            };
            if (op2 is { } k2)
            {
                tokens.Add(new Token(k2, two, start));
                i += 2;
                continue;
            }
            var op1 = c switch
            {
                '!' => TokenKind.Not,
                '<' => TokenKind.Less,
                '>' => TokenKind.Greater,
                '+' => TokenKind.Plus,
                '-' => TokenKind.Minus,
                '*' => TokenKind.Star,
                '/' => TokenKind.Slash,
                '%' => TokenKind.Percent,
                '.' => TokenKind.Dot,
                ',' => TokenKind.Comma,
                '(' => TokenKind.LeftParen,
                ')' => TokenKind.RightParen,
                '[' => TokenKind.LeftBracket,
                ']' => TokenKind.RightBracket,
                '=' => throw new ExpressionException(start, "use '==' to compare"),
                '&' => throw new ExpressionException(start, "use '&&'"),
                '|' => throw new ExpressionException(start, "use '||'"),
                _ => throw new ExpressionException(start, $"unexpected character '{c}'"),
            };
            tokens.Add(new Token(op1, c.ToString(), start));
            i++;
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length));
        return tokens;
    }
}

internal sealed class Parser
{
    private const int MaxDepth = 64;
    // Binary chains parse iteratively but compile recursively: a cap keeps a hostile policy from exhausting the stack.
    private const int MaxTokens = 1000;
    private readonly List<Token> _tokens;
    private int _pos;
    private int _depth;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Node Parse(string text)
    {
        var tokens = Lexer.Tokenize(text);
        if (tokens.Count > MaxTokens)
        {
            throw new ExpressionException(tokens[MaxTokens].Offset, $"the expression is too long (more than {MaxTokens} tokens); split the rule");
        }
        var parser = new Parser(tokens);
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw new ExpressionException(0, "the expression is empty");
        }
        var node = parser.ParseOr();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw new ExpressionException(parser.Peek.Offset, $"unexpected '{parser.Peek.Text}'");
        }
        return node;
    }

    private Token Peek => _tokens[_pos];

    private Token Next() => _tokens[_pos++];

    private Token Expect(TokenKind kind, string what)
    {
        var t = Peek;
        if (t.Kind != kind)
        {
            throw new ExpressionException(t.Offset, $"expected {what} but found {(t.Kind == TokenKind.End ? "the end" : $"'{t.Text}'")}");
        }
        return Next();
    }

    private Node ParseOr()
    {
        var left = ParseAnd();
        while (Peek.Kind == TokenKind.OrOr)
        {
            var op = Next();
            left = new BinaryNode(op.Offset, TokenKind.OrOr, left, ParseAnd());
        }
        return left;
    }

    private Node ParseAnd()
    {
        var left = ParseNot();
        while (Peek.Kind == TokenKind.AndAnd)
        {
            var op = Next();
            left = new BinaryNode(op.Offset, TokenKind.AndAnd, left, ParseNot());
        }
        return left;
    }

    private Node ParseNot()
    {
        if (Peek.Kind == TokenKind.Not)
        {
            var op = Next();
            return new UnaryNode(op.Offset, TokenKind.Not, Nested(ParseNot));
        }
        return ParseCompare();
    }

    private Node ParseCompare()
    {
        var left = ParseCoalesce();
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.LessEqual or TokenKind.Greater or TokenKind.GreaterEqual:
                Next();
                return new BinaryNode(t.Offset, t.Kind, left, ParseCoalesce());
            case TokenKind.Contains or TokenKind.Matches:
                Next();
                var s = Expect(TokenKind.String, $"a string literal after '{t.Text}'");
                return new BinaryNode(t.Offset, t.Kind, left, new StringLiteral(s.Offset, s.Text));
            case TokenKind.In:
                Next();
                Expect(TokenKind.LeftBracket, "'[' after 'in'");
                var items = new List<Node> { ParseLiteral() };
                while (Peek.Kind == TokenKind.Comma)
                {
                    Next();
                    items.Add(ParseLiteral());
                }
                Expect(TokenKind.RightBracket, "',' or ']'");
                return new InNode(t.Offset, left, items);
            default:
                return left;
        }
    }

    private Node ParseCoalesce()
    {
        var left = ParseAdditive();
        if (Peek.Kind == TokenKind.Coalesce)
        {
            var op = Next();
            return new CoalesceNode(op.Offset, left, ParseLiteral());
        }
        return left;
    }

    private Node ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Next();
            left = new BinaryNode(op.Offset, op.Kind, left, ParseMultiplicative());
        }
        return left;
    }

    private Node ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Peek.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Next();
            left = new BinaryNode(op.Offset, op.Kind, left, ParseUnary());
        }
        return left;
    }

    private Node ParseUnary()
    {
        if (Peek.Kind == TokenKind.Minus)
        {
            var op = Next();
            return new UnaryNode(op.Offset, TokenKind.Minus, Nested(ParseUnary));
        }
        return ParsePrimary();
    }

    private Node ParseLiteral()
    {
        var t = Next();
        return t.Kind switch
        {
            TokenKind.Number => new NumberLiteral(t.Offset, t.Number),
            TokenKind.Minus when Peek.Kind == TokenKind.Number => new NumberLiteral(t.Offset, -Next().Number),
            TokenKind.String => new StringLiteral(t.Offset, t.Text),
            TokenKind.True => new BoolLiteral(t.Offset, true),
            TokenKind.False => new BoolLiteral(t.Offset, false),
            _ => throw new ExpressionException(t.Offset, $"expected a literal but found {(t.Kind == TokenKind.End ? "the end" : $"'{t.Text}'")}"),
        };
    }

    private Node ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number or TokenKind.String or TokenKind.True or TokenKind.False:
                return ParseLiteral();
            case TokenKind.Identifier:
                return ParsePath();
            case TokenKind.Has:
                Next();
                Expect(TokenKind.LeftParen, "'(' after 'has'");
                var path = Peek.Kind == TokenKind.Identifier ? ParsePath() : throw new ExpressionException(Peek.Offset, "has(...) takes a signal or field path");
                Expect(TokenKind.RightParen, "')'");
                return new HasNode(t.Offset, path);
            case TokenKind.LeftParen:
                Next();
                var inner = Nested(ParseOr);
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.End:
                throw new ExpressionException(t.Offset, "the expression ends too early");
            default:
                throw new ExpressionException(t.Offset, $"unexpected '{t.Text}'");
        }
    }

    private PathNode ParsePath()
    {
        var first = Expect(TokenKind.Identifier, "a name");
        var path = first.Text;
        while (Peek.Kind == TokenKind.Dot)
        {
            Next();
            path += "." + Expect(TokenKind.Identifier, "a name after '.'").Text;
        }
        if (Peek.Kind == TokenKind.LeftParen)
        {
            throw new ExpressionException(first.Offset, $"'{path}(...)': calls are not part of the language (only has(...))");
        }
        return new PathNode(first.Offset, path);
    }

    private Node Nested(Func<Node> parse)
    {
        if (++_depth > MaxDepth)
        {
            throw new ExpressionException(Peek.Offset, "the expression nests too deeply");
        }
        try
        {
            return parse();
        }
        finally
        {
            _depth--;
        }
    }
}
