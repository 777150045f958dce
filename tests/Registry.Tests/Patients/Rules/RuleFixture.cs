using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Catalogue;
using Registry.Patients;
using Registry.Patients.Closing;
using Registry.Patients.Correcting;
using Registry.Patients.FollowingUp;
using Registry.Patients.RecordingVisits;

namespace Registry.Tests.Patients.Rules;

/// <summary>
/// What the entry rule tests share, all in memory: an SLE patient enrolled on 2026-03-02 at a site whose today is
/// 2026-11-29, the events of earlier entries, one valid request per kind (change a field with <c>with</c>), the
/// decisions, and the problem's errors by JSON path.
/// </summary>
public static class RuleFixture
{
    public static readonly DiseaseCatalogue Catalogue = DiseaseCatalogue.LoadSeed();

    public static readonly Guid PatientId = Guid.CreateVersion7();

    public static readonly DateOnly EnrolledOn = new(2026, 3, 2);

    public static readonly DateOnly Today = new(2026, 11, 29);

    public static readonly DateOnly Tomorrow = Today.AddDays(1);

    /// <summary>The date of the tests' visit and of the entries the valid requests bring.</summary>
    public static readonly DateOnly VisitDate = new(2026, 11, 20);

    /// <summary>The onset of the adverse event <see cref="AeData"/> describes.</summary>
    public static readonly DateOnly AeOnset = new(2026, 11, 10);

    /// <summary>The day the site became aware of the adverse event <see cref="AeData"/> describes.</summary>
    public static readonly DateOnly AeAware = new(2026, 11, 12);

    // Values as the messages show them (the same formatting as the rules, in the current culture).

    public static string Day(DateOnly date) => $"{date:yyyy-MM-dd}";

    /// <summary>A date as JSON writes it.</summary>
    public static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static decimal Dec(string value) => decimal.Parse(value, CultureInfo.InvariantCulture);

    public static string Text(int length) => new('x', length);

    // The patient

    public static PatientEnrolled Enrolled(string diseaseCode = "sle") => new(
        PatientId, "FR01", "FR01-0001", diseaseCode, 1970, Sex.Female, EnrolledOn, "v1", TherapyLine.Addon, CareSetting.Routine,
        Regimen.Default);

    /// <summary>The SLE patient, with these events after the enrolment.</summary>
    public static PatientState Given(params object[] events) => GivenEnrolled(Enrolled(), events);

    public static PatientState GivenEnrolled(PatientEnrolled enrolment, params object[] events)
    {
        var patient = PatientStateProjection.Fold(null, enrolment, 1, PatientId);
        var version = 1L;
        foreach (var e in events)
        {
            patient = PatientStateProjection.Fold(patient, e, ++version, PatientId);
        }

        return patient;
    }

    // Earlier entries, as their events stored them

    public static DoseAdministered DoseGiven(DateOnly on, Guid? id = null) => new(id ?? Guid.NewGuid(), Guid.NewGuid(), on,
        new DoseData(on, null, 1_000_000L, DoseRoute.Subcutaneous, "aldesleukin", "A123", DosePhase.Induction, false));

    public static DoseHeld DoseHeldOn(DateOnly on, Guid? id = null) => new(id ?? Guid.NewGuid(), Guid.NewGuid(), on,
        new DoseHoldData(on, HoldReason.AdverseEvent, "fever"));

    public static TregMeasured TregSampled(DateOnly on, Guid? id = null) => new(id ?? Guid.NewGuid(), Guid.NewGuid(), on,
        new TregData(on, 7.9m, Gating.Cd4Cd25Foxp3, 41m, 520m, 92.1m, "central"));

    public static ScoreRecorded Scored(DateOnly on, Guid? id = null) => new(id ?? Guid.NewGuid(), Guid.NewGuid(), on,
        new ScoreData(on, "sledai-2k", 6m, null));

    public static MedicationRecorded MedicationStarted(DateOnly? on, Guid? id = null) => new(
        id ?? Guid.NewGuid(), Guid.NewGuid(), on ?? VisitDate,
        new ConmedData("prednisone", DrugClass.Corticosteroid, 10m, "mg/day", on, null));

    public static PlannedItemNotDone NotDoneOn(DateOnly due, Guid? id = null) => new(id ?? Guid.NewGuid(), Guid.NewGuid(), due,
        new NotDoneData(NotDoneItem.TregSample, due, "sample haemolysed"));

    /// <summary>An adverse event with onset <see cref="AeOnset"/>, known since <see cref="AeAware"/>.</summary>
    public static AdverseEventData AeData(int grade = 2, AeOutcome outcome = AeOutcome.Recovering, params SeriousCriterion[] criteria) =>
        new(AeOnset, AeAware, "fever", null, null, grade, criteria, Causality.Possible, false, outcome, ActionTaken.None, null);

    public static AdverseEventRecorded AeReported(Guid id, AdverseEventData? report = null) =>
        new(id, Guid.NewGuid(), AeAware, report ?? AeData());

    public static AdverseEventFollowedUp FollowedUp(Guid id, AeFollowUpData data) => new(id, data);

    public static PatientWithdrawn Withdrawn(DateOnly on, Guid? id = null) =>
        new(id ?? Guid.NewGuid(), new WithdrawalData(on, WithdrawalReason.PatientDecision, null));

    public static PatientCompleted Completed(DateOnly on, Guid? id = null) => new(id ?? Guid.NewGuid(), new CompletionData(on));

    public static EntryVoided Voided(Guid id) => new(id, "entered in error");

    // One valid request per kind

    public static DoseRequest ValidDose() =>
        new(VisitDate, new TimeOnly(9, 30), 1_000_000L, "subcutaneous", "aldesleukin", "A123", "induction", null);

    public static DoseHoldRequest ValidDoseHold() => new(VisitDate, "adverse-event", "fever");

    public static TregRequest ValidTreg() => new(VisitDate, 7.9m, "cd4-cd25-foxp3", 41m, 520m, 92.1m, "central");

    public static ScoreRequest ValidScore() => new(VisitDate, "sledai-2k", 6m, null);

    /// <summary>A grade 1 event with onset 2026-11-18, known since 2026-11-19, and a new id each time.</summary>
    public static AdverseEventRequest ValidAe() => new(Guid.NewGuid(), new DateOnly(2026, 11, 18), new DateOnly(2026, 11, 19),
        "injection site erythema", "10022061", "10018065", 1, [], "probable", true, "recovering", "none", null);

    public static ConmedRequest ValidConmed() => new("prednisone", "corticosteroid", 10m, "mg/day", new DateOnly(2025, 11, 1), null);

    public static NotDoneRequest ValidNotDone() => new("treg-sample", VisitDate, "sample haemolysed");

    /// <summary>Grade 3, learnt on 2026-11-21.</summary>
    public static AeFollowUpRequest ValidFollowUp() => new(new DateOnly(2026, 11, 21), 3, null, null, null, null, null);

    public static WithdrawalRequest ValidWithdrawal() => new(VisitDate, "patient-decision", "moved abroad");

    public static CompletionRequest ValidCompletion() => new(VisitDate);

    // Visits of one entry

    public static RecordVisit EmptyVisit() => new(Guid.NewGuid(), VisitDate, null, null, null, null, null, null, null);

    public static RecordVisit Visit(DoseRequest dose) => EmptyVisit() with { Doses = [dose] };

    public static RecordVisit Visit(DoseHoldRequest hold) => EmptyVisit() with { DoseHolds = [hold] };

    public static RecordVisit Visit(TregRequest treg) => EmptyVisit() with { Tregs = [treg] };

    public static RecordVisit Visit(ScoreRequest score) => EmptyVisit() with { Scores = [score] };

    public static RecordVisit Visit(AdverseEventRequest adverseEvent) => EmptyVisit() with { AdverseEvents = [adverseEvent] };

    public static RecordVisit Visit(ConmedRequest conmed) => EmptyVisit() with { Conmeds = [conmed] };

    public static RecordVisit Visit(NotDoneRequest notDone) => EmptyVisit() with { NotDone = [notDone] };

    // The decisions

    public static Decision DecideVisit(RecordVisit visit, PatientState? patient = null) =>
        RecordVisitEndpoint.Decide(visit, patient ?? Given(), Today, Catalogue);

    public static IDictionary<string, string[]> VisitErrors(RecordVisit visit, PatientState? patient = null) =>
        Rejected(DecideVisit(visit, patient));

    /// <summary>The one event of an accepted visit.</summary>
    public static TEvent Recorded<TEvent>(RecordVisit visit, PatientState? patient = null) =>
        OnlyEvent<TEvent>(DecideVisit(visit, patient));

    public static Decision DecideFollowUp(Guid adverseEventId, AeFollowUpRequest followUp, PatientState patient) =>
        FollowUpAdverseEventEndpoint.Decide(adverseEventId, followUp, patient, Today, Catalogue);

    public static Decision DecideCorrection(
        PatientState patient,
        Guid? entryId,
        JsonObject? changes,
        string? reasonCode = "transcription-error",
        string? reason = "source re-read") =>
        CorrectEntryEndpoint.Decide(new CorrectEntry(entryId, changes, reasonCode, reason), patient, Today, Catalogue);

    public static Decision DecideVoid(PatientState patient, Guid? entryId, string? reason) =>
        VoidEntryEndpoint.Decide(new VoidEntry(entryId, reason), patient);

    public static Decision DecideWithdrawal(WithdrawalRequest withdrawal, PatientState? patient = null) =>
        WithdrawEndpoint.Decide(withdrawal, patient ?? Given(), Today, Catalogue);

    public static Decision DecideCompletion(CompletionRequest completion, PatientState? patient = null) =>
        CompleteEndpoint.Decide(completion, patient ?? Given(), Today, Catalogue);

    /// <summary>A correction's changes, from JSON.</summary>
    public static JsonObject Changes(string json) => JsonNode.Parse(json)!.AsObject();

    // What was decided

    /// <summary>The errors by JSON path of a rejected write (400, nothing written, no blank message).</summary>
    public static IDictionary<string, string[]> Rejected(Decision decision)
    {
        Assert.Empty(decision.Events);
        Assert.Null(decision.Answer);
        var problem = Assert.IsType<HttpValidationProblemDetails>(decision.Problem);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.Status);
        Assert.All(problem.Errors, e => Assert.All(e.Value, m => Assert.False(string.IsNullOrWhiteSpace(m), $"Blank message at {e.Key}")));
        return problem.Errors;
    }

    /// <summary>The events of an accepted write.</summary>
    public static IReadOnlyList<object> Accepted(Decision decision)
    {
        if (decision.Problem is not null)
        {
            Assert.Fail($"The write was rejected: {Describe(decision.Problem)}");
        }

        Assert.NotNull(decision.Answer);
        return decision.Events;
    }

    public static TEvent OnlyEvent<TEvent>(Decision decision) => Assert.IsType<TEvent>(Assert.Single(Accepted(decision)));

    public static void NotFound(Decision decision)
    {
        Assert.Empty(decision.Events);
        Assert.NotNull(decision.Problem);
        Assert.Equal(StatusCodes.Status404NotFound, decision.Problem.Status);
    }

    /// <summary>Errors at exactly these paths, none elsewhere.</summary>
    public static void AssertPaths(IDictionary<string, string[]> errors, params string[] paths) =>
        Assert.Equal(paths.Order(StringComparer.Ordinal).ToArray(), errors.Keys.Order(StringComparer.Ordinal).ToArray());

    /// <summary>An error at the path whose message says this.</summary>
    public static void AssertMessage(IDictionary<string, string[]> errors, string path, string fragment) =>
        Assert.Contains(fragment, string.Join(" | ", Assert.Contains(path, errors)));

    /// <summary>Errors at this path only, one of them saying this.</summary>
    public static void AssertOnly(IDictionary<string, string[]> errors, string path, string fragment)
    {
        AssertPaths(errors, path);
        AssertMessage(errors, path, fragment);
    }

    private static string Describe(ProblemDetails problem) => problem is HttpValidationProblemDetails validation
        ? string.Join("; ", validation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
        : $"{problem.Status} {problem.Title} {problem.Detail}";
}
