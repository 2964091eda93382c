using Workbench.Core.Contracts;

namespace Workbench.Core.Cases;

/// <summary>
/// What retention removes from a closed case: every text the AI system sent or a reviewer wrote about it (request,
/// requester id, evidence titles, links and snippets, claims, the proposal, tool inputs and outputs, signals, metadata,
/// the final response and parameters). Ids, statuses, timestamps, reason codes, versions and the shape stay, so every
/// page and the reconstruction still read the case, with <see cref="Marker"/> where the text was.
/// </summary>
public static class ContentPurge
{
    public const string Marker = "[purged]";

    public static CaseSubmission Mask(CaseSubmission s) => s with
    {
        Requester = s.Requester with { Id = Marker },
        Request = Marker,
        Proposal = new Proposal(
            s.Proposal.Response is null ? null : new ResponseProposal(Marker),
            s.Proposal.Action is { } a ? new ActionProposal(a.Tool, null, a.Reversible) : null),
        Evidence = [.. s.Evidence.Select(e => e with { Title = Marker, Uri = null, Snippet = null })],
        Claims = [.. s.Claims.Select(c => c with { Text = Marker })],
        ToolTrace = [.. s.ToolTrace.Select(t => t with { Input = null, Output = null })],
        Signals = new Dictionary<string, SignalValue>(),
        Metadata = null,
    };

    public static DecisionView Mask(DecisionView d) => d with
    {
        ResponseText = d.ResponseText is null ? null : Marker,
        ActionParameters = null,
        Note = d.Note is null ? null : Marker,
    };
}
