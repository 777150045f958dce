using System.Diagnostics;
using JasperFx.Events;
using Marten;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Benchmarks;

/// <summary>
/// Where a rebuild of the facts spends its time in .NET, phase by phase, over the whole log: reading the events
/// through the store (SQL, and each event's JSON into its type), folding them (Evolve), the figure rows once per
/// patient (ApplyMetadata, without and with their JSON) and each document's JSON. What is left of a real rebuild's
/// time is the daemon's own work and PostgreSQL's (writing the documents, the figure-row triggers).
/// </summary>
public static class RebuildProfile
{
    public sealed record Phase(string What, double Seconds, long Count);

    public static async Task<IReadOnlyList<Phase>> RunAsync(IDocumentStore store, Response response, DiseaseCatalogue catalogue)
    {
        var serializer = store.Options.Serializer();
        var figures = new PatientFigureRows(response, catalogue);
        var fold = new PatientFactsProjection(null, figures, new SafetyRows());
        var withJson = new PatientFactsProjection(rows => serializer.ToJson(rows), figures, new SafetyRows());
        var facts = new Dictionary<Guid, PatientFacts>();
        var last = new Dictionary<Guid, IEvent>();
        var read = new Stopwatch();
        var evolve = new Stopwatch();
        long events = 0;
        const int Page = 20_000;
        await using var session = store.QuerySession();
        var high = (await session.AdvancedSql.QueryAsync<long>("select coalesce(max(seq_id), 0) from registry.mt_events", default))[0];
        for (long from = 0; from < high; from += Page)
        {
            read.Start();
            var page = await session.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > from && e.Sequence <= from + Page)
                .OrderBy(e => e.Sequence)
                .ToListAsync();
            read.Stop();
            evolve.Start();
            foreach (var e in page)
            {
                if (e.Data is not (PatientEnrolled or IEntryEvent or EntryCorrected or EntryVoided))
                {
                    continue;
                }

                facts.TryGetValue(e.StreamId, out var snapshot);
                if (fold.Evolve(snapshot, e.StreamId, e) is { } next)
                {
                    facts[e.StreamId] = next;
                    last[e.StreamId] = e;
                }

                events++;
            }

            evolve.Stop();
        }

        var rows = Stopwatch.StartNew();
        foreach (var (id, patient) in facts)
        {
            fold.ApplyMetadata(patient, last[id]);
        }

        rows.Stop();
        var rowsJson = Stopwatch.StartNew();
        foreach (var (id, patient) in facts)
        {
            patient.RowsChanged();
            withJson.ApplyMetadata(patient, last[id]);
            _ = patient.FigureRows;
        }

        rowsJson.Stop();
        var documents = Stopwatch.StartNew();
        long bytes = 0;
        foreach (var patient in facts.Values)
        {
            bytes += serializer.ToJson(patient).Length;
        }

        documents.Stop();
        return
        [
            new("reading the log through the store (SQL and each event's JSON into its type)", read.Elapsed.TotalSeconds, events),
            new("folding the events into the facts (Evolve)", evolve.Elapsed.TotalSeconds, events),
            new("the figure rows, once per patient (ApplyMetadata)", rows.Elapsed.TotalSeconds, facts.Count),
            new("the same with the rows' JSON", rowsJson.Elapsed.TotalSeconds, facts.Count),
            new($"each facts document's JSON ({bytes / Math.Max(1, facts.Count)} characters on average)", documents.Elapsed.TotalSeconds,
                facts.Count),
        ];
    }
}
