namespace Workbench.Data;

/// <summary>
/// The triggers that keep the board's pre-aggregates (<c>board_hours</c>, <c>board_reason_days</c>, and for the cost
/// per path <c>board_cost_days</c>, below) equal to what a
/// GROUP BY over <c>cases</c> would give, on SQLite — the provider where a week of cases (230,000 rows at 1,000,000 a
/// month) cannot be grouped in the 300 ms the board has. Applied by the SQLite migration <c>BoardAggregates</c>
/// (<c>migrationBuilder.Sql(BoardAggregateSql.Sqlite.Up)</c>), which also back-fills both tables from the cases already
/// stored, in the migration's transaction; kept here, not in the generated migration, so that a regenerated migration
/// only needs the two lines re-added.
///
/// Triggers rather than code in each write path: a case is inserted by the intake writer's prepared INSERTs
/// (SqliteBatchInsert), changed by SaveChanges in the review service, the agent commands and the SLA monitor, and any
/// of them can move it to another queue. A trigger runs inside the statement's transaction whichever path wrote, so the
/// aggregates commit or roll back with the case (a savepoint undone by the intake writer undoes them too).
///
/// A case counts only while it has a queue (as on the board). Times are UTC ticks (SQLite stores DateTimeOffset so):
/// the hour of t is <c>t / 36000000000 * 36000000000</c>, its day <c>t / 864000000000 * 864000000000</c>.
/// </summary>
public static class BoardAggregateSql
{
    public static class Sqlite
    {
        private const string Hour = "36000000000";
        private const string Day = "864000000000";

        // The two halves of every trigger: add a row's contribution, take one away. {0} is NEW or OLD, {1} is +1 or -1.
        private static string Arrival(string row, string sign) => $"""
            INSERT INTO board_hours ("Hour", "Queue", "Arrivals", "Completions", "SlaDecided", "SlaMet")
            SELECT {row}."CreatedAt" / {Hour} * {Hour}, {row}."Queue", {sign}, 0, 0, 0 WHERE {row}."Queue" IS NOT NULL
            ON CONFLICT ("Hour", "Queue") DO UPDATE SET "Arrivals" = "Arrivals" + excluded."Arrivals";
            """;

        private static string Completion(string row, string sign) => $"""
            INSERT INTO board_hours ("Hour", "Queue", "Arrivals", "Completions", "SlaDecided", "SlaMet")
            SELECT {row}."DecidedAt" / {Hour} * {Hour}, {row}."Queue", 0, {sign},
                   {sign} * ({row}."SlaDueAt" IS NOT NULL), {sign} * ({row}."SlaDueAt" IS NOT NULL AND {row}."DecidedAt" <= {row}."SlaDueAt")
            WHERE {row}."Queue" IS NOT NULL AND {row}."DecidedAt" IS NOT NULL
            ON CONFLICT ("Hour", "Queue") DO UPDATE SET "Completions" = "Completions" + excluded."Completions",
                "SlaDecided" = "SlaDecided" + excluded."SlaDecided", "SlaMet" = "SlaMet" + excluded."SlaMet";
            """;

        private static string Reasons(string row, string sign) => $"""
            INSERT INTO board_reason_days ("Day", "Queue", "ReasonCodes", "Arrivals")
            SELECT {row}."CreatedAt" / {Day} * {Day}, {row}."Queue", {row}."ReasonCodes", {sign} WHERE {row}."Queue" IS NOT NULL
            ON CONFLICT ("Day", "Queue", "ReasonCodes") DO UPDATE SET "Arrivals" = "Arrivals" + excluded."Arrivals";
            """;

        /// <summary>The triggers, then the back-fill from the cases already stored.</summary>
        public static string Up => Triggers + "\n" + Backfill;

        public static readonly string Triggers = $"""
            CREATE TRIGGER board_cases_insert AFTER INSERT ON cases WHEN NEW."Queue" IS NOT NULL
            BEGIN
            {Arrival("NEW", "1")}
            {Completion("NEW", "1")}
            {Reasons("NEW", "1")}
            END;
            CREATE TRIGGER board_cases_delete AFTER DELETE ON cases WHEN OLD."Queue" IS NOT NULL
            BEGIN
            {Arrival("OLD", "-1")}
            {Completion("OLD", "-1")}
            {Reasons("OLD", "-1")}
            END;
            CREATE TRIGGER board_cases_arrival AFTER UPDATE OF "Queue", "CreatedAt", "ReasonCodes" ON cases
            WHEN OLD."Queue" IS NOT NEW."Queue" OR OLD."CreatedAt" <> NEW."CreatedAt" OR OLD."ReasonCodes" <> NEW."ReasonCodes"
            BEGIN
            {Arrival("OLD", "-1")}
            {Arrival("NEW", "1")}
            {Reasons("OLD", "-1")}
            {Reasons("NEW", "1")}
            END;
            CREATE TRIGGER board_cases_completion AFTER UPDATE OF "Queue", "DecidedAt", "SlaDueAt" ON cases
            WHEN (OLD."DecidedAt" IS NOT NULL OR NEW."DecidedAt" IS NOT NULL)
                AND (OLD."Queue" IS NOT NEW."Queue" OR OLD."DecidedAt" IS NOT NEW."DecidedAt" OR OLD."SlaDueAt" IS NOT NEW."SlaDueAt")
            BEGIN
            {Completion("OLD", "-1")}
            {Completion("NEW", "1")}
            END;
            """;

        /// <summary>Both tables recomputed from <c>cases</c> (what the triggers keep them equal to).</summary>
        public static readonly string Backfill = $"""
            DELETE FROM board_hours;
            DELETE FROM board_reason_days;
            INSERT INTO board_hours ("Hour", "Queue", "Arrivals", "Completions", "SlaDecided", "SlaMet")
            SELECT "Hour", "Queue", SUM("A"), SUM("C"), SUM("D"), SUM("M") FROM (
                SELECT "CreatedAt" / {Hour} * {Hour} AS "Hour", "Queue", 1 AS "A", 0 AS "C", 0 AS "D", 0 AS "M"
                FROM cases WHERE "Queue" IS NOT NULL
                UNION ALL
                SELECT "DecidedAt" / {Hour} * {Hour}, "Queue", 0, 1, "SlaDueAt" IS NOT NULL, "SlaDueAt" IS NOT NULL AND "DecidedAt" <= "SlaDueAt"
                FROM cases WHERE "Queue" IS NOT NULL AND "DecidedAt" IS NOT NULL)
            GROUP BY "Hour", "Queue";
            INSERT INTO board_reason_days ("Day", "Queue", "ReasonCodes", "Arrivals")
            SELECT "CreatedAt" / {Day} * {Day}, "Queue", "ReasonCodes", COUNT(*) FROM cases WHERE "Queue" IS NOT NULL
            GROUP BY 1, 2, 3;
            """;

        public const string Down = """
            DROP TRIGGER IF EXISTS board_cases_insert;
            DROP TRIGGER IF EXISTS board_cases_delete;
            DROP TRIGGER IF EXISTS board_cases_arrival;
            DROP TRIGGER IF EXISTS board_cases_completion;
            """;

        // ---- Cost per resolved case (board_cost_days): the migration BoardCostDays runs CostsUp, its Down CostsDown.
        // Kept apart from Up/Down above, which the earlier migration BoardCostsRetentionDoubleReviews runs as they are.
        //
        // A case counts while it is resolved (the board's cost figures: decided, auto-approved or expired, with a
        // DecidedAt), on the UTC day of its DecidedAt, under its two path outcomes and its model-cost currency ('' for
        // none), with the review actions it has. The model cost is summed in millionths: the validator allows 0 to
        // 1,000,000 with six decimals, so ROUND(amount * 1e6) over the REAL value is exact (< 2^53) and the sum fits a
        // 64-bit integer; the stored decimal is TEXT on SQLite, and the decimal functions EF registers on its own
        // connections (ef_add, ef_sum) would not exist on every connection a trigger runs on.

        private const string Resolved = "('decided', 'auto_approved', 'expired')";

        private static string Micros(string amount) => $"COALESCE(CAST(ROUND(CAST({amount} AS REAL) * 1000000) AS INTEGER), 0)";

        private const string CostUpsert = """
            ON CONFLICT ("Day", "ReleaseOutcome", "ExecuteOutcome", "Currency") DO UPDATE SET "Resolved" = "Resolved" + excluded."Resolved",
                "ModelCostMicros" = "ModelCostMicros" + excluded."ModelCostMicros", "ReviewActions" = "ReviewActions" + excluded."ReviewActions";
            """;

        // A case's whole contribution, with the review actions it has at that moment (none when it is new: review_actions
        // references the case, so its actions are inserted after it, and their own trigger counts them).
        private static string Cost(string row, string sign, bool actions = true) => $"""
            INSERT INTO board_cost_days ("Day", "ReleaseOutcome", "ExecuteOutcome", "Currency", "Resolved", "ModelCostMicros", "ReviewActions")
            SELECT {row}."DecidedAt" / {Day} * {Day}, {row}."ReleaseOutcome", {row}."ExecuteOutcome", COALESCE({row}."ModelCostCurrency", ''), {sign},
                   {sign} * {Micros($"{row}.\"ModelCostAmount\"")}, {(actions ? $"{sign} * (SELECT COUNT(*) FROM review_actions WHERE \"CaseId\" = {row}.\"Id\")" : "0")}
            WHERE {row}."DecidedAt" IS NOT NULL AND {row}."Status" IN {Resolved}
            {CostUpsert}
            """;

        // One review action of a case ({0}: the action's CaseId), counted while that case is resolved.
        private static string Action(string caseId, string sign) => $"""
            INSERT INTO board_cost_days ("Day", "ReleaseOutcome", "ExecuteOutcome", "Currency", "Resolved", "ModelCostMicros", "ReviewActions")
            SELECT c."DecidedAt" / {Day} * {Day}, c."ReleaseOutcome", c."ExecuteOutcome", COALESCE(c."ModelCostCurrency", ''), 0, 0, {sign}
            FROM cases c WHERE c."Id" = {caseId} AND c."DecidedAt" IS NOT NULL AND c."Status" IN {Resolved}
            {CostUpsert}
            """;

        /// <summary>
        /// The cost triggers. A case's delete runs BEFORE the row goes: a cascade deletes its review actions after the
        /// case row and before AFTER triggers, so only a BEFORE trigger still sees (and counts) them, and the cascaded
        /// actions' own triggers find no case and count nothing. Actions deleted first are taken away one by one.
        /// </summary>
        public static readonly string CostTriggers = $"""
            CREATE TRIGGER board_costs_insert AFTER INSERT ON cases
            WHEN NEW."DecidedAt" IS NOT NULL AND NEW."Status" IN {Resolved}
            BEGIN
            {Cost("NEW", "1", actions: false)}
            END;
            CREATE TRIGGER board_costs_delete BEFORE DELETE ON cases
            WHEN OLD."DecidedAt" IS NOT NULL AND OLD."Status" IN {Resolved}
            BEGIN
            {Cost("OLD", "-1")}
            END;
            CREATE TRIGGER board_costs_update AFTER UPDATE OF "Status", "DecidedAt", "ReleaseOutcome", "ExecuteOutcome", "ModelCostAmount", "ModelCostCurrency" ON cases
            WHEN ((OLD."DecidedAt" IS NOT NULL AND OLD."Status" IN {Resolved}) OR (NEW."DecidedAt" IS NOT NULL AND NEW."Status" IN {Resolved}))
                AND (OLD."Status" IS NOT NEW."Status" OR OLD."DecidedAt" IS NOT NEW."DecidedAt" OR OLD."ReleaseOutcome" IS NOT NEW."ReleaseOutcome"
                    OR OLD."ExecuteOutcome" IS NOT NEW."ExecuteOutcome" OR OLD."ModelCostAmount" IS NOT NEW."ModelCostAmount"
                    OR OLD."ModelCostCurrency" IS NOT NEW."ModelCostCurrency")
            BEGIN
            {Cost("OLD", "-1")}
            {Cost("NEW", "1")}
            END;
            CREATE TRIGGER board_costs_action_insert AFTER INSERT ON review_actions
            BEGIN
            {Action("NEW.\"CaseId\"", "1")}
            END;
            CREATE TRIGGER board_costs_action_delete AFTER DELETE ON review_actions
            BEGIN
            {Action("OLD.\"CaseId\"", "-1")}
            END;
            CREATE TRIGGER board_costs_action_move AFTER UPDATE OF "CaseId" ON review_actions
            WHEN OLD."CaseId" IS NOT NEW."CaseId"
            BEGIN
            {Action("OLD.\"CaseId\"", "-1")}
            {Action("NEW.\"CaseId\"", "1")}
            END;
            """;

        /// <summary><c>board_cost_days</c> recomputed from <c>cases</c> and <c>review_actions</c>.</summary>
        public static readonly string CostBackfill = $"""
            DELETE FROM board_cost_days;
            INSERT INTO board_cost_days ("Day", "ReleaseOutcome", "ExecuteOutcome", "Currency", "Resolved", "ModelCostMicros", "ReviewActions")
            SELECT c."DecidedAt" / {Day} * {Day}, c."ReleaseOutcome", c."ExecuteOutcome", COALESCE(c."ModelCostCurrency", ''), COUNT(*),
                   SUM({Micros("c.\"ModelCostAmount\"")}), SUM(COALESCE(a."N", 0))
            FROM cases c LEFT JOIN (SELECT "CaseId", COUNT(*) AS "N" FROM review_actions GROUP BY "CaseId") a ON a."CaseId" = c."Id"
            WHERE c."DecidedAt" IS NOT NULL AND c."Status" IN {Resolved}
            GROUP BY 1, 2, 3, 4;
            """;

        /// <summary>The cost triggers, then the back-fill from the cases and actions already stored.</summary>
        public static string CostsUp => CostTriggers + "\n" + CostBackfill;

        public const string CostsDown = """
            DROP TRIGGER IF EXISTS board_costs_insert;
            DROP TRIGGER IF EXISTS board_costs_delete;
            DROP TRIGGER IF EXISTS board_costs_update;
            DROP TRIGGER IF EXISTS board_costs_action_insert;
            DROP TRIGGER IF EXISTS board_costs_action_delete;
            DROP TRIGGER IF EXISTS board_costs_action_move;
            """;

        /// <summary>
        /// Every board trigger dropped and created again, and every pre-aggregate back-filled: for a migration that
        /// rebuilds <c>cases</c> or <c>review_actions</c> (EF's SQLite table rebuild drops their triggers).
        /// </summary>
        public static string Reinstall => string.Join("\n", Down, CostsDown, Triggers, CostTriggers, Backfill, CostBackfill);
    }
}
