using Workbench.Core.Review;
using Workbench.Web.Auth;
using Workbench.Web.Review;

namespace Workbench.Web.Notes;

/// <summary>
/// Internal notes on a case and the <c>@name</c> mentions in them. A note is between the people who work the case: it
/// is written to <c>case_notes</c> and to the audit chain (its text as an audit text, so retention purges it), never
/// to the decision, the outbox or anything the AI system reads. A mention names a person of the directory who may
/// open the case; a note that names anyone else is refused whole, with nothing written.
/// </summary>
public sealed class NotesService(IDbContextFactory<WorkbenchDbContext> dbFactory, ReviewerDirectory directory, DoubleReviewService blind,
    CaseEvents events, TimeProvider time)
{
    public const int MaxLength = 4096;

    public async Task<NoteResult> ListAsync(ReviewerIdentity viewer, Guid caseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await MayReadAsync(db, viewer, caseId, ct))
        {
            return new NoteResult.NotFound();
        }
        var notes = await db.CaseNotes.AsNoTracking().Include(n => n.Mentions).Where(n => n.CaseId == caseId).OrderBy(n => n.Id).ToListAsync(ct);
        return new NoteResult.Listed([.. notes.Select(View)]);
    }

    public async Task<NoteResult> AddAsync(ReviewerIdentity author, Guid caseId, string? text, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.AsNoTracking().FirstOrDefaultAsync(x => x.Id == caseId, ct);
        if (c is null || !await MayReadAsync(db, author, caseId, ct))
        {
            return new NoteResult.NotFound();
        }
        if (c.PurgedAt is not null)
        {
            return Invalid("$.text", "The case's texts were purged by retention; it takes no new notes.");
        }
        var (refused, mentioned) = await CheckAsync(text, c.Queue, ct);
        if (refused is not null)
        {
            return refused;
        }
        text = text!.Trim();

        var now = time.GetUtcNow();
        var note = new CaseNoteRecord { CaseId = caseId, Author = author.UserName, Text = text, At = now };
        note.Mentions.AddRange(mentioned.Select(m => new CaseMentionRecord { CaseId = caseId, UserName = m, At = now }));
        db.CaseNotes.Add(note);
        var role = author.IsLead ? "lead" : "reviewer";
        if (mentioned.Count > 0)
        {
            Audit.Add(db, AuditEventTypes.CaseMentioned, author.UserName, role, now, caseId, new { Mentioned = mentioned, Note = AuditFreeText.Of(text) });
        }
        else
        {
            Audit.Add(db, AuditEventTypes.CaseNoteAdded, author.UserName, role, now, caseId, new { Note = AuditFreeText.Of(text) });
        }
        await db.SaveChangesAsync(ct);
        events.Publish(new CaseEvent(mentioned.Count > 0 ? CaseEventKinds.Mentioned : CaseEventKinds.NoteAdded, caseId, c.Queue, null, c.Status, author.UserName, now));
        return new NoteResult.Written(View(note));
    }

    /// <summary>
    /// Whether a note's text may be written on a case of <paramref name="queue"/>: the refusal (the caller must show it),
    /// or none and the people it mentions. Written nowhere; a lead routing cases checks his note against the queue
    /// receiving them before he routes.
    /// </summary>
    public async Task<(NoteResult.Invalid? Refused, List<string> Mentioned)> CheckAsync(string? text, string? queue, CancellationToken ct = default)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return (Invalid("$.text", "Write the note."), []);
        }
        if (text.Length > MaxLength)
        {
            return (Invalid("$.text", $"A note is at most {MaxLength} characters."), []);
        }
        var names = Mentions.In(text);
        if (names.Count > Mentions.MaxPerNote)
        {
            return (Invalid("$.text", $"A note mentions at most {Mentions.MaxPerNote} people."), []);
        }
        var mentioned = new List<string>();
        var problems = new List<string>();
        foreach (var name in names)
        {
            var user = await directory.FindAsync(name, ct);
            if (user is null)
            {
                problems.Add($"There is nobody called @{name}: mention a colleague by user name.");
            }
            else if (!ReviewerDirectory.IdentityOf(user).MayWork(queue))
            {
                problems.Add($"@{user.UserName} does not work the queue {queue} and could not open this case: ask a lead instead.");
            }
            else
            {
                mentioned.Add(user.UserName);
            }
        }
        return problems.Count > 0 ? (new NoteResult.Invalid(new Dictionary<string, string[]> { ["$.text"] = [.. problems] }), []) : (null, mentioned);
    }

    /// <summary>The notes that mention a person, newest first, on cases he may still open.</summary>
    public async Task<IReadOnlyList<MentionView>> MentionsOfAsync(ReviewerIdentity viewer, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await (
            from m in db.CaseMentions.AsNoTracking()
            where m.UserName == viewer.UserName
            join n in db.CaseNotes on m.NoteId equals n.Id
            join c in db.Cases on m.CaseId equals c.Id
            orderby m.At descending, m.Id descending
            select new { n.Id, c.ExternalId, c.Workflow, c.Queue, n.CaseId, n.Author, n.Text, n.At })
            .Take(take * 2).ToListAsync(ct);
        return [.. rows.Where(r => viewer.MayWork(r.Queue)).Take(take)
            .Select(r => new MentionView(r.Id, r.CaseId, r.ExternalId, r.Workflow, r.Queue, r.Author, r.Text, r.At))];
    }

    /// <summary>
    /// Like the other review endpoints: a case outside the caller's queues is not found; and notes tell how the first
    /// review went, so they are withheld from someone who could still give its blind second review.
    /// </summary>
    private async Task<bool> MayReadAsync(WorkbenchDbContext db, ReviewerIdentity viewer, Guid caseId, CancellationToken ct)
    {
        var queue = await db.Cases.Where(c => c.Id == caseId).Select(c => new { c.Queue }).FirstOrDefaultAsync(ct);
        return queue is not null && viewer.MayWork(queue.Queue) && !await blind.WithholdsAsync(caseId, viewer.UserName, ct);
    }

    private static NoteView View(CaseNoteRecord n) =>
        new(n.Id, n.CaseId, n.Author, n.Text, [.. n.Mentions.Select(m => m.UserName)], n.At);

    private static NoteResult.Invalid Invalid(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}
