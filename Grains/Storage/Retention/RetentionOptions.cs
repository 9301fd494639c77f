using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Storage.Retention;

/// <summary>
/// How long messages are kept, bound from the <c>Retention</c> section: entries of inboxes and group logs older than
/// <see cref="MaxAge"/>, or beyond the newest <see cref="MaxCount"/> of their log, are removed in the background.
/// Both zero (the default): everything is kept.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Retention";

    /// <summary>Entries stored longer ago than this are removed; zero: no age limit.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.Zero;

    /// <summary>Each inbox and group log keeps at most its newest this many entries; zero: no count limit.</summary>
    public long MaxCount { get; set; }

    /// <summary>The pause between two trimming rounds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most entries one trimming step removes (one statement in PostgreSQL mode); steps follow each other with <see cref="Pause"/> between.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>The pause between two steps of a round, so trimming never holds the store for long.</summary>
    public TimeSpan Pause { get; set; } = TimeSpan.FromMilliseconds(20);

    public bool Enabled => MaxAge > TimeSpan.Zero || MaxCount > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxAge < TimeSpan.Zero)
        {
            yield return new ValidationResult($"Retention:MaxAge {MaxAge} is negative (0 keeps messages of any age)", [nameof(MaxAge)]);
        }

        if (MaxCount < 0)
        {
            yield return new ValidationResult($"Retention:MaxCount {MaxCount} is negative (0 keeps any number)", [nameof(MaxCount)]);
        }

        if (Interval <= TimeSpan.Zero || Pause < TimeSpan.Zero)
        {
            yield return new ValidationResult("Retention:Interval must be positive and Retention:Pause not negative", [nameof(Interval)]);
        }

        if (BatchSize is < 1 or > 100_000)
        {
            yield return new ValidationResult($"Retention:BatchSize {BatchSize} must be from 1 to 100000", [nameof(BatchSize)]);
        }
    }
}
