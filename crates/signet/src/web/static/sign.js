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
  await renderDocument();
}

/// Why the invitee cannot act now, or null when they can.
function blocker(v) {
  if (v.signed) return T.doneSigned;
  if (v.approved) return T.doneApproved;
  if (v.rejected) return T.doneRejected;
  if (v.expired) return T.expired;
  if (!v.active) return T.notYourTurn;
  if (v.inviteeType !== "Reviewer" && !(v.allowedSignatureTypes || []).includes("VIRTUAL_SIGN"))
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
  $("panel-title").textContent = v.signed ? T.signed : v.approved ? T.approved : v.rejected ? T.rejected
    : reviewer ? T.reviewTitle : T.signTitle;
  showNote(why);
  const canAct = !why;
  $("sign-form").hidden = !(canAct && !reviewer);
  $("approve-area").hidden = !(canAct && reviewer);
  $("reject-area").hidden = !(canAct && v.rejectAllowed);
  $("otp-area").hidden = !(canAct && v.otpRequired);
  for (const el of document.querySelectorAll("#panel button, #panel input, #panel textarea")) el.disabled = !canAct;
  if (canAct && !reviewer && !$("typed-name").value) {
    $("typed-name").value = v.name;
    updatePreview();
  }
  $("reject-toggle").textContent = reviewer ? T.declineApprove : T.declineSign;
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

async function act(path, body, done) {
  if (busy) return;
  if (view?.otpRequired) {
    const code = $("otp-code").value.trim();
    if (!code) {
      showError(T.enterCode);
      $("otp-code").focus();
      return;
    }
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
    const [title, detail, rejected] = done(reply.data || {});
    // Reload first (which hides the forms), then announce, so the outcome is the last word.
    await load().catch(() => {});
    // The outcome says it all; the standing note would only repeat it.
    showNote("");
    showOutcome(title, detail, rejected);
    if (reply.data?.redirectUrl) {
      const a = document.createElement("a");
      a.href = reply.data.redirectUrl;
      a.className = "btn btn-quiet";
      a.textContent = T.continue_;
      a.rel = "noreferrer";
      $("outcome").append(a);
    }
    $("panel").focus();
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

load();
