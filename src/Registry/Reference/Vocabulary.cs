using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Reference;

/// <summary>
/// The choices the pages offer, as <c>[value, label]</c> pairs: the values are the API's kebab names of
/// the enumerations (so they can never disagree), the labels what a nurse reads.
/// </summary>
public static class Vocabulary
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string[]>> Lists = new Dictionary<string, IReadOnlyList<string[]>>
    {
        ["route"] = Of<DoseRoute>(),
        ["phase"] = Of<DosePhase>(),
        ["gating"] = Of<Gating>(new()
        {
            [Gating.Cd4Cd25Foxp3] = "CD4+ CD25+ FOXP3+",
            [Gating.Cd4Cd25hiCd127lo] = "CD4+ CD25hi CD127low",
            [Gating.Other] = "other gating",
        }),
        ["seriousCriteria"] = Of<SeriousCriterion>(new()
        {
            [SeriousCriterion.Death] = "Death",
            [SeriousCriterion.LifeThreatening] = "Life-threatening",
            [SeriousCriterion.Hospitalisation] = "Hospitalisation or its prolongation",
            [SeriousCriterion.Disability] = "Persistent or significant disability",
            [SeriousCriterion.CongenitalAnomaly] = "Congenital anomaly",
            [SeriousCriterion.MedicallyImportant] = "Other medically important event",
        }),

        // CTCAE v5's general meaning of each grade.
        ["grade"] =
        [
            ["1", "1 – Mild: no or mild symptoms, no intervention"],
            ["2", "2 – Moderate: minimal, local or non-invasive intervention"],
            ["3", "3 – Severe or medically significant, not immediately life-threatening"],
            ["4", "4 – Life-threatening: urgent intervention"],
            ["5", "5 – Death related to the event"],
        ],
        ["causality"] = Of<Causality>(new()
        {
            [Causality.Probable] = "probable / likely",
            [Causality.Conditional] = "conditional / unclassified",
            [Causality.Unassessable] = "unassessable / unclassifiable",
        }),
        ["outcome"] = Of<AeOutcome>(),
        ["actionTaken"] = Of<ActionTaken>(new() { [ActionTaken.Withdrawn] = "IL-2 withdrawn" }),
        ["drugClass"] = Of<DrugClass>(new()
        {
            [DrugClass.Csdmard] = "conventional synthetic DMARD",
            [DrugClass.Bdmard] = "biologic DMARD",
            [DrugClass.JakInhibitor] = "JAK inhibitor",
        }),
        ["holdReason"] = Of<HoldReason>(),
        ["notDoneItem"] = Of<NotDoneItem>(
            new() { [NotDoneItem.TregSample] = "Treg sample" }, [NotDoneItem.Dose, NotDoneItem.TregSample, NotDoneItem.Score]),
        ["withdrawalReason"] = Of<WithdrawalReason>(),
        ["correctionReason"] = Of<CorrectionReason>(new() { [CorrectionReason.SourceUpdated] = "source document updated" }),
        ["yesNo"] = [["true", "yes"], ["false", "no"]],
        ["sex"] = Of<Sex>(),
        ["therapyLine"] = Of<TherapyLine>(new()
        {
            [TherapyLine.Standalone] = "alone (first line)",
            [TherapyLine.Addon] = "as an add-on to other drugs",
        }),
        ["setting"] = Of<CareSetting>(new()
        {
            [CareSetting.Routine] = "routine care",
            [CareSetting.Trial] = "clinical trial",
        }, [CareSetting.Routine, CareSetting.Trial]),
    };

    /// <summary>
    /// An enumeration's values in order (or <paramref name="order"/>), labelled by its kebab name with spaces unless told.
    /// </summary>
    private static IReadOnlyList<string[]> Of<T>(Dictionary<T, string>? labels = null, IReadOnlyList<T>? order = null)
        where T : struct, Enum =>
        (order ?? Enum.GetValues<T>())
            .Select(v => new[] { Kebab.Name(v), labels?.GetValueOrDefault(v) ?? Kebab.Name(v).Replace('-', ' ') })
            .ToList();
}
