using Workbench.Contracts;
using Workbench.Core.Learning;

namespace Workbench.Core.Tests.Learning;

public class EditMiningTests
{
    [Theory]
    [InlineData("Refund of $120.50 on 2026-11-20", "refund of ‹num› on ‹num›")]
    [InlineData("Contact jane.doe@example.com or https://example.com/help", "contact ‹email› or ‹url›")]
    [InlineData("We spoke with Maria Lopez today", "we spoke with ‹name› today")]
    [InlineData("Dear Mr. Smith, thanks", "dear ‹name›, thanks")]
    [InlineData("See KB-1042 and doc_12", "see kb-1042 and doc_12")]   // identifiers stay: they say which source
    [InlineData("Refunds   take\n 5 days.  Thanks", "refunds take ‹num› days. thanks")]
    public void Mask_hides_numbers_names_and_addresses_but_keeps_identifiers(string text, string expected)
    {
        Assert.Equal(expected, EditNormalizer.Mask(text));
    }

    [Fact]
    public void A_capitalized_word_starting_a_sentence_is_not_a_name()
    {
        Assert.Equal("please note: this is not advice.", EditNormalizer.Mask("Please note: This is not advice."));
        // In mid-sentence (context ends with a word) it is.
        Assert.Equal("‹name›", EditNormalizer.Mask("Maria", "Dear "));
        Assert.Equal("maria", EditNormalizer.Mask("Maria", "Thanks. "));
    }

    [Fact]
    public void Changes_classify_additions_removals_replacements_and_value_changes()
    {
        var added = Assert.Single(EditNormalizer.Changes("Your refund is approved.", "Your refund is approved. This is not legal advice."));
        Assert.Equal(EditChangeKind.Added, added.Kind);
        Assert.Equal("this is not legal advice.", added.Added);

        var removed = Assert.Single(EditNormalizer.Changes("We guarantee delivery tomorrow.", "We expect delivery tomorrow."));
        Assert.Equal(EditChangeKind.Replaced, removed.Kind);
        Assert.Equal(("guarantee", "expect"), (removed.Removed, removed.Added));

        var value = Assert.Single(EditNormalizer.Changes("We will refund $120 today.", "We will refund $75 today."));
        Assert.Equal(EditChangeKind.ValueChanged, value.Kind);
        Assert.Equal(("$120", "$75"), (value.RawRemoved, value.RawAdded));

        var gone = Assert.Single(EditNormalizer.Changes("Sure! We can do that for you.", "We can do that for you."));
        Assert.Equal(EditChangeKind.Removed, gone.Kind);
    }

    [Fact]
    public void Words_changed_on_both_sides_of_a_space_are_one_replacement()
    {
        var change = Assert.Single(EditNormalizer.Changes("as stated in section four of the policy", "as stated in clause nine of the policy"));
        Assert.Equal(EditChangeKind.Replaced, change.Kind);
        Assert.Equal("section four", change.Removed);
        Assert.Equal("clause nine", change.Added);
    }

    [Fact]
    public void Whitespace_and_punctuation_only_edits_are_not_changes()
    {
        Assert.Empty(EditNormalizer.Changes("Hello there", "Hello  there"));
        Assert.Empty(EditNormalizer.Changes("Hello there", "Hello there!"));
        Assert.Empty(EditNormalizer.Changes("same", "same"));
    }

    [Fact]
    public void The_same_disclaimer_added_to_different_answers_forms_one_group()
    {
        var samples = new List<EditSample>();
        for (var i = 0; i < 41; i++)
        {
            var before = $"Hi Customer{i}, your refund of ${10 + i} is on its way.";
            samples.Add(new EditSample(Guid.NewGuid(), "support.refund", before, before + " This is not legal advice."));
        }
        // Eleven cases where an amount was corrected, with different amounts each time.
        for (var i = 0; i < 11; i++)
        {
            samples.Add(new EditSample(Guid.NewGuid(), "finance.payment", $"Pay {100 + i} EUR now.", $"Pay {200 + i} EUR now.", RootCause.MissingBusinessData));
        }
        // One-off edits do not make a group.
        samples.Add(new EditSample(Guid.NewGuid(), "support.refund", "Thanks for waiting.", "Thanks for your patience."));

        var groups = EditMiner.Group(samples);

        Assert.Equal(2, groups.Count);
        var disclaimer = groups[0];
        Assert.Equal(41, disclaimer.Cases);
        Assert.Equal(EditChangeKind.Added, disclaimer.Kind);
        Assert.Equal("added “this is not legal advice.” 41 times", disclaimer.Description);
        Assert.Equal(EditMiner.ExamplesPerGroup, disclaimer.Examples.Count);
        Assert.Equal(RootCause.Prompt, disclaimer.SuggestedRootCause);
        Assert.Equal(["support.refund"], disclaimer.Workflows);

        var amount = groups[1];
        Assert.Equal(11, amount.Cases);
        Assert.Equal(EditChangeKind.ValueChanged, amount.Kind);
        Assert.Equal(RootCause.MissingBusinessData, amount.SuggestedRootCause);
        Assert.StartsWith("changed the value in", amount.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replaced_citation_is_grouped_by_which_source_and_suggests_a_retrieval_conflict()
    {
        var samples = Enumerable.Range(0, 12).Select(i => new EditSample(Guid.NewGuid(), "policy.answer",
            $"Per [KB-1042] you have {i + 10} days.", $"Per [KB-2077] you have {i + 10} days.")).ToList();
        samples.Add(new EditSample(Guid.NewGuid(), "policy.answer", "Per [KB-1042] yes.", "Per [KB-3000] yes."));

        var group = Assert.Single(EditMiner.Group(samples));

        Assert.Equal(12, group.Cases);
        Assert.Equal(EditChangeKind.Replaced, group.Kind);
        Assert.Equal(("[kb-1042]", "[kb-2077]"), (group.Removed, group.Added));
        Assert.Equal(RootCause.RetrievalConflict, group.SuggestedRootCause);
        Assert.Equal("replaced “[kb-1042]” with “[kb-2077]” 12 times", group.Description);
    }

    [Fact]
    public void Reviewers_classification_wins_when_most_of_the_group_agrees_and_a_case_counts_once()
    {
        var id = Guid.NewGuid();
        var samples = new List<EditSample>
        {
            // The same case twice (two rounds): counted once.
            new(id, "support.refund", "Okay.", "Okay. Reference attached.", RootCause.ToolFailure),
            new(id, "support.refund", "Okay.", "Okay. Reference attached.", RootCause.ToolFailure),
            new(Guid.NewGuid(), "support.refund", "Fine.", "Fine. Reference attached.", RootCause.ToolFailure),
            new(Guid.NewGuid(), "support.refund", "Good.", "Good. Reference attached."),
        };

        var group = Assert.Single(EditMiner.Group(samples));

        Assert.Equal(3, group.Cases);
        Assert.Equal(RootCause.ToolFailure, group.SuggestedRootCause);
    }
}
