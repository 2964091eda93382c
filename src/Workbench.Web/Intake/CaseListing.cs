using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Workbench.Web.Intake;

/// <summary>
/// The calling client's own cases: a filtered list with cursor pagination, and the lookup by the AI system's own id.
/// The order is newest first by creation time, then id: neither changes, so paging never skips or repeats a case
/// (cases created meanwhile appear before the first page, not inside the walk).
/// </summary>
public static class CaseListing
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    private static readonly Dictionary<string, CaseStatus> Statuses =
        Enum.GetValues<CaseStatus>().ToDictionary(s => JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString()), StringComparer.Ordinal);

    public static RouteGroupBuilder MapCaseListing(this RouteGroupBuilder cases)
    {
        cases.MapGet("/", ListAsync).WithName("ListCases").RequireAuthorization(ApiSchemes.ReadPolicy)
            .WithMetadata(new ParameterRange("limit", 1, MaxLimit))
            .WithMetadata(new ParameterEnum("status", typeof(CaseStatus)))
            .WithMetadata(new ParameterFormat("updatedSince", "date-time"))
            .WithSummary("Your cases, newest first, a page at a time")
            .WithDescription("Filters combine: `status`, `workflow`, `externalId`, `updatedSince` (RFC 3339; cases changed at or after it). " +
                             $"`limit` is 1–{MaxLimit} (default {DefaultLimit}). Pass `nextCursor` of a page as `cursor`, with the same filters, " +
                             "for the next page; it is absent on the last. A bad filter or cursor is 400 validation.");
        cases.MapGet("/by-external-id/{externalId}", ByExternalIdAsync).WithName("GetCaseByExternalId").RequireAuthorization(ApiSchemes.ReadPolicy)
            .WithSummary("Your case with this externalId (the id your system gave it)");
        return cases;
    }

    public static async Task<Results<Ok<CaseList>, ValidationProblem>> ListAsync(
        string? status, string? workflow, string? externalId, string? updatedSince, string? cursor, int? limit,
        ClaimsPrincipal user, IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        CaseStatus? wanted = null;
        if (status is not null)
        {
            if (Statuses.TryGetValue(status, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors["status"] = [$"One of: {string.Join(", ", Statuses.Keys)}."];
            }
        }
        if (workflow is { Length: 0 or > 128 })
        {
            errors["workflow"] = ["1–128 characters."];
        }
        if (externalId is { Length: 0 or > 255 })
        {
            errors["externalId"] = ["1–255 characters."];
        }
        DateTimeOffset? since = null;
        if (updatedSince is not null)
        {
            if (DateTimeOffset.TryParseExact(updatedSince, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"], CultureInfo.InvariantCulture,
                    DateTimeStyles.None, out var parsed) && (updatedSince.EndsWith('Z') || updatedSince.EndsWith('z') || updatedSince.Length > 6 && updatedSince[^6] is '+' or '-'))
            {
                since = parsed;
            }
            else
            {
                errors["updatedSince"] = ["An RFC 3339 date-time with its offset, e.g. 2026-01-31T08:00:00Z."];
            }
        }
        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"Between 1 and {MaxLimit}."];
        }
        Cursor? after = null;
        if (cursor is not null)
        {
            after = Cursor.Parse(cursor);
            if (after is null)
            {
                errors["cursor"] = ["Not a cursor this API gave out: pass nextCursor of the previous page as it is."];
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var client = ApiClaims.ClientOf(user)!;
        var take = limit ?? DefaultLimit;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One more than the page: whether there is a next page without a count.
        var now = time.GetUtcNow();
        var rows = await PageQuery(db.Cases.AsNoTracking(), client, wanted, workflow, externalId, since, after is { } a ? (a.CreatedAt, a.Id) : null, take + 1, now)
            .ToListAsync(ct);
        var page = rows.Take(take).ToList();
        // A held decision's case is stored as changed at its release (see CaseViews.UpdatedAtOf), so the query finds it
        // for any updatedSince before that; the AI system sees it changed when it last changed before the decision, and
        // a case it would not see as changed since then is left out. The page may come out shorter; the cursor is the same.
        var shown = page.Select(c => CaseViews.AsReleased(c, now)).Where(c => since is not { } t || c.UpdatedAt >= t).ToList();
        return TypedResults.Ok(new CaseList
        {
            Items = shown.Select(CaseViews.View).ToList(),
            NextCursor = rows.Count > take ? new Cursor(page[^1].CreatedAt, page[^1].Id).Format() : null,
        });
    }

    /// <summary>
    /// One page of a client's cases in the listing's order. The index on (ClientId, CreatedAt, Id) matches it term for
    /// term, so a page is read in index order and the read stops after <paramref name="take"/> rows, however many cases
    /// the client has. The status filter matches the status the AI system sees at <paramref name="now"/>
    /// (<see cref="CaseViews.AsReleased"/>): a decision still in its undo window is in review, not decided.
    /// </summary>
    public static IQueryable<CaseRecord> PageQuery(IQueryable<CaseRecord> cases, string client, CaseStatus? status, string? workflow,
        string? externalId, DateTimeOffset? updatedSince, (DateTimeOffset CreatedAt, Guid Id)? after, int take, DateTimeOffset now)
    {
        var query = cases.Where(c => c.ClientId == client);
        if (status is { } s)
        {
            query = s switch
            {
                CaseStatus.Decided => query.Where(c => c.Status == CaseStatus.Decided && (c.ReleaseAt == null || c.ReleaseAt <= now)),
                CaseStatus.InReview => query.Where(c => c.Status == CaseStatus.InReview || (c.Status == CaseStatus.Decided && c.ReleaseAt > now)),
                _ => query.Where(c => c.Status == s),
            };
        }
        if (workflow is not null)
        {
            query = query.Where(c => c.Workflow == workflow);
        }
        if (externalId is not null)
        {
            query = query.Where(c => c.ExternalId == externalId);
        }
        if (updatedSince is { } t)
        {
            query = query.Where(c => c.UpdatedAt >= t);
        }
        if (after is { } a)
        {
            query = query.Where(c => c.CreatedAt < a.CreatedAt || c.CreatedAt == a.CreatedAt && c.Id.CompareTo(a.Id) < 0);
        }
        return query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(take);
    }

    public static async Task<Results<Ok<CaseView>, ProblemHttpResult, ValidationProblem>> ByExternalIdAsync(
        string externalId, ClaimsPrincipal user, IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, CancellationToken ct)
    {
        if (externalId.Length > 255)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["externalId"] = ["1–255 characters."] });
        }
        var client = ApiClaims.ClientOf(user)!;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.ClientId == client && c.ExternalId == externalId, ct);
        return c is null ? Problems.NotFound("case") : TypedResults.Ok(CaseViews.View(CaseViews.AsReleased(c, time.GetUtcNow())));
    }

    /// <summary>Where a page ended: opaque to clients (base64url of the creation ticks and the id).</summary>
    private sealed record Cursor(DateTimeOffset CreatedAt, Guid Id)
    {
        public string Format() =>
            Base64Url.EncodeToString(System.Text.Encoding.ASCII.GetBytes($"{CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}.{Id:N}"));

        public static Cursor? Parse(string text)
        {
            if (text.Length is 0 or > 128 || !Base64Url.IsValid(text))
            {
                return null;
            }
            var parts = System.Text.Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)).Split('.');
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) &&
                   ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks &&
                   Guid.TryParseExact(parts[1], "N", out var id)
                ? new Cursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
        }
    }
}
