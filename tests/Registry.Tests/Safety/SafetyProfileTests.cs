using Registry.Cohorts;
using Registry.Patients;
using Registry.Safety;

namespace Registry.Tests.Safety;

/// <summary>The figures of the safety profile (DOMAIN.md, safety figures), computed by hand; all in memory.</summary>
public sealed class SafetyProfileTests
{
    private const string GeneralSoc = "10018065";
    private const string BloodSoc = "10005329";
    private const string NervousSoc = "10029205";
    private const string ErythemaPt = "10022061";
    private const string PyrexiaPt = "10037660";
    private const string FatiguePt = "10016256";
    private const string EosinophiliaPt = "10014950";
    private const string HeadachePt = "10019211";

    private static readonly DateOnly CutOff = new(2028, 12, 31);
    private static readonly AsOf AsOf = new(42, DateTimeOffset.UnixEpoch);

    /// <summary>A patient exposed for exactly <paramref name="days"/> days: first dose days − 1 before the cut-off, last on it.</summary>
    private static PatientFacts Exposed(int days, string disease = "sle")
    {
        var p = Undosed(disease);
        Dose(p, CutOff.AddDays(1 - days));
        Dose(p, CutOff);
        return p;
    }

    private static PatientFacts Undosed(string disease = "sle") =>
        new() { Id = Guid.NewGuid(), DiseaseCode = disease, SiteId = "FR01", EnrolledOn = new DateOnly(2026, 1, 5) };

    private static void Dose(PatientFacts p, DateOnly on)
    {
        p.Doses[Guid.NewGuid()] = new DoseData(
            on, null, 1_000_000, DoseRoute.Subcutaneous, "aldesleukin", null, DosePhase.Induction, false);
    }

    /// <summary>The date <paramref name="timeToOnset"/> days after the patient's first dose.</summary>
    private static DateOnly Day(PatientFacts p, int timeToOnset) => p.FirstDoseOn!.Value.AddDays(timeToOnset);

    private static Guid Ae(
        PatientFacts p, DateOnly onset, string term, string? pt, string? soc, int grade = 1, SeriousCriterion[]? criteria = null)
    {
        var id = Guid.NewGuid();
        p.AdverseEvents[id] = new AdverseEventFact(
            new AdverseEventData(onset, onset, term, pt, soc, grade, criteria ?? [], Causality.Possible, false,
                grade == 5 ? AeOutcome.Fatal : AeOutcome.Recovered, ActionTaken.None, null),
            DateTimeOffset.UnixEpoch,
            "nurse1");
        return id;
    }

    private static void FollowUp(PatientFacts p, Guid adverseEventId, int? grade, SeriousCriterion[]? criteria)
    {
        var reportedOn = p.AdverseEvents[adverseEventId].Report.OnsetOn.First.AddDays(1);
        p.FollowUps[Guid.NewGuid()] = new FollowUpFact(
            adverseEventId,
            new AeFollowUpData(adverseEventId, reportedOn, grade, criteria, null, null, null, null),
            DateTimeOffset.UnixEpoch.AddHours(p.FollowUps.Count + 1));
    }

    private static void AddEnd(PatientFacts p, EntryKind kind, DateOnly on, WithdrawalReason? reason)
    {
        p.Ends[Guid.NewGuid()] = new EndFact(kind, on, reason);
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) => string.Join(" ", counts.Select(c => $"{c.Key}:{c.Value}"));

    /// <summary>
    /// Four exposed patients, 365 + 365 + 365 + 366 = 1461 days = exactly 4 patient-years, and eight treatment-emergent events:
    /// <code>
    /// patient  term (verbatim)            PT        SOC        grade   time to onset
    /// a        Injection site erythema    erythema  general    1       0
    /// a        Injection site erythema    erythema  general    2       14
    /// a        Fatigue                    fatigue   general    1       3
    /// b        Injection site redness     erythema  general    3 (hospitalisation)   7
    /// b        Pyrexia                    pyrexia   general    1       6
    /// c        Pyrexia                    pyrexia   general    2, followed up to 3 (medically important)   20
    /// c        Headache                   (uncoded) nervous    1       13
    /// c        Eosinophilia               eosinoph. blood      2       12
    /// d        none
    /// </code>
    /// </summary>
    private static List<PatientFacts> Cohort()
    {
        var a = Exposed(365);
        Ae(a, Day(a, 0), "Injection site erythema", ErythemaPt, GeneralSoc, grade: 1);
        Ae(a, Day(a, 14), "Injection site erythema", ErythemaPt, GeneralSoc, grade: 2);
        Ae(a, Day(a, 3), "Fatigue", FatiguePt, GeneralSoc, grade: 1);
        var b = Exposed(365);
        Ae(b, Day(b, 7), "Injection site redness", ErythemaPt, GeneralSoc, grade: 3, criteria: [SeriousCriterion.Hospitalisation]);
        Ae(b, Day(b, 6), "Pyrexia", PyrexiaPt, GeneralSoc, grade: 1);
        var c = Exposed(365);
        var fever = Ae(c, Day(c, 20), "Pyrexia", PyrexiaPt, GeneralSoc, grade: 2);
        FollowUp(c, fever, 3, [SeriousCriterion.MedicallyImportant]);
        Ae(c, Day(c, 13), "Headache", null, NervousSoc, grade: 1);
        Ae(c, Day(c, 12), "Eosinophilia", EosinophiliaPt, BloodSoc, grade: 2);
        var d = Exposed(366);
        return [a, b, c, d];
    }

    [Fact]
    public void rates_are_per_100_patient_years_of_all_exposed_patients_with_an_exact_poisson_interval()
    {
        // 730 + 731 = 1461 days = 4 patient-years; a never-dosed patient is not exposed and its event counts nowhere.
        var a = Exposed(730);
        Ae(a, Day(a, 1), "Pyrexia", PyrexiaPt, GeneralSoc);
        Ae(a, Day(a, 2), "Pyrexia", PyrexiaPt, GeneralSoc);
        var b = Exposed(731);
        var undosed = Undosed();
        Ae(undosed, new DateOnly(2028, 6, 1), "Pyrexia", PyrexiaPt, GeneralSoc);

        var profile = SafetyProfile.Compute("sle", [a, b, undosed], CutOff, AsOf);

        Assert.Equal(2, profile.ExposedPatients);
        Assert.Equal(4.0, profile.PatientYears);
        Assert.Equal(1, profile.PatientsWithAe);
        Assert.Equal(2, profile.Events);
        // EAIR: 1 patient / 4 PY · 100 = 25; Garwood(1) = [χ²(0.025; 2) / 2, χ²(0.975; 4) / 2] = [0.025318, 5.571643], · 25.
        Assert.Equal(25.0, profile.EairPer100Py);
        Assert.Equal(0.6329, profile.EairCi95![0], 0.001);
        Assert.Equal(139.2911, profile.EairCi95![1], 0.001);
        // EAER: 2 events / 4 PY · 100 = 50.
        Assert.Equal(50.0, profile.EaerPer100Py);
    }

    [Fact]
    public void a_rate_is_the_count_per_100_patient_years_with_the_garwood_interval_scaled_alike()
    {
        // 5 / 2 · 100 = 250; Garwood(5) = [1.623486, 11.668332], · 50 = [81.1743, 583.4166].
        var (rate, ci) = SafetyProfile.Rate(5, 2.0);
        Assert.Equal(250.0, rate);
        Assert.Equal(81.1743, ci![0], 0.001);
        Assert.Equal(583.4166, ci![1], 0.001);

        // No event: 0, with the upper bound χ²(0.975; 2) / 2 = 3.688879, · 50 = 184.444.
        var (none, noneCi) = SafetyProfile.Rate(0, 2.0);
        Assert.Equal(0.0, none);
        Assert.Equal(0.0, noneCi![0]);
        Assert.Equal(184.444, noneCi![1], 0.001);
    }

    [Fact]
    public void without_patient_time_there_is_no_rate()
    {
        var (rate, ci) = SafetyProfile.Rate(3, 0);
        Assert.Null(rate);
        Assert.Null(ci);
        var (zeroRate, zeroCi) = SafetyProfile.Rate(0, 0);
        Assert.Null(zeroRate);
        Assert.Null(zeroCi);

        // Dosed only after the cut-off: exposed, but for 0 days.
        var late = Undosed();
        Dose(late, CutOff.AddDays(5));
        var profile = SafetyProfile.Compute("sle", [late], CutOff, AsOf);

        Assert.Equal(1, profile.ExposedPatients);
        Assert.Equal(0.0, profile.PatientYears);
        Assert.Null(profile.EairPer100Py);
        Assert.Null(profile.EairCi95);
        Assert.Null(profile.EaerPer100Py);
    }

    [Fact]
    public void an_empty_set_of_patients_gives_zero_counts_and_no_rates()
    {
        var profile = SafetyProfile.Compute("ra", [], CutOff, AsOf);

        Assert.Equal("ra", profile.DiseaseCode);
        Assert.Equal(0, profile.ExposedPatients);
        Assert.Equal(0.0, profile.PatientYears);
        Assert.Equal(0, profile.PatientsWithAe);
        Assert.Equal(0, profile.Events);
        Assert.Equal(0, profile.SeriousEvents);
        Assert.Equal(0, profile.Deaths);
        Assert.Equal(0, profile.DiscontinuationsDueToAe);
        Assert.Null(profile.EairPer100Py);
        Assert.Null(profile.EairCi95);
        Assert.Null(profile.EaerPer100Py);
        Assert.Empty(profile.BySoc);
        Assert.Equal(0, profile.TimeToOnset.N);
        Assert.Null(profile.TimeToOnset.Median);
        Assert.Null(profile.TimeToOnset.Q1);
        Assert.Null(profile.TimeToOnset.Q3);
        Assert.Empty(profile.TimeToOnset.ByWeek);
        Assert.Equal(CutOff, profile.CutOff);
        Assert.Same(AsOf, profile.AsOf);
    }

    [Fact]
    public void the_overall_figures_count_patients_events_and_serious_events_after_follow_ups()
    {
        var profile = SafetyProfile.Compute("sle", Cohort(), CutOff, AsOf);

        Assert.Equal("sle", profile.DiseaseCode);
        Assert.Equal(4, profile.ExposedPatients);
        Assert.Equal(4.0, profile.PatientYears);
        Assert.Equal(3, profile.PatientsWithAe);
        Assert.Equal(8, profile.Events);
        // b's erythema (hospitalisation) and c's pyrexia (made serious by its follow-up).
        Assert.Equal(2, profile.SeriousEvents);
        Assert.Equal(0, profile.Deaths);
        Assert.Equal(0, profile.DiscontinuationsDueToAe);
        // EAIR 3 / 4 · 100 = 75, Garwood(3) = [0.618672, 8.767273] · 25; EAER 8 / 4 · 100 = 200.
        Assert.Equal(75.0, profile.EairPer100Py);
        Assert.Equal(15.4668, profile.EairCi95![0], 0.001);
        Assert.Equal(219.1818, profile.EairCi95![1], 0.001);
        Assert.Equal(200.0, profile.EaerPer100Py);
        Assert.Equal(CutOff, profile.CutOff);
        Assert.Same(AsOf, profile.AsOf);
    }

    [Fact]
    public void socs_come_by_patients_then_code_with_uncoded_events_last_each_with_its_own_rate()
    {
        var profile = SafetyProfile.Compute("sle", Cohort(), CutOff, AsOf);

        // General disorders: a, b and c (6 events); blood: c (1); no SOC (the uncoded headache, whatever SOC the site gave): c (1).
        Assert.Equal(new string?[] { GeneralSoc, BloodSoc, null }, profile.BySoc.Select(s => s.SocCode));
        Assert.Equal(new[] { 3, 1, 1 }, profile.BySoc.Select(s => s.Patients));
        Assert.Equal(new[] { 6, 1, 1 }, profile.BySoc.Select(s => s.Events));
        // 3 / 4 · 100 = 75 with Garwood(3) · 25; 1 / 4 · 100 = 25 with Garwood(1) · 25 = [0.6329, 139.2911].
        Assert.Equal(new double?[] { 75.0, 25.0, 25.0 }, profile.BySoc.Select(s => s.EairPer100Py));
        Assert.Equal(15.4668, profile.BySoc[0].EairCi95![0], 0.001);
        Assert.Equal(219.1818, profile.BySoc[0].EairCi95![1], 0.001);
        Assert.Equal(0.6329, profile.BySoc[1].EairCi95![0], 0.001);
        Assert.Equal(139.2911, profile.BySoc[1].EairCi95![1], 0.001);
        Assert.Equal(139.2911, profile.BySoc[2].EairCi95![1], 0.001);
    }

    [Fact]
    public void preferred_terms_come_by_patients_then_term_with_the_worst_grade_of_each_patient()
    {
        var profile = SafetyProfile.Compute("sle", Cohort(), CutOff, AsOf);

        var general = profile.BySoc[0];
        // Erythema: a and b (3 events), pyrexia: b and c (2), fatigue: a (1); the tie of 2 goes by term.
        Assert.Equal(new string?[] { ErythemaPt, PyrexiaPt, FatiguePt }, general.ByPt.Select(p => p.PtCode));
        Assert.Equal(new[] { "Injection site erythema", "Pyrexia", "Fatigue" }, general.ByPt.Select(p => p.Term));
        Assert.Equal(new[] { 2, 2, 1 }, general.ByPt.Select(p => p.Patients));
        Assert.Equal(new[] { 3, 2, 1 }, general.ByPt.Select(p => p.Events));
        // Erythema: a's worst is 2 (of 1 and 2), b's is 3. Pyrexia: b 1, c 3 (raised by the follow-up). Fatigue: a 1.
        Assert.Equal("1:0 2:1 3:1 4:0 5:0", Describe(general.ByPt[0].WorstGrade));
        Assert.Equal("1:1 2:0 3:1 4:0 5:0", Describe(general.ByPt[1].WorstGrade));
        Assert.Equal("1:1 2:0 3:0 4:0 5:0", Describe(general.ByPt[2].WorstGrade));

        var blood = Assert.Single(profile.BySoc[1].ByPt);
        Assert.Equal(EosinophiliaPt, blood.PtCode);
        Assert.Equal("Eosinophilia", blood.Term);
        Assert.Equal("1:0 2:1 3:0 4:0 5:0", Describe(blood.WorstGrade));

        var uncoded = Assert.Single(profile.BySoc[2].ByPt);
        Assert.Null(uncoded.PtCode);
        Assert.Equal("Headache", uncoded.Term);
        Assert.Equal(1, uncoded.Patients);
        Assert.Equal(1, uncoded.Events);
    }

    [Fact]
    public void time_to_onset_has_its_median_quartiles_and_counts_by_week_in_order()
    {
        var profile = SafetyProfile.Compute("sle", Cohort(), CutOff, AsOf);

        // Onsets 0, 14, 3, 7, 6, 20, 13, 12 → sorted 0 3 6 7 12 13 14 20 (n = 8). Type 7 quantiles at (n − 1)·p:
        // median at 3.5: 7 + 0.5 · 5 = 9.5; Q1 at 1.75: 3 + 0.75 · 3 = 5.25; Q3 at 5.25: 13 + 0.25 · 1 = 13.25.
        Assert.Equal(8, profile.TimeToOnset.N);
        Assert.Equal(9.5, profile.TimeToOnset.Median);
        Assert.Equal(5.25, profile.TimeToOnset.Q1);
        Assert.Equal(13.25, profile.TimeToOnset.Q3);
        // Weeks: 0 3 6 → 0-6; 7 12 13 → 7-13; 14 20 → 14-20 (first met in the order 0-6, 14-20, 7-13).
        Assert.Equal("0-6:3 7-13:3 14-20:2", Describe(profile.TimeToOnset.ByWeek));
    }

    [Fact]
    public void a_preferred_term_is_named_by_its_most_frequent_trimmed_verbatim_term_ties_going_by_ordinal_order()
    {
        var p = Exposed(1461);
        Ae(p, Day(p, 1), "Redness ", ErythemaPt, GeneralSoc);
        Ae(p, Day(p, 2), " Redness", ErythemaPt, GeneralSoc);
        Ae(p, Day(p, 3), "Erythema", ErythemaPt, GeneralSoc);
        Ae(p, Day(p, 4), "Pyrexia", PyrexiaPt, GeneralSoc);
        Ae(p, Day(p, 5), "Fever", PyrexiaPt, GeneralSoc);
        Ae(p, Day(p, 6), "Headache", null, null);
        Ae(p, Day(p, 7), " headache", null, null);

        var profile = SafetyProfile.Compute(null, [p], CutOff, AsOf);

        Assert.Null(profile.DiseaseCode);
        var general = profile.BySoc[0];
        // Erythema: "Redness" twice once trimmed, "Erythema" once. Pyrexia: "Pyrexia" and "Fever" once each: "Fever" first.
        Assert.Equal(new[] { "Fever", "Redness" }, general.ByPt.Select(t => t.Term));
        Assert.Equal(new string?[] { PyrexiaPt, ErythemaPt }, general.ByPt.Select(t => t.PtCode));
        Assert.Equal(new[] { 2, 3 }, general.ByPt.Select(t => t.Events));
        // Uncoded terms group case-insensitively; the name keeps a verbatim spelling: "Headache" sorts before "headache".
        var headache = Assert.Single(profile.BySoc[1].ByPt);
        Assert.Null(headache.PtCode);
        Assert.Equal("Headache", headache.Term);
        Assert.Equal(2, headache.Events);
    }

    [Fact]
    public void a_preferred_term_takes_its_code_from_its_first_event()
    {
        // A site coded headache without a SOC twice, then typed the code itself as an uncoded verbatim term:
        // all three share the key 10019211 and the SOC-less group; the code is the first event's.
        var p = Exposed(1461);
        Ae(p, Day(p, 1), "Headache", HeadachePt, null);
        Ae(p, Day(p, 2), "Headache", HeadachePt, null);
        Ae(p, Day(p, 3), HeadachePt, null, null);

        var soc = Assert.Single(SafetyProfile.Compute("sle", [p], CutOff, AsOf).BySoc);

        Assert.Null(soc.SocCode);
        var pt = Assert.Single(soc.ByPt);
        Assert.Equal(HeadachePt, pt.PtCode);
        Assert.Equal("Headache", pt.Term);
        Assert.Equal(1, pt.Patients);
        Assert.Equal(3, pt.Events);
    }

    [Fact]
    public void deaths_and_discontinuations_due_to_an_adverse_event_are_counted_per_exposed_patient()
    {
        // Six patients first dosed on 23 Sep 2028, 100 days before the cut-off. Days of exposure in brackets.
        // Withdrawn for death on day 31 (31); a grade-5 event with onset on day 11 and no resolution date (11):
        var diedWithdrawn = Exposed(100);
        AddEnd(diedWithdrawn, EntryKind.Withdrawal, Day(diedWithdrawn, 30), WithdrawalReason.Death);
        var diedOfAe = Exposed(100);
        Ae(diedOfAe, Day(diedOfAe, 10), "Sepsis", "10040047", "10021881", grade: 5, criteria: [SeriousCriterion.Death]);
        // Withdrawn for an adverse event (41), for the patient's decision (51); completed (61); still followed (100):
        var discontinued = Exposed(100);
        AddEnd(discontinued, EntryKind.Withdrawal, Day(discontinued, 40), WithdrawalReason.AdverseEvent);
        var stopped = Exposed(100);
        AddEnd(stopped, EntryKind.Withdrawal, Day(stopped, 50), WithdrawalReason.PatientDecision);
        var completed = Exposed(100);
        AddEnd(completed, EntryKind.Completion, Day(completed, 60), null);
        var ongoing = Exposed(100);

        var profile = SafetyProfile.Compute("sle", [diedWithdrawn, diedOfAe, discontinued, stopped, completed, ongoing], CutOff, AsOf);

        Assert.Equal(6, profile.ExposedPatients);
        Assert.Equal(2, profile.Deaths);
        Assert.Equal(1, profile.DiscontinuationsDueToAe);
        Assert.Equal(1, profile.Events);
        Assert.Equal(1, profile.SeriousEvents);
        // 31 + 11 + 41 + 51 + 61 + 100 = 295 days / 365.25 = 0.807666 → 0.8077.
        Assert.Equal(0.8077, profile.PatientYears);
    }
}
