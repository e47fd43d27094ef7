// Drives the Documents and Webhooks screens in Debian's headless Chromium through
// playwright-core, by the accessible names of API.md section 12: sign in, the list, a status
// filter, a search, a document, "Resend", "Download signed PDF", the Webhooks screen.
// Screenshots at 1280 and 390 px; axe-core runs on every screen and fails the journey on a
// serious or critical violation. Called by tests/dashboard_documents.rs, which checks the
// outcome over HTTP.
//
// Environment: PLAYWRIGHT_CORE, AXE_CORE (module directories), CHROMIUM, BASE_URL, EMAIL,
// PASSWORD, SCREENSHOTS and DOWNLOADS (directories). Exits non-zero on the first failed
// expectation.
"use strict";
const fs = require("fs");
const path = require("path");
const shared = require("./browser.cjs");
const { fail, launch, watch, run } = shared;

const shots = process.env.SCREENSHOTS;
const base = process.env.BASE_URL;
const { checked, accessible, shot, fitsWidth, expectHeading } = shared.screens("dashboard");

async function rows(page) {
  return page.getByRole("table", { name: /Documents/ }).locator("tbody tr").count();
}

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await desk.newPage();
    watch(page, problems);

    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(process.env.EMAIL);
    await page.getByLabel("Password").fill(process.env.PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/app/documents");
    await expectHeading(page, "Documents");
    if ((await rows(page)) !== 3) fail(`the list shows ${await rows(page)} documents, not 3`);
    const all = page.getByRole("link", { name: /^All/ });
    if ((await all.getAttribute("aria-current")) !== "page") fail("All is not the current filter");
    await accessible(page, "documents");
    await shot(page, "documents-1280");

    // A filter, then a search within it: both stay in the address.
    await page.getByRole("link", { name: /^Sent/ }).click();
    await page.waitForURL("**status=sent");
    if ((await rows(page)) !== 3) fail("Sent shows every sent document");
    await page.getByRole("link", { name: /^Expired/ }).click();
    await page.waitForURL("**status=expired");
    await page.getByText("No documents match.").waitFor();
    await page.getByRole("link", { name: /^All/ }).click();
    await page.getByLabel("Search").fill("irn-1");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL("**q=irn-1");
    if ((await rows(page)) !== 1) fail("the search by IRN finds one document");
    await accessible(page, "documents-search");
    await page.getByLabel("Search").fill("ravi2@example.com");
    await page.keyboard.press("Enter");
    await page.waitForURL("**q=ravi2%40example.com");
    await page.getByRole("link", { name: "Loan 2" }).waitFor();
    await page.getByLabel("Search").fill("Loan 1");
    await page.getByRole("button", { name: "Search" }).click();

    // The document.
    await page.getByRole("link", { name: "Loan 1" }).click();
    await expectHeading(page, "Loan 1");
    const link = await page.getByRole("textbox", { name: /Copy link/ }).first().inputValue();
    if (!link.includes("/sign/")) fail(`Copy link holds ${link}`);
    await accessible(page, "document");
    await shot(page, "document-1280");
    await page.getByRole("button", { name: /^Resend/ }).click();
    await page.getByRole("status").filter({ hasText: "The invitation was sent again." }).waitFor();
    await page.getByRole("table", { name: "History" }).getByText("Invitation sent again").waitFor();
    await accessible(page, "document-resent");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download signed PDF" }).click(),
    ]);
    const saved = path.join(process.env.DOWNLOADS, download.suggestedFilename());
    await download.saveAs(saved);
    const head = fs.readFileSync(saved).subarray(0, 5).toString();
    if (head !== "%PDF-") fail(`the download is not a PDF: ${head}`);

    // The delete confirmation, then back.
    await page.getByRole("link", { name: "Delete document" }).click();
    await expectHeading(page, "Delete document");
    await accessible(page, "delete-document");
    await page.getByRole("link", { name: "Cancel" }).click();
    await expectHeading(page, "Loan 1");

    // Webhooks.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    await expectHeading(page, "Webhooks");
    for (const name of ["All", "Delivered", "Failed"]) {
      await page.getByRole("link", { name, exact: true }).waitFor();
    }
    await page.getByRole("link", { name: "Failed", exact: true }).click();
    await page.waitForURL("**filter=failed");
    await accessible(page, "webhooks");
    await shot(page, "webhooks-1280");

    // Hindi.
    await page.goto(`${base}/app/documents?lang=hi`);
    await expectHeading(page, "दस्तावेज़");
    await accessible(page, "documents-hi");
    await shot(page, "documents-hi-1280");
    await page.goto(`${base}/app/documents?lang=en`);

    // Phone width.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.addCookies(await desk.cookies());
    const p = await phone.newPage();
    watch(p, problems);
    const docUrl = page.url();
    await page.goBack();
    for (const [where, name] of [["/app/documents", "documents"], ["/app/webhooks", "webhooks"]]) {
      await p.goto(`${base}${where}`);
      await fitsWidth(p, name);
      await accessible(p, `${name}-390`);
      await shot(p, `${name}-390`);
    }
    await p.goto(`${base}/app/documents`);
    await p.getByRole("link", { name: "Loan 1" }).click();
    await expectHeading(p, "Loan 1");
    await fitsWidth(p, "document");
    await accessible(p, "document-390");
    await shot(p, "document-390");
    if (!docUrl) fail("no page");
    await phone.close();
    await desk.close();
  } finally {
    await browser.close();
  }
  if (problems.length) fail(problems.join("\n"));
  console.log(`documents: ok; axe-core found nothing serious on ${checked.join(", ")}`);
}

run(main);
