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

    /// <summary>The profile of the diseases' patients (one disease, or all), at a site or all: computed from scratch.</summary>
    public static async Task<ProfileFigures> ProfileAsync(
        IQuerySession session, string? diseaseCode, string? siteId, DateOnly cutOff, AsOf asOf, CancellationToken ct)
    {
        var parts = await ProfilePartsAsync(session, string.IsNullOrEmpty(diseaseCode) ? null : [diseaseCode], siteId, cutOff, ct);
        return Profile(parts.Values, diseaseCode, cutOff, asOf);
    }

    /// <summary>
    /// Each disease's part of the profile at the cut-off (all diseases when <paramref name="diseases"/> is null): its
    /// counts by system organ class, term, worst grade and week, and its TEAEs' onset days. Every patient belongs to
    /// one disease, so the parts add up to the profile of any set of diseases (<see cref="Profile"/>), and a part
    /// can be kept until its cohort's version or the cut-off changes.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ProfilePart>> ProfilePartsAsync(
        IQuerySession session, IReadOnlyCollection<string>? diseases, string? siteId, DateOnly cutOff, CancellationToken ct)
    {
        var where = "";
        var parameters = new List<NpgsqlParameter> { new("cut", cutOff) };
        if (diseases is not null)
        {
            parameters.Add(new NpgsqlParameter("diseases", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
            {
                Value = diseases.ToArray(),
            });
            where += " and disease_code = any(@diseases)";
        }

        if (!string.IsNullOrEmpty(siteId))
        {
            parameters.Add(new NpgsqlParameter("site", siteId));
            where += " and site_id = @site";
        }

        var exposure = await ReadAsync(session, $"""
            select disease_code, count(*), coalesce(sum(greatest(0, least(until_on, @cut) - from_on + 1)), 0)::bigint,
                   count(*) filter (where died), count(*) filter (where discontinued)
            from {Schema}.exposure_rows where true{where} group by disease_code
            """, parameters, r => (Disease: r.GetString(0), Exposed: r.GetInt64(1), Days: r.GetInt64(2), Deaths: r.GetInt64(3),
                Discontinued: r.GetInt64(4)), ct);
        // One pass over the TEAEs inside the exposure: every grouping the profile needs, per disease.
        var groups = await ReadAsync(session, $"""
            select disease_code, grouping(soc_key, term_key, term, onset_day), soc_key, term_key, term, onset_day,
                   count(distinct patient_id), count(*), count(*) filter (where serious), max(pt_code)
            from {Schema}.teae_rows
            where {Inside}{where}
            group by grouping sets ((disease_code), (disease_code, soc_key), (disease_code, soc_key, term_key),
                                    (disease_code, soc_key, term_key, term), (disease_code, onset_day))
            """, parameters, r => new TeaeGroup(
                r.GetString(0), r.GetInt32(1), Text(r, 2), Text(r, 3), Text(r, 4), r.IsDBNull(5) ? null : r.GetInt32(5),
                (int)r.GetInt64(6), (int)r.GetInt64(7), (int)r.GetInt64(8), Text(r, 9)), ct);
        var grades = await ReadAsync(session, $"""
            select disease_code, soc_key, term_key, worst, count(*) from (
                select disease_code, soc_key, term_key, patient_id, max(worst_grade) as worst
                from {Schema}.teae_rows where {Inside}{where} group by disease_code, soc_key, term_key, patient_id) w
            group by disease_code, soc_key, term_key, worst
            """, parameters, r => (Disease: r.GetString(0), Soc: Text(r, 1), Key: r.GetString(2), Grade: r.GetInt32(3),
                Patients: (int)r.GetInt64(4)), ct);

        var parts = new Dictionary<string, ProfilePart>(StringComparer.Ordinal);
        foreach (var x in exposure)
        {
            parts[x.Disease] = new ProfilePart(x.Exposed, x.Days, x.Deaths, x.Discontinued);
        }

        ProfilePart PartOf(string disease) =>
            parts.TryGetValue(disease, out var part) ? part : parts[disease] = new ProfilePart(0, 0, 0, 0);
        foreach (var g in groups)
        {
            var part = PartOf(g.Disease);
            // grouping(): a bit per column left out of the grouping set, in the order named (soc, term key, term, onset day).
            switch (g.Grouping)
            {
                case 0b1111:
                    (part.Patients, part.Events, part.Serious) = (g.Patients, g.Events, g.Serious);
                    break;
                case 0b0111:
                    part.Socs.Add(new SocCount(g.Soc, g.Patients, g.Events));
                    break;
                case 0b0011:
                    part.Pts.Add(new PtCount(g.Soc, g.TermKey!, g.Pt, g.Patients, g.Events));
                    break;
                case 0b0001:
                    part.Terms.Add(new TermCount(g.Soc, g.TermKey!, g.Term!, g.Events));
                    break;
                case 0b1110:
                    part.OnsetDays[g.OnsetDay!.Value] = g.Events;
                    break;
            }
        }

        foreach (var g in grades)
        {
            PartOf(g.Disease).Grades.Add(new GradeCount(g.Soc, g.Key, g.Grade, g.Patients));
        }

        return parts;
    }

    /// <summary>The profile of the parts' patients together: the figures of <see cref="SafetyProfile.Compute"/>.</summary>
    public static ProfileFigures Profile(IEnumerable<ProfilePart> parts, string? diseaseCode, DateOnly cutOff, AsOf asOf)
    {
        var all = parts.ToList();
        var days = all.Sum(p => p.Days);
        var patients = all.Sum(p => p.Patients);
        var events = all.Sum(p => p.Events);
        // The onset days in ascending order, from the parts' counts per day (no sort of the TEAEs themselves).
        var onsetDays = all.SelectMany(p => p.OnsetDays)
            .GroupBy(d => d.Key)
            .OrderBy(g => g.Key)
            .SelectMany(g => Enumerable.Repeat((double)g.Key, g.Sum(d => d.Value)))
            .ToArray();
        var socs = all.SelectMany(p => p.Socs).GroupBy(s => s.Soc)
            .Select(g => new SocCount(g.Key, g.Sum(s => s.Patients), g.Sum(s => s.Events)));
        var pts = all.SelectMany(p => p.Pts).GroupBy(p => (p.Soc, p.Key))
            .Select(g => new PtCount(g.Key.Soc, g.Key.Key, g.Select(p => p.Pt).OfType<string>().Max(StringComparer.Ordinal),
                g.Sum(p => p.Patients), g.Sum(p => p.Events)))
            .ToList();
        var grades = all.SelectMany(p => p.Grades).ToLookup(g => (g.Soc, g.Key));
        var terms = all.SelectMany(p => p.Terms).ToLookup(t => (t.Soc, t.Key));

        var years = days / Exposure.DaysPerYear;
        var (eair, ci) = SafetyProfile.Rate(patients, years);
        var (eaer, _) = SafetyProfile.Rate(events, years);
        var bySoc = socs
            .Select(soc =>
            {
                var (socRate, socCi) = SafetyProfile.Rate(soc.Patients, years);
                return new SocFigures(soc.Soc, soc.Patients, soc.Events, socRate, socCi, pts
                    .Where(pt => pt.Soc == soc.Soc)
                    .Select(pt => new PtFigures(pt.Pt,
                        MostFrequent(terms[(pt.Soc, pt.Key)].GroupBy(t => t.Term).Select(t => (t.Key, t.Sum(x => x.Events)))),
                        pt.Patients, pt.Events,
                        SafetyProfile.WorstGrades(
                            grades[(pt.Soc, pt.Key)].GroupBy(g => g.Grade).Select(g => (g.Key, g.Sum(x => x.Patients))))))
                    .OrderByDescending(p => p.Patients).ThenBy(p => p.Term, StringComparer.Ordinal)
                    .ToList());
            })
            .OrderByDescending(s => s.Patients).ThenBy(s => s.SocCode ?? "~", StringComparer.Ordinal)
            .ToList();
        var weeks = all.SelectMany(p => p.OnsetDays)
            .GroupBy(d => d.Key / 7)
            .OrderBy(w => w.Key)
            .ToDictionary(w => $"{w.Key * 7}-{w.Key * 7 + 6}", w => w.Sum(d => d.Value));
        return new ProfileFigures(
            string.IsNullOrEmpty(diseaseCode) ? null : diseaseCode,
            (int)all.Sum(p => p.Exposed),
            Statistics.Round(years, 4),
            patients,
            events,
            all.Sum(p => p.Serious),
            (int)all.Sum(p => p.Deaths),
            (int)all.Sum(p => p.Discontinued),
            eair,
            ci,
            eaer,
            bySoc,
            new OnsetFigures(
                events, Statistics.QuantileOfSorted(onsetDays, 0.5), Statistics.QuantileOfSorted(onsetDays, 0.25),
                Statistics.QuantileOfSorted(onsetDays, 0.75), weeks),
            cutOff,
            asOf);
    }

    /// <summary>The signals at the cut-off, computed from scratch.</summary>
    public static async Task<IReadOnlyList<SignalRow>> SignalsAsync(IQuerySession session, DateOnly cutOff, CancellationToken ct) =>
        Signals((await SignalPartsAsync(session, null, cutOff, ct)).Values);

    /// <summary>
    /// Each disease's part of the signals at the cut-off (all diseases when <paramref name="diseases"/> is null): its
    /// exposed patients, its patients with each term, its TEAEs by verbatim term. They add up across diseases, so a
    /// part can be kept until its cohort's version or the cut-off changes.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, SignalPart>> SignalPartsAsync(
        IQuerySession session, IReadOnlyCollection<string>? diseases, DateOnly cutOff, CancellationToken ct)
    {
        List<NpgsqlParameter> parameters = [new("cut", cutOff)];
        var where = "";
        if (diseases is not null)
        {
            parameters.Add(new NpgsqlParameter("diseases", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
            {
                Value = diseases.ToArray(),
            });
            where = " and disease_code = any(@diseases)";
        }

        var parts = (await ReadAsync(session,
                $"select disease_code, count(*) from {Schema}.exposure_rows where true{where} group by disease_code",
                parameters, r => (Disease: r.GetString(0), Patients: (int)r.GetInt64(1)), ct))
            .ToDictionary(x => x.Disease, x => new SignalPart(x.Disease, x.Patients), StringComparer.Ordinal);
        var groups = await ReadAsync(session, $"""
            select disease_code, term_key, grouping(term), term, count(distinct patient_id), count(*), max(pt_code)
            from {Schema}.teae_rows where {Inside}{where}
            group by grouping sets ((disease_code, term_key), (disease_code, term_key, term))
            """, parameters, r => (Disease: r.GetString(0), Key: r.GetString(1), ByKey: r.GetInt32(2) == 1, Term: Text(r, 3),
                Patients: (int)r.GetInt64(4), Events: (int)r.GetInt64(5), Pt: Text(r, 6)), ct);
        foreach (var g in groups.Where(g => parts.ContainsKey(g.Disease)))
        {
            if (g.ByKey)
            {
                parts[g.Disease].PatientsWithTerm[g.Key] = g.Patients;
            }
            else
            {
                parts[g.Disease].Terms.Add(new TermEvents(g.Key, g.Term!, g.Pt, g.Events));
            }
        }

        return parts;
    }

    /// <summary>The signals of the parts' diseases together: those of <see cref="Signals.Compute"/>.</summary>
    public static IReadOnlyList<SignalRow> Signals(IEnumerable<SignalPart> parts)
    {
        var all = parts.Where(p => p.Exposed > 0).ToList();
        if (all.Count < 2)
        {
            return [];
        }

        var terms = all.SelectMany(p => p.Terms)
            .GroupBy(t => t.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (Pt: g.Select(t => t.Pt).OfType<string>().Max(StringComparer.Ordinal),
                    Term: MostFrequent(g.GroupBy(t => t.Term, StringComparer.Ordinal).Select(t => (t.Key, t.Sum(x => x.Events))))),
                StringComparer.Ordinal);
        var total = all.Sum(p => p.Exposed);
        var rows = new List<SignalRow>();
        foreach (var part in all.OrderBy(p => p.Disease, StringComparer.Ordinal))
        {
            foreach (var (key, term) in terms.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                var a = part.PatientsWithTerm.GetValueOrDefault(key);
                if (a == 0)
                {
                    continue;
                }

                var c = all.Sum(p => p.PatientsWithTerm.GetValueOrDefault(key)) - a;
                rows.Add(Safety.Signals.Row(part.Disease, term.Pt, term.Term, a, part.Exposed - a, c, total - part.Exposed - c));
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

    private sealed record TeaeGroup(
        string Disease, int Grouping, string? Soc, string? TermKey, string? Term, int? OnsetDay, int Patients, int Events, int Serious,
        string? Pt);
}

public sealed record SocCount(string? Soc, int Patients, int Events);

public sealed record PtCount(string? Soc, string Key, string? Pt, int Patients, int Events);

public sealed record GradeCount(string? Soc, string Key, int Grade, int Patients);

public sealed record TermCount(string? Soc, string Key, string Term, int Events);

public sealed record TermEvents(string Key, string Term, string? Pt, int Events);

/// <summary>One disease's part of the signals at a cut-off: counts that add up across diseases.</summary>
public sealed class SignalPart(string disease, int exposed)
{
    public string Disease { get; } = disease;

    public int Exposed { get; } = exposed;

    /// <summary>How many of the disease's patients had a TEAE of each term key.</summary>
    public Dictionary<string, int> PatientsWithTerm { get; } = new(StringComparer.Ordinal);

    /// <summary>The TEAEs by term key and verbatim term.</summary>
    public List<TermEvents> Terms { get; } = [];
}

/// <summary>One disease's part of the safety profile at a cut-off: counts that add up across diseases.</summary>
public sealed class ProfilePart(long exposed, long days, long deaths, long discontinued)
{
    public long Exposed { get; } = exposed;

    public long Days { get; } = days;

    public long Deaths { get; } = deaths;

    public long Discontinued { get; } = discontinued;

    public int Patients { get; set; }

    public int Events { get; set; }

    public int Serious { get; set; }

    /// <summary>How many TEAEs began on each study day (their onset quartiles and weeks come from these).</summary>
    public Dictionary<int, int> OnsetDays { get; } = [];

    public List<SocCount> Socs { get; } = [];

    public List<PtCount> Pts { get; } = [];

    public List<GradeCount> Grades { get; } = [];

    public List<TermCount> Terms { get; } = [];
}
