// Drives the certificate parts of the dashboard in Debian's headless Chromium through
// playwright-core, by accessible names: a document signed with a DSC shows its certificate
// (name, PIN code) and each check's result; one terminated by a failed check says so; an
// admin changes the certificate checks (a refused value first). axe-core on every screen,
// screenshots at 1280 and 390 px. Called by tests/dashboard_certificates.rs, which made the
// documents through the API and checks the saved settings through it.
//
// Environment: PLAYWRIGHT_CORE, AXE_CORE (module directories), CHROMIUM, BASE_URL, EMAIL,
// PASSWORD, SCREENSHOTS (directory), DB (sqlite or postgres: both run at once, so every file
// name carries it). Exits non-zero on the first failed expectation.
"use strict";
const shared = require("./browser.cjs");
const { fail, launch, watch, run } = shared;

const base = process.env.BASE_URL;
const { checked, accessible, shot, fitsWidth, expectHeading } = shared.screens(`certificates-${process.env.DB}`);

// The row of `table` whose accessible name (its cells' text) matches `pattern`.
async function expectRow(table, pattern) {
  await table.getByRole("row", { name: pattern }).waitFor({ timeout: 10000 })
    .catch(async () => fail(`no row ${pattern} in ${await table.textContent()}`));
}

async function openDocument(page, name) {
  await page.goto(`${base}/app/documents`);
  await page.getByRole("link", { name, exact: true }).click();
  await expectHeading(page, name);
}

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await desk.newPage();
    watch(page, problems);
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(process.env.EMAIL);
    await page.getByLabel("Password").fill(process.env.PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/app/documents");

    // Signed, one check failed, kept and reported.
    await openDocument(page, "Reported");
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    const cert = page.getByRole("region", { name: "Certificate of Asha Rao" });
    await cert.waitFor();
    for (const text of ["DSC token", "Signed with this certificate", "Karnataka", "Female"]) {
      await cert.getByText(text, { exact: true }).waitFor();
    }
    // The holder's facts as term and definition.
    for (const [term, value] of [["Name on the certificate", "Asha Rao"], ["PIN code", "560001"]]) {
      const dt = cert.getByRole("term").filter({ hasText: term });
      if ((await dt.count()) !== 1) fail(`no term ${term}`);
      const dd = await dt.evaluate((e) => e.nextElementSibling?.textContent);
      if (dd !== value) fail(`${term} reads ${dd}, not ${value}`);
    }
    await cert.getByText("Verification failed (State)", { exact: false }).waitFor();
    const results = cert.getByRole("table", { name: "Verification results for Asha Rao" });
    await expectRow(results, /^Name Asha Rao Passed$/);
    await expectRow(results, /^Smart name match At least 70 % Passed: 100 %$/);
    await expectRow(results, /^PIN code 560001 Passed$/);
    await expectRow(results, /^State Goa Failed$/);
    await expectRow(results, /^Year of birth 1990 Passed$/);
    await expectRow(results, /^Signature — Verified$/);
    await accessible(page, "reported");
    await shot(page, "reported-1280");
    const reportedUrl = page.url();

    // Terminated by the name check.
    await openDocument(page, "Mismatch");
    const ended = page.getByRole("region", { name: "Certificate of Ravi Kumar" });
    await ended.getByText("Terminated: the certificate failed verification").waitFor();
    await ended.getByText("Verification failed (Name): the invitation was terminated without a signature.").waitFor();
    const endedResults = ended.getByRole("table", { name: "Verification results for Ravi Kumar" });
    await expectRow(endedResults, /^Name Ravi Kumar Failed$/);
    await expectRow(endedResults, /^PIN code 560001 Passed$/);
    await accessible(page, "terminated");
    const endedUrl = page.url();

    // Hindi.
    await page.goto(`${reportedUrl}?lang=hi`);
    await page.getByRole("region", { name: "Asha Rao का प्रमाणपत्र" }).waitFor();
    await accessible(page, "reported-hi");
    await shot(page, "reported-hi-1280");
    await page.goto(`${reportedUrl}?lang=en`);

    // The settings: report at 70 (set through the API), changed to reject at 90.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API settings" }).click();
    await expectHeading(page, "API settings");
    const checks = page.getByRole("region", { name: "Certificate checks" });
    const group = checks.getByRole("group", { name: "When a check fails" });
    if (!(await group.getByRole("radio", { name: "Report: keep the signature and report the results" }).isChecked())) {
      fail("Report is not the saved choice");
    }
    const mark = checks.getByRole("textbox", { name: "Smart-name pass mark (%)" });
    if ((await mark.inputValue()) !== "70") fail(`the pass mark reads ${await mark.inputValue()}`);
    await accessible(page, "settings");
    await group.getByRole("radio", { name: "Reject: terminate the invitation" }).check();
    await mark.fill("150");
    await checks.getByRole("button", { name: "Save certificate checks" }).click();
    // Said on top, linked to the field, and at the field.
    const summary = page.getByRole("alert").getByRole("link", { name: "The pass mark must be a whole number from 0 to 100." });
    await summary.click();
    const refused = page.getByRole("textbox", { name: "Smart-name pass mark (%)" });
    if (!(await refused.evaluate((e) => e === document.activeElement))) fail("the summary's link does not reach the field");
    if ((await refused.getAttribute("aria-invalid")) !== "true") fail("the refused field is not marked invalid");
    const described = await refused.evaluate((e) => e.getAttribute("aria-describedby").split(" ").map((id) => document.getElementById(id).textContent).join(" "));
    if (!described.includes("The pass mark must be a whole number from 0 to 100.")) fail(`the field is described by ${described}`);
    await accessible(page, "settings-refused");
    await shot(page, "settings-refused-1280");
    await refused.fill("90");
    await page.getByRole("radio", { name: "Reject: terminate the invitation" }).check();
    await page.getByRole("button", { name: "Save certificate checks" }).click();
    await page.getByRole("status").filter({ hasText: "The certificate checks were saved." }).waitFor();
    if (!(await page.getByRole("radio", { name: "Reject: terminate the invitation" }).isChecked())) {
      fail("Reject is not the saved choice");
    }
    if ((await page.getByRole("textbox", { name: "Smart-name pass mark (%)" }).inputValue()) !== "90") {
      fail("the saved pass mark is not 90");
    }
    await accessible(page, "settings-saved");
    await shot(page, "settings-1280");

    // Phone width.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.addCookies(await desk.cookies());
    const p = await phone.newPage();
    watch(p, problems);
    for (const [url, name] of [[reportedUrl, "reported"], [endedUrl, "terminated"], [`${base}/app/settings/api`, "settings"]]) {
      await p.goto(url);
      await fitsWidth(p, name);
      await accessible(p, `${name}-390`);
      await shot(p, `${name}-390`);
    }
    await p.goto(reportedUrl);
    await expectRow(p.getByRole("table", { name: "Verification results for Asha Rao" }), /^State.*Goa.*Failed$/);
    await phone.close();
    await desk.close();
  } finally {
    await browser.close();
  }
  // The refused pass mark is answered 400 on purpose, which Chromium reports on the console;
  // nothing else may be.
  const real = problems.filter((p) => !/status of 400/.test(p));
  if (real.length) fail(real.join("\n"));
  console.log(`certificates: ok; axe-core found nothing serious on ${checked.join(", ")}`);
}

run(main);
