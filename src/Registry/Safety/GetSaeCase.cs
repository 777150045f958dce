using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Patients;
using Registry.Safety.Reports;
using Wolverine.Http;

namespace Registry.Safety;

public sealed record CasePatient(
    Guid PatientId, string SubjectCode, string SiteId, string? SiteName, string DiseaseCode, string DiseaseName, string AgeBand, Sex Sex,
    TherapyLine TherapyLine, DateOnly EnrolledOn, DateOnly? FirstDoseOn, DateOnly? DiedOn);

public sealed record CaseDose(
    DateOnly GivenOn, int? StudyDay, int DaysFromOnset, long DoseIu, DoseRoute Route, string Product, DosePhase Phase);

public sealed record CaseTreg(DateOnly SampledOn, int? StudyDay, int DaysFromOnset, decimal TregPercentOfCd4, decimal? TconvPercentOfCd4);

public sealed record CaseScore(DateOnly AssessedOn, int? StudyDay, int DaysFromOnset, string Instrument, decimal Value);

public sealed record CaseEventVersion(DateTimeOffset At, long Sequence, AeChangeKind Change, AdverseEventNow? Now, DateOnly? ReportedOn);

public sealed record CaseReportVersion(
    int Version, IcsrReportKind Kind, DateTimeOffset At, string? By, DateOnly? SubmittedOn, string? Authority, string? Reference,
    DateOnly? ReceivedOn, string? Reason);

public sealed record CaseNarrativeVersion(int Version, DateTimeOffset At, string? By, string Text);

/// <summary>The next report the case would send: its version and kind (an initial, a follow-up, or a nullification).</summary>
public sealed record NextCaseReport(int Version, IcsrReportKind Kind);

/// <summary>
/// One SAE case for the pv officer: the clock, the patient's context (age band, disease, dosing history, Treg and score
/// timeline with the days from onset, concomitant medications), the event as reported and every version of it, every step
/// of the case, its reports (versions), and the narrative (the latest written, or the generated draft) with its versions.
/// </summary>
public sealed record SaeCase(
    SaeClock Clock,
    CasePatient Patient,
    AdverseEventData Report,
    PartialDate OnsetOn,
    DateOnly ImputedOnset,
    bool Voided,
    IReadOnlyList<CaseEventVersion> EventVersions,
    IReadOnlyList<CaseDose> Doses,
    IReadOnlyList<CaseTreg> Tregs,
    IReadOnlyList<CaseScore> Scores,
    IReadOnlyList<ConmedData> Conmeds,
    IReadOnlyList<SaeAction> Steps,
    IReadOnlyList<CaseReportVersion> Reports,
    NextCaseReport NextReport,
    string Narrative,
    bool NarrativeIsDraft,
    string NarrativeDraft,
    IReadOnlyList<CaseNarrativeVersion> NarrativeVersions,
    string WorldwideCaseId);

public static class GetSaeCaseEndpoint
{
    [WolverineGet("/api/safety/sae/{adverseEventId}", OperationId = "getSaeCase")]
    [EndpointSummary("Get one SAE case: clock, patient context, event versions, steps, reports and narrative.")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> Get(
        Guid adverseEventId, IDocumentSession session, ClaimsPrincipal user, TimeProvider time, DiseaseCatalogue catalogue,
        IOptions<SafetyReportOptions> options, CancellationToken ct)
    {
        var (file, clock) = await CaseReportFiles.CurrentAsync(session, adverseEventId, time, ct);
        if (file is null || clock is null)
        {
            return Results.Problem(CaseReportFiles.NotFound());
        }

        var facts = file.Facts;
        var onset = file.Onset;
        var first = file.FirstDose;
        int? Day(DateOnly d) => first is { } f ? StudyDays.Of(f, d) : null;
        int FromOnset(DateOnly d) => d.DayNumber - onset.DayNumber;
        var disease = catalogue.FindDisease(facts.DiseaseCode)?.Name ?? facts.DiseaseCode;
        var age = onset.Year - facts.BirthYear;
        var band = $"{age / 10 * 10}–{(age / 10 * 10) + 9}";
        var reports = CaseReportFiles.Versions(file);
        var narratives = file.Actions.Where(a => a.Kind == SaeActionKind.Narrative)
            .Select((a, i) => new CaseNarrativeVersion(i + 1, a.At, a.By, a.Text ?? "")).ToList();
        var draft = CaseNarrative.Draft(file, disease);
        var answer = new SaeCase(
            clock,
            new CasePatient(facts.Id, facts.SubjectCode, facts.SiteId, file.Site?.Name, facts.DiseaseCode, disease, band, facts.Sex,
                facts.TherapyLine, facts.EnrolledOn, first, Exposure.DeathDate(facts)),
            file.Report,
            file.Now.OnsetOn,
            onset,
            file.Voided,
            [.. facts.AeHistory[adverseEventId].Select(m => new CaseEventVersion(m.At, m.Sequence, m.Change, m.Now, m.ReportedOn))],
            [.. file.Doses.Select(d =>
                new CaseDose(d.GivenOn, Day(d.GivenOn), FromOnset(d.GivenOn), d.DoseIu, d.Route, d.Product, d.Phase))],
            [.. facts.Tregs.Values.OrderBy(t => t.SampledOn)
                .Select(t => new CaseTreg(t.SampledOn, Day(t.SampledOn), FromOnset(t.SampledOn), t.TregPercentOfCd4, t.TconvPercentOfCd4))],
            [.. facts.Scores.Values.OrderBy(s => s.AssessedOn)
                .Select(s => new CaseScore(s.AssessedOn, Day(s.AssessedOn), FromOnset(s.AssessedOn), s.Instrument, s.Value))],
            file.Conmeds,
            file.Actions,
            reports,
            CaseReportFiles.Next(file, clock),
            narratives.Count > 0 ? narratives[^1].Text : draft,
            narratives.Count == 0,
            draft,
            narratives,
            file.Case?.CaseId ?? IcsrCases.WorldwideCaseId(options.Value, adverseEventId));
        session.Record(Caller.From(user), time, AuditActions.ReadCase, patientId: facts.Id, detail: $"sae case {adverseEventId}");
        await session.SaveChangesAsync(ct);
        return Results.Ok(answer);
    }
}

/// <summary>
/// <c>GET /api/safety/sae/{id}/e2b</c> and <c>…/cioms</c>: a version of the case's report as sent (<c>?version=n</c>: the
/// case as the registry knew it when that report was recorded, so it downloads the same every time), or, without a
/// version, the draft of the next report from the case as it stands now. Every download is in the audit.
/// </summary>
public static class CaseReportDownloads
{
    [WolverineGet("/api/safety/sae/{adverseEventId}/e2b", OperationId = "getSaeE2b")]
    [EndpointSummary("Download the case's ICH E2B(R3) ICSR (HL7 v3 XML): a version sent, or the next report's draft.")]
    [Authorize(Policy = Policies.Pv)]
    public static async Task<IResult> E2b(
        Guid adverseEventId, int? version, string? kind, string? reason, IDocumentSession session, ClaimsPrincipal user, TimeProvider time,
        DiseaseCatalogue catalogue,
        IOptions<SafetyReportOptions> options, ILogger<CaseReportFile> logger, CancellationToken ct)
    {
        var (icsr, problem) = await CaseReportFiles.ReportAsync(
            session, adverseEventId, version, kind, reason, time, catalogue, options.Value, ct);
        if (icsr is null)
        {
            return Results.Problem(problem!);
        }

        var id = $"{icsr.WorldwideCaseId}-v{icsr.Version}";
        var document = E2bReport.Build(icsr, id, id + "-1");
        if (options.Value.SchemaFolder is { Length: > 0 } folder)
        {
            var messages = E2bSchema.Validate(document, folder);
            if (messages.Count > 0)
            {
                logger.LogError(
                    "The E2B report {Report} does not pass the ICH schema: {Messages}", id, string.Join(" | ", messages.Take(5)));
                return Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status422UnprocessableEntity,
                    Title = "The report does not pass the ICH E2B(R3) schema; do not send it.",
                    Detail = string.Join(" ", messages.Take(10)),
                });
            }
        }

        session.Record(Caller.From(user), time, AuditActions.CaseReport, patientId: await PatientOf(session, adverseEventId, ct),
            detail: $"e2b {id} ({Kebab.Name(icsr.Kind)})");
        await session.SaveChangesAsync(ct);
        return Results.File(System.Text.Encoding.UTF8.GetBytes(E2bReport.ToXml(document)), "application/xml", $"e2b-{id}.xml");
    }

    [WolverineGet("/api/safety/sae/{adverseEventId}/cioms", OperationId = "getSaeCioms")]
    [EndpointSummary("Download the case's CIOMS I form (PDF): a version sent, or the next report's draft.")]
    [Authorize(Policy = Policies.Pv)]
    public static async Task<IResult> Cioms(
        Guid adverseEventId, int? version, string? kind, string? reason, IDocumentSession session, ClaimsPrincipal user, TimeProvider time,
        DiseaseCatalogue catalogue,
        IOptions<SafetyReportOptions> options, CancellationToken ct)
    {
        var (icsr, problem) = await CaseReportFiles.ReportAsync(
            session, adverseEventId, version, kind, reason, time, catalogue, options.Value, ct);
        if (icsr is null)
        {
            return Results.Problem(problem!);
        }

        var id = $"{icsr.WorldwideCaseId}-v{icsr.Version}";
        var pdf = CiomsForm.Render(icsr);
        session.Record(Caller.From(user), time, AuditActions.CaseReport, patientId: await PatientOf(session, adverseEventId, ct),
            detail: $"cioms {id} ({Kebab.Name(icsr.Kind)})");
        await session.SaveChangesAsync(ct);
        return Results.File(pdf, "application/pdf", $"cioms-{id}.pdf");
    }

    private static async Task<Guid?> PatientOf(IQuerySession session, Guid adverseEventId, CancellationToken ct) =>
        (await session.LoadAsync<AdverseEventOwner>(adverseEventId, ct))?.PatientId;
}

/// <summary>Marks the logger category of the case report downloads.</summary>
public sealed class CaseReportFile;

/// <summary>What the case page and the report downloads share: the case now, its report versions, and a version's report.</summary>
public static class CaseReportFiles
{
    public static Microsoft.AspNetCore.Mvc.ProblemDetails NotFound() => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No such serious adverse event.",
        Detail = "No adverse event with this id has been serious.",
    };

    /// <summary>The case now with its clock; both null when no adverse event has this id or it was never serious.</summary>
    public static async Task<(CaseFile? File, SaeClock? Clock)> CurrentAsync(
        IQuerySession session, Guid adverseEventId, TimeProvider time, CancellationToken ct)
    {
        var file = await CaseFile.LoadAsync(session, adverseEventId, null, ct);
        if (file is null)
        {
            return (null, null);
        }

        var clock = SaeClocks.Compute(file.Facts, adverseEventId, file.Case, file.Site?.TimeZone ?? "UTC", time.GetUtcNow());
        return clock is null ? (null, null) : (file, clock);
    }

    /// <summary>The reports the case sent, oldest first (version 1 is the initial report).</summary>
    public static IReadOnlyList<CaseReportVersion> Versions(CaseFile file) =>
        [.. file.Reports.Select((a, i) => new CaseReportVersion(i + 1, KindOf(a, i), a.At, a.By, a.SubmittedOn, a.Authority, a.Reference,
            a.ReceivedOn, a.Reason))];

    /// <summary>
    /// The next report's version and kind: the initial report first; then a nullification when the submitted case was
    /// downgraded; else a follow-up.
    /// </summary>
    public static NextCaseReport Next(CaseFile file, SaeClock clock)
    {
        var sent = file.Reports.Count;
        var kind = sent == 0 ? IcsrReportKind.Initial
            : clock.Downgraded && clock.NullifiedOn is null ? IcsrReportKind.Nullification
            : IcsrReportKind.FollowUp;
        return new NextCaseReport(sent + 1, kind);
    }

    private static IcsrReportKind KindOf(SaeAction report, int index) =>
        report.Kind == SaeActionKind.Nullification ? IcsrReportKind.Nullification
        : report.Kind == SaeActionKind.Amendment ? IcsrReportKind.Amendment
        : index == 0 ? IcsrReportKind.Initial
        : IcsrReportKind.FollowUp;

    /// <summary>
    /// Version <paramref name="version"/> of the case's report, from the case as the registry knew it when that report was
    /// recorded; without one, the next report's draft from the case now. A problem (404, or 400 naming the version) otherwise.
    /// </summary>
    public static async Task<(IcsrCase? Report, Microsoft.AspNetCore.Mvc.ProblemDetails? Problem)> ReportAsync(
        IQuerySession session, Guid adverseEventId, int? version, string? kind, string? reason, TimeProvider time,
        DiseaseCatalogue catalogue, SafetyReportOptions options, CancellationToken ct)
    {
        var (file, clock) = await CurrentAsync(session, adverseEventId, time, ct);
        if (file is null || clock is null)
        {
            return (null, NotFound());
        }

        var reports = file.Reports;
        if (version is null && clock.NullifiedOn is not null)
        {
            return (null, SaeCaseActions.Conflict("The case was nullified: no report follows a nullification."));
        }

        if (version is null)
        {
            var next = Next(file, clock);
            var draft = next.Kind;
            if (kind is not null)
            {
                var asked = kind switch
                {
                    "initial" => IcsrReportKind.Initial,
                    "follow-up" => IcsrReportKind.FollowUp,
                    "amendment" => IcsrReportKind.Amendment,
                    "nullification" => IcsrReportKind.Nullification,
                    _ => (IcsrReportKind?)null,
                };
                if (asked != next.Kind && !(asked == IcsrReportKind.Amendment && next.Kind == IcsrReportKind.FollowUp))
                {
                    return (null, ValidationErrors.Single("kind", $"The case's next report is {Kebab.Name(next.Kind)}"
                        + (next.Kind == IcsrReportKind.FollowUp ? " (or amendment)" : "") + $": '{kind}' is not one it can send."));
                }

                draft = asked!.Value;
            }

            var changes = draft is IcsrReportKind.Nullification or IcsrReportKind.Amendment;
            if (reason is not null && (!changes || string.IsNullOrWhiteSpace(reason) || reason.Length > CaseReportEndpoints.MaxReason))
            {
                return (null, ValidationErrors.Single("reason", changes
                    ? $"The reason the report will give: 1 to {CaseReportEndpoints.MaxReason:N0} characters."
                    : "Only a nullification or an amendment gives a reason."));
            }

            var why = reason?.Trim() ?? (draft == IcsrReportKind.Nullification
                ? "The case no longer meets the criteria for expedited reporting (downgraded after its submission)."
                : null);
            return (IcsrCases.Build(file, options, catalogue, next.Version, draft, file.ChangedAt(), null, why), null);
        }

        if (kind is not null || reason is not null)
        {
            return (null, ValidationErrors.Single(kind is not null ? "kind" : "reason",
                "A report sent is downloaded as it was: kind and reason go with the next report's draft only."));
        }

        if (version < 1 || version > reports.Count)
        {
            return (null, ValidationErrors.Single("version", reports.Count == 0
                ? "The case has sent no report yet: leave the version out for the draft of the initial report."
                : $"The case has sent {reports.Count} report(s): version is 1 to {reports.Count}, "
                    + "or left out for the next report's draft."));
        }

        var sentReport = reports[version.Value - 1];
        var then = await CaseFile.LoadAsync(session, adverseEventId, sentReport.Sequence, ct);
        if (then is null)
        {
            return (null, NotFound());
        }

        var sentKind = KindOf(sentReport, version.Value - 1);
        return (IcsrCases.Build(then, options, catalogue, version.Value, sentKind, then.ChangedAt(sentReport.Sequence),
            sentReport.ReceivedOn, sentReport.Reason), null);
    }
}
