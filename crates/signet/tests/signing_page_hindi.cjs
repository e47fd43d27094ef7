// The signing page in Hindi, in Debian's headless Chromium: a link with ?lang=hi opens in
// Hindi (lang attribute, the page's words and the script's), the language switch leads back
// to English, and a signer signs by the Hindi names alone at phone width. axe-core checks the
// page. Called by tests/signing_page.rs.
//
// Environment: PLAYWRIGHT_CORE, AXE_CORE (module directories), CHROMIUM, SIGNER_URL (without a
// query), SCREENSHOTS. Exits non-zero on the first failed expectation.
"use strict";
const path = require("path");
const { fail, launch, watch, expectText, run, accessible } = require("./browser.cjs");

const shots = process.env.SCREENSHOTS;

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    watch(page, problems);
    await page.goto(`${process.env.SIGNER_URL}?lang=hi`);
    if ((await page.getAttribute("html", "lang")) !== "hi") fail("the page is not marked Hindi");
    await expectText(page, "#panel-title", "इस दस्तावेज़ पर हस्ताक्षर करें");
    await expectText(page, "#doc-meta", "2 पृष्ठ");
    await page.waitForSelector('#pages[data-rendered="2"]', { timeout: 30000 });
    await page.evaluate(() => document.fonts.ready);
    await accessible(page, "signing page in Hindi");
    await page.screenshot({ path: path.join(shots, "signing-page-hindi-phone.png"), fullPage: true });

    // The switch keeps the link and changes only the language.
    await page.getByRole("link", { name: "English" }).click();
    await expectText(page, "#panel-title", "Sign this document");
    await page.getByRole("link", { name: "हिन्दी" }).click();
    await expectText(page, "#panel-title", "इस दस्तावेज़ पर हस्ताक्षर करें");

    // The script's refusals speak Hindi too.
    await page.getByRole("button", { name: "दस्तावेज़ पर हस्ताक्षर करें" }).click();
    await expectText(page, "#error", "सही का निशान");
    await page.getByLabel("मैं इस दस्तावेज़ पर इलेक्ट्रॉनिक रूप से").check();
    await page.getByRole("button", { name: "दस्तावेज़ पर हस्ताक्षर करें" }).click();
    await expectText(page, "#outcome", "आपके हस्ताक्षर दस्तावेज़ में जोड़ दिए गए हैं");
    await expectText(page, "#panel-title", "हस्ताक्षरित");
    await page.screenshot({ path: path.join(shots, "signing-page-hindi-signed.png"), fullPage: true });
    await phone.close();
  } finally {
    await browser.close();
  }
  if (problems.length) fail(problems.join("\n"));
  console.log("signing page in Hindi: ok");
}

run(main);
