using Workbench.Web.Auth;
using Workbench.Web.Review;

namespace Workbench.Web.Notes;

/// <summary>What routing with a note came to: the note refused (nothing routed), or each case's outcome.</summary>
public sealed record BulkRouteResult(NoteResult.Invalid? Refused, IReadOnlyList<BulkCaseOutcome> Outcomes);

/// <summary>
/// A lead routes several cases with a reason for the queue receiving them: the reason becomes an internal note on each
/// case routed (the notes feature: never sent to the AI system, audited as a purgeable text, shown inert). It is
/// checked against the receiving queue before anything is routed, so a note that would be refused routes nothing.
/// </summary>
public sealed class BulkRouteNotes(BulkReviewService bulk, NotesService notes)
{
    /// <summary>A reason for the receiving queue, not a discussion: the case page takes the longer notes.</summary>
    public const int MaxLength = 500;

    public async Task<BulkRouteResult> RouteAsync(ReviewerIdentity lead, IReadOnlyCollection<Guid> ids, string targetQueue, string? note,
        string? fromQueue = null, CancellationToken ct = default)
    {
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (note is not null)
        {
            if (note.Length > MaxLength)
            {
                return Refused($"A note for the receiving queue is at most {MaxLength} characters; write more on the case page.");
            }
            if ((await notes.CheckAsync(note, targetQueue, ct)).Refused is { } refused)
            {
                return new BulkRouteResult(refused, []);
            }
        }
        var routed = await bulk.RouteAsync(lead, ids, targetQueue, fromQueue, ct);
        if (note is null)
        {
            return new BulkRouteResult(null, routed);
        }
        var outcomes = new List<BulkCaseOutcome>();
        foreach (var o in routed)
        {
            // Routed stays routed: a note refused on one case (its texts purged meanwhile) is said next to it.
            outcomes.Add(o.Done && await notes.AddAsync(lead, o.Id, note, ct) is not NoteResult.Written
                ? o with { Reason = "Routed, but the note could not be added to this case." }
                : o);
        }
        return new BulkRouteResult(null, outcomes);
    }

    private static BulkRouteResult Refused(string message) =>
        new(new NoteResult.Invalid(new Dictionary<string, string[]> { ["$.note"] = [message] }), []);
}
