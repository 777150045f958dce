using System.Globalization;
using Registry.Patients;

namespace Registry.Exports;

/// <summary>
/// The export's tables and columns: the subjects (dm) here, then each entry kind's table, in the order of
/// <see cref="EntryKinds.All"/>. Day columns (…dy) become years (…yr) with <c>dates: year</c>.
/// </summary>
public static class ExportTables
{
    public static ExportShape ShapeOf(ExportDefinition export) => new(export.Dates == "year", export.IncludeFreeText);

    public static IReadOnlyList<Table> All(bool years, bool freeText)
    {
        var shape = new ExportShape(years, freeText);
        return
        [
            new("dm", "Subjects (demographics), one row per patient",
            [
                ExportShape.Usubjid,
                new("siteid", ColumnType.Text, null, "Site id"),
                new("disease", ColumnType.Text, null, "Disease cohort (catalogue code)"),
                new("sex", ColumnType.Text, null, "female, male, other or unknown"),
                new("age", ColumnType.Integer, "years", "Age at enrolment: enrolment year − birth year; over 89 given as 90"),
                new("therapyline", ColumnType.Text, null, "IL-2 as standalone or addon therapy"),
                new("setting", ColumnType.Text, null, "trial or routine care"),
                shape.Day("rfen", "enrolment"),
                new("treated", ColumnType.Text, null, "Y when at least one dose was given, else N"),
            ]),
            .. EntryKinds.All.Select(k => k.ExportTable(shape)).OfType<Table>().DistinctBy(t => t.Name),
        ];
    }

    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
