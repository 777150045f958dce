using Marten;

namespace Registry.Patients;

/// <summary>
/// Every enrolment as it stood at a point of the event log: the enrolment with the amendments recorded by then (a
/// corrected disease or therapy line, a transfer, a regimen change); a voided one is in none. What an export's membership
/// and the cohort figures as of a point both follow.
/// </summary>
public static class EnrolmentsAt
{
    /// <summary>The enrolment's events: how it was recorded and every amendment of it, by their names in the log.</summary>
    public static readonly string[] EventNames = [.. Amendments.EnrolmentEventTypes.Prepend(typeof(PatientEnrolled)).Select(EventName)];

    /// <summary>An event type's name in the log (Marten's default alias: snake case).</summary>
    public static string EventName(Type type) =>
        System.Text.RegularExpressions.Regex.Replace(type.Name, "(?<!^)([A-Z])", "_$1").ToLowerInvariant();

    /// <param name="instant">When given, only the events recorded up to it (an imported history's are not in log order).</param>
    public static async Task<IReadOnlyList<PatientEnrolled>> LoadAsync(
        IQuerySession session, long point, DateTimeOffset? instant, CancellationToken ct)
    {
        var query = session.Events.QueryAllRawEvents().Where(e => e.EventTypeName.IsOneOf(EventNames) && e.Sequence <= point);
        if (instant is { } at)
        {
            query = query.Where(e => e.Timestamp <= at);
        }

        var events = await query.OrderBy(e => e.Sequence).ToListAsync(ct);
        var enrolments = new Dictionary<Guid, PatientEnrolled?>();
        foreach (var e in events)
        {
            enrolments[e.StreamId] = e.Data switch
            {
                PatientEnrolled enrolled => enrolled,
                EnrolmentVoided => null,
                var amendment when enrolments.GetValueOrDefault(e.StreamId) is { } current =>
                    Amendments.Apply(current, amendment) ?? current,
                _ => null,
            };
        }

        return [.. enrolments.Values.OfType<PatientEnrolled>()];
    }
}
