using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Access;
using Registry.IntegrationTests.Infrastructure;

namespace Registry.IntegrationTests.Access;

/// <summary>
/// Every read of patient-level safety data is on record, and the audit is a hash chain that names the first entry an
/// attacker with the database's keys changed, removed or slipped in. Tampering here goes around the registry as such
/// an attacker would (triggers disabled, rows rewritten); each test's reset empties the audit again.
/// </summary>
public sealed class AuditChainTests(RegistryApp app) : ApiTest(app)
{
    private AuditChain Chain => Host.Services.GetRequiredService<AuditChain>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Admin.RegisterSiteAsync("FR01");
    }

    private async Task<Guid> ReadsAsync(int count)
    {
        var patientId = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment());
        var monitor = App.AsUser("monitor-1", Roles.Monitor);
        for (var i = 0; i < count; i++)
        {
            await monitor.GetAsync($"/api/patients/{patientId}");
            App.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await Chain.SealAsync(CancellationToken.None);
        return patientId;
    }

    private Task SqlAsync(string sql) => App.SqlAsync(sql);

    /// <summary>As an attacker with the tables' keys: the append-only triggers off, the change, the triggers on.</summary>
    private Task TamperAsync(string table, string sql) => SqlAsync(
        $"alter table registry.{table} disable trigger user; {sql}; alter table registry.{table} enable trigger user;");

    [Fact]
    public async Task the_line_listing_the_sae_clocks_and_the_live_streams_opening_and_closing_are_on_record()
    {
        var pv = App.AsUser("pv-7", Roles.Pv);
        await pv.GetAsync("/api/safety/line-listing?format=csv");
        await App.AsUser("monitor-3", Roles.Monitor).GetAsync("/api/safety/sae-clocks?status=all&siteId=FR01");
        using (var client = Host.Server.CreateClient())
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", App.Tokens.Issue("pv-7", Roles.Pv, []));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await client.GetAsync("/api/safety/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
            Assert.StartsWith(": registry safety stream", await reader.ReadLineAsync(timeout.Token));
        }

        Assert.True(
            await Poll.UntilAsync(async () => (await App.Admin.GetJsonArrayAsync("/api/audit?userId=pv-7")).Count == 3, TimeSpan.FromSeconds(20)),
            "the live stream's closing entry was not written");
        var pvEntries = await App.Admin.GetJsonArrayAsync("/api/audit?userId=pv-7");
        var details = pvEntries.Select(e => $"{e!["action"]!.GetValue<string>()}: {e["detail"]!.GetValue<string>()}").ToList();
        Assert.Contains("line-listing: 0 SAE(s); format=csv", details);
        Assert.Contains("live-stream: opened", details);
        Assert.Contains(details, d => d.StartsWith("live-stream: closed after", StringComparison.Ordinal));
        var clocks = Assert.Single(await App.Admin.GetJsonArrayAsync("/api/audit?userId=monitor-3"))!;
        Assert.Equal("sae-clocks", clocks["action"]!.GetValue<string>());
        Assert.Equal("0 SAE(s); status=all; diseaseCode=*; siteId=FR01", clocks["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task an_untouched_audit_verifies_and_its_head_moves_with_each_seal()
    {
        await ReadsAsync(5);
        var first = await Chain.VerifyAsync(null, CancellationToken.None);
        Assert.True(first.Intact, first.FirstBreak?.Problem);
        Assert.True(first.Entries >= 5, $"{first.Entries} sealed");
        Assert.Equal(0, first.Pending);

        await App.AsUser("monitor-1", Roles.Monitor).GetAsync("/api/patients");
        await Chain.SealAsync(CancellationToken.None);
        var second = await Chain.VerifyAsync(first.Head, CancellationToken.None);
        Assert.True(second.Intact, second.FirstBreak?.Problem);
        Assert.Equal(first.Entries + 1, second.Entries);
        Assert.NotEqual(first.Head!.Hash, second.Head!.Hash);
    }

    [Fact]
    public async Task an_entry_rewritten_in_the_table_is_named_as_the_first_break()
    {
        var patientId = await ReadsAsync(4);
        var victimId = await ScalarAsync<Guid>(
            $"select id from registry.mt_doc_auditrecord where patient_id = '{patientId}' order by at offset 2 limit 1");

        // The attacker makes a monitor's read look like someone else's.
        await TamperAsync("mt_doc_auditrecord",
            $"update registry.mt_doc_auditrecord set data = jsonb_set(data, '{{userId}}', '\"auditor\"') where id = '{victimId}'");

        var result = await Chain.VerifyAsync(null, CancellationToken.None);
        var broken = Assert.IsType<AuditBreak>(result.FirstBreak);
        Assert.Equal(victimId, broken.EntryId);
        Assert.Equal("auditor", broken.UserId);
        Assert.Equal("the entry, its searchable columns, its seal time or its hash differ from what was sealed", broken.Problem);
    }

    [Fact]
    public async Task a_removed_entry_a_removed_link_and_an_entry_slipped_in_are_each_found()
    {
        var patientId = await ReadsAsync(3);
        var entry = await ScalarAsync<Guid>($"select id from registry.mt_doc_auditrecord where patient_id = '{patientId}' order by at limit 1");
        var position = await ScalarAsync<long>($"select position from registry.audit_chain where id = '{entry}'");

        // The entry deleted: the registry refuses, the attacker goes around it.
        await Assert.ThrowsAsync<PostgresException>(() => SqlAsync($"delete from registry.mt_doc_auditrecord where id = '{entry}'"));
        await TamperAsync("mt_doc_auditrecord", $"delete from registry.mt_doc_auditrecord where id = '{entry}'");
        var removed = (await Chain.VerifyAsync(null, CancellationToken.None)).FirstBreak!;
        Assert.Equal(position, removed.Position);
        Assert.Equal("the entry sealed at this position was removed from the audit", removed.Problem);

        // Its link deleted too, to hide it: the gap shows.
        await TamperAsync("audit_chain", $"delete from registry.audit_chain where id = '{entry}'");
        var gap = (await Chain.VerifyAsync(null, CancellationToken.None)).FirstBreak!;
        Assert.Equal(position, gap.Position);
        Assert.StartsWith($"position {position} is missing from the chain", gap.Problem);

        // An entry inserted around the trigger (never queued, never sealed) on an intact chain.
        await InitializeAsync();
        await ReadsAsync(2);
        var forged = Guid.CreateVersion7();
        await TamperAsync("mt_doc_auditrecord",
            "insert into registry.mt_doc_auditrecord (id, data, at, user_id) values " +
            $"('{forged}', '{{\"id\":\"{forged}\",\"at\":\"2026-11-29T09:00:00Z\",\"userId\":\"ghost\",\"role\":\"admin\",\"action\":\"read-patient\"}}', " +
            "'2026-11-29T09:00:00Z', 'ghost')");
        var slipped = (await Chain.VerifyAsync(null, CancellationToken.None)).FirstBreak!;
        Assert.Equal(forged, slipped.EntryId);
        Assert.Equal("ghost", slipped.UserId);
    }

    [Fact]
    public async Task a_chain_recomputed_by_the_attacker_or_cut_short_differs_from_the_head_kept_outside()
    {
        await ReadsAsync(3);
        var kept = (await Chain.VerifyAsync(null, CancellationToken.None)).Head!;

        // The last link replaced by one the attacker computed for a rewritten entry: internally consistent again.
        await TamperAsync("audit_chain", $"update registry.audit_chain set hash = sha256(hash) where position = {kept.Position}");
        var recomputed = (await Chain.VerifyAsync(kept, CancellationToken.None)).FirstBreak!;
        Assert.Equal(kept.Position, recomputed.Position);

        await InitializeAsync();
        await ReadsAsync(3);
        var head = (await Chain.VerifyAsync(null, CancellationToken.None)).Head!;
        var last = await ScalarAsync<Guid>($"select id from registry.audit_chain where position = {head.Position}");
        await TamperAsync("audit_chain", $"delete from registry.audit_chain where position = {head.Position}");
        await TamperAsync("mt_doc_auditrecord", $"delete from registry.mt_doc_auditrecord where id = '{last}'");
        Assert.True((await Chain.VerifyAsync(null, CancellationToken.None)).Intact, "without a kept head a cut tail cannot show");
        var cut = (await Chain.VerifyAsync(head, CancellationToken.None)).FirstBreak!;
        Assert.StartsWith($"the chain ends at position {head.Position - 1}", cut.Problem);
    }

    [Fact]
    public async Task a_column_changed_to_hide_an_entry_from_searches_a_backdated_entry_and_an_emptied_table_are_each_found()
    {
        var patientId = await ReadsAsync(2);
        var entry = await ScalarAsync<Guid>($"select id from registry.mt_doc_auditrecord where patient_id = '{patientId}' order by at limit 1");

        // Only the searchable column changed: GET /api/audit?userId=monitor-1 would no longer list the read.
        await TamperAsync("mt_doc_auditrecord", $"update registry.mt_doc_auditrecord set user_id = 'nobody' where id = '{entry}'");
        var hidden = (await Chain.VerifyAsync(null, CancellationToken.None)).FirstBreak!;
        Assert.Equal(entry, hidden.EntryId);

        // An entry written months back through the front door of the table (the trigger queues it, the sealer seals it).
        await InitializeAsync();
        await ReadsAsync(1);
        var forged = Guid.CreateVersion7();
        await SqlAsync("insert into registry.mt_doc_auditrecord (id, data, at, user_id) values " +
            $"('{forged}', '{{\"id\":\"{forged}\",\"at\":\"2026-03-01T09:00:00Z\",\"userId\":\"alice\",\"role\":\"monitor\",\"action\":\"read-patient\"}}', " +
            "'2026-03-01T09:00:00Z', 'alice')");
        await Chain.SealAsync(CancellationToken.None);
        var backdated = (await Chain.VerifyAsync(null, CancellationToken.None)).FirstBreak!;
        Assert.Equal(forged, backdated.EntryId);
        Assert.Contains("backdated", backdated.Problem);

        // Emptying the table or the chain at once is refused.
        await Assert.ThrowsAsync<PostgresException>(() => SqlAsync("truncate registry.mt_doc_auditrecord"));
        await Assert.ThrowsAsync<PostgresException>(() => SqlAsync("truncate registry.audit_chain"));
    }

    [Fact]
    public async Task an_entry_removed_before_its_seal_and_a_queue_nobody_seals_are_found()
    {
        await ReadsAsync(1);
        await App.AsUser("monitor-1", Roles.Monitor).GetAsync("/api/patients");
        var queued = await ScalarAsync<Guid>("select id from registry.mt_doc_auditrecord order by at desc limit 1");
        await SqlAsync($"insert into registry.audit_pending (id) values ('{queued}') on conflict do nothing");
        await TamperAsync("mt_doc_auditrecord", $"delete from registry.mt_doc_auditrecord where id = '{queued}'");
        await TamperAsync("audit_chain", $"delete from registry.audit_chain where id = '{queued}'");
        var removed = (await Chain.VerifyAsync(null, CancellationToken.None)).FirstBreak!;
        Assert.Equal(queued, removed.EntryId);

        // Entries that have waited longer than Audit:MaxPending: no node is sealing; the verification says so.
        await InitializeAsync();
        await App.AsUser("monitor-1", Roles.Monitor).GetAsync("/api/patients");
        var waiting = await ScalarAsync<Guid>("select id from registry.mt_doc_auditrecord order by at desc limit 1");
        await TamperAsync("audit_chain", $"delete from registry.audit_chain where id = '{waiting}'");
        await SqlAsync($"insert into registry.audit_pending (id) values ('{waiting}') on conflict do nothing");
        App.Clock.Advance(TimeSpan.FromMinutes(11));
        var result = await Chain.VerifyAsync(null, CancellationToken.None);
        Assert.Equal(1, result.StalePending);
    }

    [Fact]
    public async Task what_a_caller_types_in_a_filter_never_fails_the_read_s_audit()
    {
        // Control characters in a filter: 400 naming the parameter, nothing read, nothing on record.
        var monitor = App.AsUser("monitor-1", Roles.Monitor);
        var refused = await monitor.GetAsync("/api/safety/sae-clocks?siteId=%00&diseaseCode=x", 400);
        Assert.Contains("siteId", await refused.ReadAsTextAsync());
        await monitor.GetAsync("/api/patients?siteId=%00", 400);
        await monitor.GetAsync("/api/safety/sae-clocks?diseaseCode=x%3B%20status%3Dall%0A", 400);
        await monitor.GetAsync($"/api/patients?siteId={new string('x', 1_001)}", 400);
        Assert.Empty(await App.Admin.GetJsonArrayAsync("/api/audit?userId=monitor-1"));

        // What does reach the audit's detail is kept printable.
        Assert.Equal("a\uFFFDb", AuditLog.Printable("a\u0000b"));
        Assert.Equal(2_000, AuditLog.Printable(new string('x', 5_000))!.Length);
    }

    [Fact]
    public async Task thirty_two_readers_at_once_leave_a_chain_that_verifies()
    {
        var patientId = await App.As(Roles.Site, "FR01").EnrolAsync(Requests.Enrolment());
        var token = App.Tokens.Issue("monitor-load", Roles.Monitor, []);
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var sealing = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await Chain.SealAsync(CancellationToken.None); // two sealers at once with the node's own
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            for (var i = 0; i < 5; i++)
            {
                using var response = await client.GetAsync($"/api/patients/{patientId}");
                Assert.Equal(200, (int)response.StatusCode);
            }
        }));
        await sealing;
        await Chain.SealAsync(CancellationToken.None);

        var result = await Chain.VerifyAsync(null, CancellationToken.None);
        Assert.True(result.Intact, result.FirstBreak?.Problem);
        Assert.Equal(await ScalarAsync<long>("select count(*) from registry.mt_doc_auditrecord"), result.Entries);
    }

    private Task<T> ScalarAsync<T>(string sql) => App.ScalarAsync<T>(sql);
}
