// The signing page's behaviour. Everything it knows comes from /api/sign/{uuid}; every action
// is one POST to that API, so this page can never do more than a headless client could.
import * as pdfjs from "./pdfjs/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = new URL("./pdfjs/pdf.worker.min.mjs", import.meta.url).href;

const $ = (id) => document.getElementById(id);
// Relative to the page so that a deployment under a path prefix works unchanged.
const uuid = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const api = (rest = "") => new URL(`../api/sign/${encodeURIComponent(uuid)}${rest}`, location.href).href;

// The page's language's words (web/sign_texts.rs), with `{name}` for the values put in.
const T = JSON.parse(document.body.dataset.strings || "{}");
const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));

let view = null;
let busy = false;
let onView = null;

// ---------- loading and state ----------

async function fetchView() {
  let res;
  try {
    res = await fetch(api(), { cache: "no-store", credentials: "omit" });
  } catch {
    return { error: T.unreachableReload };
  }
  if (res.status === 404) return { error: T.notFound };
  const body = await res.json().catch(() => null);
  if (!body || body.status !== 1) return { error: body?.messages?.[0]?.message || fmt(T.serverAnswered, { status: res.status }) };
  return { data: body.data };
}

async function load() {
  const { data, error } = await fetchView();
  if (error) {
    $("doc-name").textContent = T.linkUnavailable;
    $("panel-title").textContent = T.nothingToSign;
    showNote(error);
    $("pages").replaceChildren();
    return;
  }
  view = data;
  document.title = `${view.documentName} · Signet`;
  $("doc-name").textContent = view.documentName;
  const pages = view.pageCount === 1 ? T.onePage : fmt(T.pages, { count: view.pageCount });
  const role = view.inviteeType === "Reviewer" ? T.reviewer : T.signer;
  $("doc-meta").textContent = `${pages} · ${role}: ${view.name}`;
  $("doc-meta").dataset.pageCount = String(view.pageCount);
  const dl = $("download");
  dl.href = api("/file");
  dl.setAttribute("download", `${view.documentName}.pdf`);
  dl.hidden = false;
  renderPanel();
  // What waits for the first view (the ESP's return) need not wait for the pages to render.
  if (onView) {
    const then = onView;
    onView = null;
    then();
  }
  await renderDocument();
}

const allows = (v, type) => (v.allowedSignatureTypes || []).includes(type);

/// Why the invitee cannot act now, or null when they can.
function blocker(v) {
  if (v.signed) return T.doneSigned;
  if (v.approved) return T.doneApproved;
  if (v.verificationFailed) return T.verificationFailed;
  if (v.rejected) return T.doneRejected;
  if (v.expired) return T.expired;
  if (!v.active) return T.notYourTurn;
  if (v.inviteeType !== "Reviewer" && !allows(v, "VIRTUAL_SIGN") && !allows(v, "DSC") && !allows(v, "AADHAAR"))
    return T.certificateOnly;
  return null;
}

function showNote(text) {
  const note = $("state-note");
  note.textContent = text || "";
  note.hidden = !text;
}

function renderPanel() {
  const v = view;
  const reviewer = v.inviteeType === "Reviewer";
  const why = blocker(v);
  $("panel-title").textContent = v.signed ? T.signed : v.approved ? T.approved
    : v.verificationFailed ? T.invitationEnded : v.rejected ? T.rejected
    : reviewer ? T.reviewTitle : T.signTitle;
  showNote(why);
  const canAct = !why;
  const signer = canAct && !reviewer;
  $("sign-form").hidden = !(signer && allows(v, "VIRTUAL_SIGN"));
  $("dsc-form").hidden = !(signer && allows(v, "DSC"));
  $("dsc-or").hidden = $("sign-form").hidden || $("dsc-form").hidden;
  $("aadhaar-form").hidden = !(signer && allows(v, "AADHAAR") && v.aadhaar);
  $("aadhaar-or").hidden = $("aadhaar-form").hidden || ($("sign-form").hidden && $("dsc-form").hidden);
  $("approve-area").hidden = !(canAct && reviewer);
  $("reject-area").hidden = !(canAct && v.rejectAllowed);
  $("otp-area").hidden = !(canAct && v.otpRequired);
  for (const el of document.querySelectorAll("#panel button, #panel input, #panel textarea")) el.disabled = !canAct;
  if (canAct && !reviewer && !$("typed-name").value) {
    $("typed-name").value = v.name;
    updatePreview();
  }
  $("reject-toggle").textContent = reviewer ? T.declineApprove : T.declineSign;
  // The agent is asked only when the slot takes a DSC signature, so that every other page
  // makes no request beyond this server's (and logs nothing about a missing agent).
  if (!$("dsc-form").hidden) findAgent();
  // A PIN typed but not used (the invitation ended at the server's check) goes with the form.
  else $("dsc-pin").value = "";
}

// ---------- the document ----------

/// The pages an appearance's page spec selects: A(ll), F(irst), L(ast), E(ven), O(dd) or "1,3".
function pagesOf(spec, count) {
  const s = String(spec ?? "").trim().toUpperCase();
  const all = Array.from({ length: count }, (_, i) => i + 1);
  if (s === "A") return all;
  if (s === "F") return [1];
  if (s === "L") return [count];
  if (s === "E") return all.filter((n) => n % 2 === 0);
  if (s === "O") return all.filter((n) => n % 2 === 1);
  return s.split(",").map((p) => parseInt(p, 10)).filter((n) => n >= 1 && n <= count);
}

let renderToken = 0;

async function renderDocument() {
  const token = ++renderToken;
  const container = $("pages");
  const frames = view.pages.map((p, i) => {
    const frame = document.createElement("div");
    frame.className = "page";
    frame.setAttribute("role", "img");
    frame.setAttribute("aria-label", fmt(T.pageOf, { page: i + 1, count: view.pageCount }));
    // The size is known before the PDF arrives, so the layout does not jump while it renders.
    frame.style.aspectRatio = `${p.width} / ${p.height}`;
    const label = document.createElement("span");
    label.className = "page-label";
    label.textContent = `${i + 1} / ${view.pageCount}`;
    frame.append(label);
    return frame;
  });
  for (const a of view.appearances || []) {
    for (const n of pagesOf(a.page, view.pageCount)) {
      const { width, height } = view.pages[n - 1];
      // Appearances are in points from the bottom-left of the page as displayed; the frame
      // is laid out from the top-left, in percentages so that it scales with the page.
      const box = document.createElement("div");
      box.className = view.signed ? "slot done" : "slot";
      box.style.left = `${(Math.min(a.x1, a.x2) / width) * 100}%`;
      box.style.top = `${((height - Math.max(a.y1, a.y2)) / height) * 100}%`;
      box.style.width = `${(Math.abs(a.x2 - a.x1) / width) * 100}%`;
      box.style.height = `${(Math.abs(a.y2 - a.y1) / height) * 100}%`;
      const tag = document.createElement("span");
      tag.textContent = view.signed ? T.signed : view.inviteeType === "Reviewer" ? T.signature : T.signHere;
      box.append(tag);
      frames[n - 1].append(box);
    }
  }
  container.replaceChildren(...frames);
  container.dataset.rendered = "0";

  let pdf;
  try {
    pdf = await pdfjs.getDocument({ url: api("/file"), isEvalSupported: false, withCredentials: false }).promise;
  } catch (e) {
    showError(fmt(T.notDisplayed, { why: e?.message || e }));
    return;
  }
  // Pages render one at a time, top first, so the first page appears as soon as possible and
  // a long document does not hold hundreds of canvases' worth of work at once.
  let rendered = 0;
  for (let i = 0; i < frames.length; i++) {
    if (token !== renderToken) return;
    const page = await pdf.getPage(i + 1);
    const base = page.getViewport({ scale: 1 });
    // Sharp on high-density screens, bounded so that a huge page cannot exhaust memory.
    const scale = Math.min(3, (Math.min(820, frames[i].clientWidth || 820) / base.width) * Math.min(2, devicePixelRatio || 1));
    const vp = page.getViewport({ scale });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(vp.width);
    canvas.height = Math.floor(vp.height);
    canvas.setAttribute("aria-hidden", "true");
    frames[i].prepend(canvas);
    await page.render({ canvasContext: canvas.getContext("2d"), canvas, viewport: vp }).promise;
    rendered++;
    container.dataset.rendered = String(rendered);
  }
  pdf.destroy();
}

// ---------- the mark ----------

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function updatePreview() {
  $("typed-preview").textContent = $("typed-name").value;
}

for (const r of document.querySelectorAll('input[name="mode"]')) {
  r.addEventListener("change", () => {
    const drawn = mode() === "drawn";
    $("typed-area").hidden = drawn;
    $("drawn-area").hidden = !drawn;
    if (drawn) sizePad();
  });
}
$("typed-name").addEventListener("input", updatePreview);
// A complaint about a missing tick or mark goes away once it is answered.
$("consent").addEventListener("change", () => showError(""));

const pad = $("pad");
let ink = false;
let last = null;

function sizePad() {
  const r = pad.getBoundingClientRect();
  const dpr = Math.min(3, devicePixelRatio || 1);
  const w = Math.round(r.width * dpr);
  const h = Math.round(r.height * dpr);
  if (pad.width !== w || pad.height !== h) {
    // Resizing clears a canvas; a mark drawn at the old size is lost, so say so.
    pad.width = w;
    pad.height = h;
    ink = false;
  }
}

function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: ((e.clientX - r.left) / r.width) * pad.width, y: ((e.clientY - r.top) / r.height) * pad.height };
}

function stroke(from, to) {
  const ctx = pad.getContext("2d");
  ctx.strokeStyle = "#14213d";
  ctx.lineWidth = 2.6 * (pad.width / pad.getBoundingClientRect().width);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
}

pad.addEventListener("pointerdown", (e) => {
  if (pad.closest("form").querySelector("#sign-btn").disabled) return;
  pad.setPointerCapture(e.pointerId);
  last = point(e);
  stroke(last, { x: last.x + 0.1, y: last.y });
  ink = true;
  e.preventDefault();
});
pad.addEventListener("pointermove", (e) => {
  if (!last) return;
  // Coalesced events keep fast strokes smooth on touch screens and pens.
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ev of events.length ? events : [e]) {
    const p = point(ev);
    stroke(last, p);
    last = p;
  }
});
for (const t of ["pointerup", "pointercancel"]) pad.addEventListener(t, () => { last = null; });
$("pad-clear").addEventListener("click", () => {
  pad.getContext("2d").clearRect(0, 0, pad.width, pad.height);
  ink = false;
});
addEventListener("resize", () => { if (!$("drawn-area").hidden && !ink) sizePad(); });

// ---------- actions ----------

function showError(text) {
  $("error").textContent = text || "";
}

function showOutcome(title, detail, rejected = false) {
  const o = $("outcome");
  o.classList.toggle("rejected", rejected);
  const strong = document.createElement("span");
  strong.textContent = title;
  const small = document.createElement("small");
  small.textContent = detail;
  o.replaceChildren(strong, small);
}

/// After a recorded action: reload (which hides the forms), then announce, so that the
/// outcome is the last word, with the slot's redirect as a link.
async function finish(data, done) {
  const [title, detail, rejected] = done(data);
  await load().catch(() => {});
  // The outcome says it all; the standing note would only repeat it.
  showNote("");
  showOutcome(title, detail, rejected);
  if (data.redirectUrl) {
    const a = document.createElement("a");
    a.href = data.redirectUrl;
    a.className = "btn btn-quiet";
    // serde writes the field `continue_` as "continue".
    a.textContent = T.continue;
    a.rel = "noreferrer";
    $("outcome").append(a);
  }
  $("panel").focus();
}

/// The one-time code, when the slot needs one: the code, or null after asking for it.
function otpCode() {
  const code = $("otp-code").value.trim();
  if (!code) {
    showError(T.enterCode);
    $("otp-code").focus();
    return null;
  }
  return code;
}

async function act(path, body, done) {
  if (busy) return;
  if (view?.otpRequired) {
    const code = otpCode();
    if (!code) return;
    body = { ...body, otp: code };
  }
  busy = true;
  showError("");
  const buttons = document.querySelectorAll("#panel button");
  for (const b of buttons) b.disabled = true;
  const btn = document.activeElement;
  try {
    const res = await fetch(api(path), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    });
    const reply = await res.json().catch(() => null);
    if (!reply || reply.status !== 1) {
      showError(reply?.messages?.[0]?.message || fmt(T.tryAgain, { status: res.status }));
      for (const b of buttons) b.disabled = false;
      if (btn instanceof HTMLElement) btn.focus();
      return;
    }
    await finish(reply.data || {}, done);
  } catch {
    showError(T.unreachableNothingRecorded);
    for (const b of buttons) b.disabled = false;
  } finally {
    busy = false;
  }
}

const completed = (d) => (d.completed ? T.everyoneFinished : "");

$("sign-form").addEventListener("submit", (e) => {
  e.preventDefault();
  let mark;
  if (mode() === "typed") {
    const text = $("typed-name").value.trim();
    if (!text) {
      showError(T.typeYourName);
      $("typed-name").focus();
      return;
    }
    mark = { kind: "typed", text };
  } else {
    if (!ink) {
      showError(T.drawOrType);
      $("mode-draw").focus();
      return;
    }
    mark = { kind: "drawn", png: pad.toDataURL("image/png") };
  }
  if (!$("consent").checked) {
    showError(T.tickConsent);
    $("consent").focus();
    return;
  }
  act("/sign", { signatureType: "VIRTUAL_SIGN", mark, consent: true }, (d) => [
    T.signed,
    `${T.signatureAdded}${completed(d)}`,
  ]);
});

$("approve-btn").addEventListener("click", () =>
  act("/approve", {}, (d) => [T.approved, `${T.approvalRecorded}${completed(d)}`]),
);

$("reject-toggle").addEventListener("click", () => {
  const form = $("reject-form");
  form.hidden = !form.hidden;
  $("reject-toggle").setAttribute("aria-expanded", String(!form.hidden));
  if (!form.hidden) $("reject-reason").focus();
});

$("reject-form").addEventListener("submit", (e) => {
  e.preventDefault();
  act("/reject", { reason: $("reject-reason").value.trim() }, () => [
    T.rejected,
    T.youDeclined,
    true,
  ]);
});

$("otp-send").addEventListener("click", async () => {
  showError("");
  $("otp-send").disabled = true;
  try {
    const res = await fetch(api("/otp"), { method: "POST", credentials: "omit" });
    const reply = await res.json().catch(() => null);
    if (reply?.status === 1) {
      $("otp-note").textContent = fmt(T.codeSent, {
        to: reply.data.sentTo,
        minutes: Math.round((reply.data.expiresInSeconds || 600) / 60),
      });
      $("otp-code").focus();
    } else {
      showError(reply?.messages?.[0]?.message || fmt(T.tryAgain, { status: res.status }));
    }
  } catch {
    showError(T.unreachable);
  } finally {
    $("otp-send").disabled = false;
  }
});

// ---------- Sign with DSC token ----------
//
// The signer's own certificate, on a USB token or smart card, through `signet dsc agent` on
// their computer (API.md 10.3): the agent lists the token's certificates, the server prepares
// the revision for the chosen chain (dsc/prepare), the agent signs what the server asks with
// the PIN, and the server checks and stores the signature (dsc/complete). The PIN goes to the
// agent only, from the field, which is emptied as soon as the request is built.

const AGENT = (document.body.dataset.dscAgent || "http://127.0.0.1:47801").replace(/\/+$/, "");
const AGENT_DEFAULT_LISTEN = "127.0.0.1:47801";
let agentCertificates = [];
/// The server's prepared signature, kept for the next attempt with the same certificate (a
/// wrong PIN should not cost a new one-time code nor a new revision on the server).
let prepared = null;
let probing = null;

/// One request to the agent: `{ data }`, `{ refusal: {code, message} }`, or `{ lost: true }`
/// when it cannot be reached (not running, or started for another origin: the browser hides
/// which, as an answer without this page's CORS header reads as a network failure).
async function agent(path, body, timeout) {
  let res;
  try {
    res = await fetch(`${AGENT}${path}`, {
      method: body ? "POST" : "GET",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      cache: "no-store",
      signal: AbortSignal.timeout(timeout),
    });
  } catch {
    return { lost: true };
  }
  const reply = await res.json().catch(() => null);
  if (res.ok && reply) return { data: reply };
  return { refusal: reply?.error || { code: "agent.answer", message: `HTTP ${res.status}` } };
}

/// Shows one of the section's states: "looking", "missing", "empty", "ready" or "none".
function showDscState(state) {
  $("dsc-missing").hidden = !(state === "missing" || state === "empty");
  $("dsc-ready").hidden = state !== "ready";
  if (state === "missing") {
    $("dsc-missing-text").textContent = T.dscMissing;
    // One span an argument, so that it wraps between them; the text copies as one line.
    const parts = agentCommand().map((part, i) => {
      const span = document.createElement("span");
      span.textContent = part;
      return i ? [" ", span] : [span];
    });
    $("dsc-command").replaceChildren(...parts.flat());
  } else if (state === "empty") {
    $("dsc-missing-text").textContent = T.dscNone;
    $("dsc-command").textContent = "";
  }
  $("dsc-command").parentElement.hidden = state !== "missing";
  $("dsc-status").textContent = state === "looking" ? T.dscLooking : state === "ready" ? T.dscFound : "";
}

/// The exact command that starts the agent for this page, in its arguments: the origin the browser sends (this
/// server's public origin when reached through it), and the address the page looks at.
function agentCommand() {
  const listen = AGENT.replace(/^https?:\/\//, "");
  const parts = ["signet dsc agent", `--pkcs11-module ${T.dscModulePlaceholder}`, `--allow-origin ${location.origin}`];
  if (listen !== AGENT_DEFAULT_LISTEN) parts.push(`--listen ${listen}`);
  return parts;
}

/// Asks the agent for the token's certificates; `focus` moves focus to what appears (after
/// "Try again", not on load, where the document comes first).
function findAgent(focus = false) {
  probing ??= (async () => {
    showDscState("looking");
    const { data, refusal, lost } = await agent("/v1/certificates", null, 10000);
    if (lost) {
      showDscState("missing");
      if (focus) $("dsc-retry").focus();
      return;
    }
    if (refusal) {
      showDscState("empty");
      showError(fmt(T.dscAgentRefused, { why: refusal.message || refusal.code }));
      return;
    }
    agentCertificates = Array.isArray(data.certificates) ? data.certificates : [];
    if (!agentCertificates.length) {
      showDscState("empty");
      if (focus) $("dsc-retry").focus();
      return;
    }
    listCertificates();
    showDscState("ready");
    if (focus) $("dsc-list").querySelector("input")?.focus();
  })().finally(() => {
    probing = null;
  });
  return probing;
}

const dateFormat = () =>
  new Intl.DateTimeFormat(document.documentElement.lang === "hi" ? "hi-IN" : "en-IN", { dateStyle: "long" });

function listCertificates() {
  const chosen = document.querySelector('input[name="dsc-cert"]:checked')?.value;
  const now = Date.now();
  const items = agentCertificates.map((c, i) => {
    const id = `dsc-cert-${i}`;
    const row = document.createElement("div");
    row.className = "dsc-cert";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "dsc-cert";
    input.id = id;
    input.value = c.id;
    input.checked = c.id === chosen || agentCertificates.length === 1;
    const label = document.createElement("label");
    label.htmlFor = id;
    const name = document.createElement("span");
    name.className = "holder";
    name.textContent = c.subject || c.keyLabel || c.id;
    const detail = document.createElement("small");
    const until = Date.parse(c.notAfter);
    const date = Number.isNaN(until) ? c.notAfter : dateFormat().format(until);
    detail.textContent = fmt(until < now ? T.dscExpiredOn : T.dscCertificateDetail, { issuer: c.issuer, date });
    label.append(name, detail);
    row.append(input, label);
    return row;
  });
  $("dsc-list").replaceChildren(...items);
}

/// Words for a refusal by the server or the agent; a code without words here keeps the
/// message that came with it.
function refusalText(code, message) {
  const words = {
    "pkcs11.pin.incorrect": T.dscPinIncorrect,
    "pkcs11.pin.locked": T.dscPinLocked,
    "pkcs11.key.not.found": T.dscKeyGone,
    "certificate.expired": T.certificateExpired,
    "certificate.not.yet.valid": T.certificateNotYetValid,
    "certificate.untrusted": T.certificateUntrusted,
    "certificate.revoked": T.certificateRevoked,
    "certificate.key.usage": T.certificateKeyUsage,
    "certificate.key.unsupported": T.certificateKeyUsage,
    "certificate.revocation.unavailable": T.certificateRevocationUnavailable,
    "certificate.revocation.invalid": T.certificateRevocationUnavailable,
    "certificate.invalid": T.certificateInvalid,
    "dsc.certificate.invalid": T.certificateInvalid,
    "verification.failed": T.verificationFailed,
    "signature.invalid": T.signatureInvalid,
    "dsc.prepare.expired": T.dscPrepareExpired,
    "dsc.prepare.not.found": T.dscPrepareExpired,
    "dsc.prepare.stale": T.dscPrepareExpired,
  };
  return words[code] || (code?.startsWith("pkcs11.") ? fmt(T.dscAgentRefused, { why: message || code }) : message);
}

/// One POST to the invitee API: `{ data }` or `{ code, message }` (`code` "unreachable" when
/// the server could not be reached).
async function post(path, body) {
  let res;
  try {
    res = await fetch(api(path), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    });
  } catch {
    return { code: "unreachable", message: T.unreachableNothingRecorded };
  }
  const reply = await res.json().catch(() => null);
  if (reply?.status === 1) return { data: reply.data || {} };
  const m = reply?.messages?.[0];
  return { code: m?.code, message: m?.message || fmt(T.tryAgain, { status: res.status }) };
}

$("dsc-retry").addEventListener("click", () => {
  showError("");
  findAgent(true);
});
$("dsc-consent").addEventListener("change", () => showError(""));

$("dsc-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (busy) return;
  const chosen = document.querySelector('input[name="dsc-cert"]:checked');
  const certificate = agentCertificates.find((c) => c.id === chosen?.value);
  if (!certificate) {
    showError(T.dscChoose);
    $("dsc-list").querySelector("input")?.focus();
    return;
  }
  if (!$("dsc-pin").value) {
    showError(T.dscEnterPin);
    $("dsc-pin").focus();
    return;
  }
  if (!$("dsc-consent").checked) {
    showError(T.tickConsent);
    $("dsc-consent").focus();
    return;
  }
  let otp;
  if (view?.otpRequired && !(prepared?.certificate === certificate.id && prepared.until > Date.now())) {
    otp = otpCode();
    if (!otp) return;
  }
  busy = true;
  showError("");
  const controls = document.querySelectorAll("#panel button, #panel input, #panel textarea");
  for (const c of controls) c.disabled = true;
  const status = (text) => {
    $("dsc-status").textContent = text;
  };
  // Where a refusal leaves the signer: the words, the controls back, focus where to act.
  const refuse = (text, focus) => {
    status("");
    showError(text);
    for (const c of controls) c.disabled = false;
    focus?.focus();
  };
  try {
    // 1. The server checks the certificate and prepares the revision (or the one kept from
    //    an attempt that failed at the token is reused while it lasts).
    if (!(prepared?.certificate === certificate.id && prepared.until > Date.now())) {
      prepared = null;
      status(T.dscPreparing);
      const body = { certificates: certificate.chain, consent: true };
      if (otp) body.otp = otp;
      const p = await post("/dsc/prepare", body);
      if (!p.data) {
        if (p.code === "verification.failed") return await terminated();
        return refuse(refusalText(p.code, p.message), p.code?.startsWith("otp.") ? $("otp-code") : chosen);
      }
      // A minute short of the server's limit, so that a kept one is never stale on arrival.
      const until = Date.parse(p.data.expiresAt) - 60000;
      prepared = { certificate: certificate.id, id: p.data.prepareId, toBeSigned: p.data.toBeSigned, until };
    }

    // 2. The token signs, with the PIN read once from the field and the field emptied.
    status(T.dscSigning);
    const request = { certificate: certificate.id, toBeSigned: prepared.toBeSigned, pin: $("dsc-pin").value };
    $("dsc-pin").value = "";
    const signed = await agent("/v1/sign", request, 120000);
    request.pin = "";
    if (signed.lost) {
      showDscState("missing");
      return refuse(T.dscAgentLost, $("dsc-retry"));
    }
    if (signed.refusal) {
      const code = signed.refusal.code;
      if (code === "pkcs11.key.not.found") {
        prepared = null;
        await findAgent();
      }
      return refuse(refusalText(code, signed.refusal.message), code?.startsWith("pkcs11.pin") ? $("dsc-pin") : chosen);
    }

    // 3. The server checks the signature against the certificate and stores the revision.
    status(T.dscRecording);
    const done = await post("/dsc/complete", { prepareId: prepared.id, signature: signed.data.signature });
    prepared = null;
    if (!done.data) {
      if (done.code === "verification.failed") return await terminated();
      return refuse(refusalText(done.code, done.message), $("dsc-btn"));
    }
    status("");
    await finish(done.data, (d) => [T.signed, `${T.dscSignatureAdded}${completed(d)}`]);
  } finally {
    busy = false;
  }
});

/// The certificate failed the sender's checks: the server ended the invitation (its view says
/// `verificationFailed`), so the page says why instead of "You rejected this document".
async function terminated() {
  prepared = null;
  await load().catch(() => {});
  $("panel-title").textContent = T.invitationEnded;
  showNote("");
  showOutcome(T.invitationEnded, T.verificationFailed, true);
  $("panel").focus();
}

// ---------- Sign with Aadhaar ----------
//
// Aadhaar eSign through the slot's eSign service provider (API.md 11): the server prepares
// the revision and signs the request (aadhaar/start), this page posts it to the ESP as a form
// (a navigation: the ESP's page is where the signer authenticates), and the ESP sends the
// browser back here with `?esign=<outcome>`.

$("aadhaar-consent").addEventListener("change", () => showError(""));

$("aadhaar-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (busy) return;
  if (!$("aadhaar-consent").checked) {
    showError(T.aadhaarTickConsent);
    $("aadhaar-consent").focus();
    return;
  }
  const body = { consent: true };
  if (view?.otpRequired) {
    const otp = otpCode();
    if (!otp) return;
    body.otp = otp;
  }
  busy = true;
  showError("");
  const controls = document.querySelectorAll("#panel button, #panel input, #panel textarea");
  for (const c of controls) c.disabled = true;
  $("aadhaar-status").textContent = T.aadhaarLeaving;
  let res;
  let reply = null;
  try {
    res = await fetch(api("/aadhaar/start"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    });
    reply = await res.json().catch(() => null);
  } catch {
    reply = { messages: [{ code: "unreachable", message: T.unreachableNothingRecorded }] };
  }
  const form = reply?.status === 1 ? reply.data : null;
  if (!form?.action) {
    busy = false;
    $("aadhaar-status").textContent = "";
    for (const c of controls) c.disabled = false;
    const m = reply?.messages?.[0];
    showError(startRefusal(m?.code) || m?.message || fmt(T.tryAgain, { status: res?.status }));
    (m?.code?.startsWith("otp.") ? $("otp-code") : $("aadhaar-btn")).focus();
    return;
  }
  // Built here rather than in the template: the fields (the signed request, or the two-step
  // handle) exist only now, and a form posted by navigation is what the ESP expects.
  const post = document.createElement("form");
  post.method = "post";
  post.action = form.action;
  post.acceptCharset = "UTF-8";
  post.hidden = true;
  for (const [name, value] of Object.entries(form.fields || {})) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = String(value);
    post.append(input);
  }
  document.body.append(post);
  post.submit();
});

/// Words for a refusal of aadhaar/start; null keeps the server's message (one-time codes).
function startRefusal(code) {
  return {
    "signature.type.unavailable": T.aadhaarUnavailable,
    "esign.provider.unavailable": T.aadhaarProviderUnavailable,
    "esign.provider.refused": T.aadhaarProviderRefused,
  }[code] || null;
}

/// Words for how an attempt ended, as the ESP's return names it.
function esignOutcomeText(code) {
  const words = {
    "ESP-944": T.aadhaarCancelled,
    "ESP-415": T.aadhaarWrongCode,
    "ESP-946": T.aadhaarEspExpired,
    "esign.transaction.expired": T.aadhaarTransactionExpired,
    "esign.transaction.used": T.aadhaarTransactionUsed,
    "esign.transaction.stale": T.aadhaarStale,
    "esign.response.txn.mismatch": T.aadhaarAnswerInvalid,
    "esign.response.invalid": T.aadhaarAnswerInvalid,
    "esign.signature.invalid": T.aadhaarSignatureInvalid,
  };
  if (words[code]) return words[code];
  if (code.startsWith("certificate.")) return fmt(T.aadhaarCertificateRefused, { code });
  // The other XML-signature refusals of an answer (signet-esign's codes).
  if (code.startsWith("esign.response.") || code.startsWith("esign.dsig.")) return T.aadhaarAnswerInvalid;
  return fmt(T.aadhaarFailed, { code });
}

/// Says how the attempt the ESP returned from ended: `signed`, `pending` (3.2: the answer may
/// still be on its way to the server) or an error code.
async function esignReturned(outcome) {
  if (!view) return;
  if (outcome === "pending" || (outcome === "signed" && !view.signed)) {
    $("aadhaar-status").textContent = T.aadhaarPending;
    outcome = await awaitAnswer();
    $("aadhaar-status").textContent = "";
    if (outcome === "pending") {
      showError(T.aadhaarStillPending);
      return;
    }
  }
  if (outcome === "signed" || view.signed) {
    showNote("");
    showOutcome(T.signed, T.aadhaarSignatureAdded);
    $("panel").focus();
  } else if (outcome === "verification.failed" || view.verificationFailed) {
    $("panel-title").textContent = T.invitationEnded;
    showNote("");
    showOutcome(T.invitationEnded, T.verificationFailed, true);
    $("panel").focus();
  } else {
    showError(esignOutcomeText(outcome));
  }
}

/// Polls the invitation a few times until the latest attempt has an outcome or it is signed:
/// the outcome, or "pending" when it did not come.
async function awaitAnswer() {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 1500));
    const { data } = await fetchView();
    if (!data) continue;
    const last = data.aadhaar?.lastAttempt?.outcome;
    if (data.signed || (last && last !== "pending" && last !== "open")) {
      await load().catch(() => {});
      return data.signed ? "signed" : last;
    }
  }
  return "pending";
}

// Back from the ESP: a page restored from the back/forward cache kept its disabled controls.
addEventListener("pageshow", (e) => {
  if (!e.persisted) return;
  busy = false;
  $("aadhaar-status").textContent = "";
  if (view) renderPanel();
});

// The outcome is read once and taken out of the address, so a reload or a bookmark does not
// repeat it; only a code's shape is accepted, as anyone can write a link with `?esign=`.
const returned = new URLSearchParams(location.search).get("esign");
if (returned !== null) {
  const url = new URL(location.href);
  url.searchParams.delete("esign");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
}
if (returned && /^[A-Za-z0-9._-]{1,48}$/.test(returned)) onView = () => esignReturned(returned);
load();
