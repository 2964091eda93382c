namespace Workbench.Web.Notes;

/// <summary>An internal note to write: for the people who work the case, never for the AI system. <c>@name</c> mentions a colleague.</summary>
public sealed record NoteRequest(string Text);

/// <summary>An internal note on a case, with the people it mentions (user names).</summary>
public sealed record NoteView(long Id, Guid CaseId, string Author, string Text, IReadOnlyList<string> Mentioned, DateTimeOffset At);

/// <summary>A note that mentions the viewer: the case it is on, who wrote it and when.</summary>
public sealed record MentionView(long NoteId, Guid CaseId, string ExternalId, string Workflow, string? Queue, string Author, string Text, DateTimeOffset At);

/// <summary>What writing or reading notes came to: the caller must look.</summary>
public abstract record NoteResult
{
    public sealed record Written(NoteView Note) : NoteResult;
    public sealed record Listed(IReadOnlyList<NoteView> Notes) : NoteResult;
    /// <summary>No such case, or not one the caller works (told apart from neither).</summary>
    public sealed record NotFound : NoteResult;
    public sealed record Invalid(IDictionary<string, string[]> Errors) : NoteResult;
}
