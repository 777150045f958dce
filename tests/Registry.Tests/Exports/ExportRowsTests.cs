using Registry.Exports;
using Registry.Patients;
using static Registry.Tests.Patients.Rules.RuleFixture;

namespace Registry.Tests.Exports;

/// <summary>Each entry kind's export rows, in memory: their cells line up with the columns its table declares.</summary>
public sealed class ExportRowsTests
{
    private static readonly DateOnly FirstDose = new(2026, 3, 10);

    private static readonly Guid Ae = Guid.NewGuid();

    private static PatientState Patient() => Given(
        DoseGiven(FirstDose.AddDays(7)),
        DoseGiven(FirstDose),
        TregSampled(FirstDose.AddDays(-1)),
        Scored(FirstDose.AddDays(28)),
        AeReported(Ae, AeData(2, AeOutcome.Recovering, SeriousCriterion.Hospitalisation)),
        FollowedUp(Guid.NewGuid(), new AeFollowUpData(Ae, AeAware.AddDays(2), 4, null, null, null, null, null)),
        MedicationStarted(FirstDose.AddDays(-30)),
        new RecordSigned(Guid.NewGuid(), "Dr Test", SignatureMeaning.Review, 8),
        Withdrawn(FirstDose.AddDays(60)));

    private static Dictionary<string, List<object?[]>> Rows(string dates, bool freeText)
    {
        var definition = new ExportDefinition(new CohortDefinition([], [], null, null, null), 1, null, "csv", dates, "scope", freeText);
        return ExportBuilder.Rows(definition, Enrolled(), "Rkey", Patient())
            .GroupBy(r => r.Item1)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Item2).ToList());
    }

    [Theory]
    [InlineData("study-day", false)]
    [InlineData("study-day", true)]
    [InlineData("year", false)]
    [InlineData("year", true)]
    public void every_row_has_a_cell_for_each_column_of_its_table(string dates, bool freeText)
    {
        var tables = ExportTables.All(dates == "year", freeText).ToDictionary(t => t.Name);
        var rows = Rows(dates, freeText);

        Assert.Equal(["dm", "ex", "lb", "rs", "ae", "cm", "ds", "sg"], tables.Keys);
        Assert.Equal(tables.Keys.Order(), rows.Keys.Order());
        foreach (var (table, tableRows) in rows)
        {
            Assert.All(tableRows, row => Assert.Equal(tables[table].Columns.Count, row.Length));
        }

        Assert.Equal(freeText, tables.Values.SelectMany(t => t.Columns).Any(c => c.FreeText));
    }

    [Fact]
    public void the_kinds_rows_count_study_days_from_the_first_dose_in_order()
    {
        var rows = Rows("study-day", freeText: true);

        // The product as typed is free text: last, and only with free text.
        Assert.Equal(["Rkey", 1, 1_000_000L, "IU", "subcutaneous", "induction", "N", "aldesleukin"], rows["ex"][0]);
        Assert.Equal(["Rkey", 1, 1_000_000L, "IU", "subcutaneous", "induction", "N"], Rows("study-day", freeText: false)["ex"][0]);
        Assert.Equal(8, rows["ex"][1][1]);
        Assert.Equal(["TREGPCD4", "TREGCNT", "CD4CNT", "TCONVPCD"], rows["lb"].Select(r => r[1]));
        Assert.All(rows["lb"], r => Assert.Equal(-1, r[5]));
        Assert.Equal(["Rkey", "sledai-2k", 6m, 29], rows["rs"][0]);
        Assert.Equal(4, rows["ae"][0][3]);
        Assert.Equal("Y", rows["ae"][0][4]);
        Assert.Equal("fever", rows["ae"][0][^1]);
        Assert.Equal(["Rkey", "corticosteroid", 10m, -30, null, null, null, "prednisone", "mg/day"], rows["cm"][0]);
        Assert.Equal(["Rkey", "patient-decision", 61, null], rows["ds"][0]);
        Assert.Equal("Y", rows["dm"][0][^1]);
    }

    [Fact]
    public void a_completed_patient_has_one_disposition_row_and_an_undosed_one_counts_from_enrolment()
    {
        var definition = new ExportDefinition(new CohortDefinition([], [], null, null, null), 1, null, "csv", "study-day", "s", false);
        var rows = ExportBuilder.Rows(definition, Enrolled(), "Rkey", Given(Completed(EnrolledOn.AddDays(9)))).ToList();

        Assert.Equal([("dm", "N"), ("ds", "completed")], rows.Select(r => (r.Item1, r.Item1 == "dm" ? r.Item2[^1] : r.Item2[1])));
        Assert.Equal(10, rows[1].Item2[2]);
        Assert.Equal(1, rows[0].Item2[7]);
    }
}
