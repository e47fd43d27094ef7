// The signing page of a slot that needs a one-time code, in Debian's headless Chromium: the
// page refuses to sign without the code, asks the server to mail one, and signs with it.
// Called by tests/signing_page.rs, which reads the code from the mail the server sent and
// writes it to CODE_FILE.
//
// Environment: PLAYWRIGHT_CORE, CHROMIUM, SIGNER_URL, CODE_FILE, SCREENSHOTS.
"use strict";
const fs = require("fs");
const path = require("path");
const { fail, launch, watch, expectText, run } = require("./browser.cjs");

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(page, problems);
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

run(main);
