namespace Workbench.Data;

/// <summary>
/// The spot checks of the proceed cases sampled before spot checks were items of their own: one row each, aged out
/// 7 days after the case (the default <c>Learning:SpotCheck:AgeOut</c>), so that a sample nobody reviewed reads
/// "not reviewed" on Insights instead of vanishing. Called from the migration <c>SpotChecks</c> of each provider; kept
/// here, not in the generated migration, so that a regenerated migration only needs the line re-added.
/// </summary>
public static class SpotCheckBackfillSql
{
    private const string Columns = """ "CaseId", "Workflow", "Queue", "SampledAt", "DueAt", "AgesOutAt", "Revision" """;

    private static string Insert(string agesOut, string sampled) => $"""
        INSERT INTO spot_checks ({Columns})
        SELECT c."Id", c."Workflow", c."Queue", c."CreatedAt", e."SlaDueAt", {agesOut}, 0
        FROM cases c LEFT JOIN policy_evaluations e ON e."CaseId" = c."Id"
        WHERE c."SpotCheck" = {sampled} AND c."Status" = 'auto_approved';
        """;

    /// <summary>Times are UTC ticks on SQLite: 7 days are 6,048,000,000,000 ticks.</summary>
    public static string Sqlite { get; } = Insert("""c."CreatedAt" + 6048000000000""", "1");

    public static string Postgres { get; } = Insert("""c."CreatedAt" + INTERVAL '7 days'""", "TRUE");

    public static string SqlServer { get; } = Insert("""DATEADD(day, 7, c."CreatedAt")""", "1");
}
