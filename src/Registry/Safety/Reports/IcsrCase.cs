using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Safety.Reports;

/// <summary>What kind of individual case safety report a version of a case is.</summary>
public enum IcsrReportKind
{
    /// <summary>The first report of the case (version 1).</summary>
    Initial,

    /// <summary>New information received after an earlier report (version n + 1).</summary>
    FollowUp,

    /// <summary>The case should not have been reported (a submitted case downgraded: no longer serious or no longer a SUSAR).</summary>
    Nullification,

    /// <summary>An earlier report corrected without new information (a data error, a recoding): E2B C.1.11.1 = 2.</summary>
    Amendment,
}

/// <summary>The organisation that sends the reports (the registry's operator; settings <c>Safety:Reports</c>).</summary>
public sealed record IcsrSender(string Organisation, string CountryCode, string StudyName, string? StudyRegistration);

/// <summary>The primary source: the site that reported the event (C.2).</summary>
public sealed record IcsrPrimarySource(string SiteId, string SiteName, string CountryCode);

/// <summary>
/// The patient (D), de-identified: the subject code stands for the patient (D.1.1.4, the study's patient id), the age at
/// onset in whole years from the birth year (the registry keeps no birth date), the disease as the drug's indication and as
/// medical history.
/// </summary>
public sealed record IcsrPatient(
    string SubjectCode,
    int? AgeAtOnsetYears,
    Sex Sex,
    string DiseaseCode,
    string DiseaseName,
    TherapyLine TherapyLine,
    DateOnly? DiedOn);

/// <summary>The reaction (E.i) as the case stands at the report's point.</summary>
public sealed record IcsrReaction(
    string Term,
    string? MeddraPtCode,
    string? MeddraSocCode,
    PartialDate OnsetOn,
    PartialDate? ResolvedOn,
    int WorstGrade,
    IReadOnlyList<SeriousCriterion> SeriousCriteria,
    AeOutcome Outcome,
    Causality? Causality,
    bool? Expected,
    ActionTaken ActionTaken);

/// <summary>A test result (F.r): a Treg measurement.</summary>
public sealed record IcsrTest(DateOnly On, string Name, decimal Value, string Unit);

/// <summary>One dose (G.k.4.r) of the suspect drug.</summary>
public sealed record IcsrDose(DateOnly GivenOn, long DoseIu, DoseRoute Route, string Product, string? Lot);

/// <summary>A concomitant drug (G.k, characterisation 2).</summary>
public sealed record IcsrConcomitant(
    string Drug, DrugClass DrugClass, decimal? Dose, string? Unit, PartialDate? StartedOn, PartialDate? StoppedOn);

/// <summary>
/// One version of a case as sent to an authority: an ICH E2B(R3) individual case safety report, or its CIOMS I form.
/// Built from the patient's stream and the case's stream folded up to <see cref="AsOfSequence"/> (the report's own
/// event), so a version downloaded again is the same report. <see cref="NullificationReason"/> is the reason of a
/// nullification or of an amendment (E2B C.1.11.2).
/// </summary>
public sealed record IcsrCase(
    Guid AdverseEventId,
    string SafetyReportId,
    string WorldwideCaseId,
    int Version,
    IcsrReportKind Kind,
    DateOnly FirstReceivedOn,
    DateOnly MostRecentReceivedOn,
    DateTimeOffset CreatedAt,
    long AsOfSequence,
    string? NullificationReason,
    IcsrSender Sender,
    IcsrPrimarySource Source,
    IcsrPatient Patient,
    IcsrReaction Reaction,
    IReadOnlyList<IcsrTest> Tests,
    IReadOnlyList<IcsrDose> Doses,
    IReadOnlyList<IcsrConcomitant> Concomitants,
    string Narrative,
    string? SenderComment)
{
    /// <summary>Whether the reaction is serious, suspected and unexpected (DOMAIN.md).</summary>
    public bool Susar => Reaction.SeriousCriteria.Count > 0 && SaeClocks.Suspected(Reaction.Causality) && Reaction.Expected != true;
}
