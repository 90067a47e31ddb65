// End-to-end test of the rule-preview page in a real headless browser
// (Debian's chromium driven by playwright-core): type a rule, compare the
// page's counts with the native CLI on the same sample, introduce a syntax
// error and check the message and position shown, save a screenshot, and
// report how long re-evaluating the 10-rule set over 10,000 sign-ups takes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { startServer } from "../../tools/serve.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const build = process.env.TALLY_BUILD_ROOT ?? join(root, "build");
const cli = join(build, "bin", "tally");
const sample = join(build, "preview", "signups.jsonl");
const outDir = join(root, "tests", "output");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

let server, browser, page, baseUrl;

before(async () => {
  if (!existsSync(sample)) {
    mkdirSync(join(build, "preview"), { recursive: true });
    writeFileSync(sample, execFileSync("node", [join(root, "tools", "gen-signups.mjs"), "10000", "1"], { maxBuffer: 64 << 20 }));
  }
  server = await startServer({ port: 0 });
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(baseUrl);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 }).catch((e) => {
    throw new Error(`${e.message}; page errors: ${errors.join("; ")}`);
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

function cliSummary(ruleSet) {
  const file = join(outDir, "preview-rules.json");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(file, JSON.stringify(ruleSet));
  const out = execFileSync(cli, ["rules", "eval", "--summary", "--rules", file], { input: readFileSync(sample), maxBuffer: 64 << 20 });
  return JSON.parse(out.toString().trim().split("\n").pop());
}

async function lastEval() {
  return page.evaluate(() => ({ ...window.__tallyLastEval, ruleSet: window.__tallyRuleSet }));
}

async function waitForEval(previousCount) {
  await page.waitForFunction((n) => window.__tallyEvalCount > n, previousCount, { timeout: 10000 });
  return lastEval();
}

test("the bundled sample is evaluated against the default 10-rule set", async () => {
  const ev = await lastEval();
  assert.equal(ev.rows, 10000);
  assert.equal(ev.rules, 10);
  assert.deepEqual(ev.summary, cliSummary(ev.ruleSet));
});

test("typing a rule re-evaluates, and the counts equal the native CLI's", async () => {
  const count = await page.evaluate(() => window.__tallyEvalCount);
  await page.click("#add-rule");
  const area = page.locator(".rule").last().locator("textarea.condition");
  await area.fill("");
  await area.pressSequentially('riskScores.bot >= 40 && email.endsWith(".com")', { delay: 5 });
  await page.locator(".rule").last().locator('select[aria-label="action"]').selectOption("reject");
  await waitForEval(count);
  // Every keystroke re-evaluates: wait for the evaluation of the finished edit.
  await page.waitForFunction(() => {
    const rs = window.__tallyRuleSet;
    const last = Object.values(rs.rules).pop();
    return last.condition === 'riskScores.bot >= 40 && email.endsWith(".com")' && last.action.type === "reject" &&
      window.__tallyLastEval.rules === Object.keys(rs.rules).length;
  }, null, { timeout: 10000 });
  const ev = await lastEval();
  const rules = Object.keys(ev.ruleSet.rules);
  assert.equal(rules.length, 11);
  assert.deepEqual(ev.summary, cliSummary(ev.ruleSet));
  const shown = await page.locator('[data-total="reject"] b').textContent();
  assert.equal(Number(shown), ev.summary.decisions.reject);
});

test("a syntax error is shown with its message and position", async () => {
  const card = page.locator(".rule").last();
  const area = card.locator("textarea.condition");
  await area.fill("riskScores.bot > 40 &&\n  (email.contains(\"x\") || )");
  const box = card.locator(".error");
  await assert.doesNotReject(box.waitFor({ state: "visible" }));
  await page.waitForFunction((el) => el.textContent.length > 0, await box.elementHandle());
  const text = await box.textContent();
  const expected = JSON.parse(execFileSync(cli, ["rules", "validate"], {
    input: JSON.stringify({ rules: { x: { enabled: true, condition: "riskScores.bot > 40 &&\n  (email.contains(\"x\") || )", action: { type: "reject" } } } }) + "\n",
  }).toString()).errors[0];
  assert.match(text, new RegExp(`line ${expected.line}, column ${expected.column}`));
  assert.equal(expected.line, 2);
  assert.ok(text.includes(expected.message), `${text} should include ${expected.message}`);
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: join(outDir, "preview.png"), fullPage: false });
});

test("re-evaluation time of the 10-rule set over 10,000 sign-ups after an edit (reported, not asserted)", async () => {
  // Back to the default ten rules: remove the one added above.
  let count = await page.evaluate(() => window.__tallyEvalCount);
  await page.locator(".rule").last().locator('button[title="remove"]').click();
  await waitForEval(count);
  const times = [];
  for (let i = 0; i < 7; i++) {
    count = await page.evaluate(() => window.__tallyEvalCount);
    await page.locator('.rule input[aria-label="priority"]').first().fill(String(100 + (i % 2)));
    const ev = await waitForEval(count);
    assert.equal(ev.rules, 10);
    times.push({ eval: ev.ms, refresh: ev.refreshMs });
  }
  times.sort((a, b) => a.eval - b.eval);
  const med = times[Math.floor(times.length / 2)];
  console.log(`preview: re-evaluating 10 rules x 10,000 sign-ups in Chromium: ${med.eval.toFixed(1)} ms (evaluation), ${med.refresh.toFixed(1)} ms (validate + compile + evaluate + render), median of 7`);
});

test("the billing and ledger tabs draw what the core computes", async () => {
  await page.click('nav button[data-tab="billing"]');
  await page.waitForFunction(() => document.querySelector("#bill-statement").textContent.includes('"windows"'), null, { timeout: 10000 });
  const statement = JSON.parse(await page.textContent("#bill-statement"));
  assert.equal(await page.textContent("#bill-error"), "");
  assert.equal(statement.windows.length, 10);
  assert.equal(await page.locator("#bill-chart svg rect").count(), 20); // usage and refresh per window
  // The same request through the native CLI gives the same statement figures.
  const req = JSON.parse(await page.inputValue("#bill-request"));
  const cliStatement = JSON.parse(execFileSync(cli, ["bill"], { input: JSON.stringify(req) + "\n" }).toString());
  for (const k of ["raw", "refresh", "effective", "overage", "status", "billed", "credits"]) assert.equal(statement[k], cliStatement[k], k);

  await page.click('nav button[data-tab="ledger"]');
  await page.click("#ledger-run");
  await page.waitForFunction(() => document.querySelectorAll("#ledger-table tbody tr").length > 5, null, { timeout: 10000 });
  const rows = await page.$$eval("#ledger-table tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const balanceAt = Object.fromEntries(rows.map((r) => [r[0], r[1]]));
  // Vector 12 of the ledger spec.
  assert.deepEqual([5, 10, 20, 25, 35, 40, 44, 45, 46, 47, 48, 60].map((t) => balanceAt[t]),
    ["-20", "80", "120", "90", "20", "80", "30", "20", "50", "-20", "30", "0"]);
  await page.screenshot({ path: join(outDir, "preview-ledger.png") });
});
