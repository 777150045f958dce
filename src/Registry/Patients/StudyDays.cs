namespace Registry.Patients;

public static class StudyDays
{
    /// <summary>Day 1 is the first dose's date; there is no day 0 (the day before is −1).</summary>
    public static int Of(DateOnly firstDose, DateOnly date)
    {
        var difference = date.DayNumber - firstDose.DayNumber;
        return difference >= 0 ? difference + 1 : difference;
    }
}
