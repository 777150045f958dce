using Marten;
using Npgsql;
using NpgsqlTypes;
using Registry.Access;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Cohorts;

/// <summary>
/// One figure's aggregate over a cohort's figure rows: how many rows, how many with a value, with a response
/// (evaluable) and responding; the exact mean of the changes and the type-7 quartiles (PostgreSQL's <c>percentile_cont</c>) of the values.
/// </summary>
public sealed record FigureAggregate(
    string DiseaseCode, string Measure, int Day, int Rows, int WithValue, int Evaluable, int Responders,
    decimal? MeanChange, double? Q1, double? Median, double? Q3);

/// <summary>A cohort's aggregates by measure and day, and the counts of values at the target (the CGI-I distribution).</summary>
public sealed class CohortAggregates(IReadOnlyList<FigureAggregate> figures, IReadOnlyDictionary<decimal, int>? atTarget = null)
{
    private readonly Dictionary<(string, int), FigureAggregate> _byMeasure = figures.ToDictionary(f => (f.Measure, f.Day));

    public IReadOnlyList<FigureAggregate> All => figures;

    public FigureAggregate? Find(string measure, int day) => _byMeasure.GetValueOrDefault((measure, day));

    public IReadOnlyDictionary<decimal, int> AtTarget { get; } = atTarget ?? new Dictionary<decimal, int>();
}

/// <summary>
/// The cohort figures' reads: PostgreSQL aggregates the indexed figure rows (<c>registry.cohort_figure_rows</c>,
/// kept from the facts documents by triggers) of the caller's patients, filtered as asked; no document is read.
/// </summary>
public static class CohortFigureQuery
{
    /// <summary>
    /// Each cohort's version in the caller's scope: the newest stamp among the cohort's slices (site and therapy line)
    /// the caller may see, from <c>registry.cohort_versions</c> (a row per slice, stamped by the figure-row trigger
    /// whenever one of its patients' facts changes). A cohort's figures change only when its version does, so they
    /// can be kept per cohort; finding the versions reads that small table, not the figure rows.
    /// </summary>
    /// <param name="caller">Whose scope (null: every site, for figures computed for the whole registry).</param>
    public static async Task<IReadOnlyDictionary<string, string>> VersionsAsync(
        IQuerySession session, Caller? caller, string? therapyLine, string? siteId, IReadOnlyCollection<string>? diseaseCodes,
        CancellationToken ct)
    {
        var command = new NpgsqlCommand();
        var where = Filters(command, caller, therapyLine, siteId, diseaseCodes);
        command.CommandText = $"""
            select disease_code, max(version) from {RegistrySchema.Name}.cohort_versions
            where true{where}
            group by disease_code
            """;
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            versions[reader.GetString(0)] = reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return versions;
    }

    public static async Task<IReadOnlyDictionary<string, CohortAggregates>> AggregateAsync(
        IQuerySession session, Caller caller, string? therapyLine, string? siteId, IReadOnlyCollection<string>? diseaseCodes,
        IReadOnlyCollection<string> measures, IReadOnlyCollection<int> tregDays, CancellationToken ct)
    {
        var command = new NpgsqlCommand();
        var where = Filters(command, caller, therapyLine, siteId, diseaseCodes);
        command.Parameters.Add(new NpgsqlParameter("measures", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = measures.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("days", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = tregDays.ToArray() });
        command.CommandText = $"""
            select disease_code, measure, target_day, count(*), count(value), count(responder), count(*) filter (where responder),
                   avg(change) filter (where measure like 'clinical:%'),
                   percentile_cont(array[0.25, 0.5, 0.75]) within group (order by value) filter (where measure not like 'clinical:%')
            from {RegistrySchema.Name}.cohort_figure_rows
            where measure = any(@measures) and (measure <> 'treg' or target_day = any(@days)){where}
            group by disease_code, measure, target_day
            """;
        var rows = new List<FigureAggregate>();
        await using (var reader = await session.ExecuteReaderAsync(command, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                double?[] q = await reader.IsDBNullAsync(8, ct) ? [null, null, null] : reader.GetFieldValue<double?[]>(8);
                rows.Add(new FigureAggregate(
                    reader.GetString(0), reader.GetString(1), reader.GetInt32(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4),
                    (int)reader.GetInt64(5), (int)reader.GetInt64(6), await reader.IsDBNullAsync(7, ct) ? null : reader.GetDecimal(7),
                    q[0], q[1], q[2]));
            }
        }

        return rows.GroupBy(r => r.DiseaseCode, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new CohortAggregates(g.ToList()), StringComparer.Ordinal);
    }

    /// <summary>How many of the cohort's patients have each value at the target for a measure (e.g. CGI-I 1 to 7).</summary>
    public static async Task<IReadOnlyDictionary<decimal, int>> AtTargetAsync(
        IQuerySession session, Caller caller, string? therapyLine, string? siteId, string diseaseCode, string measure,
        CancellationToken ct)
    {
        var command = new NpgsqlCommand();
        var where = Filters(command, caller, therapyLine, siteId, [diseaseCode]);
        command.Parameters.AddWithValue("measure", measure);
        command.CommandText = $"""
            select at_target, count(*) from {RegistrySchema.Name}.cohort_figure_rows
            where measure = @measure and at_target is not null{where}
            group by at_target
            """;
        var counts = new Dictionary<decimal, int>();
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            counts[reader.GetDecimal(0)] = (int)reader.GetInt64(1);
        }

        return counts;
    }

    private static string Filters(
        NpgsqlCommand command, Caller? caller, string? therapyLine, string? siteId, IReadOnlyCollection<string>? diseaseCodes)
    {
        var where = "";
        if (caller is { IsSiteBound: true })
        {
            command.Parameters.Add(new NpgsqlParameter("sites", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = caller.Sites.ToArray() });
            where += " and site_id = any(@sites)";
        }

        if (!string.IsNullOrEmpty(siteId))
        {
            command.Parameters.AddWithValue("site", siteId);
            where += " and site_id = @site";
        }

        if (!string.IsNullOrEmpty(therapyLine) && Kebab.TryParse<TherapyLine>(therapyLine, out var line))
        {
            command.Parameters.AddWithValue("line", Kebab.Name(line));
            where += " and therapy_line = @line";
        }

        if (diseaseCodes is not null)
        {
            command.Parameters.Add(
                new NpgsqlParameter("diseases", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = diseaseCodes.ToArray() });
            where += " and disease_code = any(@diseases)";
        }

        return where;
    }
}
