// The workflow editor's signature-box placement. The server-rendered form is the only state:
// every box is a <fieldset class="box"> whose inputs are what gets posted; this script draws
// those fields on the pages of a sample PDF and writes back what the user drags, clicks or
// types. Without this script the same form still works through its submit buttons.
// The sample PDF is read and rendered in the browser; it is never uploaded.
import * as pdfjs from "./pdfjs/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = new URL("./pdfjs/pdf.worker.min.mjs", import.meta.url).href;

const DEFAULT_SIZE = { width: 180, height: 50 };
// The form's own minimum (min="1" on Width and Height); the server refuses anything smaller.
const MIN_SIZE = 1;
const SLOT_COLOURS = 6;
const FIELDS = ["page", "x", "y", "width", "height"];

// English defaults; a page in another language overrides them with a JSON object in
// #pages[data-strings] (see NOTES.md). {name} placeholders are filled by text().
const STRINGS = {
  placeFor: "Place boxes for",
  hint: "Click a page to add a box for the chosen signer. Drag a box to move it and its corner to resize it, or use the Page, X, Y, Width and Height fields.",
  boxHelp: "Arrow keys move the box by 1 point, with Shift by 10. Alt or Option with the arrow keys resizes it. Enter goes to its fields.",
  pageLabel: "Page {n}",
  boxLegend: "Signature box {n}",
  boxName: "{box} of {slot}, page {page}",
  page: "Page",
  x: "X",
  y: "Y",
  width: "Width",
  height: "Height",
  removeBox: "Remove box",
  pageSyntax: "Use A (all pages), F (first), L (last), E (even), O (odd) or page numbers such as 1,3.",
  pageMissing: "The sample PDF has {count} pages; it has no page {pages}.",
  outside: "The box goes outside page {page}, which is {width} × {height} points.",
  position: "{box}: X {x}, Y {y}, width {width}, height {height} points.",
  added: "{box} added for {slot} on page {page}.",
  removed: "{box} removed.",
  loading: "Reading the sample PDF…",
  loaded: "The sample PDF has {count} pages.",
  unreadable: "This file could not be read as a PDF ({reason}).",
  recalled: "Showing {name}, chosen earlier. Choose a file to show another.",
};

const form = document.getElementById("workflow-form");
const pagesEl = document.getElementById("pages");
const fileInput = document.getElementById("sample-pdf");
const strings = { ...STRINGS, ...readStrings() };

// The rendered sample: pdf.js document, the displayed size of each page in points, and one
// frame per page ({ element, canvas, overlay }).
const sample = { pdf: null, sizes: [], frames: [], renderToken: 0, renderedWidth: 0 };
let drag = null;
let ui = null;

function readStrings() {
  try {
    return JSON.parse(pagesEl?.dataset.strings || "{}");
  } catch {
    return {};
  }
}

function text(key, values = {}) {
  return strings[key].replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
}

const round1 = (v) => Math.round(v * 10) / 10;
const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

// ---------- reading and writing the form ----------

function signerSlots() {
  return [...form.querySelectorAll('fieldset.slot[data-kind="signer"]')];
}

function slotOf(slotIndex) {
  return form.querySelector(`fieldset.slot[data-slot="${CSS.escape(String(slotIndex))}"]`);
}

/// The name people gave the slot: its Label field as they type it, else the legend.
function slotName(slot) {
  const label = slot.querySelector(`input[name="slot-${slot.dataset.slot}-label"]`);
  const typed = label?.value.trim();
  return typed || slot.querySelector(":scope > legend")?.textContent.trim() || "";
}

function colourOf(slot) {
  return signerSlots().indexOf(slot) % SLOT_COLOURS;
}

function boxesOf(slot) {
  return [...slot.querySelectorAll("fieldset.box")];
}

function field(box, part) {
  return box.querySelector(`[name="slot-${box.dataset.slot}-box-${box.dataset.box}-${part}"]`);
}

function boxName(box) {
  return box.querySelector(":scope > legend")?.textContent.trim() || text("boxLegend", { n: Number(box.dataset.box) + 1 });
}

/// The box's rectangle in points ({x, y, width, height}, x/y the bottom-left corner as
/// displayed), or null while a field does not hold a number.
function readRect(box) {
  const [x, y, width, height] = ["x", "y", "width", "height"].map((p) => parseFloat(field(box, p)?.value ?? ""));
  return [x, y, width, height].every(Number.isFinite) ? { x, y, width, height } : null;
}

function writeRect(box, rect) {
  for (const part of ["x", "y", "width", "height"]) {
    const input = field(box, part);
    if (input) input.value = String(round1(rect[part]));
  }
}

/// Other scripts on the page (an unsaved-changes guard, say) learn of a change the way they
/// would from typing. "input" is not fired, so this script does not react to its own writes.
function announceChange(box) {
  for (const part of FIELDS) field(box, part)?.dispatchEvent(new Event("change", { bubbles: true }));
}

// ---------- page selection ----------

/// Parses a page field as the server does (A/F/L/E/O or "1, 3"; case and spaces ignored).
/// Returns { pages, missing } for a document of `count` pages, or { syntax: true }.
function selectPages(spec, count) {
  const s = String(spec ?? "").trim().toUpperCase();
  const all = Array.from({ length: count }, (_, i) => i + 1);
  if (s === "A") return { pages: all, missing: [] };
  if (s === "F") return { pages: all.slice(0, 1), missing: [] };
  if (s === "L") return { pages: all.slice(-1), missing: [] };
  // E on a one-page document selects nothing and is not an error (the server agrees).
  if (s === "E") return { pages: all.filter((n) => n % 2 === 0), missing: [] };
  if (s === "O") return { pages: all.filter((n) => n % 2 === 1), missing: [] };
  const parts = s.split(",").map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p) && Number(p) >= 1)) return { syntax: true };
  const numbers = [...new Set(parts.map(Number))].sort((a, b) => a - b);
  return { pages: numbers.filter((n) => n <= count), missing: numbers.filter((n) => n > count) };
}

/// The largest width and height a box may have on all the pages it is drawn on: the server
/// refuses a rectangle that does not fit every one of them.
function boundsFor(pages) {
  if (!pages.length) return { width: Infinity, height: Infinity };
  return {
    width: Math.min(...pages.map((n) => sample.sizes[n - 1].width)),
    height: Math.min(...pages.map((n) => sample.sizes[n - 1].height)),
  };
}

function pagesOfBox(box) {
  const sel = selectPages(field(box, "page")?.value, sample.sizes.length);
  return sel.syntax ? [] : sel.pages;
}

// ---------- geometry ----------
// Points are measured from the bottom-left of the page as displayed (crop box after /Rotate),
// which is exactly what pdf.js's viewport shows; the screen measures from the top-left. Boxes
// are placed in percentages of the page, the same formula the signing page (sign.js) uses, so
// they scale with the page and land in the same spot there.

function percentRect(rect, size) {
  return {
    left: (rect.x / size.width) * 100,
    top: ((size.height - (rect.y + rect.height)) / size.height) * 100,
    width: (rect.width / size.width) * 100,
    height: (rect.height / size.height) * 100,
  };
}

/// A pointer position on page `n` in points, from the bottom-left of the displayed page.
function clientToPoints(n, clientX, clientY) {
  const r = sample.frames[n - 1].overlay.getBoundingClientRect();
  const size = sample.sizes[n - 1];
  return {
    x: ((clientX - r.left) / r.width) * size.width,
    y: size.height - ((clientY - r.top) / r.height) * size.height,
  };
}

/// Points per CSS pixel on page `n`, horizontally and vertically.
function pointsPerPixel(n) {
  const r = sample.frames[n - 1].overlay.getBoundingClientRect();
  const size = sample.sizes[n - 1];
  return { x: size.width / r.width, y: size.height / r.height };
}

/// Moves a rectangle (keeping its size) so that it lies inside `bounds`.
function keepInside(rect, bounds) {
  return {
    ...rect,
    x: clamp(rect.x, 0, Math.max(0, bounds.width - rect.width)),
    y: clamp(rect.y, 0, Math.max(0, bounds.height - rect.height)),
  };
}

// ---------- validation shown next to the fields ----------

function problemElement(anchor, id) {
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement("span");
    el.id = id;
    el.className = "editor-error";
    (anchor.closest("label") || anchor).after(el);
  }
  return el;
}

/// Shows `message` (or clears it) next to `anchor`, described by and invalidating `inputs`.
function setProblem(anchor, id, inputs, message) {
  const existing = document.getElementById(id);
  if (!message && !existing) return;
  const el = problemElement(anchor, id);
  el.textContent = message || "";
  el.hidden = !message;
  for (const input of inputs) {
    const ids = new Set((input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
    if (message) ids.add(id);
    else ids.delete(id);
    if (ids.size) input.setAttribute("aria-describedby", [...ids].join(" "));
    else input.removeAttribute("aria-describedby");
  }
}

function setInvalid(input, invalid) {
  if (!input) return;
  // Only this script's own marks are cleared; a server-rendered error stays until it is fixed.
  if (invalid) {
    input.setAttribute("aria-invalid", "true");
    input.dataset.editorInvalid = "1";
  } else if (input.dataset.editorInvalid) {
    input.removeAttribute("aria-invalid");
    delete input.dataset.editorInvalid;
  }
}

function checkPageField(box) {
  const input = field(box, "page");
  if (!input) return;
  const loaded = sample.sizes.length > 0;
  const sel = selectPages(input.value, sample.sizes.length);
  let message = "";
  if (sel.syntax) message = text("pageSyntax");
  else if (loaded && sel.missing.length) message = text("pageMissing", { count: sample.sizes.length, pages: sel.missing.join(", ") });
  setInvalid(input, !!message);
  setProblem(input, `${input.name}-editor-error`, [input], message);
}

function checkRect(box) {
  const rect = readRect(box);
  const inputs = ["x", "y", "width", "height"].map((p) => field(box, p)).filter(Boolean);
  if (!inputs.length) return;
  let message = "";
  let wide = false;
  let tall = false;
  if (rect && sample.sizes.length) {
    for (const n of pagesOfBox(box)) {
      const size = sample.sizes[n - 1];
      const w = rect.x < 0 || rect.x + rect.width > size.width + 1e-6;
      const h = rect.y < 0 || rect.y + rect.height > size.height + 1e-6;
      if ((w || h) && !message) message = text("outside", { page: n, width: round1(size.width), height: round1(size.height) });
      wide ||= w;
      tall ||= h;
    }
  }
  setInvalid(field(box, "x"), wide);
  setInvalid(field(box, "width"), wide);
  setInvalid(field(box, "y"), tall);
  setInvalid(field(box, "height"), tall);
  const id = `slot-${box.dataset.slot}-box-${box.dataset.box}-rect-editor-error`;
  setProblem(inputs[inputs.length - 1], id, inputs, message);
}

// ---------- drawing boxes on the pages ----------

function clearDrawnBoxes() {
  for (const el of pagesEl.querySelectorAll(".editor-box")) el.remove();
}

/// Redraws every box from the form. Used when which boxes exist or which pages they are on
/// changes; moves and resizes only reposition (positionCopies), so focus stays put.
function drawAllBoxes() {
  const focused = document.activeElement?.classList?.contains("editor-box") ? document.activeElement.dataset : null;
  clearDrawnBoxes();
  for (const slot of signerSlots()) {
    for (const box of boxesOf(slot)) {
      checkPageField(box);
      checkRect(box);
      if (!sample.sizes.length) continue;
      for (const n of pagesOfBox(box)) sample.frames[n - 1].overlay.append(boxCopy(slot, box, n));
      positionCopies(box);
    }
  }
  if (focused) copyOf(focused.slot, focused.box, focused.page)?.focus({ preventScroll: true });
}

function boxCopy(slot, box, n) {
  const el = document.createElement("div");
  el.className = `editor-box editor-colour-${colourOf(slot)}`;
  el.tabIndex = 0;
  el.setAttribute("role", "button");
  el.setAttribute("aria-label", text("boxName", { box: boxName(box), slot: slotName(slot), page: n }));
  el.setAttribute("aria-describedby", "editor-box-help");
  el.dataset.slot = box.dataset.slot;
  el.dataset.box = box.dataset.box;
  el.dataset.page = String(n);
  const tag = document.createElement("span");
  tag.className = "editor-box-tag";
  tag.setAttribute("aria-hidden", "true");
  tag.textContent = slotName(slot);
  const handle = document.createElement("span");
  handle.className = "editor-handle";
  handle.setAttribute("aria-hidden", "true");
  el.append(tag, handle);
  return el;
}

function copiesOf(box) {
  return [...pagesEl.querySelectorAll(".editor-box")].filter(
    (el) => el.dataset.slot === box.dataset.slot && el.dataset.box === box.dataset.box,
  );
}

function copyOf(slotIndex, boxIndex, page) {
  return [...pagesEl.querySelectorAll(".editor-box")].find(
    (el) => el.dataset.slot === String(slotIndex) && el.dataset.box === String(boxIndex) && el.dataset.page === String(page),
  );
}

function boxOfCopy(el) {
  return form.querySelector(`fieldset.box[data-slot="${CSS.escape(el.dataset.slot)}"][data-box="${CSS.escape(el.dataset.box)}"]`);
}

function positionCopies(box) {
  const rect = readRect(box);
  for (const el of copiesOf(box)) {
    el.hidden = !rect;
    if (!rect) continue;
    const p = percentRect(rect, sample.sizes[Number(el.dataset.page) - 1]);
    el.style.left = `${p.left}%`;
    el.style.top = `${p.top}%`;
    el.style.width = `${p.width}%`;
    el.style.height = `${p.height}%`;
  }
}

function updateBox(box, rect) {
  writeRect(box, rect);
  positionCopies(box);
  checkRect(box);
}

// ---------- adding and removing boxes ----------

function labelled(caption, input) {
  const label = document.createElement("label");
  label.append(`${caption} `, input);
  return label;
}

function numberInput(name, value, min) {
  const input = document.createElement("input");
  input.type = "number";
  input.step = "any";
  input.min = String(min);
  input.name = name;
  input.value = String(round1(value));
  return input;
}

/// The same markup the server renders for a box, so that posting the form cannot tell them apart.
function boxFieldset(slotIndex, boxIndex, page, rect) {
  const prefix = `slot-${slotIndex}-box-${boxIndex}-`;
  const box = document.createElement("fieldset");
  box.className = "box";
  box.dataset.slot = String(slotIndex);
  box.dataset.box = String(boxIndex);
  const legend = document.createElement("legend");
  legend.textContent = text("boxLegend", { n: boxIndex + 1 });
  const pageInput = document.createElement("input");
  pageInput.name = `${prefix}page`;
  pageInput.value = String(page);
  const remove = document.createElement("button");
  remove.type = "submit";
  remove.name = "action";
  remove.value = `remove-box:${slotIndex}:${boxIndex}`;
  remove.textContent = text("removeBox");
  box.append(
    legend,
    labelled(text("page"), pageInput),
    labelled(text("x"), numberInput(`${prefix}x`, rect.x, 0)),
    labelled(text("y"), numberInput(`${prefix}y`, rect.y, 0)),
    labelled(text("width"), numberInput(`${prefix}width`, rect.width, 1)),
    labelled(text("height"), numberInput(`${prefix}height`, rect.height, 1)),
    remove,
  );
  return box;
}

function boxesContainer(slot) {
  let container = slot.querySelector(".boxes");
  if (!container) {
    container = document.createElement("div");
    container.className = "boxes";
    container.dataset.slot = slot.dataset.slot;
    const add = slot.querySelector('button[name="action"][value^="add-box:"]');
    if (add) add.before(container);
    else slot.append(container);
  }
  return container;
}

/// Adds a box for `slot` on page `page`, its centre at `centre` (points) when given.
function addBox(slot, page, centre) {
  const size = sample.sizes[page - 1];
  const bounds = size || { width: Infinity, height: Infinity };
  const width = Math.min(DEFAULT_SIZE.width, bounds.width);
  const height = Math.min(DEFAULT_SIZE.height, bounds.height);
  const at = centre || { x: 50 + width / 2, y: 50 + height / 2 };
  const rect = keepInside({ x: at.x - width / 2, y: at.y - height / 2, width, height }, bounds);
  // Renumbering on removal keeps indexes contiguous, so the next index is the count.
  const index = boxesOf(slot).length;
  const box = boxFieldset(slot.dataset.slot, index, page, rect);
  boxesContainer(slot).append(box);
  drawAllBoxes();
  announce(text("added", { box: boxName(box), slot: slotName(slot), page }));
  announceChange(box);
  return box;
}

/// Removes a box and renumbers the slot's later boxes so that the posted indexes stay
/// 0..n-1, as the server renders them after its own "Remove box".
function removeBox(box) {
  const slot = box.closest("fieldset.slot");
  const name = boxName(box);
  const later = boxesOf(slot).slice(boxesOf(slot).indexOf(box) + 1);
  box.remove();
  for (const other of later) renumberBox(other, Number(other.dataset.box) - 1);
  drawAllBoxes();
  announce(text("removed", { box: name }));
  const next = later[0] ? field(later[0], "page") : slot.querySelector('button[name="action"][value^="add-box:"]');
  next?.focus();
  form.dispatchEvent(new Event("change", { bubbles: true }));
}

function renumberBox(box, index) {
  const slotIndex = box.dataset.slot;
  const from = `slot-${slotIndex}-box-${box.dataset.box}-`;
  const to = `slot-${slotIndex}-box-${index}-`;
  const legend = box.querySelector(":scope > legend");
  // A legend the server wrote differently (another wording) is left alone.
  if (legend && legend.textContent.trim() === text("boxLegend", { n: Number(box.dataset.box) + 1 })) {
    legend.textContent = text("boxLegend", { n: index + 1 });
  }
  for (const el of [box, ...box.querySelectorAll("*")]) {
    for (const attr of ["name", "id", "for", "aria-describedby", "aria-labelledby", "aria-controls"]) {
      const v = el.getAttribute(attr);
      if (v && v.includes(from)) el.setAttribute(attr, v.split(from).join(to));
    }
  }
  box.querySelector(`button[name="action"][value="remove-box:${slotIndex}:${box.dataset.box}"]`)
    ?.setAttribute("value", `remove-box:${slotIndex}:${index}`);
  box.dataset.box = String(index);
}

/// The page the user is looking at: the one with the largest visible area, else page 1.
function pageInView() {
  let best = { n: 1, visible: 0 };
  sample.frames.forEach(({ element }, i) => {
    const r = element.getBoundingClientRect();
    const visible = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    if (visible > best.visible) best = { n: i + 1, visible };
  });
  return best.n;
}

/// The centre of the visible part of page `n`, in points, so a new box appears in view.
function visibleCentre(n) {
  const r = sample.frames[n - 1].overlay.getBoundingClientRect();
  const top = Math.max(r.top, 0);
  const bottom = Math.min(r.bottom, innerHeight);
  const y = bottom > top ? (top + bottom) / 2 : r.top + r.height / 2;
  return clientToPoints(n, r.left + r.width / 2, y);
}

// ---------- pointer: place, move, resize ----------

function onOverlayClick(e) {
  const overlay = e.currentTarget;
  // Only a click on empty page places a box; a drag that ended here is not a click.
  if (e.target !== overlay || drag?.moved || !ui.select.value) return;
  const slot = slotOf(ui.select.value);
  if (!slot) return;
  const n = Number(overlay.dataset.page);
  const box = addBox(slot, n, clientToPoints(n, e.clientX, e.clientY));
  copyOf(box.dataset.slot, box.dataset.box, n)?.focus({ preventScroll: true });
}

function onBoxPointerDown(e) {
  const el = e.target.closest(".editor-box");
  if (!el || (e.pointerType === "mouse" && e.button !== 0)) return;
  const box = boxOfCopy(el);
  const rect = box && readRect(box);
  if (!rect) return;
  const n = Number(el.dataset.page);
  drag = {
    pointerId: e.pointerId,
    el,
    box,
    mode: e.target.closest(".editor-handle") ? "resize" : "move",
    startX: e.clientX,
    startY: e.clientY,
    start: rect,
    scale: pointsPerPixel(n),
    bounds: boundsFor(pagesOfBox(box)),
    moved: false,
  };
  el.setPointerCapture(e.pointerId);
  // No text selection or scrolling while dragging; focus then has to be given by hand.
  e.preventDefault();
  el.focus({ preventScroll: true });
}

function draggedRect(d, clientX, clientY) {
  const dx = (clientX - d.startX) * d.scale.x;
  const dyUp = -(clientY - d.startY) * d.scale.y;
  const s = d.start;
  if (d.mode === "move") return keepInside({ ...s, x: s.x + dx, y: s.y + dyUp }, d.bounds);
  // The handle is the bottom-right corner: the top and left edges stay where they are.
  const top = s.y + s.height;
  const width = clamp(s.width + dx, MIN_SIZE, Math.max(MIN_SIZE, d.bounds.width - s.x));
  const y = clamp(s.y + dyUp, 0, top - MIN_SIZE);
  return { x: s.x, y, width, height: top - y };
}

function onBoxPointerMove(e) {
  if (!drag || e.pointerId !== drag.pointerId) return;
  if (!drag.moved && Math.hypot(e.clientX - drag.startX, e.clientY - drag.startY) < 2) return;
  drag.moved = true;
  updateBox(drag.box, draggedRect(drag, e.clientX, e.clientY));
}

function onBoxPointerUp(e) {
  if (!drag || e.pointerId !== drag.pointerId) return;
  const d = drag;
  if (e.type === "pointercancel") updateBox(d.box, d.start);
  drag.released = true;
  if (d.moved) announceChange(d.box);
  // The click that follows this pointerup must not place a new box.
  setTimeout(() => { if (drag === d) drag = null; }, 0);
}

// ---------- keyboard ----------

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

function onBoxKeyDown(e) {
  const el = e.target.closest(".editor-box");
  if (!el) return;
  const box = boxOfCopy(el);
  if (!box) return;
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    field(box, "page")?.focus();
    return;
  }
  if (e.key === "Escape" && drag) {
    updateBox(drag.box, drag.start);
    drag = null;
    return;
  }
  const dir = ARROWS[e.key];
  const rect = readRect(box);
  if (!dir || !rect || e.ctrlKey || e.metaKey) return;
  // Alt+Left is "back" in some browsers; taking it here keeps the user on the page.
  e.preventDefault();
  const step = e.shiftKey ? 10 : 1;
  const bounds = boundsFor(pagesOfBox(box));
  updateBox(box, e.altKey ? resizedByKey(rect, dir, step, bounds) : keepInside({ ...rect, x: rect.x + dir[0] * step, y: rect.y + dir[1] * step }, bounds));
  announceChange(box);
  announcePosition(box);
}

/// Alt+arrows act like the bottom-right handle: Right/Left widen/narrow, Down/Up grow/shrink
/// downwards, the top-left corner staying put.
function resizedByKey(rect, [dx, dy], step, bounds) {
  const top = rect.y + rect.height;
  const width = clamp(rect.width + dx * step, MIN_SIZE, Math.max(MIN_SIZE, bounds.width - rect.x));
  const y = clamp(rect.y + dy * step, 0, top - MIN_SIZE);
  return { x: rect.x, y, width, height: top - y };
}

let positionTimer = 0;
function announcePosition(box) {
  clearTimeout(positionTimer);
  // Held-down arrow keys would otherwise queue dozens of announcements.
  positionTimer = setTimeout(() => {
    const r = readRect(box);
    if (r) announce(text("position", { box: boxName(box), x: round1(r.x), y: round1(r.y), width: round1(r.width), height: round1(r.height) }));
  }, 400);
}

function announce(message) {
  if (ui) ui.status.textContent = message;
}

// ---------- the form's own controls ----------

function onFormInput(e) {
  const input = e.target;
  const box = input.closest?.("fieldset.box");
  if (box) {
    if (input === field(box, "page")) drawAllBoxes();
    else {
      positionCopies(box);
      checkRect(box);
    }
    return;
  }
  if (/^slot-\d+-label$/.test(input.name || "")) {
    fillPlaceFor();
    drawAllBoxes();
  }
}

function onFormClick(e) {
  const button = e.target.closest?.('button[name="action"]');
  if (!button) return;
  const [action, slotIndex, boxIndex] = button.value.split(":");
  if (action === "add-box") {
    const slot = slotOf(slotIndex);
    if (!slot) return;
    e.preventDefault();
    const page = sample.sizes.length ? pageInView() : 1;
    const box = addBox(slot, page, sample.sizes.length ? visibleCentre(page) : null);
    field(box, "page")?.focus();
  } else if (action === "remove-box") {
    const box = form.querySelector(`fieldset.box[data-slot="${CSS.escape(slotIndex)}"][data-box="${CSS.escape(boxIndex)}"]`);
    if (!box) return;
    e.preventDefault();
    removeBox(box);
  }
}

/// Enter in a text field submits the form through its first submit button. If that button is
/// a box's "Remove box" or "Add signature box", Enter would remove or add a box, so it is
/// kept from doing so; the server should render a default button (Save) first anyway.
function onFormKeyDown(e) {
  if (e.key !== "Enter" || e.target.tagName !== "INPUT" || ["submit", "button", "checkbox", "radio", "file"].includes(e.target.type)) return;
  const first = form.querySelector('button:not([type]), button[type="submit"], input[type="submit"]');
  if (first?.name === "action" && /^(add|remove)-box:/.test(first.value)) e.preventDefault();
}

// ---------- the sample PDF ----------

async function loadSample(file) {
  const token = ++sample.renderToken;
  announce(text("loading"));
  setProblem(fileInput, "sample-pdf-editor-error", [fileInput], "");
  let pdf;
  try {
    const data = new Uint8Array(await file.arrayBuffer());
    pdf = await pdfjs.getDocument({ data, isEvalSupported: false }).promise;
  } catch (err) {
    if (token !== sample.renderToken) return;
    setProblem(fileInput, "sample-pdf-editor-error", [fileInput], text("unreadable", { reason: err?.message || String(err) }));
    announce("");
    return;
  }
  // The viewport at scale 1 is the crop box after /Rotate in points: the page as displayed.
  const sizes = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const vp = (await pdf.getPage(i)).getViewport({ scale: 1 });
    sizes.push({ width: vp.width, height: vp.height });
  }
  if (token !== sample.renderToken) return pdf.destroy();
  sample.pdf?.destroy();
  sample.pdf = pdf;
  sample.sizes = sizes;
  buildFrames();
  ui.toolbar.hidden = !signerSlots().length;
  drawAllBoxes();
  announce(text("loaded", { count: pdf.numPages }));
  await renderPages();
}

function buildFrames() {
  sample.frames = sample.sizes.map((size, i) => {
    const n = i + 1;
    const element = document.createElement("div");
    element.className = "editor-page";
    element.setAttribute("role", "group");
    element.setAttribute("aria-labelledby", `editor-page-${n}-label`);
    element.dataset.page = String(n);
    // The frame has its final shape before its canvas is drawn, so nothing jumps.
    element.style.aspectRatio = `${size.width} / ${size.height}`;
    const canvas = document.createElement("canvas");
    canvas.setAttribute("aria-hidden", "true");
    const overlay = document.createElement("div");
    overlay.className = "editor-overlay";
    overlay.dataset.page = String(n);
    overlay.addEventListener("click", onOverlayClick);
    const label = document.createElement("span");
    label.className = "editor-page-label";
    label.id = `editor-page-${n}-label`;
    label.textContent = text("pageLabel", { n });
    element.append(canvas, overlay, label);
    return { element, canvas, overlay };
  });
  pagesEl.replaceChildren(...sample.frames.map((f) => f.element));
  pagesEl.dataset.pageCount = String(sample.sizes.length);
  pagesEl.dataset.rendered = "0";
}

/// Draws every page at the resolution its frame now has; called again when the width changes.
async function renderPages() {
  const token = ++sample.renderToken;
  const pdf = sample.pdf;
  sample.renderedWidth = pagesEl.clientWidth;
  let rendered = 0;
  for (let i = 0; i < sample.frames.length; i++) {
    if (token !== sample.renderToken) return;
    const { element, canvas } = sample.frames[i];
    const page = await pdf.getPage(i + 1);
    const cssWidth = element.clientWidth || 800;
    // Sharp on dense screens, bounded so a huge page cannot exhaust memory.
    const scale = Math.min(4, (cssWidth * Math.min(2, devicePixelRatio || 1)) / sample.sizes[i].width);
    const vp = page.getViewport({ scale });
    // Drawing into a fresh canvas and swapping keeps the old image up while the new one renders.
    const fresh = document.createElement("canvas");
    fresh.setAttribute("aria-hidden", "true");
    fresh.width = Math.floor(vp.width);
    fresh.height = Math.floor(vp.height);
    await page.render({ canvasContext: fresh.getContext("2d"), canvas: fresh, viewport: vp }).promise;
    if (token !== sample.renderToken) return;
    sample.frames[i].canvas.replaceWith(fresh);
    sample.frames[i].canvas = fresh;
    rendered++;
    pagesEl.dataset.rendered = String(rendered);
  }
}

let resizeTimer = 0;
function onPagesResize() {
  if (!sample.pdf || Math.abs(pagesEl.clientWidth - sample.renderedWidth) < 2) return;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => renderPages().catch(reportRenderError), 200);
}

function reportRenderError(err) {
  setProblem(fileInput, "sample-pdf-editor-error", [fileInput], text("unreadable", { reason: err?.message || String(err) }));
}

// ---------- remembering the sample across the form's round trips ----------
// "Add signer", "Save" with an error and the like re-render the page, and a file input never
// survives that. The sample is kept in this browser (IndexedDB, never sent anywhere) for
// 30 minutes, the dashboard's idle timeout, and shown again on the next editor page.

const REMEMBER_MS = 30 * 60 * 1000;
const remember = pagesEl?.dataset.rememberSample !== "false";

function sampleStore(mode, action) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("signet-editor", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("sample");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction("sample", mode);
      const req = action(tx.objectStore("sample"));
      tx.oncomplete = () => { db.close(); resolve(req?.result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
}

async function keepSample(file) {
  if (!remember) return;
  const bytes = await file.arrayBuffer();
  await sampleStore("readwrite", (s) => s.put({ name: file.name, bytes, at: Date.now() }, "last")).catch(() => {});
}

async function recalledSample() {
  if (!remember) return null;
  const kept = await sampleStore("readonly", (s) => s.get("last")).catch(() => null);
  if (!kept) return null;
  if (Date.now() - kept.at > REMEMBER_MS) {
    await sampleStore("readwrite", (s) => s.delete("last")).catch(() => {});
    return null;
  }
  return new File([kept.bytes], kept.name, { type: "application/pdf" });
}

// ---------- setup ----------

function buildToolbar() {
  const toolbar = document.createElement("div");
  toolbar.className = "editor-toolbar";
  toolbar.hidden = true;
  const select = document.createElement("select");
  select.id = "place-for";
  // No name: the choice is the editor's, not part of the workflow.
  const label = document.createElement("label");
  label.htmlFor = "place-for";
  label.textContent = text("placeFor");
  const hint = document.createElement("p");
  hint.className = "editor-hint";
  hint.textContent = text("hint");
  const help = document.createElement("p");
  help.id = "editor-box-help";
  help.className = "editor-hint";
  help.textContent = text("boxHelp");
  const status = document.createElement("p");
  status.className = "editor-status";
  status.setAttribute("role", "status");
  toolbar.append(label, select, hint, help);
  pagesEl.before(toolbar);
  // The live region stays visible-to-assistive-tech even while the toolbar is hidden.
  toolbar.after(status);
  return { toolbar, select, status };
}

/// One option per signer slot, by its name; keeps the current choice when it still exists.
function fillPlaceFor() {
  const current = ui.select.value;
  ui.select.replaceChildren(...signerSlots().map((slot) => {
    const option = document.createElement("option");
    option.value = slot.dataset.slot;
    option.textContent = slotName(slot);
    return option;
  }));
  if (current && slotOf(current)) ui.select.value = current;
}

function colourSlots() {
  for (const slot of signerSlots()) slot.classList.add("editor-slot", `editor-colour-${colourOf(slot)}`);
}

function start() {
  if (!form || !pagesEl) return;
  ui = buildToolbar();
  fillPlaceFor();
  colourSlots();
  pagesEl.classList.add("editor-pages");
  // A div may not carry a name without a role; "group" makes the contract's aria-label count.
  if (!pagesEl.hasAttribute("role")) pagesEl.setAttribute("role", "group");
  form.addEventListener("input", onFormInput);
  form.addEventListener("click", onFormClick);
  form.addEventListener("keydown", onFormKeyDown);
  pagesEl.addEventListener("pointerdown", onBoxPointerDown);
  pagesEl.addEventListener("pointermove", onBoxPointerMove);
  pagesEl.addEventListener("pointerup", onBoxPointerUp);
  pagesEl.addEventListener("pointercancel", onBoxPointerUp);
  // Capture lost without a pointerup (the element was redrawn, say) ends the drag as well.
  pagesEl.addEventListener("lostpointercapture", (e) => { if (drag && !drag.released) onBoxPointerUp(e); });
  pagesEl.addEventListener("keydown", onBoxKeyDown);
  new ResizeObserver(onPagesResize).observe(pagesEl);
  fileInput?.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    showRecalled("");
    loadSample(file);
    keepSample(file);
  });
  drawAllBoxes();
  startWithSample().finally(() => { pagesEl.dataset.editor = "ready"; });
}

/// The file the input still holds (back button), else the one kept from the last page.
async function startWithSample() {
  if (fileInput?.files?.[0]) return loadSample(fileInput.files[0]);
  const kept = await recalledSample();
  if (!kept || fileInput?.files?.[0]) return;
  showRecalled(text("recalled", { name: kept.name }));
  await loadSample(kept);
}

function showRecalled(message) {
  if (fileInput) setProblem(fileInput, "sample-pdf-editor-note", [fileInput], message);
  document.getElementById("sample-pdf-editor-note")?.classList.replace("editor-error", "editor-note");
}

start();
