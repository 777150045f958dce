namespace Registry.Safety.Reports;

/// <summary>
/// Who sends the individual case safety reports and for which study (section <c>Safety:Reports</c>; docs/operations.md).
/// The defaults name the registry itself; an operator sets the organisation that holds the regulatory obligations.
/// </summary>
public sealed class SafetyReportOptions
{
    public const string Section = "Safety:Reports";

    /// <summary>The sender (E2B C.3.3, CIOMS box 24a): the organisation responsible for the reports.</summary>
    public string SenderOrganisation { get; set; } = "Low-dose IL-2 Registry";

    /// <summary>The sender's country (ISO 3166-1 alpha-2): the first part of each worldwide unique case id (C.1.8.1).</summary>
    public string CountryCode { get; set; } = "FR";

    /// <summary>The study's name (C.5.2).</summary>
    public string StudyName { get; set; } = "Low-dose interleukin-2 registry";

    /// <summary>The study's registration number, if it has one (C.5.1.r.1, e.g. an EU PAS or ClinicalTrials.gov number).</summary>
    public string? StudyRegistration { get; set; }

    /// <summary>
    /// A folder holding the ICH E2B(R3) schema files (the ICH package's <c>multicacheschemas</c>), if the operator has put
    /// them there: each E2B download is then validated against them before it is sent. The ICH package cannot ship with
    /// the registry; it is on the ICH website (E2B(R3) implementation package).
    /// </summary>
    public string? SchemaFolder { get; set; }
}
