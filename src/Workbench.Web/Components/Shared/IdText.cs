using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Workbench.Web.Components.Shared;

/// <summary>
/// An id to be cut, when its box is too narrow, in its middle rather than at its end: its head gives way with an
/// ellipsis (<c>.wb-id-head</c>) and its last characters stay (<c>.wb-id-tail</c>), because that is where ids of one
/// AI system differ (a counter, a date, a random suffix) while their heads repeat. The text is the id as it is, with
/// nothing between the two parts; the box sets the width and holds the whole id in its title.
/// </summary>
public sealed class IdText : ComponentBase
{
    [Parameter, EditorRequired] public string Value { get; set; } = "";

    /// <summary>How many of the last characters always show.</summary>
    [Parameter] public int Tail { get; set; } = 10;

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        // An AI system's id is its own text: any character hidden from the reader shows in brackets where it stands.
        var value = Workbench.Core.Review.HiddenCharacters.Reveal(Value);
        if (value.Length <= 2 * Tail)
        {
            builder.AddContent(0, value);
            return;
        }
        builder.OpenElement(1, "span");
        builder.AddAttribute(2, "class", "wb-id-head");
        builder.AddContent(3, value[..^Tail]);
        builder.CloseElement();
        builder.OpenElement(4, "span");
        builder.AddAttribute(5, "class", "wb-id-tail");
        builder.AddContent(6, value[^Tail..]);
        builder.CloseElement();
    }
}
