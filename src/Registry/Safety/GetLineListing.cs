using System.Globalization;
using System.Security.Claims;
using System.Text;
using CsvHelper;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Cohorts;
using Registry.Infrastructure;
using Wolverine.Http;

namespace Registry.Safety;

public static class GetLineListingEndpoint
{
    [WolverineGet("/api/safety/line-listing", OperationId = "getSaeLineListing")]
    [EndpointSummary("Get the line listing of serious adverse events.")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> Get(
        IDocumentSession session, SaeClockQuery clocks, Freshness freshness, HttpResponse response, ClaimsPrincipal user,
        TimeProvider time, string? format, CancellationToken ct)
    {
        if (format is not (null or "" or "json" or "csv"))
        {
            return Results.Problem(ValidationErrors.Single("format", $"'{format}' is not a format: use csv or json."));
        }

        Freshness.Describe(response, await freshness.FactsAsync(session, ct));
        var rows = LineListingRows(await clocks.LoadAsync(session, ct));
        session.Record(Caller.From(user), time, AuditActions.LineListing, detail: $"{rows.Count} SAE(s); format={format ?? "json"}");
        await session.SaveChangesAsync(ct);
        if (format != "csv")
        {
            return Results.Ok(rows);
        }

        await using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions(), leaveOpen: true))
        {
            csv.WriteHeader(["subjectCode", "siteId", "diseaseCode", "adverseEventId", "term", "meddraPtCode", "grade", "worstGrade",
                "seriousCriteria", "causality", "expected", "outcome", "onsetOn", "awareOn", "recordedAt", "siteDueAt", "siteLate", "susar",
                "regulatoryDueOn", "completeReportDueOn", "acknowledgedAt", "submittedOn", "status", "overdue", "downgraded"]);
            foreach (var r in rows)
            {
                csv.WriteRecord([
                    Text(r.SubjectCode), Text(r.SiteId), Text(r.DiseaseCode), r.AdverseEventId.ToString(), Text(r.Term),
                    Text(r.MeddraPtCode ?? ""),
                    Num(r.Grade), Num(r.WorstGrade), string.Join('|', r.SeriousCriteria.Select(c => Kebab.Name(c))),
                    r.Causality is { } c ? Kebab.Name(c) : "", r.Expected?.ToString().ToLowerInvariant() ?? "",
                    r.Outcome is { } o ? Kebab.Name(o) : "", r.OnsetOn.ToString(), Date(r.AwareOn),
                    r.RecordedAt.ToString("O", CultureInfo.InvariantCulture), r.SiteDueAt.ToString("O", CultureInfo.InvariantCulture),
                    Bool(r.SiteLate), Bool(r.Susar), Date(r.RegulatoryDueOn), Date(r.CompleteReportDueOn),
                    r.AcknowledgedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "", Date(r.SubmittedOn), Kebab.Name(r.Status),
                    Bool(r.Overdue), Bool(r.Downgraded)]);
            }
        }

        return Results.Text(text.ToString(), "text/csv", Encoding.UTF8);

        static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
        static string Text(string value) => CsvText.Neutralise(value);
        static string Date(DateOnly? value) => value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";
        static string Bool(bool value) => value ? "true" : "false";
    }

    /// <summary>
    /// The DSMB line listing's rows: every SAE in force, by awareness then subject. A voided adverse event
    /// counts nowhere (DOMAIN.md): its case stays among the clocks, closed and downgraded, but not here.
    /// </summary>
    public static IReadOnlyList<SaeClock> LineListingRows(IEnumerable<SaeClock> clocks) =>
        clocks.Where(c => !c.Voided)
            .OrderBy(c => c.AwareOn)
            .ThenBy(c => c.SubjectCode, StringComparer.Ordinal)
            .ToList();
}
