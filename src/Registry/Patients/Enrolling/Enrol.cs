using System.Security.Claims;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Registry.Catalogue;
using Registry.Infrastructure;
using Registry.Sites;
using Registry.Writing;
using Wolverine.Http;

namespace Registry.Patients.Enrolling;

public sealed record RegimenRequest(int? InductionDays, int? MaintenanceIntervalDays);

public sealed record EnrolPatient(
    string? SubjectCode,
    string? SiteId,
    string? DiseaseCode,
    int? BirthYear,
    string? Sex,
    DateOnly? EnrolledOn,
    string? ConsentVersion,
    string? TherapyLine,
    string? Setting,
    RegimenRequest? Regimen);

public sealed record PatientEnrolledResponse(Guid PatientId, long Version)
    : CreationResponse("/api/patients/" + PatientId);

/// <summary>
/// Reserves a subject code at a site. Its id is unique, so two enrolments racing for one code
/// cannot both commit: the second one's insert fails inside the same transaction as its events.
/// </summary>
public sealed class SubjectCodeClaim
{
    public string Id { get; set; } = "";

    public Guid PatientId { get; set; }

    public static string KeyFor(string siteId, string subjectCode) =>
        $"{siteId}/{subjectCode}".ToUpperInvariant();
}

public static class EnrolEndpoint
{
    public const int MaxSubjectCodeLength = 40;
    public const int OldestBirthYearSpan = 120;

    public static async Task<ProblemDetails> CheckAsync(
        EnrolPatient command, ClaimsPrincipal user, IQuerySession session, DiseaseCatalogue catalogue, TimeProvider time,
        CancellationToken ct)
    {
        if (command.SiteId is { } named && !Caller.From(user).Sites.Contains(named.Trim()))
        {
            return SiteAccess.NotYourSite(named);
        }

        var errors = new ValidationErrors();

        var subjectCode = errors.Required("subjectCode", command.SubjectCode, "Give the site's subject code for this patient.");
        if (subjectCode is { Length: > MaxSubjectCodeLength })
        {
            errors.Add("subjectCode", $"A subject code has at most {MaxSubjectCodeLength} characters.");
        }

        Site? site = null;
        var siteId = errors.Required("siteId", command.SiteId, "Give the site id, e.g. FR01.");
        if (siteId is not null)
        {
            site = await session.LoadAsync<Site>(siteId, ct);
            if (site is null)
            {
                errors.Add("siteId", $"There is no site '{siteId}' in the registry.");
            }
        }

        var today = SiteClock.Today(time, site?.TimeZone ?? "UTC");
        CheckFields(command, errors, catalogue, today, path => path);
        if (command.Regimen is { } regimen)
        {
            CheckRegimen(errors, regimen.InductionDays, regimen.MaintenanceIntervalDays, path => "regimen." + path);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var claim = await session.LoadAsync<SubjectCodeClaim>(SubjectCodeClaim.KeyFor(siteId!, subjectCode!), ct);
        return claim is null ? WolverineContinue.NoProblems : SubjectCodeTaken(siteId!, subjectCode!, claim.PatientId);
    }

    /// <summary>
    /// The enrolment's clinical fields, checked the same way at enrolment and in a correction of it (<paramref name="at"/>
    /// names each field's path in the request: <c>birthYear</c>, or <c>changes.birthYear</c>).
    /// </summary>
    public static void CheckFields(
        EnrolPatient command, ValidationErrors errors, DiseaseCatalogue catalogue, DateOnly today, Func<string, string> at)
    {
        var diseaseCode = errors.Required(at("diseaseCode"), command.DiseaseCode, "Give the disease's catalogue code, e.g. sle.");
        if (diseaseCode is not null && catalogue.FindDisease(diseaseCode) is null)
        {
            errors.Add(at("diseaseCode"),
                $"'{diseaseCode}' is not in the disease catalogue: " +
                $"use one of {string.Join(", ", catalogue.Diseases.Select(d => d.Code))}.");
        }

        if (command.BirthYear is not { } birthYear)
        {
            errors.Add(at("birthYear"), "Give the year of birth (the year only).");
        }
        else if (birthYear > today.Year)
        {
            errors.Add(at("birthYear"), $"The year of birth {birthYear} is in the future.");
        }
        else if (birthYear < today.Year - OldestBirthYearSpan)
        {
            errors.Add(at("birthYear"), $"The year of birth {birthYear} is more than {OldestBirthYearSpan} years ago; check it.");
        }

        errors.Enumeration<Sex>(at("sex"), command.Sex, "sex");

        if (command.EnrolledOn is not { } enrolledOn)
        {
            errors.Add(at("enrolledOn"), "Give the enrolment date (yyyy-MM-dd).");
        }
        else if (enrolledOn > today)
        {
            errors.Add(at("enrolledOn"), $"The enrolment date {enrolledOn:yyyy-MM-dd} is after the site's today ({today:yyyy-MM-dd}).");
        }
        else if (command.BirthYear is { } year && enrolledOn.Year < year)
        {
            errors.Add(at("enrolledOn"), $"The enrolment date {enrolledOn:yyyy-MM-dd} is before the year of birth {year}.");
        }

        errors.Required(at("consentVersion"), command.ConsentVersion, "Give the version of the consent form the patient signed.");
        errors.Enumeration<TherapyLine>(at("therapyLine"), command.TherapyLine, "therapy line");
        errors.Enumeration<CareSetting>(at("setting"), command.Setting, "care setting");
    }

    public static void CheckRegimen(ValidationErrors errors, int? inductionDays, int? maintenanceIntervalDays, Func<string, string> at)
    {
        if (inductionDays is < 0 or > 31)
        {
            errors.Add(at("inductionDays"), "Induction lasts 0 to 31 days.");
        }

        if (maintenanceIntervalDays is < 1 or > 90)
        {
            errors.Add(at("maintenanceIntervalDays"), "The maintenance interval is 1 to 90 days.");
        }
    }

    [WolverinePost("/api/patients", OperationId = "enrolPatient")]
    [EndpointSummary("Enrol a patient.")]
    [Authorize(Policy = Policies.SiteStaff)]
    [ProducesResponseType<PatientEnrolledResponse>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(
        EnrolPatient command, IDocumentSession session, HttpContext http, DiseaseCatalogue catalogue, TimeProvider time) =>
        WritePath.ExecuteAsync(http, session, time, command, [],
            _ => Task.FromResult(WriteTarget.New),
            async ct =>
            {
                var problem = await CheckAsync(command, http.User, session, catalogue, time, ct);
                if (!ReferenceEquals(problem, WolverineContinue.NoProblems))
                {
                    return WriteOutcome.Reject(problem);
                }

                var enrolled = Enrolment(command);
                session.Events.StartStream<PatientEnrolled>(enrolled.PatientId, enrolled);
                session.Insert(new SubjectCodeClaim
                {
                    Id = SubjectCodeClaim.KeyFor(enrolled.SiteId, enrolled.SubjectCode),
                    PatientId = enrolled.PatientId,
                });
                var answer = new PatientEnrolledResponse(enrolled.PatientId, 1);
                return WriteOutcome.Accept(new WriteAnswer(StatusCodes.Status201Created, answer, answer.Url));
            },
            async (_, ct) =>
            {
                // Another enrolment took the code between the check and the commit; nothing of ours was written.
                await using var fresh = session.DocumentStore.QuerySession();
                var (siteId, subjectCode) = (command.SiteId!.Trim(), command.SubjectCode!.Trim());
                var claim = await fresh.LoadAsync<SubjectCodeClaim>(SubjectCodeClaim.KeyFor(siteId, subjectCode), ct);
                return claim is null ? null : SubjectCodeTaken(siteId, subjectCode, claim.PatientId);
            });

    private static PatientEnrolled Enrolment(EnrolPatient command) => new(
        Guid.CreateVersion7(),
        command.SiteId!.Trim(),
        command.SubjectCode!.Trim(),
        command.DiseaseCode!.Trim(),
        command.BirthYear!.Value,
        Kebab.TryParse<Sex>(command.Sex, out var sex) ? sex : default,
        command.EnrolledOn!.Value,
        command.ConsentVersion!.Trim(),
        Kebab.TryParse<TherapyLine>(command.TherapyLine, out var line) ? line : default,
        Kebab.TryParse<CareSetting>(command.Setting, out var setting) ? setting : default,
        new Regimen(
            command.Regimen?.InductionDays ?? Regimen.Default.InductionDays,
            command.Regimen?.MaintenanceIntervalDays ?? Regimen.Default.MaintenanceIntervalDays));

    public static ProblemDetails SubjectCodeTaken(string siteId, string subjectCode, Guid? patientId) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "This subject code is already used at this site.",
        Detail = $"Subject code {subjectCode} is already enrolled at site {siteId}.",
        Extensions = { ["patientId"] = patientId },
    };
}
