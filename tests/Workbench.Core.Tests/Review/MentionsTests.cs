using Workbench.Core.Review;

namespace Workbench.Core.Tests.Review;

public class MentionsTests
{
    [Theory]
    [InlineData("@lena please look", new[] { "lena" })]
    [InlineData("cc @rita. and @Lena, then @rita again", new[] { "rita", "Lena" })]
    [InlineData("write to rita@example.com", new string[0])]
    [InlineData("(@mia) and @felix-", new[] { "mia", "felix" })]
    [InlineData("@@ and @ alone", new string[0])]
    public void Names_after_an_at_sign_each_once_without_sentence_punctuation(string text, string[] expected)
    {
        Assert.Equal(expected, Mentions.In(text));
    }
}
