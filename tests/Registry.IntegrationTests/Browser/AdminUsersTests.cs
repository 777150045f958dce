using Microsoft.Playwright;
using Registry.Access;

namespace Registry.IntegrationTests.Browser;

/// <summary>The admin's user pages in Chromium: add a nurse, invite her, deactivate her; her open page is refused at once.</summary>
public sealed class AdminUsersTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task an_admin_adds_invites_and_deactivates_a_user_and_the_user_s_open_page_is_refused_on_the_next_request()
    {
        await browser.UserAsync("nurse-u1", Roles.Site, ["U1"]);
        var admin = await browser.SignedInPageAsync("admin-u", Roles.Admin, [], "/");
        await Assertions.Expect(admin).ToHaveURLAsync($"{browser.BaseUrl}/admin/users");
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Users", Level = 1 })).ToBeVisibleAsync();
        // The list is drawn by the page's script: once it is there, so are the form's handlers.
        await Assertions.Expect(admin.Locator("#users tbody tr").First).ToBeVisibleAsync();

        // A bad request: every problem beside its field, nothing added.
        await admin.GetByLabel("Username").FillAsync("x");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add the user" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".error-summary")).ToContainTextAsync("username");

        await admin.GetByLabel("Username").FillAsync("a.martin");
        await admin.GetByLabel("Name", new() { Exact = true }).FillAsync("Anne Martin");
        await admin.GetByLabel("Role").SelectOptionAsync("site");
        await admin.GetByLabel("Sites (site staff; comma separated)").FillAsync("U1");
        await admin.GetByLabel("Reason").FillAsync("new study nurse at U1");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add the user" }).ClickAsync();
        var row = admin.Locator("#users tbody tr").Filter(new() { HasText = "a.martin" });
        await Assertions.Expect(row).ToContainTextAsync("invited, not set up");

        await admin.GetByLabel("Reason").FillAsync("first sign-in");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Invite a.martin" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#invitation-code")).Not.ToBeEmptyAsync();

        // The nurse already signed in elsewhere; the admin deactivates her.
        var nurse = await browser.SignedInPageAsync("nurse-u1", Roles.Site, ["U1"], "/site");
        await Assertions.Expect(nurse).ToHaveURLAsync($"{browser.BaseUrl}/site");
        await admin.ReloadAsync();
        await admin.GetByLabel("Reason").FillAsync("left the study");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Deactivate nurse-u1" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#users tbody tr").Filter(new() { HasText = "nurse-u1" })).ToContainTextAsync("deactivated");

        await nurse.ReloadAsync();
        await Assertions.Expect(nurse).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
    }

    [Fact]
    public async Task an_admin_allows_a_researcher_free_text_with_a_reason_and_withdraws_it()
    {
        await browser.UserAsync("researcher-u2", Roles.Researcher, []);
        var admin = await browser.SignedInPageAsync("admin-u2", Roles.Admin, [], "/admin/users");
        var row = admin.Locator("#users tbody tr").Filter(new() { HasText = "researcher-u2" });
        await Assertions.Expect(row).ToBeVisibleAsync();

        // No reason, no change: the problem is beside the field.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Allow researcher-u2 free text in exports" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".error-summary")).ToContainTextAsync("Reason: Say why");

        await admin.GetByLabel("Reason").FillAsync("ethics approval 2026-114");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Allow researcher-u2 free text in exports" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("researcher (free text allowed)");
        await Assertions.Expect(row).ToContainTextAsync("free-text-allowed by admin-u2");

        await admin.GetByLabel("Reason").FillAsync("study closed");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Withdraw free text from researcher-u2" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("free-text-withdrawn");
        await Assertions.Expect(row).Not.ToContainTextAsync("free text allowed");
    }
}
