using Workbench.Contracts;
using Workbench.Core.Notifications;
using Workbench.Web.Notifications;

namespace Workbench.Web.Tests.Notifications;

/// <summary>What a message about a case says of its request, whatever characters the request hides.</summary>
public sealed class NotificationTextTests
{
    private static NotificationMessage.Fact RequestFact(string preview)
    {
        var brief = new CaseBrief(Guid.NewGuid(), "ext-1", "support.refund", "finance", "HIGH_VALUE_TRANSACTION", null,
            CasePriority.High, 2, preview, CaseStatus.Queued);
        return NotificationComposer.ForCase(NotificationKinds.SlaAtRisk, brief, DateTimeOffset.UtcNow).Facts.Single(f => f.Label == "Request");
    }

    [Fact]
    public void A_message_shows_hidden_characters_of_the_request_in_brackets()
    {
        Assert.Equal("Refund ⟦U+202E⟧0001$ to my la⟦U+200B⟧wyer", RequestFact("Refund \u202E0001$ to my la\u200Bwyer").Value);
    }

    [Fact]
    public void A_long_request_is_cut_after_its_markers_are_placed()
    {
        var value = RequestFact("\u202E" + new string('x', 300)).Value;
        Assert.StartsWith("⟦U+202E⟧xxx", value);
        Assert.Equal(201, value.Length);
        Assert.EndsWith("…", value);
        Assert.Equal("Where is my parcel?", RequestFact("Where is my parcel?").Value);
    }

    [Fact]
    public void The_case_id_in_the_headline_the_text_and_the_facts_shows_its_hidden_characters()
    {
        var brief = new CaseBrief(Guid.NewGuid(), "ord\u202E-77", "support.refund", "finance", "", null, CasePriority.High, 2, "Refund me", CaseStatus.Queued);
        foreach (var kind in new[] { NotificationKinds.SlaAtRisk, NotificationKinds.Assigned, NotificationKinds.DoubleReview })
        {
            var message = NotificationComposer.ForCase(kind, brief, DateTimeOffset.UtcNow);
            Assert.Contains("ord⟦U+202E⟧-77", message.Headline, StringComparison.Ordinal);
            Assert.Contains("ord⟦U+202E⟧-77", message.What, StringComparison.Ordinal);
            Assert.Equal("ord⟦U+202E⟧-77", message.Facts.Single(f => f.Label == "Case").Value);
            Assert.DoesNotContain('\u202E', message.Headline + message.What);
        }
    }

    [Fact]
    public void An_emoji_where_the_request_is_cut_is_left_whole_or_out()
    {
        var value = RequestFact(new string('x', 199) + "\U0001F600" + new string('y', 50)).Value;
        Assert.Equal(new string('x', 199) + "…", value);
    }
}
