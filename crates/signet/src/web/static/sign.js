// The signing page's behaviour. Everything it knows comes from /api/sign/{uuid}; every action
// is one POST to that API, so this page can never do more than a headless client could.
import * as pdfjs from "./pdfjs/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = new URL("./pdfjs/pdf.worker.min.mjs", import.meta.url).href;

const $ = (id) => document.getElementById(id);
// Relative to the page so that a deployment under a path prefix works unchanged.
const uuid = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const api = (rest = "") => new URL(`../api/sign/${encodeURIComponent(uuid)}${rest}`, location.href).href;

let view = null;
let busy = false;

// ---------- loading and state ----------

async function fetchView() {
  let res;
  try {
    res = await fetch(api(), { cache: "no-store", credentials: "omit" });
  } catch {
    return { error: "The server could not be reached. Check your connection and reload the page." };
  }
  if (res.status === 404) return { error: "This signing link was not found. It may have been mistyped or withdrawn." };
  const body = await res.json().catch(() => null);
  if (!body || body.status !== 1) return { error: body?.messages?.[0]?.message || `The server answered ${res.status}.` };
  return { data: body.data };
}

async function load() {
  const { data, error } = await fetchView();
  if (error) {
    $("doc-name").textContent = "Signing link unavailable";
    $("panel-title").textContent = "Nothing to sign here";
    showNote(error);
    $("pages").replaceChildren();
    return;
  }
  view = data;
  document.title = `${view.documentName} · Signet`;
  $("doc-name").textContent = view.documentName;
  const pages = `${view.pageCount} ${view.pageCount === 1 ? "page" : "pages"}`;
  const role = view.inviteeType === "Reviewer" ? "Reviewer" : "Signer";
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
  if (v.signed) return "You have signed this document. Thank you.";
  if (v.approved) return "You have approved this document. Thank you.";
  if (v.rejected) return "You rejected this document. The sender has been told.";
  if (v.expired) return "This signing link has expired. Ask the sender for a new one.";
  if (!v.active) return "It is not your turn yet. You can act once the people before you have finished; the link will work then.";
  if (v.inviteeType !== "Reviewer" && !(v.allowedSignatureTypes || []).includes("VIRTUAL_SIGN"))
    return "This document must be signed with a certificate (for example a DSC token), which this page does not support.";
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
  $("panel-title").textContent = v.signed ? "Signed" : v.approved ? "Approved" : v.rejected ? "Rejected"
    : reviewer ? "Review this document" : "Sign this document";
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
  $("reject-toggle").textContent = reviewer ? "Decline to approve…" : "Decline to sign…";
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
    frame.setAttribute("aria-label", `Page ${i + 1} of ${view.pageCount}`);
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
      tag.textContent = view.signed ? "Signed" : view.inviteeType === "Reviewer" ? "Signature" : "Sign here";
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
    showError(`The document could not be displayed (${e?.message || e}). You can still download it.`);
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
      showError("Enter the one-time code from your email (ask for one above).");
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
      showError(reply?.messages?.[0]?.message || `The server answered ${res.status}. Please try again.`);
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
      a.textContent = "Continue";
      a.rel = "noreferrer";
      $("outcome").append(a);
    }
    $("panel").focus();
  } catch {
    showError("The server could not be reached. Nothing was recorded; please try again.");
    for (const b of buttons) b.disabled = false;
  } finally {
    busy = false;
  }
}

const completed = (d) => (d.completed ? " Everyone has now finished; the sender will send you the final copy." : "");

$("sign-form").addEventListener("submit", (e) => {
  e.preventDefault();
  let mark;
  if (mode() === "typed") {
    const text = $("typed-name").value.trim();
    if (!text) {
      showError("Type your name to sign.");
      $("typed-name").focus();
      return;
    }
    mark = { kind: "typed", text };
  } else {
    if (!ink) {
      showError("Draw your signature in the box, or choose Type.");
      $("mode-draw").focus();
      return;
    }
    mark = { kind: "drawn", png: pad.toDataURL("image/png") };
  }
  if (!$("consent").checked) {
    showError("Please tick the box to agree to sign electronically.");
    $("consent").focus();
    return;
  }
  act("/sign", { signatureType: "VIRTUAL_SIGN", mark, consent: true }, (d) => [
    "Signed",
    `Your signature has been added to the document.${completed(d)}`,
  ]);
});

$("approve-btn").addEventListener("click", () =>
  act("/approve", {}, (d) => ["Approved", `Your approval has been recorded.${completed(d)}`]),
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
    "Rejected",
    "You declined this document. The sender has been told.",
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
      $("otp-note").textContent = `A code was sent to ${reply.data.sentTo}. It is good for 10 minutes.`;
      $("otp-code").focus();
    } else {
      showError(reply?.messages?.[0]?.message || `The server answered ${res.status}. Please try again.`);
    }
  } catch {
    showError("The server could not be reached. Please try again.");
  } finally {
    $("otp-send").disabled = false;
  }
});

load();
