// Drives the Workflows screens in Debian's headless Chromium through playwright-core, by the
// accessible names of API.md section 12: a new workflow with a signer and a reviewer, a sample
// PDF, a box placed by mouse then adjusted by its fields, Publish, the request payload
// downloaded and sent with the API, Run with a PDF upload, and the invitee's signing page,
// whose box must sit where the editor placed it. axe-core on every screen; screenshots at 1280
// and 390 px. Called by tests/dashboard_workflows.rs, which checks the outcome over HTTP.
//
// Environment: PLAYWRIGHT_CORE, AXE_CORE, CHROMIUM, BASE_URL, EMAIL, PASSWORD, TOKEN (the
// account's API token), PDF (path of a 2-page A4 PDF), SCREENSHOTS. Prints `profile=… api=…
// run=…` (the workflow and the two documents) for the Rust side.
"use strict";
const fs = require("fs");
const path = require("path");
const shared = require("./browser.cjs");
const { fail, launch, watch, run } = shared;

const base = process.env.BASE_URL;
const shots = process.env.SCREENSHOTS;
const pdfPath = process.env.PDF;
const pdfBytes = fs.readFileSync(pdfPath);
const { checked, accessible, shot, fitsWidth, expectHeading } = shared.screens("workflows");
// The sample's pages: A4 in points.
const PAGE = { width: 595, height: 842 };
// Where the box ends up, in points from the bottom-left.
const BOX = { x: 100, y: 180, width: 200, height: 60 };

const near = (a, b, tolerance) => Math.abs(a - b) <= tolerance;

async function api(method, route, body) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { "X-Auth-Token": process.env.TOKEN, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (json.status !== 1) fail(`${method} ${route}: ${JSON.stringify(json)}`);
  return json.data;
}

async function main() {
  const browser = await launch();
  const problems = [];
  // Forms answered 400 on purpose are expected on the console; nothing else is.
  const expected = (p) => !/status of 400/.test(p);
  const out = {};
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await desk.newPage();
    watch(page, problems);
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(process.env.EMAIL);
    await page.getByLabel("Password").fill(process.env.PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/app/documents");

    // The list, then a new workflow.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
    await expectHeading(page, "Workflows");
    await accessible(page, "list-empty");
    await page.getByRole("link", { name: "New workflow" }).click();
    await expectHeading(page, "New workflow");
    const res = await page.reload();
    const csp = res.headers()["content-security-policy"] || "";
    if (!csp.includes("script-src 'self'") || csp.includes("unsafe")) fail(`editor CSP: ${csp}`);
    await page.waitForSelector('#pages[data-editor="ready"]');
    await accessible(page, "editor-new");

    await page.getByLabel("Name", { exact: true }).fill("Loan agreement");
    await page.getByLabel("Expiry (days)").fill("7");
    await page.getByLabel("Message").fill("Please sign your loan agreement");
    await page.getByLabel("Signing order").check();
    const signer = page.getByRole("group", { name: "Signer 1" });
    await signer.getByLabel("Label").fill("Borrower");
    if (!(await signer.getByLabel("Aadhaar eSign").isDisabled())) fail("Aadhaar eSign should be disabled");
    for (const name of ["DSC token", "Organisation certificate"]) {
      if (await signer.getByLabel(name).isDisabled()) fail(`${name} should be offered`);
    }
    if (!(await signer.getByLabel("Virtual sign").isChecked())) fail("Virtual sign is not checked");
    await signer.getByLabel("Success webhook URL").fill("https://example.com/hooks/ok");
    await signer.getByLabel("Error webhook URL").fill("https://example.com/hooks/err");
    await signer.getByLabel("Redirect URL").fill("https://example.com/done");
    if (!(await signer.getByLabel("Email notification").isChecked())) fail("Email notification is not on by default");
    // The round trip: Add reviewer re-renders the form with everything typed so far.
    await page.getByRole("button", { name: "Add reviewer" }).click();
    await page.waitForSelector('fieldset.slot[data-kind="reviewer"]');
    if ((await page.getByLabel("Name", { exact: true }).inputValue()) !== "Loan agreement") fail("the name was lost");
    const reviewer = page.getByRole("group", { name: "Reviewer 2" });
    await reviewer.getByLabel("Label").fill("Lender");
    await page.waitForSelector('#pages[data-editor="ready"]');

    // The sample PDF, then a box by mouse on page 1.
    await page.getByLabel("Sample PDF", { exact: true }).setInputFiles(pdfPath);
    await page.waitForSelector('#pages[data-rendered="2"]', { timeout: 30000 });
    const overlay = page.locator(".editor-page").first().locator(".editor-overlay");
    await overlay.scrollIntoViewIfNeeded();
    const r = await overlay.boundingBox();
    await page.mouse.click(r.x + r.width * 0.5, r.y + r.height * 0.5);
    await page.waitForSelector('[name="slot-0-box-0-x"]');
    const placed = await page.evaluate(() => ["page", "x", "y", "width", "height"].map((p) => document.querySelector(`[name="slot-0-box-0-${p}"]`).value));
    if (placed[0] !== "1") fail(`the clicked box is on page ${placed[0]}`);
    const cx = Number(placed[1]) + Number(placed[3]) / 2;
    const cy = Number(placed[2]) + Number(placed[4]) / 2;
    if (!near(cx, PAGE.width / 2, 1.5) || !near(cy, PAGE.height / 2, 1.5)) fail(`the box is centred on ${cx}, ${cy}, not the click`);
    // Then by the numeric fields (the non-dragging way).
    const box = page.getByRole("group", { name: "Signature box 1" });
    await box.getByLabel("X").fill(String(BOX.x));
    await box.getByLabel("Y").fill(String(BOX.y));
    await box.getByLabel("Width").fill(String(BOX.width));
    await box.getByLabel("Height").fill(String(BOX.height));
    const drawn = await page.evaluate(() => {
      const el = document.querySelector('.editor-box[data-slot="0"][data-box="0"][data-page="1"]');
      const o = el.parentElement.getBoundingClientRect();
      const b = el.getBoundingClientRect();
      return [(b.left - o.left) / o.width, (b.top - o.top) / o.height, b.width / o.width, b.height / o.height];
    });
    const want = [BOX.x / PAGE.width, (PAGE.height - BOX.y - BOX.height) / PAGE.height, BOX.width / PAGE.width, BOX.height / PAGE.height];
    if (!drawn.every((v, i) => near(v, want[i], 0.003))) fail(`the editor draws the box at ${drawn}, not ${want}`);
    await accessible(page, "editor-with-box");
    await shot(page, "editor-1280");
    // The box on its page as a person sees it, for the README.
    await page.locator('.editor-box[data-page="1"]').first().evaluate((el) => el.scrollIntoView({ block: "center" }));
    await page.screenshot({ path: path.join(shots, "workflows-editor-box-1280.png") });

    // Publish.
    await page.getByRole("button", { name: "Publish" }).click();
    await page.waitForURL("**/app/workflows/*?notice=published");
    const profileId = new URL(page.url()).pathname.split("/").pop();
    out.profile = profileId;
    await page.getByRole("status").filter({ hasText: "Published" }).waitFor();
    await expectHeading(page, "Loan agreement");
    await accessible(page, "editor-published");

    // Download the payload and send it with the API.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download request payload" }).click(),
    ]);
    const payload = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
    if (payload.profileId !== profileId || payload.invitees.length !== 2) fail(`payload: ${JSON.stringify(payload)}`);
    payload.file = { name: "Loan from the API", file: pdfBytes.toString("base64") };
    payload.invitees[0] = { ...payload.invitees[0], name: "Ravi Kumar", email: "ravi@example.com" };
    payload.invitees[1] = { ...payload.invitees[1], name: "Lena Shah", email: "lena@example.com" };
    payload.irn = "API-1";
    const sent = await api("POST", "/api/v3.0/sign/request", payload);
    out.api = sent.documentId;

    // Run it from the dashboard with a PDF upload.
    await page.getByRole("link", { name: "Run" }).click();
    await expectHeading(page, "Run: Loan agreement");
    await accessible(page, "run");
    await page.getByLabel("Document name").fill("Loan 42");
    await page.getByLabel("IRN").fill("LN-42");
    await page.getByLabel("PDF file").setInputFiles(pdfPath);
    const borrower = page.getByRole("group", { name: "Borrower" });
    await borrower.getByLabel("Name").fill("Ravi Kumar");
    await borrower.getByLabel("Email").fill("ravi@example.com");
    const lender = page.getByRole("group", { name: "Lender" });
    await lender.getByLabel("Name").fill("Lena Shah");
    await lender.getByLabel("Phone").fill("9876543210");
    await shot(page, "run-1280");
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL("**/app/documents/*");
    await expectHeading(page, "Loan 42");
    const documentId = new URL(page.url()).pathname.split("/").pop();
    out.run = documentId;

    // The invitee's signing page draws the box where it was placed.
    const details = await api("GET", `/api/v3.3/document/details?documentId=${documentId}`);
    const signUrl = details.invitations[0].signUrl;
    const sign = await desk.newPage();
    watch(sign, problems);
    await sign.goto(signUrl);
    await sign.waitForSelector('#pages[data-rendered="2"]', { timeout: 30000 });
    const onSigning = await sign.evaluate(() => {
      const frame = document.querySelectorAll(".page")[0];
      const slot = frame.querySelector(".slot");
      if (!slot) return null;
      const o = frame.getBoundingClientRect();
      const s = slot.getBoundingClientRect();
      return [(s.left - o.left) / o.width, (s.top - o.top) / o.height, s.width / o.width, s.height / o.height];
    });
    if (!onSigning || !onSigning.every((v, i) => near(v, want[i], 0.003))) {
      fail(`the signing page draws the box at ${onSigning}, the editor at ${want}`);
    }
    await sign.screenshot({ path: path.join(shots, "workflows-signing-page-box.png"), fullPage: true });

    // The signer signs there, then the reviewer approves on their own page.
    await sign.getByLabel(/I agree to sign this document electronically/).check();
    await sign.getByRole("button", { name: "Sign document" }).click();
    await sign.locator("#outcome").filter({ hasText: "Signed" }).waitFor({ timeout: 30000 });
    await sign.close();
    const review = await desk.newPage();
    watch(review, problems);
    await review.goto(details.invitations[1].signUrl);
    await review.getByRole("button", { name: "Approve document" }).click();
    await review.locator("#outcome").filter({ hasText: "Approved" }).waitFor({ timeout: 30000 });
    await review.close();

    // Completed in the list; its page gives the signed PDF and the audit trail.
    await page.goto(`${base}/app/documents`);
    await page.getByRole("link", { name: /^Completed/ }).click();
    await page.getByRole("link", { name: "Loan 42" }).click();
    await expectHeading(page, "Loan 42");
    for (const [name, file] of [["Download signed PDF", "signed.pdf"], ["Download audit trail", "audit-trail.pdf"]]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
      await download.saveAs(path.join(process.env.DOWNLOADS, file));
    }

    // The list shows it published; Hindi editor.
    await page.goto(`${base}/app/workflows`);
    await accessible(page, "list");
    await shot(page, "list-1280");
    await page.goto(`${base}/app/workflows/${profileId}?lang=hi`);
    await page.waitForSelector('#pages[data-editor="ready"]');
    if ((await page.getAttribute("html", "lang")) !== "hi") fail("the editor is not in Hindi");
    await accessible(page, "editor-hi");
    await shot(page, "editor-hi-1280");
    await page.goto(`${base}/app/workflows?lang=en`);

    // Phone width.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.addCookies(await desk.cookies());
    const p = await phone.newPage();
    watch(p, problems);
    for (const [where, name] of [["/app/workflows", "list"], [`/app/workflows/${profileId}`, "editor"], [`/app/workflows/${profileId}/run`, "run"]]) {
      await p.goto(`${base}${where}`);
      if (name === "editor") {
        await p.waitForSelector('#pages[data-editor="ready"]');
        await p.getByLabel("Sample PDF", { exact: true }).setInputFiles(pdfPath);
        await p.waitForSelector('#pages[data-rendered="2"]', { timeout: 30000 });
      }
      await fitsWidth(p, name);
      await accessible(p, `${name}-390`);
      await shot(p, `${name}-390`);
    }
    await phone.close();
    await desk.close();
  } finally {
    await browser.close();
  }
  const real = problems.filter(expected);
  if (real.length) fail(real.join("\n"));
  console.log(`workflows: ok; axe-core found nothing serious on ${checked.join(", ")}`);
  console.log(`profile=${out.profile} api=${out.api} run=${out.run}`);
}

run(main);
