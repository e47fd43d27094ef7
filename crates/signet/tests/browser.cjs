// What the browser scripts share: Debian's headless Chromium through playwright-core, and
// the checks they make. Environment: PLAYWRIGHT_CORE (module directory), CHROMIUM.
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const fail = (msg) => {
  throw new Error(msg);
};

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // As root in a container Chromium needs --no-sandbox; the rest keep it off the network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// Anything the browser reports as broken (a CSP violation, a script error, a failed load) is
// a failure of the page, even when the journey still happens to complete.
function watch(page, problems) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
}

async function expectText(page, selector, text) {
  await page.waitForFunction(
    ([s, t]) => (document.querySelector(s)?.textContent || "").includes(t),
    [selector, text],
    { timeout: 20000 },
  ).catch(async () => fail(`${selector} never showed ${JSON.stringify(text)}; it shows ${JSON.stringify(await page.textContent(selector))}`));
}

// axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does not
// govern, so the page keeps its real policy); serious and critical violations fail. AXE_CORE
// names the module's directory.
let axeSource = null;
async function accessible(page, name) {
  axeSource ??= require("fs").readFileSync(require("path").join(process.env.AXE_CORE, "axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    fail(`${name}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`).join("; ")}`);
  }
}

// What the dashboard's journeys check on every screen: axe-core (counting the screens checked),
// a full-page screenshot named `{prefix}-{name}.png` in SCREENSHOTS once the Devanagari face
// (fetched when a page first shows Devanagari) is in, nothing scrolling sideways, the heading.
function screens(prefix) {
  const checked = [];
  return {
    checked,
    async accessible(page, name) {
      await accessible(page, name);
      checked.push(name);
    },
    async shot(page, name) {
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: require("path").join(process.env.SCREENSHOTS, `${prefix}-${name}.png`), fullPage: true });
    },
    async fitsWidth(page, name) {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (over > 1) fail(`${name} is ${over}px wider than the screen`);
    },
    async expectHeading(page, text) {
      await page.getByRole("heading", { level: 1, name: text }).waitFor({ timeout: 10000 })
        .catch(async () => fail(`no heading ${JSON.stringify(text)} on ${page.url()}: ${await page.textContent("main")}`));
    },
  };
}

// Runs a script's main, exiting non-zero on the first failed expectation.
function run(main) {
  main().catch((e) => {
    console.error(e.stack || String(e));
    process.exit(1);
  });
}

module.exports = { fail, launch, watch, expectText, run, accessible, screens };
