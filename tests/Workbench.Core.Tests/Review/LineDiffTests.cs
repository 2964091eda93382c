using Workbench.Core.Review;

namespace Workbench.Core.Tests.Review;

public sealed class LineDiffTests
{
    [Fact]
    public void A_changed_line_is_one_deletion_and_one_insertion_with_line_numbers()
    {
        var diff = LineDiff.Compute("a\nb\nc\n", "a\nB\nc\n");

        Assert.Equal(
            [
                new DiffLine(DiffKind.Equal, "a", 1, 1),
                new DiffLine(DiffKind.Deleted, "b", 2, null),
                new DiffLine(DiffKind.Inserted, "B", null, 2),
                new DiffLine(DiffKind.Equal, "c", 3, 3),
            ],
            diff);
    }

    [Fact]
    public void Inserted_and_removed_lines_keep_the_common_lines_equal()
    {
        var diff = LineDiff.Compute("x\ny\nz", "w\nx\nz\nq");

        Assert.Equal("w", Assert.Single(diff, d => d.Kind == DiffKind.Inserted && d.AfterLine == 1).Text);
        Assert.Equal("y", Assert.Single(diff, d => d.Kind == DiffKind.Deleted).Text);
        Assert.Equal(["x", "z"], diff.Where(d => d.Kind == DiffKind.Equal).Select(d => d.Text));
        Assert.Equal("q", diff[^1].Text);
        Assert.Equal(DiffKind.Inserted, diff[^1].Kind);
    }

    [Fact]
    public void Identical_texts_have_no_changes_and_crlf_equals_lf()
    {
        Assert.All(LineDiff.Compute("a\r\nb\r\n", "a\nb\n"), d => Assert.Equal(DiffKind.Equal, d.Kind));
    }
}
