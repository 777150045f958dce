// The admin's user directory: list, add, change role and sites, deactivate, reactivate, invite, free text.
import { $, h, status, formatInstant } from "./dom.js";
import { api, initHeader } from "./api.js";
import { clearErrors, showProblem, problemOf } from "./forms.js";

const form = $("#user");
let users = [];

const sitesOf = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

function reasonFor(what) {
  const reason = $("#reason").value.trim();
  if (!reason) {
    showProblem(form, { errors: { reason: [`Say why you ${what} (it is kept with the change).`] } });
    return null;
  }
  return reason;
}

async function load() {
  const result = await api("GET", "/api/users");
  if (!result.ok) { status(problemOf(result).title, "error"); return; }
  users = result.data;
  const rows = users.map((u) => {
    const last = u.history[u.history.length - 1];
    return h("tr", null,
      h("th", { scope: "row" }, u.username),
      h("td", null, u.displayName),
      h("td", null, u.role === "researcher" && u.freeText ? "researcher (free text allowed)"
        : u.role === "site" && u.investigator ? "site (investigator: signs records)" : u.role),
      h("td", null, u.sites.join(", ") || "–"),
      h("td", null, [u.active ? "active" : "deactivated", u.externalIssuer ? " · signs in at its identity provider"
        : u.signInReady ? " · password and app set" : " · invited, not set up"].join("")),
      h("td", null, last ? `${last.change} by ${last.by || "–"}, ${formatInstant(last.at)}: ${last.reason}` : "–"),
      h("td", null,
        h("button", { type: "button", class: "quiet", onclick: () => edit(u) }, `Change ${u.username}`),
        u.active
          ? h("button", { type: "button", class: "quiet", onclick: () => act(u, "deactivation", "deactivate") },
            `Deactivate ${u.username}`)
          : h("button", { type: "button", class: "quiet", onclick: () => act(u, "reactivation", "reactivate") },
            `Reactivate ${u.username}`),
        u.externalIssuer ? null
          : h("button", { type: "button", class: "quiet", onclick: () => invite(u) }, `Invite ${u.username}`),
        u.role !== "researcher" ? null
          : h("button", { type: "button", class: "quiet", onclick: () => permission(u, "free-text", !u.freeText) },
            u.freeText ? `Withdraw free text from ${u.username}` : `Allow ${u.username} free text in exports`),
        u.role !== "site" || (u.externalIssuer && !u.investigator) ? null
          : h("button", { type: "button", class: "quiet", onclick: () => permission(u, "investigator", !u.investigator) },
            u.investigator ? `Withdraw investigator from ${u.username}` : `Name ${u.username} investigator`)));
  });
  $("#users tbody").replaceChildren(...rows);
}

function edit(user) {
  clearErrors(form);
  $("#username").value = user.username;
  $("#username").readOnly = true;
  $("#displayName").value = user.displayName;
  $("#role").value = user.role;
  $("#sites").value = user.sites.join(", ");
  $("#externalIssuer").value = user.externalIssuer || "";
  $("#externalSubject").value = user.externalSubject || "";
  $("#save").textContent = `Save the changes to ${user.username}`;
  $("#reason").focus();
}

async function act(user, action, verb) {
  clearErrors(form);
  const reason = reasonFor(`${verb} ${user.username}`);
  if (!reason) return;
  const result = await api("POST", `/api/users/${encodeURIComponent(user.username)}/${action}`, { reason });
  if (!result.ok) { showProblem(form, problemOf(result)); return; }
  status(`${user.username}: ${verb}d.`);
  await load();
}

const PERMISSIONS = {
  "free-text": { allow: "allow {u} free text", withdraw: "withdraw free text from {u}", done: "free text" },
  investigator: { allow: "name {u} investigator", withdraw: "withdraw investigator from {u}", done: "investigator" },
};

/** Free text in exports (researchers) or signing records (site staff): an admin's grant, with a reason. */
async function permission(user, which, allowed) {
  clearErrors(form);
  const words = PERMISSIONS[which];
  const reason = reasonFor((allowed ? words.allow : words.withdraw).replace("{u}", user.username));
  if (!reason) return;
  const result = await api("POST", `/api/users/${encodeURIComponent(user.username)}/${which}`, { allowed, reason });
  if (!result.ok) { showProblem(form, problemOf(result)); return; }
  status(`${user.username}: ${words.done} ${allowed ? "allowed" : "withdrawn"}.`);
  await load();
}

async function invite(user) {
  clearErrors(form);
  const reason = reasonFor(`invite ${user.username}`);
  if (!reason) return;
  const result = await api("POST", `/api/users/${encodeURIComponent(user.username)}/invitation`, { reason });
  if (!result.ok) { showProblem(form, problemOf(result)); return; }
  const box = $("#invitation");
  box.replaceChildren(
    h("p", null, `Hand this to ${user.username} (it is shown once; any earlier password and app stop working):`),
    h("p", null, "Invitation code: ", h("code", { id: "invitation-code" }, result.data.code)),
    h("p", null, `Set up at ${location.origin}${result.data.setupPath}, before ${formatInstant(result.data.expiresAt)}.`));
  box.hidden = false;
  box.focus();
  await load();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const username = $("#username").value.trim();
  const existing = $("#username").readOnly ? users.find((u) => u.username === username) : null;
  const body = { role: $("#role").value, sites: sitesOf($("#sites").value), reason: $("#reason").value.trim() };
  let result;
  if (!existing) {
    result = await api("POST", "/api/users", {
      ...body, username, displayName: $("#displayName").value.trim(),
      externalIssuer: $("#externalIssuer").value.trim() || null, externalSubject: $("#externalSubject").value.trim() || null,
    });
  } else {
    result = await api("POST", `/api/users/${encodeURIComponent(username)}/access`, body);
    const issuer = $("#externalIssuer").value.trim() || null;
    const subject = $("#externalSubject").value.trim() || null;
    if (result.ok && (issuer !== (existing.externalIssuer || null) || subject !== (existing.externalSubject || null))) {
      result = await api("POST", `/api/users/${encodeURIComponent(username)}/link`,
        { externalIssuer: issuer, externalSubject: subject, reason: body.reason });
    }
  }
  if (!result.ok) { showProblem(form, problemOf(result)); return; }
  status(existing ? `${username}: saved.` : `${username} added: invite them to set a password and an app.`);
  form.reset();
  $("#username").readOnly = false;
  $("#save").textContent = "Add the user";
  await load();
});

await initHeader();
await load();
