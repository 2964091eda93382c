using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workbench.Data.Entities;

namespace Workbench.Data.Configurations;

internal sealed class SavedQueueViewRecordConfiguration : IEntityTypeConfiguration<SavedQueueViewRecord>
{
    public void Configure(EntityTypeBuilder<SavedQueueViewRecord> b)
    {
        b.ToTable("saved_queue_views");
        b.HasKey(v => v.Id);
        b.Property(v => v.UserName).HasMaxLength(128).IsRequired();
        b.Property(v => v.Name).HasMaxLength(60).IsRequired();
        b.Property(v => v.ReasonCode).HasMaxLength(64);
        b.Property(v => v.Workflow).HasMaxLength(64);
        b.Property(v => v.Claim).HasMaxLength(16).IsRequired();
        b.Property(v => v.Text).HasMaxLength(200);
        b.Property(v => v.Sort).HasMaxLength(16).IsRequired();
        b.Property(v => v.Density).HasMaxLength(16).IsRequired();
        // A name once per person: two writers racing with the same name leave one view, not two.
        b.HasIndex(v => new { v.UserName, v.Name }).IsUnique();
    }
}

internal sealed class QueuePreferenceRecordConfiguration : IEntityTypeConfiguration<QueuePreferenceRecord>
{
    public void Configure(EntityTypeBuilder<QueuePreferenceRecord> b)
    {
        b.ToTable("queue_preferences");
        b.HasKey(p => p.UserName);
        b.Property(p => p.UserName).HasMaxLength(128);
        b.Property(p => p.Density).HasMaxLength(16).IsRequired();
    }
}
