using System.Text;
using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Review;

namespace Workbench.Core.Tests.Review;

public class WordDiffTests
{
    private static string Before(IEnumerable<DiffSegment> segments) =>
        string.Concat(segments.Where(s => s.Kind != DiffKind.Inserted).Select(s => s.Text));

    private static string After(IEnumerable<DiffSegment> segments) =>
        string.Concat(segments.Where(s => s.Kind != DiffKind.Deleted).Select(s => s.Text));

    private static void AssertExact(string before, string after)
    {
        var segments = WordDiff.Compute(before, after);
        Assert.Equal(before, Before(segments));
        Assert.Equal(after, After(segments));
        Assert.All(segments, s => Assert.NotEmpty(s.Text));
        for (var i = 1; i < segments.Count; i++)
        {
            Assert.NotEqual(segments[i - 1].Kind, segments[i].Kind);
        }
    }

    public static TheoryData<string, string> Pairs => new()
    {
        { "", "" },
        { "", "hello world" },
        { "hello world", "" },
        { "same text", "same text" },
        { "The refund is approved.", "The refund is denied." },
        { "Refund $42.10 to card ending 4242.", "Refund $42.00 to card ending 4242!" },
        { "line one\nline two\n", "line one\nline 2\nline three\n" },
        { "windows\r\nline\r\n", "windows\nline\n" },
        { "**bold** and _italic_ and `code`", "**bold**, _italic_ and ``code``" },
        { "- [ ] task\n- [x] done", "- [x] task\n- [x] done\n- [ ] new" },
        { "| a | b |\n|---|---|\n| 1 | 2 |", "| a | b |\n|---|---|\n| 1 | 3 |" },
        { "Grüße aus München", "Grüße aus Köln" },
        { "日本語のテキスト", "日本語の文章" },
        { "emoji 👍🏽 ok", "emoji 👎 ok" },
        { "naïve café", "naive cafe" },
        { "e\u0301tude", "etude" },
        { "a\u200Bb", "ab" },
        { "tabs\tand  spaces", "tabs and spaces" },
        { "   ", " " },
        { "\n\n\n", "\n" },
        { "lone \uD800 surrogate", "lone \uDC00 surrogate" },
        { "x", "y" },
        { "a b c d e f", "f e d c b a" },
        { "Dear customer, we apologise.", "Dear Ms Smith, we apologise for the delay." },
        { "<script>alert(1)</script>", "<b>hi</b>" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Equal_plus_deleted_spell_before_and_equal_plus_inserted_spell_after(string before, string after) =>
        AssertExact(before, after);

    [Fact]
    public void Random_edits_reconstruct_exactly_and_are_minimal()
    {
        var random = new Random(20261125);
        string[] vocabulary =
        [
            "refund", "the", "customer", "approve", "ünïcödé", "日本", "👍", "**", "`", "#", " ", "  ", "\n", "\r\n", "\t",
            ",", ".", "!", "-", "[", "]", "(", ")", "https://example.com", "42", "a", "b", "_x_",
        ];
        for (var round = 0; round < 400; round++)
        {
            var before = RandomText(random, vocabulary, random.Next(0, 40));
            var after = Mutate(random, vocabulary, before);
            AssertExact(before, after);

            var a = WordDiff.Tokenize(before);
            var b = WordDiff.Tokenize(after);
            var ops = WordDiff.DiffTokens(a, b, allowLineFallback: true);
            Assert.Equal(Lcs(a, b), ops.Count(o => o.Kind == DiffKind.Equal));
        }
    }

    private static string RandomText(Random random, string[] vocabulary, int count)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            sb.Append(vocabulary[random.Next(vocabulary.Length)]);
        }
        return sb.ToString();
    }

    private static string Mutate(Random random, string[] vocabulary, string text)
    {
        var chars = new StringBuilder(text);
        var edits = random.Next(0, 6);
        for (var e = 0; e < edits; e++)
        {
            var position = random.Next(chars.Length + 1);
            if (random.Next(2) == 0 && position < chars.Length)
            {
                chars.Remove(position, Math.Min(random.Next(1, 8), chars.Length - position));
            }
            else
            {
                chars.Insert(position, vocabulary[random.Next(vocabulary.Length)]);
            }
        }
        return chars.ToString();
    }

    private static int Lcs(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var table = new int[a.Count + 1, b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        {
            for (var j = 1; j <= b.Count; j++)
            {
                table[i, j] = a[i - 1] == b[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
            }
        }
        return table[a.Count, b.Count];
    }

    [Fact]
    public void Changed_word_is_one_deletion_and_one_insertion()
    {
        var segments = WordDiff.Compute("The refund is approved.", "The refund is denied.");
        Assert.Equal(
            [
                new DiffSegment(DiffKind.Equal, "The refund is "),
                new DiffSegment(DiffKind.Deleted, "approved"),
                new DiffSegment(DiffKind.Inserted, "denied"),
                new DiffSegment(DiffKind.Equal, "."),
            ],
            segments);
    }

    [Fact]
    public void Words_are_whole_tokens_not_characters()
    {
        var segments = WordDiff.Compute("approve", "approved");
        Assert.Equal([new DiffSegment(DiffKind.Deleted, "approve"), new DiffSegment(DiffKind.Inserted, "approved")], segments);
    }

    [Fact]
    public void Whitespace_between_two_changes_joins_them_into_one_replacement()
    {
        var segments = WordDiff.Compute("We send the quick brown fox today", "We send a slow red dog today");
        Assert.Equal(
            [
                new DiffSegment(DiffKind.Equal, "We send "),
                new DiffSegment(DiffKind.Deleted, "the quick brown fox"),
                new DiffSegment(DiffKind.Inserted, "a slow red dog"),
                new DiffSegment(DiffKind.Equal, " today"),
            ],
            segments);
    }

    [Fact]
    public void Pure_insertion_and_pure_deletion()
    {
        Assert.Equal(
            [new DiffSegment(DiffKind.Equal, "Hello "), new DiffSegment(DiffKind.Inserted, "dear "), new DiffSegment(DiffKind.Equal, "world")],
            WordDiff.Compute("Hello world", "Hello dear world"));
        Assert.Equal(
            [new DiffSegment(DiffKind.Equal, "Hello "), new DiffSegment(DiffKind.Deleted, "dear "), new DiffSegment(DiffKind.Equal, "world")],
            WordDiff.Compute("Hello dear world", "Hello world"));
    }

    [Fact]
    public void Empty_inputs()
    {
        Assert.Empty(WordDiff.Compute("", ""));
        Assert.Equal([new DiffSegment(DiffKind.Inserted, "new text")], WordDiff.Compute("", "new text"));
        Assert.Equal([new DiffSegment(DiffKind.Deleted, "old text")], WordDiff.Compute("old text", ""));
        Assert.Equal([new DiffSegment(DiffKind.Equal, "same")], WordDiff.Compute("same", "same"));
    }

    [Fact]
    public void Null_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => WordDiff.Compute(null!, ""));
        Assert.Throws<ArgumentNullException>(() => WordDiff.Compute("", null!));
    }

    [Fact]
    public void Tokens_keep_words_whitespace_and_punctuation_apart()
    {
        Assert.Equal(["Hello", ",", " ", "wörld", "!", "\r\n", "x_y", "  ", "42", "👍"], WordDiff.Tokenize("Hello, wörld!\r\nx_y  42👍"));
        Assert.Equal(["e\u0301tude"], WordDiff.Tokenize("e\u0301tude"));
    }

    [Fact]
    public void Summary_counts_words_not_characters_or_punctuation()
    {
        DiffSegment[] segments =
        [
            new(DiffKind.Equal, "We will refund "),
            new(DiffKind.Deleted, "the full"),
            new(DiffKind.Inserted, "half of the"),
            new(DiffKind.Equal, " amount"),
            new(DiffKind.Deleted, "."),
            new(DiffKind.Inserted, " today, sorry!"),
        ];
        Assert.Equal((5, 2), WordDiff.Summary(segments));
        Assert.Equal((1, 1), WordDiff.Summary(WordDiff.Compute("The refund is approved.", "The refund is denied!")));
        Assert.Equal((0, 0), WordDiff.Summary(WordDiff.Compute("same", "same")));
        Assert.Equal((0, 0), WordDiff.Summary(WordDiff.Compute("a, b", "a; b")));
        Assert.Equal((2, 0), WordDiff.Summary([new DiffSegment(DiffKind.Inserted, "日本 語"), new DiffSegment(DiffKind.Equal, "x y z")]));
    }

    [Fact]
    public void Json_shape_is_stable_with_snake_case_kinds()
    {
        var segments = WordDiff.Compute("a b", "a c");
        var json = JsonSerializer.Serialize(segments, WorkbenchJson.Options);
        Assert.Equal("""[{"kind":"equal","text":"a "},{"kind":"deleted","text":"b"},{"kind":"inserted","text":"c"}]""", json);
        var back = JsonSerializer.Deserialize<List<DiffSegment>>(json, WorkbenchJson.Options);
        Assert.Equal(segments, back);
    }

    [Fact]
    public void Large_rewrites_fall_back_to_lines_and_stay_exact()
    {
        var random = new Random(7);
        var before = string.Join("\n", Enumerable.Range(0, 3_000).Select(i => $"line {i} {random.Next()} alpha beta gamma"));
        var after = string.Join("\n", Enumerable.Range(0, 3_000).Select(i => i % 3 == 0 ? $"line {i} {random.Next()} delta" : before.Split('\n')[i]));
        var segments = WordDiff.Compute(before, after);
        Assert.Equal(before, Before(segments));
        Assert.Equal(after, After(segments));
        // Unchanged lines are still found as equal text.
        Assert.Contains(segments, s => s.Kind == DiffKind.Equal && s.Text.Contains("line 1 ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_huge_single_line_rewrite_falls_back_to_prefix_and_suffix_and_stays_exact()
    {
        var random = new Random(11);
        var words = Enumerable.Range(0, 20_000).Select(_ => random.Next(1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var before = "START " + string.Join(' ', words) + " END";
        var after = "START " + string.Join(' ', words.Reverse()) + " END";
        var segments = WordDiff.Compute(before, after);
        Assert.Equal(before, Before(segments));
        Assert.Equal(after, After(segments));
        Assert.StartsWith("START", segments[0].Text, StringComparison.Ordinal);
        Assert.Equal(DiffKind.Equal, segments[0].Kind);
        Assert.Equal(DiffKind.Equal, segments[^1].Kind);
    }

    [Fact]
    public void Small_edit_in_a_long_text_stays_word_level()
    {
        var text = string.Join(' ', Enumerable.Range(0, 50_000).Select(i => $"w{i}"));
        var edited = text.Replace("w25000 ", "changed ", StringComparison.Ordinal);
        var segments = WordDiff.Compute(text, edited);
        Assert.Equal(4, segments.Count);
        Assert.Equal(new DiffSegment(DiffKind.Deleted, "w25000"), segments[1]);
        Assert.Equal(new DiffSegment(DiffKind.Inserted, "changed"), segments[2]);
    }
}
