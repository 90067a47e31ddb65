// The rule-preview page: edits a rule set and re-evaluates it, in the
// browser, over recent sign-ups with the very core the backend runs.
import { load, runCli } from "../js-bindings/index.mjs";
import { RuleSet, SignupBatch, validateRules, conditionToTree, treeToCondition } from "../js-bindings/rules.mjs";
import { Billing } from "../js-bindings/billing.mjs";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else if (v === true) e.setAttribute(k, "");
    else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c != null) e.append(c);
  return e;
};

// ---- the tree builder's table (signup-rules.md) ------------------------------
const FIELDS = {
  email: ["equals", "not_equals", "contains", "starts_with", "ends_with", "matches", "in_list"],
  emailDomain: ["equals", "not_equals", "contains", "starts_with", "ends_with", "matches", "in_list"],
  countryCode: ["equals", "not_equals", "in_list"],
  authMethod: ["equals", "not_equals", "in_list"],
  oauthProvider: ["equals", "not_equals", "in_list"],
  "riskScores.bot": ["equals", "not_equals", "greater_than", "greater_or_equal", "less_than", "less_or_equal"],
  "riskScores.free_trial_abuse": ["equals", "not_equals", "greater_than", "greater_or_equal", "less_than", "less_or_equal"],
};
const isScore = (f) => f.startsWith("riskScores.");

// ---- state ---------------------------------------------------------------------
// The rule set being edited; starts as examples/signup-rules.json (ten typical rules).
const state = { defaultAction: "allow", rules: [] };

async function loadDefaultRules() {
  const res = await fetch(new URL("../examples/signup-rules.json", import.meta.url));
  if (!res.ok) throw new Error(`cannot load examples/signup-rules.json (HTTP ${res.status})`);
  const set = await res.json();
  state.defaultAction = set.defaultAction ?? "allow";
  state.rules = Object.entries(set.rules).map(([id, r]) => ({
    id, displayName: r.displayName ?? "", priority: r.priority ?? 0, action: r.action?.type ?? "log",
    enabled: r.enabled ?? false, condition: r.condition ?? "",
  }));
  $("#default-action").value = state.defaultAction;
}
let sample = { batch: null, rows: [], name: "" };
let scheduled = false;

function ruleSetJson() {
  const rules = {};
  for (const r of state.rules) {
    rules[r.id] = { displayName: r.displayName, enabled: r.enabled, priority: Number(r.priority) || 0, condition: r.condition, action: { type: r.action } };
  }
  return { defaultAction: state.defaultAction, rules };
}

// ---- rule editor -----------------------------------------------------------------
function renderRules() {
  const box = $("#rules");
  box.replaceChildren(...state.rules.map((r, i) => renderRule(r, i)));
}

function renderRule(r, i) {
  const card = el("div", { class: "rule" + (r.enabled ? "" : " off"), "data-rule": r.id });
  const head = el("div", { class: "head" },
    el("input", { type: "text", value: r.id, title: "id", "aria-label": "rule id", oninput: (e) => { r.id = e.target.value; card.dataset.rule = r.id; edited(); } }),
    el("input", { type: "text", value: r.displayName ?? "", placeholder: "name", "aria-label": "name", oninput: (e) => { r.displayName = e.target.value; } }),
    el("input", { type: "number", min: "0", value: r.priority, title: "priority", "aria-label": "priority", oninput: (e) => { r.priority = e.target.value; edited(); } }),
    el("select", { "aria-label": "action", onchange: (e) => { r.action = e.target.value; edited(); } },
      ["allow", "reject", "restrict", "log"].map((a) => el("option", { selected: a === r.action }, a))),
    el("label", {}, el("input", { type: "checkbox", checked: r.enabled, onchange: (e) => { r.enabled = e.target.checked; card.classList.toggle("off", !r.enabled); edited(); } }), " on"),
    el("button", { title: "remove", onclick: () => { state.rules.splice(i, 1); renderRules(); edited(); } }, "✕"));
  const textBtn = el("button", { "aria-pressed": String(r.mode !== "tree"), onclick: () => { r.mode = "text"; renderRules(); } }, "CEL");
  const treeBtn = el("button", { "aria-pressed": String(r.mode === "tree"), onclick: () => { r.mode = "tree"; renderRules(); } }, "Tree");
  const area = el("textarea", { rows: "2", spellcheck: "false", class: "condition", "aria-label": "condition",
    oninput: (e) => { r.condition = e.target.value; edited(); } });
  area.value = r.condition;
  const errorBox = el("div", { class: "error", "data-error-for": r.id });
  card.append(head, el("div", { class: "modes" }, textBtn, treeBtn));
  if (r.mode === "tree") card.append(renderTreeEditor(r)); else card.append(area);
  card.append(errorBox);
  return card;
}

function renderTreeEditor(r) {
  const box = el("div", { class: "tree" });
  let res;
  try {
    res = conditionToTree(r.condition.trim() === "" ? "true" : r.condition);
  } catch (e) {
    box.append(el("div", { class: "reason" }, `The condition does not parse (${e.message}); edit it as text.`));
    return box;
  }
  if (!res.tree) {
    box.append(el("div", { class: "reason" }, `Not shown as a tree: ${res.reason}. The condition stays text.`));
    const area = el("textarea", { rows: "2", spellcheck: "false", class: "condition", oninput: (e) => { r.condition = e.target.value; edited(); } });
    area.value = r.condition;
    box.append(area);
    return box;
  }
  const tree = res.tree;
  const commit = () => {
    r.condition = treeToCondition(tree);
    edited();
    const card = box.closest(".rule");
    card.replaceWith(renderRule(r, state.rules.indexOf(r)));
  };
  box.append(renderGroup(tree, null, commit));
  box.append(el("div", { class: "muted" }, el("code", {}, r.condition)));
  return box;
}

function renderGroup(g, parent, commit) {
  const div = el("div", { class: `group ${g.operator}` });
  div.append(el("div", {},
    el("select", { onchange: (e) => { g.operator = e.target.value; commit(); } },
      ["and", "or"].map((o) => el("option", { selected: o === g.operator }, o))),
    " ",
    el("button", { onclick: () => { g.children.push({ type: "condition", field: "email", operator: "contains", value: "" }); commit(); } }, "+ condition"),
    el("button", { onclick: () => { g.children.push({ type: "group", operator: g.operator === "and" ? "or" : "and", children: [] }); commit(); } }, "+ group"),
    parent ? el("button", { onclick: () => { parent.children.splice(parent.children.indexOf(g), 1); commit(); } }, "✕") : null));
  for (const c of g.children) div.append(c.type === "group" ? renderGroup(c, g, commit) : renderCondition(c, g, commit));
  return div;
}

function renderCondition(c, parent, commit) {
  const valueInput = () => {
    if (c.operator === "in_list") {
      const t = el("textarea", { rows: String(Math.max(1, (c.value ?? []).length)), title: "one value per line",
        onchange: (e) => { c.value = e.target.value.split("\n").filter((s) => s !== ""); commit(); } });
      t.value = (Array.isArray(c.value) ? c.value : []).join("\n");
      return t;
    }
    return el("input", { type: isScore(c.field) ? "number" : "text", value: c.value ?? "",
      onchange: (e) => { c.value = isScore(c.field) ? Number(e.target.value) : e.target.value; commit(); } });
  };
  return el("div", { class: "cond" },
    el("select", { onchange: (e) => {
      c.field = e.target.value;
      if (!FIELDS[c.field].includes(c.operator)) c.operator = FIELDS[c.field][0];
      c.value = c.operator === "in_list" ? [] : isScore(c.field) ? 0 : "";
      commit();
    } }, Object.keys(FIELDS).map((f) => el("option", { selected: f === c.field }, f))),
    el("select", { onchange: (e) => {
      const was = c.operator;
      c.operator = e.target.value;
      if ((was === "in_list") !== (c.operator === "in_list")) c.value = c.operator === "in_list" ? [] : "";
      commit();
    } }, FIELDS[c.field].map((o) => el("option", { selected: o === c.operator }, o))),
    valueInput(),
    el("button", { onclick: () => { parent.children.splice(parent.children.indexOf(c), 1); commit(); } }, "✕"));
}

// ---- validation and preview --------------------------------------------------------
function edited() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    refresh();
  });
}

function showValidation(json) {
  for (const box of document.querySelectorAll("[data-error-for]")) box.textContent = "";
  let report;
  try {
    report = validateRules(json);
  } catch (e) {
    $("#timing").textContent = `rule set: ${e.message}`;
    return;
  }
  if (report.ok) return;
  for (const err of report.errors) {
    const box = document.querySelector(`[data-error-for="${CSS.escape(err.ruleId ?? "")}"]`);
    const where = err.line ? `line ${err.line}, column ${err.column}: ` : "";
    const text = `${err.field}: ${where}${err.message}`;
    if (box) box.textContent += (box.textContent ? "\n" : "") + text;
    else $("#timing").textContent = text;
  }
}

function refresh() {
  const tRefresh = performance.now();
  const json = ruleSetJson();
  window.__tallyRuleSet = json;
  showValidation(json);
  if (!sample.batch) return;
  let rs;
  try {
    rs = RuleSet.load(json);
  } catch (e) {
    $("#timing").textContent = `rule set: ${e.message}`;
    return;
  }
  try {
    const t0 = performance.now();
    const { summary, rows } = rs.evaluateBatch(sample.batch);
    const ms = performance.now() - t0;
    renderSummary(summary, rows, rs.ids);
    window.__tallyLastEval = { ms, refreshMs: performance.now() - tRefresh, summary, rules: rs.ids.length, rows: summary.rows };
    window.__tallyEvalCount = (window.__tallyEvalCount ?? 0) + 1;
    $("#timing").textContent = `${summary.rows.toLocaleString("en")} sign-ups × ${rs.ids.length} rules evaluated in ${ms.toFixed(1)} ms (in this browser, WebAssembly)`;
  } finally {
    rs.dispose();
  }
}

function renderSummary(summary, rows, ids) {
  const d = summary.decisions;
  $("#totals").replaceChildren(
    ...[["allow", d.allow], ["reject", d.reject], ["default-allow", d["default-allow"]], ["default-reject", d["default-reject"]], ["restricted", summary.restricted]]
      .map(([k, v]) => el("div", { "data-total": k }, el("b", {}, String(v)), k)));
  const byId = new Map(state.rules.map((r) => [r.id, r]));
  $("#rule-counts tbody").replaceChildren(...ids.map((id) => {
    const c = summary.rules[id];
    return el("tr", { "data-rule-count": id }, el("td", {}, id), el("td", {}, byId.get(id)?.action ?? ""),
      el("td", {}, String(c.matched)), el("td", {}, String(c.decided)), el("td", {}, String(c.errors)));
  }));
  const affected = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.decision === "reject" || r.decision === "default-reject" || r.restrictedBy) affected.push(i);
  }
  $("#affected-count").textContent = `(${affected.length.toLocaleString("en")}; first 200 shown)`;
  $("#affected tbody").replaceChildren(...affected.slice(0, 200).map((i) => {
    const r = rows[i], s = sample.rows[i] ?? {};
    return el("tr", {}, el("td", {}, String(i + 1)), el("td", {}, String(s.email ?? "")), el("td", {}, String(s.countryCode ?? "")),
      el("td", {}, String(s.riskScores?.bot ?? "")), el("td", { class: r.decision }, r.decision), el("td", {}, r.decidedBy ?? ""), el("td", {}, r.restrictedBy ?? ""));
  }));
}

function useSample(text, name) {
  sample.batch?.dispose();
  const batch = SignupBatch.fromJsonl(text);
  const rows = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try { rows.push(JSON.parse(line)); } catch { rows.push({}); }
  }
  sample = { batch, rows, name };
  $("#sample-info").textContent = `${batch.size.toLocaleString("en")} sign-ups (${name})` +
    (batch.rejected ? `; ${batch.rejected} lines rejected, first at line ${batch.firstError.line}: ${batch.firstError.message}` : "");
  refresh();
}

async function loadBundled() {
  const res = await fetch(new URL("../build/preview/signups.jsonl", import.meta.url));
  if (!res.ok) throw new Error(`cannot load the bundled sample (HTTP ${res.status}); run npm start`);
  useSample(await res.text(), "bundled sample");
}

// ---- billing tab -----------------------------------------------------------------------
const DAY = 86400000;
function defaultBillRequest() {
  const usage = [];
  for (let d = 0; d < 10; d++) for (let k = 0; k < 4; k++) usage.push({ t: d * DAY + k * 3600000, cost: ((d % 3) * 0.35 + k * 0.05).toFixed(2), user: `u${k % 2 + 1}`, key: `evt-${d}-${k}` });
  return { entity: "org:acme", period: { start: 0, end: 30 * DAY }, now: 10 * DAY, usage, baseline: "0",
    plan: { included: "5", seats: 1, limit: "8", warningPercent: 80, threshold: "1", refresh: { perSeat: "0.25", window: "day", anchor: "period" } },
    billed: "0", credits: "0.5", close: false };
}

async function computeBill() {
  $("#bill-error").textContent = "";
  let req;
  try {
    req = JSON.parse($("#bill-request").value);
  } catch (e) {
    $("#bill-error").textContent = `request: ${e.message}`;
    return;
  }
  // The statement with its per-window figures, from the same core as `tally bill`.
  let statement;
  let b;
  try {
    b = Billing.open(req);
    statement = b.statement();
  } catch (e) {
    $("#bill-error").textContent = `${e.kind ?? "error"}: ${e.message}`;
    $("#bill-statement").textContent = "";
    return;
  } finally {
    b?.dispose();
  }
  $("#bill-statement").textContent = JSON.stringify(statement, null, 2);
  drawWindows(req, statement);
}

function drawWindows(req, statement) {
  // The windows' figures come from the core when it reports them.
  const windows = statement.windows ?? [];
  const W = 640, H = 240, pad = 30;
  const max = Math.max(1e-9, ...windows.map((w) => Number(w.usage)));
  const bw = windows.length ? (W - 2 * pad) / windows.length : 0;
  const bars = windows.map((w, i) => {
    const u = Number(w.usage), r = Number(w.refresh);
    const hu = (u / max) * (H - 2 * pad), hr = (r / max) * (H - 2 * pad);
    return `<rect x="${pad + i * bw + 2}" y="${H - pad - hu}" width="${bw - 4}" height="${hu}" fill="#9db3ea"><title>${w.start}: usage ${w.usage}</title></rect>` +
      `<rect x="${pad + i * bw + 2}" y="${H - pad - hr}" width="${bw - 4}" height="${hr}" fill="#2f5bd3"><title>refresh ${w.refresh}</title></rect>`;
  }).join("");
  const note = windows.length ? "" : `<text x="${pad}" y="${H / 2}" fill="#6b7385">no per-window figures in this statement</text>`;
  $("#bill-chart").innerHTML = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="usage and refresh per window">${bars}${note}` +
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/>` +
    `<text x="${pad}" y="16" font-size="12" fill="#1d2330">usage (light) and refresh (dark) per window; effective ${statement.effective ?? ""}, status ${statement.status ?? ""}</text></svg>`;
}

// ---- ledger tab ------------------------------------------------------------------------
const LEDGER_SAMPLE = [
  [-70, 47], [60, 40, 45], [100, 10, 50], [-20, 5], [50, 48, 60], [-30, 25], [40, 20], [-50, 44], [30, 46], [-70, 35],
].map(([qty, t, e], i) => JSON.stringify({ customer: "acme", item: "credits", t, qty, expiresAt: e ?? null, key: `k${i}` })).join("\n") +
  "\n" + JSON.stringify({ customer: "globex", item: "seats", t: 0, qty: 5, key: "g1" }) + "\n" + JSON.stringify({ customer: "globex", item: "seats", t: 30, qty: -2, key: "g2" });

function ledgerPairs() {
  const pairs = new Map();
  for (const line of $("#ledger-entries").value.split("\n")) {
    try {
      const e = JSON.parse(line);
      if (typeof e.customer === "string" && typeof e.item === "string") {
        if (!pairs.has(e.customer)) pairs.set(e.customer, new Set());
        pairs.get(e.customer).add(e.item);
      }
    } catch { /* the core reports bad lines */ }
  }
  return pairs;
}

function fillLedgerSelects() {
  const pairs = ledgerPairs();
  const cur = $("#ledger-customer").value;
  $("#ledger-customer").replaceChildren(...[...pairs.keys()].map((c) => el("option", { selected: c === cur }, c)));
  const items = pairs.get($("#ledger-customer").value) ?? new Set();
  $("#ledger-item").replaceChildren(...[...items].map((i) => el("option", {}, i)));
}

async function drawLedger() {
  $("#ledger-error").textContent = "";
  const text = $("#ledger-entries").value;
  const customer = $("#ledger-customer").value, item = $("#ledger-item").value;
  const times = new Set([0]);
  for (const line of text.split("\n")) {
    try {
      const e = JSON.parse(line);
      if (e.customer === customer && e.item === item) {
        times.add(e.t);
        if (e.expiresAt != null) times.add(e.expiresAt);
      }
    } catch { /* reported below */ }
  }
  const points = [];
  for (const t of [...times].sort((a, b) => a - b)) {
    const { stdout, stderr } = await runCli(["ledger", "balance", "--at", String(t)], text);
    if (stderr) { $("#ledger-error").textContent = stderr; return; }
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l));
    const errors = lines.filter((l) => l.error);
    if (errors.length) $("#ledger-error").textContent = errors.map((e) => `line ${e.error.inputLine}: ${e.error.message}`).join("\n");
    const row = lines.find((l) => l.customer === customer && l.item === item);
    if (row) points.push({ t, ...row });
  }
  $("#ledger-table tbody").replaceChildren(...points.map((p) => el("tr", {}, ...[p.t, p.balance, p.available, p.owed, p.expired, p.nextExpiry ?? ""].map((v) => el("td", {}, String(v))))));
  const W = 640, H = 240, pad = 30;
  const ts = points.map((p) => p.t), bs = points.map((p) => Number(p.balance));
  const t0 = Math.min(...ts), t1 = Math.max(...ts, t0 + 1), b0 = Math.min(0, ...bs), b1 = Math.max(1, ...bs);
  const x = (t) => pad + ((t - t0) / (t1 - t0)) * (W - 2 * pad), y = (b) => H - pad - ((b - b0) / (b1 - b0)) * (H - 2 * pad);
  let d = "";
  points.forEach((p, i) => { d += i ? ` H${x(p.t)} V${y(Number(p.balance))}` : `M${x(p.t)} ${y(Number(p.balance))}`; });
  $("#ledger-chart").innerHTML = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="balance over time">` +
    `<line x1="${pad}" y1="${y(0)}" x2="${W - pad}" y2="${y(0)}" stroke="#bbb"/>` +
    `<path d="${d}" fill="none" stroke="#2f5bd3" stroke-width="2"/>` +
    points.map((p) => `<circle cx="${x(p.t)}" cy="${y(Number(p.balance))}" r="3" fill="#2f5bd3"><title>t=${p.t}: ${p.balance}</title></circle>`).join("") +
    `<text x="${pad}" y="16" font-size="12">${customer} / ${item}: balance (steps at each entry and expiry)</text></svg>`;
}

// ---- start -------------------------------------------------------------------------------
async function main() {
  for (const b of document.querySelectorAll("nav button")) {
    b.addEventListener("click", () => {
      for (const o of document.querySelectorAll("nav button")) o.setAttribute("aria-selected", String(o === b));
      for (const t of document.querySelectorAll(".tab")) t.hidden = t.id !== `tab-${b.dataset.tab}`;
    });
  }
  await load(new URL("../build/wasm/tally.wasm", import.meta.url));
  $("#status").textContent = "tally.wasm loaded; everything runs in this browser";
  $("#default-action").addEventListener("change", (e) => { state.defaultAction = e.target.value; edited(); });
  $("#add-rule").addEventListener("click", () => {
    let n = state.rules.length + 1;
    while (state.rules.some((r) => r.id === `rule-${n}`)) n++;
    state.rules.push({ id: `rule-${n}`, displayName: "", priority: 0, action: "log", enabled: true, condition: "" });
    renderRules();
    edited();
  });
  $("#sample-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (f) useSample(await f.text(), f.name);
  });
  $("#sample-bundled").addEventListener("click", () => loadBundled());
  await loadDefaultRules();
  renderRules();
  $("#bill-request").value = JSON.stringify(defaultBillRequest(), null, 1);
  $("#bill-run").addEventListener("click", computeBill);
  $("#bill-usage-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    const req = JSON.parse($("#bill-request").value);
    req.usage = (await f.text()).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    $("#bill-request").value = JSON.stringify(req, null, 1);
    computeBill();
  });
  $("#ledger-entries").value = LEDGER_SAMPLE;
  $("#ledger-entries").addEventListener("input", fillLedgerSelects);
  $("#ledger-customer").addEventListener("change", () => { fillLedgerSelects(); drawLedger(); });
  $("#ledger-item").addEventListener("change", drawLedger);
  $("#ledger-run").addEventListener("click", drawLedger);
  fillLedgerSelects();
  await loadBundled();
  document.body.dataset.ready = "true";
  computeBill().catch((e) => { $("#bill-error").textContent = e.message; });
  drawLedger().catch((e) => { $("#ledger-error").textContent = e.message; });
}

main().catch((e) => {
  $("#status").textContent = `error: ${e.message}`;
  console.error(e);
});
