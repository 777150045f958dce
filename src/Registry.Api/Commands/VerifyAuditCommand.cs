using JasperFx.CommandLine;
using Registry.Access;

namespace Registry.Api.Commands;

public sealed class VerifyAuditInput : NetCoreInput
{
    [Description("The head kept outside the database (position:hash, as the seal logs print it): the chain must hold it")]
    public string ExpectHeadFlag { get; set; } = "";
}

/// <summary>
/// Verifies the audit's hash chain from its first entry and names the first broken one. Read-only: entries recorded
/// in the last seconds, not sealed yet, are counted, not checked. Exit code 0 when the chain holds, 1 when not.
/// </summary>
[Description("Verifies the audit's hash chain and names the first broken entry", Name = "verify-audit")]
public sealed class VerifyAuditCommand : JasperFxAsyncCommand<VerifyAuditInput>
{
    public override async Task<bool> Execute(VerifyAuditInput input)
    {
        AuditHead? expected = null;
        if (input.ExpectHeadFlag.Length > 0 && (expected = AuditHead.Parse(input.ExpectHeadFlag)) is null)
        {
            Console.Error.WriteLine("--expect-head takes position:hash, e.g. 1042:3f9a… (64 hex digits), as the seal logs print it.");
            return false;
        }

        using var host = input.BuildHost();
        var result = await host.Services.GetRequiredService<AuditChain>().VerifyAsync(expected, CancellationToken.None);
        Console.WriteLine($"Sealed entries that hold: {result.Entries:N0}");
        Console.WriteLine($"Head:                     {result.Head?.ToString() ?? "(empty chain)"}");
        Console.WriteLine($"Waiting to be sealed:     {result.Pending:N0}");
        if (result.FirstBreak is not { } broken)
        {
            if (result.StalePending > 0)
            {
                Console.WriteLine($"NOT SEALED: {result.StalePending:N0} entries have waited longer than Audit:MaxPending: "
                    + "no node is sealing the audit (is one running? its log says why).");
                return false;
            }

            Console.WriteLine("The audit chain is intact.");
            return true;
        }

        Console.WriteLine($"BROKEN at position {broken.Position}: {broken.Problem}");
        if (broken.EntryId is { } id)
        {
            Console.WriteLine($"  entry {id}: {broken.At:u} {broken.UserId} {broken.Action}");
        }

        return false;
    }
}
