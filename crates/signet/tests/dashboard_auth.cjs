// Drives the dashboard in Debian's headless Chromium through playwright-core, by the accessible
// names of API.md section 12: the first-run setup link, sign in, Hindi, every section of the
// navigation, an invitation, sign out. Screenshots at 1280 and 390 px; axe-core runs on every
// screen and fails the journey on a serious or critical violation. Called by
// tests/dashboard_auth.rs, which checks the outcome over HTTP.
//
// Environment: PLAYWRIGHT_CORE, AXE_CORE (module directories), CHROMIUM, BASE_URL, SETUP_URL,
// SCREENSHOTS (directory). Exits non-zero on the first failed expectation.
"use strict";
const path = require("path");
const shared = require("./browser.cjs");
const { fail, launch, watch, run } = shared;

const shots = process.env.SCREENSHOTS;
const base = process.env.BASE_URL;
const { checked, accessible, shot, fitsWidth, expectHeading } = shared.screens("dashboard");

async function main() {
  const browser = await launch();
  const problems = [];
  let expected = () => true;
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await desk.newPage();
    watch(page, problems);
    // A form sent back with its error is answered 400, which Chromium reports on the console;
    // that one is expected, anything else on the console is a problem.
    expected = (p) => !/status of 400/.test(p);

    // First-run setup, from the link the log printed.
    const res = await page.goto(process.env.SETUP_URL);
    const csp = res.headers()["content-security-policy"] || "";
    if (!csp.includes("default-src 'none'") || csp.includes("unsafe-inline")) fail(`CSP: ${csp}`);
    await expectHeading(page, "Set up Signet");
    await accessible(page, "setup");
    await shot(page, "setup-1280");
    await page.getByLabel("Account name").fill("Acme Lending");
    await page.getByLabel("Your name").fill("Asha Rao");
    await page.getByLabel("Email").fill("asha@acme.test");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL("**/app/documents");
    await expectHeading(page, "Documents");

    // Sign out, then in again by the documented names.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/login**");
    await expectHeading(page, "Sign in to Signet");
    await accessible(page, "login");
    await shot(page, "login-1280");
    await page.getByLabel("Email").fill("asha@acme.test");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    await accessible(page, "login-error");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/app/documents");

    // The keyboard reaches the navigation, with a visible focus ring.
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.textContent === "Users");
    }
    if (!reached) fail("Tab never reaches the Users link");
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    if (ring === "none") fail("the focused link shows no outline");
    await page.keyboard.press("Enter");
    await page.waitForURL("**/app/users");

    // Every section of the navigation.
    for (const [link, heading] of [["Documents", "Documents"], ["Workflows", "Workflows"],
      ["Webhooks", "Webhooks"], ["API settings", "API settings"], ["Users", "Users"]]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
      await expectHeading(page, heading);
      const current = await page.getByRole("link", { name: link }).getAttribute("aria-current");
      if (current !== "page") fail(`${link} is not marked as the current page`);
      await accessible(page, link);
    }
    await shot(page, "users-1280");

    // Invite a user.
    const form = page.getByRole("region", { name: "Invite user" });
    await form.getByLabel("Email").fill("ravi@acme.test");
    await form.getByLabel("Role").selectOption({ label: "Viewer" });
    await form.getByRole("button", { name: "Invite user" }).click();
    await page.getByRole("status").filter({ hasText: "Invitation sent" }).waitFor();
    const row = page.getByRole("row").filter({ hasText: "ravi@acme.test" });
    if (!(await row.textContent()).includes("Invited")) fail("the invited user is not listed as invited");
    await accessible(page, "users-invited");
    await shot(page, "users-invited-1280");

    // Hindi: the same pages, in Hindi, with lang="hi".
    await page.getByRole("link", { name: "हिन्दी" }).click();
    await page.waitForURL("**lang=hi");
    if ((await page.getAttribute("html", "lang")) !== "hi") fail("<html lang> is not hi");
    await expectHeading(page, "उपयोगकर्ता");
    await accessible(page, "users-hi");
    await shot(page, "users-hi-1280");
    await page.getByRole("link", { name: "दस्तावेज़" }).click();
    await expectHeading(page, "दस्तावेज़");
    if ((await page.getAttribute("html", "lang")) !== "hi") fail("the language is not remembered");
    await page.getByRole("link", { name: "English" }).click();
    await expectHeading(page, "Documents");

    // Phone width.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const cookies = await desk.cookies();
    await phone.addCookies(cookies);
    const p = await phone.newPage();
    watch(p, problems);
    for (const [where, name] of [["/app/users", "users"], ["/app/documents", "documents"]]) {
      await p.goto(`${base}${where}`);
      await fitsWidth(p, name);
      await accessible(p, `${name}-390`);
      await shot(p, `${name}-390`);
    }
    await p.goto(`${base}/app/users?lang=hi`);
    await fitsWidth(p, "users-hi");
    await shot(p, "users-hi-390");
    await p.goto(`${base}/app/users?lang=en`);
    await phone.close();

    // Sign out ends the session.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/login**");
    await page.getByRole("status").waitFor();
    await page.goto(`${base}/app/users`);
    await page.waitForURL("**/login");
    const loginPhone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const lp = await loginPhone.newPage();
    await lp.goto(`${base}/login`);
    await fitsWidth(lp, "login");
    await shot(lp, "login-390");
    await loginPhone.close();
    await desk.close();
  } finally {
    await browser.close();
  }
  const real = problems.filter(expected);
  if (real.length) fail(real.join("\n"));
  console.log(`dashboard: ok; axe-core found nothing serious on ${checked.join(", ")}`);
}

run(main);
