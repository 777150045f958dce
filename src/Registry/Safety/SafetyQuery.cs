using Marten;
using Npgsql;
using Registry.Cohorts;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Safety;

/// <summary>
/// The safety profile and the signals from PostgreSQL's aggregates of the exposure and TEAE rows
/// (<see cref="SafetyRows"/>), ended at the request's cut-off: the same figures as <see cref="SafetyProfile.Compute"/>
/// and <see cref="Signals.Compute"/> over the facts, without reading a document.
/// </summary>
public static class SafetyQuery
{
    private static string Schema => RegistrySchema.Name;

    /// <summary>A TEAE row counts when its onset is inside the exposure ended at the cut-off.</summary>
    private const string Inside = "onset_on <= least(until_on, @cut)";

    public static async Task<ProfileFigures> ProfileAsync(
        IQuerySession session, string? diseaseCode, string? siteId, DateOnly cutOff, AsOf asOf, CancellationToken ct)
    {
        var where = "";
        var parameters = new List<NpgsqlParameter> { new("cut", cutOff) };
        if (!string.IsNullOrEmpty(diseaseCode))
        {
            parameters.Add(new NpgsqlParameter("disease", diseaseCode));
            where += " and disease_code = @disease";
        }

        if (!string.IsNullOrEmpty(siteId))
        {
            parameters.Add(new NpgsqlParameter("site", siteId));
            where += " and site_id = @site";
        }

        var exposure = (await ReadAsync(session, $"""
            select count(*), coalesce(sum(greatest(0, least(until_on, @cut) - from_on + 1)), 0)::bigint,
                   count(*) filter (where died), count(*) filter (where discontinued)
            from {Schema}.exposure_rows where true{where}
            """, parameters, r => (Exposed: r.GetInt64(0), Days: r.GetInt64(1), Deaths: r.GetInt64(2), Discontinued: r.GetInt64(3)),
            ct))[0];
        var events = (await ReadAsync(session, $"""
            select count(distinct patient_id), count(*), count(*) filter (where serious),
                   percentile_cont(array[0.25, 0.5, 0.75]) within group (order by onset_day)
            from {Schema}.teae_rows where {Inside}{where}
            """, parameters, r => (
                Patients: (int)r.GetInt64(0), Events: (int)r.GetInt64(1), Serious: (int)r.GetInt64(2),
                Onset: r.IsDBNull(3) ? [null, null, null] : r.GetFieldValue<double?[]>(3)), ct))[0];
        var socs = await ReadAsync(session, $"""
            select soc_key, count(distinct patient_id), count(*) from {Schema}.teae_rows where {Inside}{where} group by soc_key
            """, parameters, r => (Soc: Text(r, 0), Patients: (int)r.GetInt64(1), Events: (int)r.GetInt64(2)), ct);
        var pts = await ReadAsync(session, $"""
            select soc_key, term_key, max(pt_code), count(distinct patient_id), count(*)
            from {Schema}.teae_rows where {Inside}{where} group by soc_key, term_key
            """, parameters, r => (Soc: Text(r, 0), Key: r.GetString(1), Pt: Text(r, 2), Patients: (int)r.GetInt64(3),
                Events: (int)r.GetInt64(4)), ct);
        var grades = (await ReadAsync(session, $"""
            select soc_key, term_key, worst, count(*) from (
                select soc_key, term_key, patient_id, max(worst_grade) as worst
                from {Schema}.teae_rows where {Inside}{where} group by soc_key, term_key, patient_id) w
            group by soc_key, term_key, worst
            """, parameters, r => (Soc: Text(r, 0), Key: r.GetString(1), Grade: r.GetInt32(2), Patients: (int)r.GetInt64(3)), ct))
            .ToLookup(g => (g.Soc, g.Key));
        var terms = (await ReadAsync(session, $"""
            select soc_key, term_key, term, count(*) from {Schema}.teae_rows where {Inside}{where} group by soc_key, term_key, term
            """, parameters, r => (Soc: Text(r, 0), Key: r.GetString(1), Term: r.GetString(2), Events: (int)r.GetInt64(3)), ct))
            .ToLookup(t => (t.Soc, t.Key));
        var weeks = await ReadAsync(session, $"""
            select onset_day / 7, count(*) from {Schema}.teae_rows where {Inside}{where} group by 1 order by 1
            """, parameters, r => (Week: r.GetInt32(0), Events: (int)r.GetInt64(1)), ct);

        var years = exposure.Days / Exposure.DaysPerYear;
        var (eair, ci) = SafetyProfile.Rate(events.Patients, years);
        var (eaer, _) = SafetyProfile.Rate(events.Events, years);
        var bySoc = socs
            .Select(soc =>
            {
                var (socRate, socCi) = SafetyProfile.Rate(soc.Patients, years);
                return new SocFigures(soc.Soc, soc.Patients, soc.Events, socRate, socCi, pts
                    .Where(pt => pt.Soc == soc.Soc)
                    .Select(pt => new PtFigures(pt.Pt, MostFrequent(terms[(pt.Soc, pt.Key)].Select(t => (t.Term, t.Events))),
                        pt.Patients, pt.Events, SafetyProfile.WorstGrades(grades[(pt.Soc, pt.Key)].Select(g => (g.Grade, g.Patients)))))
                    .OrderByDescending(p => p.Patients).ThenBy(p => p.Term, StringComparer.Ordinal)
                    .ToList());
            })
            .OrderByDescending(s => s.Patients).ThenBy(s => s.SocCode ?? "~", StringComparer.Ordinal)
            .ToList();
        return new ProfileFigures(
            string.IsNullOrEmpty(diseaseCode) ? null : diseaseCode,
            (int)exposure.Exposed,
            Statistics.Round(years, 4),
            events.Patients,
            events.Events,
            events.Serious,
            (int)exposure.Deaths,
            (int)exposure.Discontinued,
            eair,
            ci,
            eaer,
            bySoc,
            new OnsetFigures(events.Events, events.Onset[1], events.Onset[0], events.Onset[2],
                weeks.ToDictionary(w => $"{w.Week * 7}-{w.Week * 7 + 6}", w => w.Events)),
            cutOff,
            asOf);
    }

    public static async Task<IReadOnlyList<SignalRow>> SignalsAsync(IQuerySession session, DateOnly cutOff, CancellationToken ct)
    {
        List<NpgsqlParameter> parameters = [new("cut", cutOff)];
        var exposed = (await ReadAsync(session, $"select disease_code, count(*) from {Schema}.exposure_rows group by disease_code",
                parameters, r => (Disease: r.GetString(0), Patients: (int)r.GetInt64(1)), ct))
            .ToDictionary(x => x.Disease, x => x.Patients, StringComparer.Ordinal);
        if (exposed.Count < 2)
        {
            return [];
        }

        var withTerm = await ReadAsync(session, $"""
            select disease_code, term_key, count(distinct patient_id) from {Schema}.teae_rows where {Inside} group by disease_code, term_key
            """, parameters, r => (Disease: r.GetString(0), Key: r.GetString(1), Patients: (int)r.GetInt64(2)), ct);
        var terms = (await ReadAsync(session, $"""
            select term_key, term, max(pt_code), count(*) from {Schema}.teae_rows where {Inside} group by term_key, term
            """, parameters, r => (Key: r.GetString(0), Term: r.GetString(1), Pt: Text(r, 2), Events: (int)r.GetInt64(3)), ct))
            .GroupBy(t => t.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (Pt: g.Select(t => t.Pt).FirstOrDefault(pt => pt is not null), Term: MostFrequent(g.Select(t => (t.Term, t.Events)))),
                StringComparer.Ordinal);
        var patientsWith = withTerm.ToLookup(w => w.Key, StringComparer.Ordinal);
        var total = exposed.Values.Sum();
        var rows = new List<SignalRow>();
        foreach (var (disease, members) in exposed.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            foreach (var (key, term) in terms.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                var a = patientsWith[key].Where(w => w.Disease == disease).Sum(w => w.Patients);
                if (a == 0)
                {
                    continue;
                }

                var c = patientsWith[key].Sum(w => w.Patients) - a;
                rows.Add(Signals.Row(disease, term.Pt, term.Term, a, members - a, c, total - members - c));
            }
        }

        return rows;
    }

    /// <summary>The verbatim term written most often, the first in ordinal order on a tie.</summary>
    private static string MostFrequent(IEnumerable<(string Term, int Events)> terms) =>
        terms.OrderByDescending(t => t.Events).ThenBy(t => t.Term, StringComparer.Ordinal).First().Term;

    private static string? Text(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static async Task<List<T>> ReadAsync<T>(
        IQuerySession session, string sql, IEnumerable<NpgsqlParameter> parameters, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        var command = new NpgsqlCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(p.Clone());
        }

        var rows = new List<T>();
        await using var reader = (NpgsqlDataReader)await session.ExecuteReaderAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
