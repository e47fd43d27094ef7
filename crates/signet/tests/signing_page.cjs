// Drives the signing page in Debian's headless Chromium through playwright-core, as an
// invitee would: see the document, draw a mark, consent, sign; then a reviewer approves with
// the keyboard alone. Called by tests/signing_page.rs, which checks the results over the API.
//
// Environment: PLAYWRIGHT_CORE (module directory), CHROMIUM, SIGNER_URL, REVIEWER_URL,
// SCREENSHOTS (directory). Exits non-zero on the first failed expectation.
"use strict";
const path = require("path");
const { fail, launch, watch, expectText, run } = require("./browser.cjs");

const shots = process.env.SCREENSHOTS;

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    // The phone first, before anything is signed: the page as a signer first sees it.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    watch(p, problems);
    await p.goto(process.env.SIGNER_URL);
    await p.waitForSelector('#pages[data-rendered="2"]', { timeout: 30000 });
    await p.screenshot({ path: path.join(shots, "signing-page-phone.png"), fullPage: true });
    await p.screenshot({ path: path.join(shots, "signing-page-phone-viewport.png") });
    await phone.close();

    // A reviewer later in the signing order is told to wait, with nothing to press.
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const r = await desk.newPage();
    watch(r, problems);
    await r.goto(process.env.REVIEWER_URL);
    await expectText(r, "#state-note", "not your turn");
    if (await r.isVisible("#approve-btn")) fail("the reviewer can approve out of turn");

    const page = await desk.newPage();
    watch(page, problems);
    // A slot without DSC never looks for the signer's DSC agent: nothing leaves this server.
    const server = new URL(process.env.SIGNER_URL).origin;
    page.on("request", (req) => {
      if (/^https?:/.test(req.url()) && new URL(req.url()).origin !== server) problems.push(`request to ${req.url()}`);
    });
    const res = await page.goto(process.env.SIGNER_URL);
    const h = res.headers();
    if (!h["content-security-policy"]?.includes("script-src 'self'")) fail(`CSP: ${h["content-security-policy"]}`);
    if (h["x-frame-options"] !== "DENY") fail("X-Frame-Options");
    if (h["referrer-policy"] !== "no-referrer") fail("Referrer-Policy");
    await expectText(page, "#doc-meta", "2 pages");
    await page.waitForSelector('#pages[data-rendered="2"]', { timeout: 30000 });
    const canvases = await page.locator("#pages canvas").count();
    if (canvases !== 2) fail(`${canvases} pages rendered`);
    // The slot's appearance is on the last page only.
    const slots = await page.$$eval(".page", (ps) => ps.map((p) => p.querySelectorAll(".slot").length));
    if (JSON.stringify(slots) !== "[0,1]") fail(`slots per page: ${JSON.stringify(slots)}`);
    // The pages are not blank: pdf.js drew something.
    const inked = await page.$eval("#pages canvas", (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
      return dark;
    });
    if (inked === 0) fail("page 1 rendered blank");
    await page.screenshot({ path: path.join(shots, "signing-page-desktop.png") });

    // Draw a mark with the mouse: the canvas must receive pointer events.
    await page.click('label[for="mode-draw"]');
    const box = await page.locator("#pad").boundingBox();
    await page.mouse.move(box.x + 30, box.y + box.height * 0.7);
    await page.mouse.down();
    for (let i = 1; i <= 30; i++) {
      await page.mouse.move(box.x + 30 + i * 8, box.y + box.height * (0.5 + 0.25 * Math.sin(i / 3)));
    }
    await page.mouse.up();
    // Signing without consent is refused on the page, with the reason shown.
    await page.click("#sign-btn");
    await expectText(page, "#error", "tick the box");
    await page.check("#consent");
    await page.screenshot({ path: path.join(shots, "signing-page-desktop-drawn.png") });
    await page.click("#sign-btn");
    await expectText(page, "#outcome", "Signed");
    await page.waitForSelector('#pages[data-rendered="2"]', { timeout: 30000 });
    if (await page.isVisible("#sign-form")) fail("the sign form is still offered after signing");
    await page.screenshot({ path: path.join(shots, "signing-page-desktop-signed.png") });

    // Now the reviewer's turn, with the keyboard alone.
    await r.reload();
    await r.waitForSelector("#approve-btn", { state: "visible" });
    let reached = false;
    for (let i = 0; i < 15 && !reached; i++) {
      await r.keyboard.press("Tab");
      reached = await r.evaluate(() => document.activeElement?.id === "approve-btn");
    }
    if (!reached) fail("Tab never reaches the Approve button");
    await r.keyboard.press("Enter");
    await expectText(r, "#outcome", "Approved");
    await r.screenshot({ path: path.join(shots, "signing-page-reviewer-approved.png") });
    await desk.close();
  } finally {
    await browser.close();
  }
  if (problems.length) fail(problems.join("\n"));
  console.log("signing page: ok");
}

run(main);
