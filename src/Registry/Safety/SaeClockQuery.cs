using System.Globalization;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Sites;

namespace Registry.Safety;

/// <summary>
/// Every SAE's reporting clocks, from the SAE rows (kept from the facts by triggers), the pv cases and the sites'
/// time zones. A disease's clocks are kept (<see cref="FiguresCache"/>) while its cohort version (stamped by a change of
/// a patient's facts or a pv action on one of its cases, migrations 0013 and 0014) and the sites' zones stay as they
/// were, and are brought to the present at each answer (<see cref="SaeClocks.AsOf"/>: only "overdue" turns with time).
/// After a new event or a pv action only that patient's disease is read again.
/// </summary>
public sealed class SaeClockQuery(FiguresCache cache, TimeProvider time)
{
    private const string Key = "sae-clocks";

    public async Task<IReadOnlyList<SaeClock>> LoadAsync(IQuerySession session, CancellationToken ct)
    {
        var sites = (await session.Query<Site>().ToListAsync(ct)).ToDictionary(s => s.Id, s => s.TimeZone, StringComparer.Ordinal);
        var zones = sites.ToDictionary(s => s.Key, s => TimeZoneInfo.FindSystemTimeZoneById(s.Value), StringComparer.Ordinal);
        var stamp = new HashCode();
        foreach (var (id, zone) in sites.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            stamp.Add(id, StringComparer.Ordinal);
            stamp.Add(zone, StringComparer.Ordinal);
        }

        var also = string.Create(CultureInfo.InvariantCulture, $"|{stamp.ToHashCode()}");
        var versions = (await CohortFigureQuery.VersionsAsync(session, null, null, null, null, ct))
            .ToDictionary(v => v.Key, v => v.Value + also, StringComparer.Ordinal);

        var perDisease = await cache.PerCohortAsync<IReadOnlyList<SaeClock>>(
            Key, versions, diseases => ReadAsync(session, diseases, sites, ct), _ => []);
        var now = time.GetUtcNow();
        return perDisease.Values
            .SelectMany(clocks => clocks)
            .Select(c => SaeClocks.AsOf(c, zones.GetValueOrDefault(c.SiteId, TimeZoneInfo.Utc), now))
            .OrderBy(c => c.RecordedAt)
            .ThenBy(c => c.AdverseEventId)
            .ToList();
    }

    private async Task<IReadOnlyDictionary<string, IReadOnlyList<SaeClock>>> ReadAsync(
        IQuerySession session, IReadOnlyCollection<string> diseases, IReadOnlyDictionary<string, string> zones, CancellationToken ct)
    {
        var command = new NpgsqlCommand($"select data::text from {RegistrySchema.Name}.sae_rows where disease_code = any(@diseases)");
        command.Parameters.Add(new NpgsqlParameter("diseases", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = diseases.ToArray() });
        var serializer = session.DocumentStore.Options.Serializer();
        var rows = new List<SaeRow>();
        await using (var reader = await session.ExecuteReaderAsync(command, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add(serializer.FromJson<SaeRow>(reader, 0));
            }
        }

        var cases = await SaeCaseRecord.LoadAsync(session, rows.Select(r => r.AdverseEventId).ToList(), ct);
        return SaeClocks.All(rows, cases, zones, time.GetUtcNow())
            .GroupBy(c => c.DiseaseCode, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<SaeClock>)g.ToList(), StringComparer.Ordinal);
    }
}
