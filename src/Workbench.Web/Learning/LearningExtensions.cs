using System.Globalization;

namespace Workbench.Web.Learning;

/// <summary>The learning loop: insights (override, over-escalation and false-autonomy rates, autonomy readiness) and the eval export.</summary>
public static class LearningExtensions
{
    public static IHostApplicationBuilder AddWorkbenchLearning(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<LearningOptions>(builder.Configuration.GetSection("Learning"));
        CheckDoubleReviewShares(builder.Configuration.GetSection("Learning:DoubleReview").Get<DoubleReviewOptions>() ?? new());
        var spotCheck = builder.Configuration.GetSection("Learning:SpotCheck").Get<SpotCheckOptions>() ?? new();
        if (spotCheck.AgeOut <= TimeSpan.Zero)
        {
            throw new WorkbenchConfigurationException($"Learning:SpotCheck:AgeOut is {spotCheck.AgeOut}; it must be a positive time span (e.g. 7.00:00:00 for seven days).");
        }
        builder.Services.AddSingleton<InsightsService>();
        return builder;
    }

    private static void CheckDoubleReviewShares(DoubleReviewOptions o)
    {
        foreach (var (name, share) in o.Workflows.Select(w => ($"Learning:DoubleReview:Workflows:{w.Key}", w.Value)).Prepend(("Learning:DoubleReview:Share", o.Share)))
        {
            if (double.IsNaN(share) || share is < 0 or > 1)
            {
                throw new WorkbenchConfigurationException($"{name} is {share.ToString(CultureInfo.InvariantCulture)}; it must be a share between 0 and 1 (e.g. 0.05).");
            }
        }
    }

    public static WebApplication MapWorkbenchLearning(this WebApplication app)
    {
        app.MapGet("/api/v1/exports/evals", ExportEvalsAsync).WithTags("Exports").WithName("ExportEvals")
            .RequireAuthorization(ApiSchemes.ExportPolicy)
            .WithSummary("Reviewed cases as JSONL eval data (a Lead's sign-in, or an API key with exports:read); sensitive fields masked")
            .Produces(200, contentType: "application/x-ndjson");
        return app;
    }

    /// <summary>Streams the export; bad filters are a validation problem and write nothing (not even the audit event).</summary>
    public static async Task<IResult> ExportEvalsAsync(HttpContext http, string? workflow, string? rootCause, string? reasonCode, string? from, string? to,
        IDbContextFactory<WorkbenchDbContext> dbFactory, IOptions<LearningOptions> options, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        RootCause? cause = null;
        if (!string.IsNullOrEmpty(rootCause))
        {
            var names = Enum.GetValues<RootCause>().ToDictionary(r => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(r.ToString()), r => r);
            if (names.TryGetValue(rootCause, out var rc))
            {
                cause = rc;
            }
            else
            {
                errors["rootCause"] = [$"'{rootCause}' is not a root cause; use one of {string.Join(", ", names.Keys)}."];
            }
        }
        var fromAt = ParseTime(from, "from", errors);
        var toAt = ParseTime(to, "to", errors);
        if (fromAt is not null && toAt is not null && fromAt >= toAt)
        {
            errors["from"] = ["'from' must be before 'to'."];
        }
        if (!string.IsNullOrEmpty(reasonCode) && (reasonCode.Length > 64 || !reasonCode.All(ch => ch is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_')))
        {
            errors["reasonCode"] = [$"'{reasonCode}' is not a reason code (UPPER_SNAKE_CASE)."];
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var filter = new EvalFilter(string.IsNullOrEmpty(workflow) ? null : workflow, cause, string.IsNullOrEmpty(reasonCode) ? null : reasonCode, fromAt, toAt);
        await using (var audit = await dbFactory.CreateDbContextAsync(ct))
        {
            Audit.Add(audit, AuditEventTypes.EvalExported, http.User.Identity!.Name!, ApiClaims.ClientOf(http.User) is null ? "Lead" : "client", time.GetUtcNow(), null, new { Filter = filter, Masked = options.Value.SensitiveFields });
            await audit.SaveChangesAsync(ct);
        }
        var stamp = time.GetUtcNow().ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"workbench-evals-{stamp}.jsonl\"";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await EvalExport.WriteAsync(db, filter, options.Value.SensitiveFields, http.Response.Body, ct);
        return Results.Empty;
    }

    private static DateTimeOffset? ParseTime(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }
        errors[name] = [$"'{text}' is not a date or time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z)."];
        return null;
    }
}
