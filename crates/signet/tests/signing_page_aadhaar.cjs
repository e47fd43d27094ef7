// The signing page's "Sign with Aadhaar" in headless Chromium (driven by
// tests/signing_page_aadhaar.rs). Environment: FIRST_URL and SECOND_URL (the two signers'
// links, in signing order: a form-transport 2.1 provider, then a two-step 3.2 one), ESP_URL
// (the simulator), FIRST_AADHAAR, SECOND_AADHAAR, OTP (the simulator's code), SCREENSHOTS,
// SHOT_PREFIX. Exits non-zero on the first failed expectation.
"use strict";
const { fail, launch, expectText, run, screens } = require("./browser.cjs");

const env = process.env;
const s = screens(env.SHOT_PREFIX);
const shot = async (page, name) => {
  // After an action the page shows the new revision: the shot waits for its pages.
  await page.waitForFunction(() => {
    const pages = document.getElementById("pages");
    return pages.dataset.rendered === document.getElementById("doc-meta").dataset.pageCount;
  }, null, { timeout: 30000 });
  await page.evaluate(() => scrollTo(0, 0));
  await s.shot(page, name);
};

const CONSENT = "I agree to sign this document with Aadhaar eSign. I authorise the eSign service provider to confirm my identity with my Aadhaar number or Virtual ID through UIDAI, by a one-time code; to receive my name, year of birth, gender, PIN code and state from my Aadhaar record, for a signature certificate issued for this signature only; and to sign this document's hash. My Aadhaar number is not given to the sender of this document.";
const SIGN = "Sign with Aadhaar";

// As browser.cjs's watch, except for the simulator's own pages (not this project's page, and
// Chromium logs its missing favicon there): anything else, from anywhere, is a failure.
function watch(page, problems) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message} (${page.url()})`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const from = m.location()?.url || "";
    if (from.startsWith(env.ESP_URL) || page.url().startsWith(env.ESP_URL)) return;
    problems.push(`console: ${m.text()} (${from})`);
  });
}

async function open(context, problems, url) {
  const page = await context.newPage();
  watch(page, problems);
  await page.goto(url);
  await page.waitForSelector('#pages[data-rendered]:not([data-rendered="0"])', { timeout: 30000 });
  return page;
}

/// Ticks the consent and goes to the ESP; on its authentication page.
async function toProvider(page) {
  await page.getByLabel(CONSENT, { exact: true }).check();
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(env.ESP_URL), { timeout: 20000 }),
    page.getByRole("button", { name: SIGN, exact: true }).click(),
  ]);
  await page.getByLabel("Aadhaar number or VID", { exact: true }).waitFor({ timeout: 20000 });
}

/// At the ESP: the Aadhaar number and the code, then "Sign" (or "Cancel"); back on the
/// signing page, with the return's `?esign=` already taken out of the address.
async function atProvider(page, url, aadhaar, button, code = env.OTP) {
  await page.getByLabel("Aadhaar number or VID", { exact: true }).fill(aadhaar);
  await page.getByLabel("One-time code", { exact: true }).fill(code);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(url), { timeout: 30000 }),
    page.getByRole("button", { name: button, exact: true }).click(),
  ]);
  await page.waitForFunction(() => !location.search.includes("esign="), null, { timeout: 10000 })
    .catch(() => fail(`the address keeps the outcome: ${page.url()}`));
}

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });

    // The second signer's turn has not come: no section to sign with.
    const early = await open(desk, problems, env.SECOND_URL);
    await expectText(early, "#state-note", "It is not your turn yet.");
    if (await early.isVisible("#aadhaar-form")) fail("Aadhaar is offered before the signer's turn");
    await early.close();

    // The first signer: the section, its consent required.
    const page = await open(desk, problems, env.FIRST_URL);
    await page.getByRole("heading", { name: "Aadhaar eSign", exact: true }).waitFor();
    if (await page.isVisible("#sign-form")) fail("the mark's form is offered to an Aadhaar-only slot");
    await page.getByRole("button", { name: SIGN, exact: true }).click();
    await expectText(page, "#error", "Please tick the box to agree to sign with Aadhaar eSign.");
    if (page.url() !== env.FIRST_URL) fail(`left without consent: ${page.url()}`);
    await s.accessible(page, "aadhaar section");
    await shot(page, "section-desktop");

    // In Hindi on a phone: the section's words.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const small = await open(phone, problems, `${env.FIRST_URL}?lang=hi`);
    await small.getByRole("heading", { name: "आधार ई-साइन", exact: true }).waitFor();
    await small.getByRole("button", { name: "आधार से हस्ताक्षर करें", exact: true }).waitFor();
    await expectText(small, "#aadhaar-form", "मेरा आधार नंबर इस दस्तावेज़ को भेजने वाले को नहीं दिया जाता।");
    await s.accessible(small, "aadhaar section in Hindi at 390 px");
    await s.fitsWidth(small, "aadhaar section at 390 px");
    await shot(small, "section-phone");
    await phone.close();

    // Cancel at the ESP: back, told so, nothing signed, the button still there.
    await toProvider(page);
    await atProvider(page, env.FIRST_URL, env.FIRST_AADHAAR, "Cancel");
    await expectText(page, "#error", "You cancelled at the eSign provider.");
    await expectText(page, "#panel-title", "Sign this document");
    if (!(await page.isVisible("#aadhaar-form"))) fail("no way to try again after a cancel");
    if (await page.isVisible("#outcome:not(:empty)")) fail("an outcome after a cancel");
    await s.accessible(page, "cancelled");
    await shot(page, "cancelled-desktop");
    // A reload does not repeat the message.
    await page.reload();
    await page.getByRole("button", { name: SIGN, exact: true }).waitFor();
    if ((await page.textContent("#error")) !== "") fail("the cancel is said again after a reload");

    // Trying again signs (2.1, the answer posted back through the browser).
    await toProvider(page);
    await atProvider(page, env.FIRST_URL, env.FIRST_AADHAAR, "Sign");
    await expectText(page, "#outcome", "Your Aadhaar eSign signature has been added to the document.");
    await expectText(page, "#panel-title", "Signed");
    if (await page.isVisible("#aadhaar-form")) fail("Aadhaar is still offered after signing");
    if ((await page.textContent("#error")) !== "") fail(`an error beside the signature: ${await page.textContent("#error")}`);
    await s.accessible(page, "signed with Aadhaar");
    await shot(page, "first-signed-desktop");
    await page.reload();
    await expectText(page, "#state-note", "You have signed this document.");
    if ((await page.textContent("#outcome")) !== "") fail("the outcome is said again after a reload");
    // A return saying the answer may still be on its way (3.2): the page asks the server
    // until it knows.
    await page.goto(`${env.FIRST_URL}?esign=pending`);
    await expectText(page, "#outcome", "Your Aadhaar eSign signature has been added to the document.");
    if (page.url() !== env.FIRST_URL) fail(`the address keeps the outcome: ${page.url()}`);

    // The second signer, at the two-step 3.2 provider (the answer delivered server to server,
    // then the browser sent back).
    // A wrong code three times first: the ESP ends the attempt (ESP-415, delivered server to
    // server, then read back by the return), and the page says so.
    // An ESP code the page has no words for is named; what is not a code is not shown.
    const second = await open(desk, problems, `${env.SECOND_URL}?esign=%3Cb%3Ehello`);
    if ((await second.textContent("#error")) !== "") fail(`a made-up outcome is shown: ${await second.textContent("#error")}`);
    await second.goto(`${env.SECOND_URL}?esign=ESP-999`);
    await expectText(second, "#error", "The eSign provider could not sign (ESP-999). Nothing was signed; you can try again.");
    await toProvider(second);
    for (const left of ["2 attempts left", "1 attempt left"]) {
      await second.getByLabel("Aadhaar number or VID", { exact: true }).fill(env.SECOND_AADHAAR);
      await second.getByLabel("One-time code", { exact: true }).fill("000000");
      await second.getByRole("button", { name: "Sign", exact: true }).click();
      await second.getByText(`Wrong code: ${left}`, { exact: true }).waitFor({ timeout: 20000 });
    }
    await atProvider(second, env.SECOND_URL, env.SECOND_AADHAAR, "Sign", "000000");
    await expectText(second, "#error", "The one-time code was entered wrongly three times at the eSign provider");
    if (!(await second.isVisible("#aadhaar-form"))) fail("no way to try again after ESP-415");
    await s.accessible(second, "wrong code three times");
    await shot(second, "wrong-code-desktop");
    await toProvider(second);
    await atProvider(second, env.SECOND_URL, env.SECOND_AADHAAR, "Sign");
    await expectText(second, "#outcome", "Your Aadhaar eSign signature has been added to the document.");
    await expectText(second, "#panel-title", "Signed");
    await shot(second, "second-signed-desktop");

    // Another invitation, for a name the ESP's certificate does not carry: signed at the ESP,
    // then ended by the server's check, and the page says so rather than "signed".
    const other = await open(desk, problems, env.MISMATCH_URL);
    await toProvider(other);
    await atProvider(other, env.MISMATCH_URL, env.FIRST_AADHAAR, "Sign");
    await expectText(other, "#outcome", "this invitation has been terminated");
    await expectText(other, "#panel-title", "Invitation ended");
    if (await other.isVisible("#aadhaar-form")) fail("Aadhaar is still offered after the invitation ended");
    await s.accessible(other, "verification failed");
    await shot(other, "verification-failed-desktop");
    await desk.close();
  } finally {
    await browser.close();
  }
  if (problems.length) fail(problems.join("\n"));
  console.log(`signing page with Aadhaar eSign: ok (${s.checked.length} screens checked)`);
}

run(main);
