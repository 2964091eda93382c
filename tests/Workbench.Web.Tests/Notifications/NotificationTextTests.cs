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
}
