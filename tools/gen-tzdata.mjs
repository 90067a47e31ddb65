#!/usr/bin/env node
// gen-tzdata.mjs - compiles the system's tz database into a compact C
// source for core/time/zone.c, so that named zones work where there is no
// zoneinfo directory (wasm in a browser).
//
//   node tools/gen-tzdata.mjs OUT.c [ZONEINFO_DIR]
//
// ZONEINFO_DIR defaults to $TZDIR or /usr/share/zoneinfo (Debian's tzdata).
// Every TZif file (v2+, 64-bit section) under it becomes a zone, and every
// path naming one (files and symlinks, except posix/, right/, localtime and
// posixrules) becomes a name. Lookups follow Go's time.Location: the first
// zone before the first transition (lookupFirstZone), the transitions, and
// past the last one the POSIX TZ footer, which is parsed here into a rule
// that zone.c evaluates. Transitions at the end that the footer reproduces
// are dropped (as zic's "slim" output does), identical zones are shared,
// times are delta-encoded varints and offsets indices into one table.

import fs from "node:fs";
import path from "node:path";

const out = process.argv[2];
const root = process.argv[3] || process.env.TZDIR || "/usr/share/zoneinfo";
if (!out) {
  console.error("usage: gen-tzdata.mjs OUT.c [ZONEINFO_DIR]");
  process.exit(2);
}

// ---------------------------------------------------------------- TZif

function parseTzif(buf) {
  if (buf.length < 44 || buf.toString("latin1", 0, 4) !== "TZif") return null;
  const version = buf[4];
  const counts = (off) => {
    const c = [];
    for (let i = 0; i < 6; i++) c.push(buf.readUInt32BE(off + 20 + 4 * i));
    return { isut: c[0], isstd: c[1], leap: c[2], time: c[3], type: c[4], char: c[5] };
  };
  const v1 = counts(0);
  const v1len = 44 + v1.time * 5 + v1.type * 6 + v1.char + v1.leap * 8 + v1.isstd + v1.isut;
  if (version === 0) return null; // no 64-bit data: Debian ships v2+ only
  let off = v1len;
  if (buf.toString("latin1", off, off + 4) !== "TZif") return null;
  const h = counts(off);
  off += 44;
  const tx = [];
  for (let i = 0; i < h.time; i++) tx.push({ when: buf.readBigInt64BE(off + 8 * i) });
  off += 8 * h.time;
  for (let i = 0; i < h.time; i++) tx[i].idx = buf[off + i];
  off += h.time;
  const types = [];
  for (let i = 0; i < h.type; i++) {
    types.push({ utoff: buf.readInt32BE(off), isdst: buf[off + 4] !== 0 });
    off += 6;
  }
  off += h.char;
  const leap = h.leap;
  off += h.leap * 12 + h.isstd + h.isut;
  let footer = "";
  if (buf[off] === 0x0a) {
    const end = buf.indexOf(0x0a, off + 1);
    if (end > off) footer = buf.toString("latin1", off + 1, end);
  }
  return { tx, types, leap, footer };
}

// ---------------------------------------------------------------- POSIX TZ (Go's tzset)

function tzName(s) {
  if (s.startsWith("<")) {
    const e = s.indexOf(">");
    return e < 0 ? null : [s.slice(1, e), s.slice(e + 1)];
  }
  for (let i = 0; i < s.length; i++) {
    if ("0123456789,-+".includes(s[i])) return i < 3 ? null : [s.slice(0, i), s.slice(i)];
  }
  return s.length < 3 ? null : [s, ""];
}

function tzNum(s, min, max) {
  let i = 0;
  while (i < s.length && s[i] >= "0" && s[i] <= "9") i++;
  if (i === 0) return null;
  const n = Number(s.slice(0, i));
  return n < min || n > max ? null : [n, s.slice(i)];
}

// [+-]hh[:mm[:ss]] in seconds (Go allows hours up to 24*7).
function tzOffset(s) {
  let neg = false;
  if (s[0] === "+" || s[0] === "-") { neg = s[0] === "-"; s = s.slice(1); }
  let r = tzNum(s, 0, 24 * 7);
  if (!r) return null;
  let off = r[0] * 3600;
  s = r[1];
  if (s[0] === ":") {
    r = tzNum(s.slice(1), 0, 59);
    if (!r) return null;
    off += r[0] * 60;
    s = r[1];
    if (s[0] === ":") {
      r = tzNum(s.slice(1), 0, 59);
      if (!r) return null;
      off += r[0];
      s = r[1];
    }
  }
  return [neg ? -off : off, s];
}

const RULE_J = 1, RULE_N = 2, RULE_M = 3;

function tzRule(s) {
  let r;
  const rule = {};
  if (s[0] === "J") {
    if (!(r = tzNum(s.slice(1), 1, 365))) return null;
    Object.assign(rule, { kind: RULE_J, mon: 0, week: 0, day: r[0] });
  } else if (s[0] === "M") {
    const m = tzNum(s.slice(1), 1, 12);
    if (!m || m[1][0] !== ".") return null;
    const w = tzNum(m[1].slice(1), 1, 5);
    if (!w || w[1][0] !== ".") return null;
    if (!(r = tzNum(w[1].slice(1), 0, 6))) return null;
    Object.assign(rule, { kind: RULE_M, mon: m[0], week: w[0], day: r[0] });
  } else {
    if (!(r = tzNum(s, 0, 365))) return null;
    Object.assign(rule, { kind: RULE_N, mon: 0, week: 0, day: r[0] });
  }
  s = r[1];
  rule.time = 7200;
  if (s[0] === "/") {
    const t = tzOffset(s.slice(1));
    if (!t) return null;
    rule.time = t[0];
    s = t[1];
  }
  return [rule, s];
}

// Returns {std, dst, start, end} (dst/start/end null without DST) or null.
function parseFooter(s) {
  if (!s) return null;
  let r = tzName(s);
  if (!r) return null;
  r = tzOffset(r[1]);
  if (!r) return null;
  const std = -r[0];
  s = r[1];
  if (s === "") return { std, dst: null };
  r = tzName(s);
  if (!r) return null;
  s = r[1];
  let dst = std + 3600;
  if (s !== "" && s[0] !== ",") {
    r = tzOffset(s);
    if (!r) return null;
    dst = -r[0];
    s = r[1];
  }
  if (s === "") s = ",M3.2.0,M11.1.0";
  if (s[0] !== ",") return null;
  const a = tzRule(s.slice(1));
  if (!a || a[1][0] !== ",") return null;
  const b = tzRule(a[1].slice(1));
  if (!b || b[1] !== "") return null;
  return { std, dst, start: a[0], end: b[0] };
}

// ---------------------------------------------------------------- civil time (as zone.c)

const fdiv = (a, b) => Math.floor(a / b);
const isLeap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MDAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (m, y) => MDAYS[m - 1] + (m === 2 && isLeap(y) ? 1 : 0);
function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = fdiv(y, 400), yoe = y - era * 400;
  const doy = fdiv(153 * (m > 2 ? m - 3 : m + 9) + 2, 5) + d - 1;
  return era * 146097 + yoe * 365 + fdiv(yoe, 4) - fdiv(yoe, 100) + doy - 719468;
}
function yearOfDays(z) {
  z += 719468;
  const era = fdiv(z, 146097), doe = z - era * 146097;
  const yoe = fdiv(doe - fdiv(doe, 1460) + fdiv(doe, 36524) - fdiv(doe, 146096), 365);
  const doy = doe - (365 * yoe + fdiv(yoe, 4) - fdiv(yoe, 100));
  const mp = fdiv(5 * doy + 2, 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

// Seconds from the start of the (UTC) year to the rule's instant, as Go's tzruleTime.
function ruleTime(year, r, off) {
  let d;
  if (r.kind === RULE_J) {
    d = r.day - 1;
    if (isLeap(year) && d >= 59) d++;
  } else if (r.kind === RULE_N) {
    d = r.day;
  } else {
    const first = daysFromCivil(year, r.mon, 1);
    const dow = ((first + 4) % 7 + 7) % 7;
    d = r.day - dow;
    if (d < 0) d += 7;
    for (let i = 1; i < r.week; i++) {
      if (d + 7 >= daysIn(r.mon, year)) break;
      d += 7;
    }
    d += first - daysFromCivil(year, 1, 1);
  }
  return d * 86400 + r.time - off;
}

// Offset and the year's breakpoints, as Go's tzset (seconds as Number: all |t| < 2^53).
function ruleEval(rule, sec) {
  if (rule.dst === null) return { off: rule.std, marks: [] };
  const year = yearOfDays(fdiv(sec, 86400));
  const ys = daysFromCivil(year, 1, 1) * 86400;
  const ysec = sec - ys;
  let a = ruleTime(year, rule.start, rule.std), b = ruleTime(year, rule.end, rule.dst);
  let so = rule.std, dso = rule.dst;
  if (b < a) { [a, b] = [b, a]; [so, dso] = [dso, so]; }
  const off = ysec < a ? so : ysec >= b ? so : dso;
  return { off, marks: [ys, ys + a, ys + b] };
}

// ---------------------------------------------------------------- zones

function firstZone(z) {
  if (!z.tx.some((t) => t.idx === 0)) return 0;
  if (z.tx.length > 0 && z.types[z.tx[0].idx].isdst) {
    for (let i = z.tx[0].idx - 1; i >= 0; i--) if (!z.types[i].isdst) return i;
  }
  for (let i = 0; i < z.types.length; i++) if (!z.types[i].isdst) return i;
  return 0;
}

const MIN64 = -(2n ** 63n);

// Builds {initial, tx: [{when: BigInt, off}], rule} with the slim tail.
function compileZone(z) {
  if (z.types.length === 0) return null;
  const initial = z.types[firstZone(z)].utoff;
  let tx = z.tx.map((t) => ({ when: t.when, off: z.types[t.idx].utoff }));
  if (tx.length === 0) tx = [{ when: MIN64, off: z.types[0].utoff }];
  const rule = parseFooter(z.footer);
  if (z.footer && !rule) console.warn(`gen-tzdata: unparsed footer "${z.footer}"`);
  if (rule) {
    // Drop tx[k] while the rule reproduces [tx[k-1].when, tx[k].when).
    let k = tx.length - 1;
    while (k >= 1) {
      const lo = tx[k - 1].when, hi = tx[k].when;
      if (lo < -(2n ** 52n) || hi > 2n ** 52n) break;
      const want = tx[k - 1].off;
      let ok = ruleEval(rule, Number(lo)).off === want;
      for (let y = yearOfDays(fdiv(Number(lo), 86400)); ok && y <= yearOfDays(fdiv(Number(hi), 86400)); y++) {
        const { marks } = ruleEval(rule, daysFromCivil(y, 7, 1) * 86400);
        for (const m of marks) {
          if (m > Number(lo) && m < Number(hi) && ruleEval(rule, m).off !== want) ok = false;
        }
      }
      if (!ok) break;
      k--;
    }
    tx = tx.slice(0, k + 1);
  }
  return { initial, tx, rule };
}

function walk(dir, rel, names) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const name = rel ? `${rel}/${ent.name}` : ent.name;
    if (!rel && ["posix", "right", "localtime", "posixrules", "Etc/localtime"].includes(ent.name)) continue;
    const full = path.join(dir, ent.name);
    let st;
    try {
      st = fs.statSync(full);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(full, name, names);
    else if (st.isFile()) names.push(name);
  }
}

const names = [];
walk(root, "", names);
names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const zoneKey = new Map(); // key -> zone index
const zones = [];
const entries = []; // [name, zone index]
for (const name of names) {
  const z = parseTzif(fs.readFileSync(path.join(root, name)));
  if (!z || z.leap) continue;
  const c = compileZone(z);
  if (!c) continue;
  const key = JSON.stringify([c.initial, c.tx.map((t) => [String(t.when), t.off]), c.rule]);
  let zi = zoneKey.get(key);
  if (zi === undefined) {
    zi = zones.length;
    zones.push(c);
    zoneKey.set(key, zi);
  }
  entries.push([name, zi]);
}
if (entries.length === 0) {
  console.error(`gen-tzdata: no TZif files under ${root} (install tzdata)`);
  process.exit(1);
}

// ---------------------------------------------------------------- encoding

// Offsets by frequency, so the common ones get one-byte indices.
const freq = new Map();
const bump = (o) => freq.set(o, (freq.get(o) || 0) + 1);
for (const z of zones) {
  bump(z.initial);
  for (const t of z.tx) bump(t.off);
}
const offsets = [...freq.keys()].sort((a, b) => freq.get(b) - freq.get(a) || a - b);
const offIndex = new Map(offsets.map((o, i) => [o, i]));

function varint(bytes, v) {
  v = BigInt(v);
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
}
const zigzag = (v) => (v < 0n ? ((-v - 1n) << 1n) | 1n : v << 1n);

// Per transition: the time, then the offset index. The first time is
// zigzag-encoded absolute; later ones are the gap since the previous one,
// tagged in the low bits: hours << 1, minutes << 2 | 1, seconds << 2 | 3
// (most gaps are whole hours: half a year fits two bytes).
const data = [];
const rules = [];
const ruleKey = new Map();
const zoneRows = [];
for (const z of zones) {
  const start = data.length;
  let prev = null;
  for (const t of z.tx) {
    if (prev === null) varint(data, zigzag(t.when));
    else {
      const gap = t.when - prev;
      if (gap % 3600n === 0n) varint(data, (gap / 3600n) << 1n);
      else if (gap % 60n === 0n) varint(data, ((gap / 60n) << 2n) | 1n);
      else varint(data, (gap << 2n) | 3n);
    }
    varint(data, offIndex.get(t.off));
    prev = t.when;
  }
  let ri = -1;
  if (z.rule && z.rule.dst !== null) {
    const k = JSON.stringify(z.rule);
    ri = ruleKey.get(k);
    if (ri === undefined) {
      ri = rules.length;
      rules.push(z.rule);
      ruleKey.set(k, ri);
    }
  } else if (z.rule) {
    // A footer without DST: the standard offset holds after the last transition.
    const last = z.tx[z.tx.length - 1];
    if (last.off !== z.rule.std) {
      const k = JSON.stringify({ std: z.rule.std });
      ri = ruleKey.get(k);
      if (ri === undefined) {
        ri = rules.length;
        rules.push({ std: z.rule.std, dst: null });
        ruleKey.set(k, ri);
      }
    }
  }
  if (z.tx.length > 65535) throw new Error("too many transitions");
  zoneRows.push([start, z.tx.length, offIndex.get(z.initial), ri]);
}

let nameBlob = "";
const nameRows = [];
for (const [name, zi] of entries) {
  nameRows.push([nameBlob.length, name.length, zi]);
  nameBlob += name + "\0";
}

const lines = [];
lines.push(`/* Generated by tools/gen-tzdata.mjs from ${root}; do not edit. */`);
lines.push(`#include "time/tzdata.h"`);
lines.push("");
lines.push(`const int32_t t_tz_offsets[${offsets.length}] = {`);
for (let i = 0; i < offsets.length; i += 10) lines.push("  " + offsets.slice(i, i + 10).join(", ") + ",");
lines.push("};");
lines.push(`const uint8_t t_tz_data[${data.length}] = {`);
for (let i = 0; i < data.length; i += 24) lines.push("  " + data.slice(i, i + 24).join(",") + ",");
lines.push("};");
const part = (r) => `{${r.kind}, ${r.mon}, ${r.week}, ${r.day}, ${r.time}}`;
lines.push(`const t_tz_rule t_tz_rules[${Math.max(rules.length, 1)}] = {`);
for (const r of rules) {
  if (r.dst === null) lines.push(`  {${r.std}, ${r.std}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}},`);
  else lines.push(`  {${r.std}, ${r.dst}, ${part(r.start)}, ${part(r.end)}},`);
}
if (rules.length === 0) lines.push("  {0, 0, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}},");
lines.push("};");
lines.push(`const t_tz_zone t_tz_zones[${zoneRows.length}] = {`);
for (const z of zoneRows) lines.push(`  {${z.join(", ")}},`);
lines.push("};");
// As numbers, not one string literal: C only promises 4095-byte literals.
const nameBytes = [...Buffer.from(nameBlob + "\0", "latin1")];
lines.push(`const char t_tz_names[${nameBytes.length}] = {`);
for (let i = 0; i < nameBytes.length; i += 24) lines.push("  " + nameBytes.slice(i, i + 24).join(",") + ",");
lines.push("};");
lines.push(`const t_tz_name t_tz_index[${nameRows.length}] = {`);
for (let i = 0; i < nameRows.length; i += 6)
  lines.push("  " + nameRows.slice(i, i + 6).map((r) => `{${r.join(", ")}}`).join(", ") + ",");
lines.push("};");
lines.push(`const size_t t_tz_name_count = ${nameRows.length};`);
lines.push(`const size_t t_tz_zone_count = ${zoneRows.length};`);
lines.push("");

fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out, lines.join("\n"));

const bytes = offsets.length * 4 + data.length + rules.length * 28 + zoneRows.length * 12 + nameBlob.length + 1 + nameRows.length * 8;
console.error(
  `gen-tzdata: ${entries.length} names, ${zones.length} zones, ${rules.length} rules, ` +
    `${offsets.length} offsets, ${data.length} transition bytes, ~${bytes} bytes of tables`
);
