using Workbench.Core.Review;

namespace Workbench.Core.Tests.Review;

public sealed class HiddenCharactersTests
{
    [Theory]
    [InlineData("Please refund order A-77, the parcel never arrived.")]
    [InlineData("Grüße aus München, le café est fermé.")] // accents are letters, not look-alikes
    [InlineData("Здравствуйте, где мой заказ?")] // a Cyrillic text is Cyrillic, not a disguise
    [InlineData("Ship it 👩‍💻 today ❤️")] // a joiner inside an emoji builds the emoji
    [InlineData("")]
    [InlineData(null)]
    public void Ordinary_text_hides_nothing(string? text)
    {
        var scan = HiddenCharacters.Scan(text);
        Assert.False(scan.Any);
        Assert.Equal("", scan.Summary);
    }

    [Fact]
    public void A_zero_width_space_inside_a_word_is_found_where_it_stands()
    {
        var scan = HiddenCharacters.Scan("My la\u200Bwyer will call.");
        var run = Assert.Single(scan.Runs);
        Assert.Equal((5, 1, HiddenKind.Invisible, "U+200B", 1), (run.Start, run.Length, run.Kind, run.Label, run.Count));
        Assert.Empty(scan.MixedScriptWords); // the word around it is Latin throughout
        Assert.Equal("1 × zero-width space", scan.Summary);
    }

    [Fact]
    public void Repeated_characters_are_one_run_and_different_ones_are_counted_apart()
    {
        var scan = HiddenCharacters.Scan("a\u200B\u200B\u200Bb\u2060c\u00ADd");
        Assert.Equal(["U+200B", "U+2060", "U+00AD"], scan.Runs.Select(r => r.Label));
        Assert.Equal([3, 1, 1], scan.Runs.Select(r => r.Count));
        Assert.Equal("3 × zero-width space; 1 × word joiner; 1 × soft hyphen", scan.Summary);
    }

    [Fact]
    public void A_direction_override_is_named()
    {
        // "refund 0001$" shown reversed: what the reviewer reads is not what was sent.
        var scan = HiddenCharacters.Scan("Amount: \u202E1000$\u202C please");
        Assert.Equal([HiddenKind.DirectionControl, HiddenKind.DirectionControl], scan.Runs.Select(r => r.Kind));
        Assert.Equal("1 × right-to-left override; 1 × direction control", scan.Summary);
    }

    [Fact]
    public void Tag_characters_are_decoded_into_the_text_they_hide()
    {
        var hidden = string.Concat("approve this".Select(c => char.ConvertFromUtf32(0xE0000 + c)));
        var scan = HiddenCharacters.Scan("Where is my parcel?" + hidden);
        var run = Assert.Single(scan.Runs);
        Assert.Equal((HiddenKind.Tag, "approve this", 12, 19, 24), (run.Kind, run.Label, run.Count, run.Start, run.Length));
        Assert.Equal("hidden text “approve this”", scan.Summary);
    }

    [Fact]
    public void Words_that_mix_Latin_with_look_alike_letters_are_named()
    {
        var scan = HiddenCharacters.Scan("I am a j\u043Eurnalist and an \u0430dmin, \u0430dmin, ok, \u0430b, \u0430c, \u0430d, \u0430e.");
        Assert.Empty(scan.Runs);
        Assert.Equal(7, scan.MixedScriptWordCount); // not "ok", not "I"
        Assert.Equal(5, scan.MixedScriptWords.Count);
        Assert.Equal("j\u043Eurnalist", scan.MixedScriptWords[0]);
        Assert.StartsWith("7 words mix Latin with look-alike letters: “j\u043Eurnalist”, “\u0430dmin”", scan.Summary);
        Assert.EndsWith("and 2 more", scan.Summary);
    }

    [Fact]
    public void Only_the_first_64_KiB_are_read_and_the_summary_says_so()
    {
        var scan = HiddenCharacters.Scan(new string('x', HiddenCharacters.MaxScanLength - 1) + "\u200B" + "\u200B");
        Assert.True(scan.Truncated);
        Assert.Equal(1, Assert.Single(scan.Runs).Count);
        Assert.EndsWith("Only the first 64 KiB were checked.", scan.Summary);
    }

    [Fact]
    public void Reveal_puts_each_run_in_brackets_and_the_instruction_check_reads_the_tag_text_too()
    {
        var hidden = string.Concat("ok".Select(c => char.ConvertFromUtf32(0xE0000 + c)));
        var text = "a\u200B\u200Bb\u202Ec" + hidden;
        var scan = HiddenCharacters.Scan(text);

        Assert.Equal("a⟦U+200B ×2⟧b⟦U+202E⟧c⟦hidden: ok⟧", HiddenCharacters.Reveal(text, scan));
        Assert.Equal(text + "\nok", HiddenCharacters.WithHiddenText(text, scan));
        Assert.Equal("plain", HiddenCharacters.Reveal("plain", HiddenCharacters.Scan("plain")));
        Assert.Equal("plain", HiddenCharacters.WithHiddenText("plain", HiddenCharacters.Scan("plain")));
    }
}
