// The API client: the session's short-lived bearer token (exchanged for the sign-in cookie at
// /signin/token), calls with it, version-4 ids, the page header, and loading a patient's record.
import { $, status } from "./dom.js";

let session = null;

function signIn() {
  location.href = "/signin?returnUrl=" + encodeURIComponent(location.pathname + location.search);
}

/** Thrown by a write when the sign-in has ended: the page keeps what was typed instead of leaving. */
export class SessionEnded extends Error {
  constructor() {
    super("Your sign-in has ended, so nothing was saved. Sign in again in another tab (/signin), " +
      "then come back and save: what you typed is still here.");
  }
}

/** The signed-in user and a short-lived bearer token for writes (the sign-in cookie only ever reads). */
export async function currentSession(leaveIfSignedOut = true) {
  if (session && Date.parse(session.expiresAt) - Date.now() > 60_000) return session;
  const response = await fetch("/signin/token", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    if (!leaveIfSignedOut) throw new SessionEnded();
    signIn();
    throw new Error("signed out");
  }
  if (!response.ok) throw new Error("The sign-in check answered " + response.status);
  session = await response.json();
  return session;
}

/** Calls the API with the session's token: {status, ok, data, etag, next} (next: a list's next-page cursor). */
export async function api(method, url, body, headers) {
  for (let attempt = 0; attempt < 2; attempt++) {
    // A write never navigates away: a page with typed values must not lose them to a sign-in.
    const write = method !== "GET";
    const s = await currentSession(!write);
    const init = { method, headers: { Accept: "application/json", Authorization: "Bearer " + s.token, ...(headers || {}) } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (response.status === 401 && attempt === 0) { session = null; continue; }
    if (response.status === 401) {
      if (write) throw new SessionEnded();
      signIn();
      throw new Error("signed out");
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    return {
      status: response.status, ok: response.ok, data, etag: response.headers.get("ETag"), next: response.headers.get("X-Next-Page"),
    };
  }
  throw new Error("unreachable");
}

/** A version-4 UUID (crypto.randomUUID needs a secure context; a site's intranet may not be one). */
export function uuid() {
  if (window.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Fills the page header with who is signed in; hides links the role cannot use. */
export async function initHeader() {
  const s = await currentSession();
  const who = $("#who");
  if (who) who.textContent = `${s.userId} · ${s.role}${s.sites.length ? " · sites " + s.sites.join(", ") : ""}`;
  if (s.role !== "site") document.querySelectorAll("[data-site-only]").forEach((el) => el.remove());
  if (s.role !== "monitor") document.querySelectorAll("[data-monitor-only]").forEach((el) => el.remove());
  if (s.role !== "researcher") document.querySelectorAll("[data-researcher-only]").forEach((el) => el.remove());
  if (s.role === "admin") document.querySelectorAll("[data-not-admin]").forEach((el) => el.remove());
  return s;
}

/** The patient's record, or null with the reason shown (another site's patient is the API's 404: "not found"). */
export async function loadPatient(patientId) {
  const result = await api("GET", `/api/patients/${patientId}`);
  if (result.status === 404) {
    $("#title").textContent = "Patient not found";
    status("There is no such patient among your sites' patients.", "error");
    return null;
  }
  if (!result.ok) { status(`The registry answered ${result.status}.`, "error"); return null; }
  return result.data;
}

export const patientIdFromPath = () => (location.pathname.match(/\/site\/patients\/([0-9a-fA-F-]{36})/) || [])[1];
