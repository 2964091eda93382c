using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workbench.Data.Entities;

namespace Workbench.Data.Configurations;

internal sealed class OutboxEventRecordConfiguration : IEntityTypeConfiguration<OutboxEventRecord>
{
    public void Configure(EntityTypeBuilder<OutboxEventRecord> b)
    {
        b.ToTable("outbox_events");
        b.HasKey(e => e.Id);
        b.Property(e => e.MessageId).HasMaxLength(64).IsRequired();
        b.Property(e => e.Type).HasMaxLength(64).IsRequired();
        b.Property(e => e.ClientId).HasMaxLength(128).IsRequired();
        b.Property(e => e.CallbackUrl).HasMaxLength(2048);
        b.Property(e => e.Body).IsRequired();
        b.HasIndex(e => e.MessageId).IsUnique();
        // Fanning out is UPDATE … WHERE FannedOutAt IS NULL: two instances can never both fan out one event.
        b.Property(e => e.FannedOutAt).IsConcurrencyToken();
        // The dispatcher's look-up of events not fanned out yet.
        b.HasIndex(e => new { e.FannedOutAt, e.Id });
        // Retention's look-up of a purged case's events whose body still holds its texts.
        b.HasIndex(e => new { e.CaseId, e.PurgedAt });
    }
}

internal sealed class WebhookEndpointRecordConfiguration : IEntityTypeConfiguration<WebhookEndpointRecord>
{
    public void Configure(EntityTypeBuilder<WebhookEndpointRecord> b)
    {
        b.ToTable("webhook_endpoints");
        b.HasKey(e => e.Id);
        b.Property(e => e.Id).ValueGeneratedNever();
        b.Property(e => e.ClientId).HasMaxLength(128).IsRequired();
        b.Property(e => e.Url).HasMaxLength(2048).IsRequired();
        b.Property(e => e.EventTypes).HasMaxLength(512).IsRequired();
        b.Property(e => e.SecretProtected).HasMaxLength(2048).IsRequired();
        b.Property(e => e.PreviousSecretProtected).HasMaxLength(2048);
        b.Property(e => e.DisabledReason).HasMaxLength(512);
        b.HasIndex(e => e.ClientId);
    }
}

internal sealed class WebhookAttemptRecordConfiguration : IEntityTypeConfiguration<WebhookAttemptRecord>
{
    public void Configure(EntityTypeBuilder<WebhookAttemptRecord> b)
    {
        b.ToTable("webhook_attempts");
        b.HasKey(a => a.Id);
        b.Property(a => a.ResponseBody).HasMaxLength(4096);
        b.Property(a => a.Error).HasMaxLength(512);
        // A delivery's attempts, an endpoint's latest, and retention's look-up by case.
        b.HasIndex(a => new { a.DeliveryId, a.Id });
        b.HasIndex(a => new { a.EndpointId, a.Id });
        b.HasIndex(a => a.CaseId);
        b.HasIndex(a => a.At);
        b.HasOne<WebhookDeliveryRecord>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookClientRecordConfiguration : IEntityTypeConfiguration<WebhookClientRecord>
{
    public void Configure(EntityTypeBuilder<WebhookClientRecord> b)
    {
        b.ToTable("webhook_clients");
        b.HasKey(h => h.ClientId);
        b.Property(h => h.ClientId).HasMaxLength(128);
        b.Property(h => h.CallbackHosts).HasMaxLength(2048).IsRequired();
        b.Property(h => h.SecretProtected).HasMaxLength(2048).IsRequired();
        b.Property(h => h.PreviousSecretProtected).HasMaxLength(2048);
    }
}

internal sealed class WebhookDeliveryRecordConfiguration : IEntityTypeConfiguration<WebhookDeliveryRecord>
{
    public void Configure(EntityTypeBuilder<WebhookDeliveryRecord> b)
    {
        b.ToTable("webhook_deliveries");
        b.HasKey(d => d.Id);
        b.Property(d => d.MessageId).HasMaxLength(64).IsRequired();
        b.Property(d => d.Type).HasMaxLength(64).IsRequired();
        b.Property(d => d.ClientId).HasMaxLength(128).IsRequired();
        b.Property(d => d.TargetKey).HasMaxLength(2100).IsRequired();
        b.Property(d => d.Url).HasMaxLength(2048).IsRequired();
        b.Property(d => d.Status).HasConversion<SnakeCaseEnumConverter<DeliveryStatus>>().HasMaxLength(16);
        b.Property(d => d.LastError).HasMaxLength(512);
        // Claims and results are compare-and-set on the claim token: a result is written only while the row still carries
        // the claim of the instance that sent it.
        b.Property(d => d.LeaseToken).IsConcurrencyToken();
        b.Property(d => d.Attempts).IsConcurrencyToken();
        // One delivery per event and target, whoever fans out.
        b.HasIndex(d => new { d.EventId, d.TargetKey }).IsUnique();
        // Due deliveries, and "is an earlier one of this case still pending for this target".
        b.HasIndex(d => new { d.Status, d.NextAttemptAt });
        b.HasIndex(d => new { d.CaseId, d.TargetKey, d.EventId });
        b.HasIndex(d => new { d.ClientId, d.Id });
        b.HasOne<OutboxEventRecord>().WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}
