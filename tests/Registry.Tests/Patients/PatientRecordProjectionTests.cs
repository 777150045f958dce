using JasperFx.Events;
using Registry.Patients;
using Registry.Patients.Timeline;

namespace Registry.Tests.Patients;

public sealed class PatientRecordProjectionTests
{
    [Fact]
    public void an_enrolment_starts_the_record_with_its_version_and_recorder()
    {
        var patientId = Guid.CreateVersion7();
        var enrolled = new PatientEnrolled(patientId, "FR01", "FR01-0007", "sle", 1984, Sex.Female,
            new DateOnly(2026, 3, 2), "v2", TherapyLine.Addon, CareSetting.Trial, new Regimen(5, 7));
        var recordedAt = new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);
        var e = new Event<PatientEnrolled>(enrolled) { Version = 1, Timestamp = recordedAt, UserName = "nurse1", StreamId = patientId };

        var record = new PatientRecordProjection().Evolve(null, patientId, e);

        Assert.NotNull(record);
        Assert.Equal(patientId, record.Id);
        Assert.Equal(PatientStatus.Enrolled, record.Status);
        Assert.Equal(TherapyLine.Addon, record.TherapyLine);
        Assert.Equal(7, record.Regimen.MaintenanceIntervalDays);
        Assert.Equal(1, record.Version);
        Assert.Equal("nurse1", record.EnrolledBy);
        Assert.Equal(recordedAt, record.EnrolledAt);
        Assert.Null(record.FirstDoseOn);
    }
}
