namespace Registry.Worklist;

/// <summary>
/// When the worklist asks for news of an unresolved adverse event (section <c>Worklist</c>; docs/operations.md): once
/// its last news (the day the site became aware of it, or its latest follow-up's <c>reportedOn</c>) is this many days old.
/// A registry convention, not a DOMAIN.md rule: a serious event sooner than a non-serious one.
/// </summary>
public sealed class WorklistOptions
{
    public const string Section = "Worklist";

    /// <summary>Days after the last news of a non-serious unresolved adverse event (default 30).</summary>
    public int AeFollowUpDays { get; set; } = 30;

    /// <summary>Days after the last news of a serious unresolved adverse event (default 14).</summary>
    public int SeriousAeFollowUpDays { get; set; } = 14;

    /// <summary>The day a follow-up of <paramref name="e"/> is owed from.</summary>
    public DateOnly FollowUpDueOn(Patients.UnresolvedEventSummary e) =>
        e.LastNewsOn.AddDays(e.Serious ? SeriousAeFollowUpDays : AeFollowUpDays);
}
