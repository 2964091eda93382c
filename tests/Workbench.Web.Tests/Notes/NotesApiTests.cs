using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Web.Auth;
using Workbench.Web.Notes;

namespace Workbench.Web.Tests.Notes;

/// <summary>Internal notes and mentions over the review API: who may write and read them, what a refusal leaves behind.</summary>
public sealed class NotesApiTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    /// <summary>Notes and audit events of the case: what a refusal must leave as it was.</summary>
    private Task<(int Notes, int Mentions, int Audit)> CountsAsync(Guid id) => app.WithDbAsync(async db =>
        (await db.CaseNotes.CountAsync(n => n.CaseId == id), await db.CaseMentions.CountAsync(m => m.CaseId == id), await db.AuditEvents.CountAsync(e => e.CaseId == id)));

    [Fact]
    public async Task A_note_that_mentions_the_lead_is_listed_audited_and_reaches_her_mentions()
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var rita = await app.SignedInAs("rita");

        var posted = await rita.PostAsync($"/api/v1/review/cases/{id}/notes", Json(new { text = "  @lena, is the v7 proration right? (cc @rita.)  " }));

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var note = (await posted.Content.ReadFromJsonAsync<NoteView>(WorkbenchJson.Options))!;
        Assert.Equal(("rita", "@lena, is the v7 proration right? (cc @rita.)"), (note.Author, note.Text));
        Assert.Equal(["lena", "rita"], note.Mentioned);
        var listed = (await rita.GetFromJsonAsync<List<NoteView>>($"/api/v1/review/cases/{id}/notes", WorkbenchJson.Options))!;
        Assert.Equal(note.Id, Assert.Single(listed).Id);
        var lena = await app.SignedInAs("lena");
        Assert.Single((await lena.GetFromJsonAsync<List<NoteView>>($"/api/v1/review/cases/{id}/notes", WorkbenchJson.Options))!);

        var audit = await app.WithDbAsync(db => db.AuditEvents.Where(e => e.CaseId == id && e.Type == AuditEventTypes.CaseMentioned).ToListAsync());
        var mentioned = JsonDocument.Parse(Assert.Single(audit).DataJson).RootElement.GetProperty("mentioned");
        Assert.Equal(["lena", "rita"], mentioned.EnumerateArray().Select(e => e.GetString()));
        var mentions = await app.Services.GetRequiredService<NotesService>().MentionsOfAsync(new ReviewerIdentity("lena", true, null));
        Assert.Contains(mentions, m => m.NoteId == note.Id && m.CaseId == id && m.Author == "rita");
    }

    [Fact]
    public async Task A_note_without_a_mention_writes_the_note_added_event_with_its_text_as_an_audit_text()
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var rita = await app.SignedInAs("rita");

        Assert.Equal(HttpStatusCode.Created, (await rita.PostAsync($"/api/v1/review/cases/{id}/notes", Json(new { text = "Checked the invoice: 3 seats." }))).StatusCode);

        var added = await app.WithDbAsync(db => db.AuditEvents.Include(e => e.Texts).SingleAsync(e => e.CaseId == id && e.Type == AuditEventTypes.CaseNoteAdded));
        Assert.DoesNotContain("Checked the invoice", added.DataJson);
        Assert.Equal("Checked the invoice: 3 seats.", Assert.Single(added.Texts).Text);
    }

    [Theory]
    [InlineData("@nobody please look", "nobody called @nobody")]
    [InlineData("@felix please look", "@felix does not work the queue policy-legal")]
    [InlineData("   ", "Write the note.")]
    public async Task A_refused_note_gets_a_readable_message_and_writes_nothing(string text, string message)
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var before = await CountsAsync(id);
        var rita = await app.SignedInAs("rita");

        var posted = await rita.PostAsync($"/api/v1/review/cases/{id}/notes", Json(new { text }));

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        var problem = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
        Assert.Contains(message, problem.GetProperty("errors").GetProperty("$.text")[0].GetString());
        Assert.Equal(before, await CountsAsync(id));
    }

    [Fact]
    public async Task A_note_over_4096_characters_is_refused_and_writes_nothing()
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var before = await CountsAsync(id);
        var rita = await app.SignedInAs("rita");

        var posted = await rita.PostAsync($"/api/v1/review/cases/{id}/notes", Json(new { text = new string('x', 4097) }));

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Equal(before, await CountsAsync(id));
    }

    [Fact]
    public async Task Someone_who_does_not_work_the_cases_queue_gets_404_for_reading_and_writing_and_writes_nothing()
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var before = await CountsAsync(id);
        var felix = await app.SignedInAs("felix");

        var posted = await felix.PostAsync($"/api/v1/review/cases/{id}/notes", Json(new { text = "hello @rita" }));
        var read = await felix.GetAsync($"/api/v1/review/cases/{id}/notes");
        var unknown = await felix.GetAsync($"/api/v1/review/cases/{Guid.NewGuid()}/notes");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (posted.StatusCode, read.StatusCode, unknown.StatusCode));
        Assert.Equal(ProblemTypes.NotFound, (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(before, await CountsAsync(id));
    }

    [Fact]
    public async Task A_post_without_a_json_body_is_refused()
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var rita = await app.SignedInAs("rita");

        var posted = await rita.PostAsync($"/api/v1/review/cases/{id}/notes", new FormUrlEncodedContent([new("text", "hi")]));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, posted.StatusCode);
        Assert.Equal(0, (await CountsAsync(id)).Notes);
    }
}
