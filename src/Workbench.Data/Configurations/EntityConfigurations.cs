using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workbench.Data.Entities;

namespace Workbench.Data.Configurations;

internal sealed class CaseRecordConfiguration : IEntityTypeConfiguration<CaseRecord>
{
    /// <summary>The statuses of an open case, as stored; the same SQL on every provider.</summary>
    public const string OpenCasesFilter = "\"Status\" IN ('queued', 'in_review', 'awaiting_info')";

    /// <summary>The decided four-eyes cases (a few percent at most), as stored; the same SQL on every provider.</summary>
    public const string FourEyesDecidedFilter = "\"ApprovalsRequired\" >= 2 AND \"Status\" = 'decided'";

    public void Configure(EntityTypeBuilder<CaseRecord> b)
    {
        b.ToTable("cases");
        b.HasKey(c => c.Id);
        b.Property(c => c.Id).ValueGeneratedNever();
        b.Property(c => c.ClientId).HasMaxLength(128).IsRequired();
        b.Property(c => c.ExternalId).HasMaxLength(255).IsRequired();
        b.Property(c => c.Workflow).HasMaxLength(128).IsRequired();
        b.Property(c => c.TaskType).HasMaxLength(128).IsRequired();
        b.Property(c => c.Queue).HasMaxLength(64);
        b.Property(c => c.ReasonCodes).HasMaxLength(1024).IsRequired();
        b.Property(c => c.RequesterId).HasMaxLength(255).IsRequired();
        b.Property(c => c.RequestPreview).HasMaxLength(500).IsRequired();
        b.Property(c => c.SubmissionJson).IsRequired();
        b.Property(c => c.CallbackUrl).HasMaxLength(2048);
        b.Property(c => c.ModelCostAmount).HasPrecision(18, 6);
        b.Property(c => c.ModelCostCurrency).HasMaxLength(3);
        b.Property(c => c.PolicyVersion).HasMaxLength(64).IsRequired();
        b.Property(c => c.ClaimedBy).HasMaxLength(128);
        b.Property(c => c.PendingQuestion).HasMaxLength(4096);
        b.Property(c => c.AssignedTo).HasMaxLength(128);
        b.Property(c => c.EditedBy).HasMaxLength(128);
        b.Property(c => c.ApprovedBy).HasMaxLength(1024).IsRequired();
        b.Property(c => c.Revision).IsConcurrencyToken();
        b.Property(c => c.PurgedContentSha256).HasMaxLength(64);

        b.HasIndex(c => new { c.ClientId, c.ExternalId }).IsUnique();
        // The API's listing: a client's cases newest first by creation time, then id (CaseListing.PageQuery), read in
        // this index's order and stopped after a page instead of sorting all of the client's cases.
        b.HasIndex(c => new { c.ClientId, c.CreatedAt, c.Id });
        // The counts per queue and status, and the count behind the queue grid. The reason codes ride along (INCLUDE on
        // SQL Server and PostgreSQL; a trailing key column on SQLite, see SqliteWorkbenchDbContext), so that counting a
        // reason filter reads the index and fetches only the matching rows, not every wide row of the queue.
        var open = b.HasIndex(c => new { c.Queue, c.Status, c.SlaDueAt });
        SqlServerIndexBuilderExtensions.IncludeProperties(open, c => c.ReasonCodes);
        NpgsqlIndexBuilderExtensions.IncludeProperties(open, c => c.ReasonCodes);
        b.HasIndex(c => new { c.Status, c.CreatedAt });
        // One index per sort of the queue grid (QueueQueries.Ordered), each starting with the queue and matching the sort
        // term for term, so the first page of 30,000 cases is read in index order and stops after 25 rows instead of
        // sorting the queue. Priority and tier are highest first, as reviewers read them.
        // Status is not in them on purpose: an IN over two statuses would break the order.
        b.HasIndex(c => new { c.Queue, c.SlaDueAt });
        b.HasIndex(c => new { c.Queue, c.Priority, c.SlaDueAt }).IsDescending(false, true, false);
        b.HasIndex(c => new { c.Queue, c.CreatedAt });
        b.HasIndex(c => new { c.Queue, c.RiskTier, c.SlaDueAt }).IsDescending(false, true, false);
        // The SLA monitor's scan (open cases not yet breached, by due time).
        b.HasIndex(c => new { c.SlaState, c.SlaDueAt });
        // The board reads time ranges across all queues: arrivals (with their reason codes, INCLUDEd on SQL Server and
        // PostgreSQL, a trailing key column on SQLite) and completions with their SLA, each from its index alone.
        var arrivals = b.HasIndex(c => new { c.CreatedAt, c.Queue });
        SqlServerIndexBuilderExtensions.IncludeProperties(arrivals, c => c.ReasonCodes);
        NpgsqlIndexBuilderExtensions.IncludeProperties(arrivals, c => c.ReasonCodes);
        b.HasIndex(c => new { c.DecidedAt, c.Queue, c.SlaDueAt });
        // The open cases only (a few percent of the table), with every column the board's open counts, next due times
        // and claims read: those queries touch these rows and nothing else. The queries repeat this exact IN list, which
        // is how SQLite knows the partial index applies (BoardQueries.OpenStatuses).
        b.HasIndex(c => new { c.Queue, c.Status, c.SlaState, c.SlaDueAt, c.SlaPausedAt, c.CreatedAt, c.ClaimedBy })
            .HasDatabaseName("IX_cases_open_board")
            .HasFilter(OpenCasesFilter);
        // The board's reviewer-disagreement alert reads the week's decided four-eyes cases by decision time. Without it
        // the DecidedAt index is walked over every decision of the week (~226,000 at 1,000,000 cases a month) with a
        // table look-up each for ApprovalsRequired and Status (0.12-0.25 s); the query repeats this filter (BoardAlerts).
        b.HasIndex(c => c.DecidedAt)
            .HasDatabaseName("IX_cases_four_eyes_decided")
            .HasFilter(FourEyesDecidedFilter);

        b.HasOne(c => c.Evaluation).WithOne().HasForeignKey<PolicyEvaluationRecord>(e => e.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Actions).WithOne().HasForeignKey(a => a.CaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PolicyEvaluationRecordConfiguration : IEntityTypeConfiguration<PolicyEvaluationRecord>
{
    public void Configure(EntityTypeBuilder<PolicyEvaluationRecord> b)
    {
        b.ToTable("policy_evaluations");
        b.HasKey(e => e.CaseId);
        b.Property(e => e.ReasonCodesJson).HasMaxLength(2048).IsRequired();
        b.Property(e => e.Queue).HasMaxLength(64);
        b.Property(e => e.ClarifyingQuestion).HasMaxLength(2048);
        b.Property(e => e.PolicyVersion).HasMaxLength(64).IsRequired();
        b.Property(e => e.TraceJson).IsRequired();
    }
}

internal sealed class ReviewActionRecordConfiguration : IEntityTypeConfiguration<ReviewActionRecord>
{
    public void Configure(EntityTypeBuilder<ReviewActionRecord> b)
    {
        b.ToTable("review_actions");
        b.HasKey(a => a.Id);
        b.Property(a => a.Reviewer).HasMaxLength(128).IsRequired();
        b.Property(a => a.RejectReasonCode).HasMaxLength(64);
        b.Property(a => a.FromQueue).HasMaxLength(64);
        b.Property(a => a.TargetQueue).HasMaxLength(64);
        // The classification of an action is changed after the fact, by its reviewer or a lead: two changes at once
        // must not both land, so each UPDATE is conditional on the values it read (no column, no migration).
        b.Property(a => a.RootCause).IsConcurrencyToken();
        b.Property(a => a.EscalationNecessary).IsConcurrencyToken();
        b.HasIndex(a => new { a.CaseId, a.At });
        // The board's decisions of the day per reviewer, read from the index alone.
        b.HasIndex(a => new { a.At, a.Kind, a.Reviewer });
    }
}

internal sealed class CaseNoteRecordConfiguration : IEntityTypeConfiguration<CaseNoteRecord>
{
    public void Configure(EntityTypeBuilder<CaseNoteRecord> b)
    {
        b.ToTable("case_notes");
        b.HasKey(n => n.Id);
        b.Property(n => n.Author).HasMaxLength(128).IsRequired();
        b.Property(n => n.Text).HasMaxLength(4096).IsRequired();
        b.HasIndex(n => new { n.CaseId, n.At });
        b.HasOne<CaseRecord>().WithMany().HasForeignKey(n => n.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(n => n.Mentions).WithOne().HasForeignKey(m => m.NoteId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CaseMentionRecordConfiguration : IEntityTypeConfiguration<CaseMentionRecord>
{
    public void Configure(EntityTypeBuilder<CaseMentionRecord> b)
    {
        b.ToTable("case_mentions");
        b.HasKey(m => m.Id);
        b.Property(m => m.UserName).HasMaxLength(128).IsRequired();
        // A person's mentions, newest first, read from the index.
        b.HasIndex(m => new { m.UserName, m.At });
    }
}

internal sealed class AuditEventRecordConfiguration : IEntityTypeConfiguration<AuditEventRecord>
{
    public void Configure(EntityTypeBuilder<AuditEventRecord> b)
    {
        // The trigger (Audit/AuditAppendOnlySql.cs, added by a migration) refuses UPDATE and DELETE; SQL Server
        // must know it exists, or EF would use an OUTPUT clause that a table with triggers refuses.
        b.ToTable("audit_events", t => t.HasTrigger(AuditAppendOnlySql.TriggerName));
        b.HasKey(a => a.Id);
        b.Property(a => a.PrevHash).HasMaxLength(64).IsRequired();
        b.Property(a => a.Hash).HasMaxLength(64).IsRequired();
        b.Property(a => a.Type).HasMaxLength(64).IsRequired();
        b.Property(a => a.Actor).HasMaxLength(128).IsRequired();
        b.Property(a => a.ActorRole).HasMaxLength(32).IsRequired();
        b.Property(a => a.RequestId).HasMaxLength(128);
        b.Property(a => a.PolicyVersion).HasMaxLength(64);
        b.Property(a => a.ModelVersion).HasMaxLength(128);
        b.Property(a => a.PromptVersion).HasMaxLength(128);
        b.Property(a => a.RetrievalIndexVersion).HasMaxLength(128);
        b.Property(a => a.ReviewerAction).HasMaxLength(32);
        b.Property(a => a.FinalDecision).HasMaxLength(32);
        b.Property(a => a.DataJson).IsRequired();
        // Unique: two writers can never both take the same place in the chain (a fork fails instead).
        b.HasIndex(a => a.Sequence).IsUnique();
        b.HasIndex(a => new { a.CaseId, a.Id });
        b.HasIndex(a => new { a.Type, a.Id });
    }
}

internal sealed class AuditTextRecordConfiguration : IEntityTypeConfiguration<AuditTextRecord>
{
    public void Configure(EntityTypeBuilder<AuditTextRecord> b)
    {
        // The triggers (Audit/AuditTextSql.cs, added by a migration) let an UPDATE only purge a text and refuse DELETE;
        // SQL Server must know they exist, as for audit_events.
        b.ToTable("audit_texts", t => t.HasTrigger(AuditTextSql.TriggerName));
        b.HasKey(x => x.Id);
        b.Property(x => x.Ref).HasMaxLength(36).IsRequired();
        b.Property(x => x.Field).HasMaxLength(128).IsRequired();
        b.Property(x => x.Salt).HasMaxLength(32);
        b.Property(x => x.Sha256).HasMaxLength(64).IsRequired();
        b.HasIndex(x => x.Ref).IsUnique();
        b.HasIndex(x => x.AuditEventId);
        // The purge's look-up of a case's texts not purged yet.
        b.HasIndex(x => new { x.CaseId, x.PurgedAt });
        b.HasOne<AuditEventRecord>().WithMany(e => e.Texts).HasForeignKey(x => x.AuditEventId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class AuditVerificationRecordConfiguration : IEntityTypeConfiguration<AuditVerificationRecord>
{
    public void Configure(EntityTypeBuilder<AuditVerificationRecord> b)
    {
        b.ToTable("audit_verifications");
        b.HasKey(v => v.Id);
        b.Property(v => v.RequestedBy).HasMaxLength(128).IsRequired();
        b.Property(v => v.HeadHash).HasMaxLength(64).IsRequired();
        b.Property(v => v.BreakKind).HasMaxLength(16);
        b.Property(v => v.Message).HasMaxLength(1024);
        b.HasIndex(v => v.StartedAt);
    }
}

internal sealed class AuditTreeNodeRecordConfiguration : IEntityTypeConfiguration<AuditTreeNodeRecord>
{
    public void Configure(EntityTypeBuilder<AuditTreeNodeRecord> b)
    {
        b.ToTable("audit_tree_nodes");
        b.HasKey(n => new { n.Level, n.Index });
        b.Property(n => n.Level).ValueGeneratedNever();
        b.Property(n => n.Index).ValueGeneratedNever();
        b.Property(n => n.Hash).HasMaxLength(32).IsRequired();
    }
}

internal sealed class AuditCheckpointRecordConfiguration : IEntityTypeConfiguration<AuditCheckpointRecord>
{
    public void Configure(EntityTypeBuilder<AuditCheckpointRecord> b)
    {
        b.ToTable("audit_checkpoints");
        b.HasKey(c => c.Id);
        b.Property(c => c.RootHash).HasMaxLength(64).IsRequired();
        b.Property(c => c.HeadHash).HasMaxLength(64).IsRequired();
        b.Property(c => c.Body).HasMaxLength(1024).IsRequired();
        b.Property(c => c.Signature).HasMaxLength(256).IsRequired();
        b.Property(c => c.KeyId).HasMaxLength(64).IsRequired();
        b.Property(c => c.PublishError).HasMaxLength(1024);
        b.HasIndex(c => c.TreeSize).IsUnique();
        // One line of checkpoints: two instances extending the same checkpoint at once cannot both commit.
        b.HasIndex(c => c.PreviousTreeSize).IsUnique();
    }
}

internal sealed class HealthProbeRecordConfiguration : IEntityTypeConfiguration<HealthProbeRecord>
{
    public void Configure(EntityTypeBuilder<HealthProbeRecord> b)
    {
        b.ToTable("health_probes");
        b.HasKey(p => p.Id);
    }
}

internal sealed class UserRecordConfiguration : IEntityTypeConfiguration<UserRecord>
{
    public void Configure(EntityTypeBuilder<UserRecord> b)
    {
        b.ToTable("users");
        b.HasKey(u => u.UserName);
        b.Property(u => u.UserName).HasMaxLength(128);
        b.Property(u => u.DisplayName).HasMaxLength(256).IsRequired();
        b.Property(u => u.ObjectId).HasMaxLength(64);
        b.Property(u => u.Email).HasMaxLength(320);
        b.HasMany(u => u.Queues).WithOne().HasForeignKey(q => q.UserName).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class QueueMembershipRecordConfiguration : IEntityTypeConfiguration<QueueMembershipRecord>
{
    public void Configure(EntityTypeBuilder<QueueMembershipRecord> b)
    {
        b.ToTable("queue_memberships");
        b.HasKey(q => new { q.UserName, q.Queue });
        b.Property(q => q.UserName).HasMaxLength(128);
        b.Property(q => q.Queue).HasMaxLength(64);
    }
}

internal sealed class ApiClientRecordConfiguration : IEntityTypeConfiguration<ApiClientRecord>
{
    public void Configure(EntityTypeBuilder<ApiClientRecord> b)
    {
        b.ToTable("api_clients");
        b.HasKey(c => c.Id);
        b.Property(c => c.Id).HasMaxLength(128);
        b.Property(c => c.DisplayName).HasMaxLength(256).IsRequired();
        b.Property(c => c.KeyPrefix).HasMaxLength(16).IsRequired();
        b.Property(c => c.KeyHash).HasMaxLength(64).IsRequired();
        b.Property(c => c.Scopes).HasMaxLength(256).IsRequired();
        b.HasIndex(c => c.KeyHash).IsUnique();
    }
}

internal sealed class PolicyVersionRecordConfiguration : IEntityTypeConfiguration<PolicyVersionRecord>
{
    public void Configure(EntityTypeBuilder<PolicyVersionRecord> b)
    {
        b.ToTable("policy_versions");
        b.HasKey(p => p.Id);
        b.Property(p => p.Version).HasMaxLength(64).IsRequired();
        b.Property(p => p.Yaml).IsRequired();
        b.Property(p => p.PublishedBy).HasMaxLength(128).IsRequired();
        b.Property(p => p.Reason).HasMaxLength(1024).IsRequired();
        b.HasIndex(p => p.Version).IsUnique();
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("idempotency_keys");
        b.HasKey(k => new { k.ClientId, k.Key });
        b.Property(k => k.ClientId).HasMaxLength(128);
        b.Property(k => k.Key).HasMaxLength(255);
        b.Property(k => k.RequestHash).HasMaxLength(64).IsRequired();
        b.Property(k => k.ReceiptJson).IsRequired();
        b.HasIndex(k => k.ExpiresAt);
    }
}

internal sealed class DownstreamOutcomeRecordConfiguration : IEntityTypeConfiguration<DownstreamOutcomeRecord>
{
    public void Configure(EntityTypeBuilder<DownstreamOutcomeRecord> b)
    {
        b.ToTable("downstream_outcomes");
        b.HasKey(o => o.Id);
        b.Property(o => o.Note).HasMaxLength(4096);
        b.Property(o => o.ReportedBy).HasMaxLength(128).IsRequired();
        b.HasIndex(o => o.CaseId);
        b.HasOne<CaseRecord>().WithMany().HasForeignKey(o => o.CaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DoubleReviewRecordConfiguration : IEntityTypeConfiguration<DoubleReviewRecord>
{
    public void Configure(EntityTypeBuilder<DoubleReviewRecord> b)
    {
        b.ToTable("double_reviews");
        b.HasKey(d => d.CaseId);
        b.Property(d => d.CaseId).ValueGeneratedNever();
        b.Property(d => d.Workflow).HasMaxLength(128).IsRequired();
        b.Property(d => d.Queue).HasMaxLength(64);
        b.Property(d => d.Reviewer).HasMaxLength(128);
        b.Property(d => d.RejectReasonCode).HasMaxLength(64);
        b.Property(d => d.Note).HasMaxLength(4096);
        b.Property(d => d.Revision).IsConcurrencyToken();
        // The pending list of a queue, oldest first.
        b.HasIndex(d => new { d.Queue, d.ReviewedAt, d.ReadyAt });
        b.HasOne<CaseRecord>().WithOne().HasForeignKey<DoubleReviewRecord>(d => d.CaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SpotCheckRecordConfiguration : IEntityTypeConfiguration<SpotCheckRecord>
{
    public void Configure(EntityTypeBuilder<SpotCheckRecord> b)
    {
        b.ToTable("spot_checks");
        b.HasKey(s => s.CaseId);
        b.Property(s => s.CaseId).ValueGeneratedNever();
        b.Property(s => s.Workflow).HasMaxLength(128).IsRequired();
        b.Property(s => s.Queue).HasMaxLength(64);
        b.Property(s => s.ClaimedBy).HasMaxLength(128);
        b.Property(s => s.Reviewer).HasMaxLength(128);
        b.Property(s => s.RejectReasonCode).HasMaxLength(64);
        b.Property(s => s.Note).HasMaxLength(4096);
        b.Property(s => s.Revision).IsConcurrencyToken();
        // The open items of a queue, oldest first; and the sample of a workflow over a period (Insights).
        b.HasIndex(s => new { s.Queue, s.ReviewedAt, s.SampledAt });
        b.HasIndex(s => new { s.Workflow, s.SampledAt });
        b.HasOne<CaseRecord>().WithOne(c => c.SpotCheckItem).HasForeignKey<SpotCheckRecord>(s => s.CaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> b)
    {
        b.ToTable("data_protection_keys");
        b.HasKey(k => k.Id);
        b.Property(k => k.FriendlyName).HasMaxLength(256);
    }
}
