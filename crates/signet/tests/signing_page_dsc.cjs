// "Sign with DSC token" in Debian's headless Chromium, as a signer with a USB token would: the
// page finds no agent and says how to start it (nothing signed); once tests/signing_page_dsc.rs
// has started the real agent, "Try again" lists the token's certificates, the signer picks
// theirs by its name, a wrong PIN is refused in words, the right one signs, and the outcome
// shows with the slot's redirect. axe-core checks each state; screenshots at 1280 and 390 px
// (the phone in Hindi). Then a second invitation, for another name, ends at the server's check.
//
// Environment: PLAYWRIGHT_CORE, AXE_CORE (module directories), CHROMIUM, SIGNER_URL, MISMATCH_URL,
// SERVER_ORIGIN, AGENT_URL, BOTH ("1" when the slot takes a mark too), PIN, WRONG_PIN,
// WANT_AGENT (written when the page has shown the agent missing), AGENT_STARTED (written by the
// test once the agent listens), SCREENSHOTS, SHOT_PREFIX. Exits non-zero on the first failed
// expectation.
"use strict";
const fs = require("fs");
const { fail, launch, expectText, run, screens } = require("./browser.cjs");

const env = process.env;
const both = env.BOTH === "1";
const s = screens(env.SHOT_PREFIX);
// Focus moves to the panel after an action, scrolling the page; the full-page shots start
// from the top so that the sticky header stays where it belongs.
const shot = async (page, name) => {
  await page.evaluate(() => scrollTo(0, 0));
  await s.shot(page, name);
};

// As browser.cjs's watch, except for the two lines Chromium itself logs about the agent,
// which a page cannot silence: the refused connection while the agent is not running, and
// the agent's 401 answer to a wrong PIN. Anything else, from anywhere, is a failure.
function watch(page, problems) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const from = m.location()?.url || "";
    if (from.startsWith(env.AGENT_URL) && m.text().startsWith("Failed to load resource")) return;
    problems.push(`console: ${m.text()} (${from})`);
  });
}

async function waitForFile(file, seconds) {
  for (let i = 0; i < seconds * 10; i++) {
    if (fs.existsSync(file)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`${file} never appeared`);
}

async function open(context, problems, query = "", url = env.SIGNER_URL) {
  const page = await context.newPage();
  watch(page, problems);
  await page.goto(url + query);
  await page.waitForSelector('#pages[data-rendered]:not([data-rendered="0"])', { timeout: 30000 });
  return page;
}

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await open(desk, problems);
    const csp = (await page.context().request.get(env.SIGNER_URL)).headers()["content-security-policy"];
    if (!csp.includes(`connect-src 'self' ${env.AGENT_URL};`)) fail(`CSP: ${csp}`);

    // No agent yet: the exact command to start it, for this server, and a way to try again.
    await page.getByRole("heading", { name: "Sign with DSC token" }).waitFor();
    await expectText(page, "#dsc-missing", "not running on this computer");
    const listen = env.AGENT_URL.replace("http://", "");
    const command = `signet dsc agent --pkcs11-module /path/to/token-pkcs11.so --allow-origin ${env.SERVER_ORIGIN} --listen ${listen}`;
    const shown = await page.textContent("#dsc-command");
    if (shown !== command) fail(`the command shown is ${JSON.stringify(shown)}, not ${JSON.stringify(command)}`);
    if (await page.isVisible("#dsc-pin")) fail("a PIN is asked for without an agent");
    if ((await page.isVisible("#sign-form")) !== both) fail(`the mark's form is ${both ? "missing" : "offered"}`);
    await s.accessible(page, "agent missing");
    await shot(page, "agent-missing-desktop");

    // The phone speaks Hindi: the section's words and the script's.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const small = await open(phone, problems, "?lang=hi");
    await small.getByRole("heading", { name: "DSC टोकन से हस्ताक्षर करें" }).waitFor();
    await expectText(small, "#dsc-missing", "DSC एजेंट नहीं चल रहा है");
    if ((await small.textContent("#dsc-command")) !== command) fail("the Hindi page shows another command");
    await s.accessible(small, "agent missing in Hindi at 390 px");
    await s.fitsWidth(small, "agent missing at 390 px");
    await shot(small, "agent-missing-phone");

    // The test starts the agent now; the signer tries again.
    fs.writeFileSync(env.WANT_AGENT, "1");
    await waitForFile(env.AGENT_STARTED, 60);
    await page.getByRole("button", { name: "Try again" }).click();
    const mine = page.getByRole("radio", { name: /Asha Rao/ });
    await mine.waitFor({ timeout: 20000 });
    const radios = await page.getByRole("radio").count();
    // The mark's Type/Draw switch is made of radios too.
    if (radios !== (both ? 4 : 2)) fail(`${radios} radios: the token holds two certificates`);
    const label = await page.locator(`label[for="${await mine.getAttribute("id")}"]`).textContent();
    if (!label.includes("Issued by Signet Test LTV Issuing CA, valid until")) fail(`the certificate reads ${JSON.stringify(label)}`);
    if (!(await page.evaluate(() => document.activeElement?.name === "dsc-cert"))) fail("focus did not move to the certificates");
    if ((await page.getAttribute("#dsc-pin", "type")) !== "password") fail("the PIN shows");
    if ((await page.getAttribute("#dsc-pin", "autocomplete")) !== "off") fail("the PIN may be remembered");
    await s.accessible(page, "certificates");
    await shot(page, "certificates-desktop");

    await small.getByRole("button", { name: "फिर से प्रयास करें" }).click();
    await small.getByRole("radio", { name: /Asha Rao/ }).waitFor({ timeout: 20000 });
    await expectText(small, "#dsc-list", "Signet Test LTV Issuing CA द्वारा जारी");
    await s.fitsWidth(small, "certificates at 390 px");
    await s.accessible(small, "certificates at 390 px");
    await shot(small, "certificates-phone");
    await phone.close();

    // Consent first, then a wrong PIN: refused in words, the field emptied and focused.
    await mine.check();
    await page.getByLabel("Token PIN").fill(env.WRONG_PIN);
    await page.getByRole("button", { name: "Sign with DSC token" }).click();
    await expectText(page, "#error", "tick the box");
    await page.getByLabel("I agree to sign this document with my digital signature certificate").check();
    await page.getByRole("button", { name: "Sign with DSC token" }).click();
    await expectText(page, "#error", "The PIN is incorrect");
    await expectText(page, "#error", "wrong attempts");
    if ((await page.inputValue("#dsc-pin")) !== "") fail("the PIN stays in its field");
    if (!(await page.evaluate(() => document.activeElement?.id === "dsc-pin"))) fail("focus is not back on the PIN");
    if (await page.isVisible("#outcome:not(:empty)")) fail("an outcome after a wrong PIN");
    await s.accessible(page, "wrong PIN");
    await shot(page, "wrong-pin-desktop");

    // The right PIN signs: the outcome, the redirect, and no form left.
    await page.getByLabel("Token PIN").fill(env.PIN);
    await page.getByRole("button", { name: "Sign with DSC token" }).click();
    await expectText(page, "#outcome", "Your certificate's signature has been added to the document.");
    await expectText(page, "#panel-title", "Signed");
    const next = await page.getByRole("link", { name: "Continue" }).getAttribute("href");
    if (!next.startsWith("https://example.com/done")) fail(`Continue leads to ${next}`);
    if (await page.isVisible("#dsc-form")) fail("the DSC form is still offered after signing");
    if ((await page.inputValue("#dsc-pin")) !== "") fail("the PIN stays in its field");
    await s.accessible(page, "signed");
    await shot(page, "signed-desktop");

    // Another invitation, for a name the certificate does not carry: the server's check ends
    // it, and the page says so rather than "rejected".
    const other = await open(desk, problems, "", env.MISMATCH_URL);
    await other.getByRole("radio", { name: /Asha Rao/ }).check({ timeout: 20000 });
    await other.getByLabel("Token PIN").fill(env.PIN);
    await other.getByLabel("I agree to sign this document with my digital signature certificate").check();
    await other.getByRole("button", { name: "Sign with DSC token" }).click();
    await expectText(other, "#outcome", "this invitation has been terminated");
    await expectText(other, "#panel-title", "Invitation ended");
    if (await other.isVisible("#dsc-form")) fail("the DSC form is still offered after the invitation ended");
    if ((await other.inputValue("#dsc-pin")) !== "") fail("the PIN stays in its field");
    await s.accessible(other, "verification failed");
    await shot(other, "verification-failed-desktop");
    // Opened again later, the link still says why it ended.
    await other.reload();
    await expectText(other, "#panel-title", "Invitation ended");
    await expectText(other, "#state-note", "this invitation has been terminated");
    await desk.close();
  } finally {
    await browser.close();
  }
  if (problems.length) fail(problems.join("\n"));
  console.log(`signing page with a DSC token: ok (${s.checked.length} screens checked)`);
}

run(main);
