// The signing page of a slot that needs a one-time code, in Debian's headless Chromium: the
// page refuses to sign without the code, asks the server to mail one, and signs with it.
// Called by tests/signing_page.rs, which reads the code from the mail the server sent and
// writes it to CODE_FILE.
//
// Environment: PLAYWRIGHT_CORE, CHROMIUM, SIGNER_URL, CODE_FILE, SCREENSHOTS.
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const fs = require("fs");
const path = require("path");

const fail = (msg) => {
  throw new Error(msg);
};

async function expectText(page, selector, text) {
  await page.waitForFunction(
    ([s, t]) => (document.querySelector(s)?.textContent || "").includes(t),
    [selector, text],
    { timeout: 20000 },
  ).catch(async () => fail(`${selector} never showed ${JSON.stringify(text)}; it shows ${JSON.stringify(await page.textContent(selector))}`));
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    await page.goto(process.env.SIGNER_URL);
    await page.waitForSelector("#otp-area", { state: "visible", timeout: 30000 });
    await page.check("#consent");
    await page.click("#sign-btn");
    await expectText(page, "#error", "one-time code");
    await page.click("#otp-send");
    await expectText(page, "#otp-note", "A code was sent to a***@example.com");
    await page.screenshot({ path: path.join(process.env.SCREENSHOTS, "signing-page-code.png") });
    let code = null;
    for (let i = 0; i < 200 && !code; i++) {
      if (fs.existsSync(process.env.CODE_FILE)) code = fs.readFileSync(process.env.CODE_FILE, "utf8").trim();
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (!code) fail("the code never came");
    await page.fill("#otp-code", code);
    await page.click("#sign-btn");
    await expectText(page, "#outcome", "Signed");
  } finally {
    await browser.close();
  }
  // A refused action logs the server's answer as a failed resource load: expected here once.
  const unexpected = problems.filter((p) => !p.includes("Failed to load resource"));
  if (unexpected.length) fail(unexpected.join("\n"));
  console.log("signing page with a code: ok");
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
