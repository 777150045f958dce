using System.Globalization;
using Registry.Catalogue;

namespace Registry.Patients;

/// <summary>
/// The registry's own data queries: each rule of the catalogue (<see cref="DiseaseCatalogue.QueryRules"/>, data) looks
/// at the entries a visit records, and opens a query on the field it doubts, in the same step (so the site sees it on
/// its worklist at once, and the monitor on the monitor page). Entries recorded before, and corrections, are not looked at.
/// </summary>
public static class AutomaticQueries
{
    public static IEnumerable<QueryOpened> For(PatientState patient, IReadOnlyList<object> events, DiseaseCatalogue catalogue)
    {
        var added = events.Select(NewEntry.From).OfType<NewEntry>().ToList();
        if (added.Count == 0)
        {
            return [];
        }

        // The patient's entries of a kind in force, with the visit's new ones.
        IEnumerable<(Guid Id, DateOnly Date, System.Text.Json.Nodes.JsonObject Data)> All(EntryKind kind) =>
            patient.Current(kind).Select(e => (e.Key, e.Value.Date, e.Value.Data))
                .Concat(added.Where(n => n.Kind == kind).Select(n => (n.EntryId, n.Date, n.Data)));

        var queries = new List<QueryOpened>();
        foreach (var rule in catalogue.QueryRules)
        {
            switch (rule.Code)
            {
                case QueryRules.TregWithoutBaseline:
                    var doses = All(EntryKind.Dose).Select(d => d.Date).ToList();
                    if (doses.Count == 0)
                    {
                        break;
                    }

                    var first = doses.Min();
                    if (All(EntryKind.Treg).Any(t => t.Date <= first))
                    {
                        break;
                    }

                    queries.AddRange(added.Where(n => n.Kind == EntryKind.Treg && n.Date > first)
                        .Select(n => Open(rule, n, rule.Text)));
                    break;

                case QueryRules.ScoreBeyondUsualChange when rule.FractionOfRange is { } fraction:
                    var scores = All(EntryKind.Score)
                        .Select(s => (s.Id, s.Date, Score: EntryJson.Read<ScoreData>(s.Data))).ToList();
                    foreach (var n in added.Where(n => n.Kind == EntryKind.Score))
                    {
                        var score = EntryJson.Read<ScoreData>(n.Data);
                        if (catalogue.FindInstrument(patient.DiseaseCode, score.Instrument) is not { } instrument)
                        {
                            continue;
                        }

                        var usual = (instrument.Max - instrument.Min) * fraction;
                        var previous = scores
                            .Where(s => s.Id != n.EntryId && s.Score.Instrument == score.Instrument && s.Date < n.Date)
                            .OrderByDescending(s => s.Date).FirstOrDefault();
                        if (previous.Score is { } before && Math.Abs(score.Value - before.Value) > usual)
                        {
                            queries.Add(Open(rule, n, rule.Text
                                .Replace("{change}", Number(score.Value - before.Value), StringComparison.Ordinal)
                                .Replace("{previous}", Number(before.Value), StringComparison.Ordinal)
                                .Replace("{previousOn}", previous.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                                    StringComparison.Ordinal)
                                .Replace("{usualChange}", Number(usual), StringComparison.Ordinal)));
                        }
                    }

                    break;
            }
        }

        return queries;
    }

    private static QueryOpened Open(QueryRule rule, NewEntry entry, string text) =>
        new(Guid.CreateVersion7(), entry.EntryId, entry.Kind, "$." + rule.Field, text, rule.Code);

    private static string Number(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
