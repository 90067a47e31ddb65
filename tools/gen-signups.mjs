// Writes N synthetic sign-ups as JSON Lines, deterministically (the same
// seed gives the same bytes on every machine): the preview page's bundled
// sample and the benchmarks' input.
//
// usage: node tools/gen-signups.mjs [count=10000] [seed=1] > signups.jsonl
const count = Number(process.argv[2] ?? 10000);
let state = Number(process.argv[3] ?? 1) >>> 0;

// mulberry32: small, fast, and identical in every JavaScript engine.
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const goodDomains = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "acme.io", "example.com", "fastmail.com", "company.co.uk", "uni.edu"];
const badDomains = ["mailinator.com", "tempmail.com", "10minutemail.com", "guerrillamail.com", "yopmail.com", "trashmail.de"];
const names = ["ana", "bob", "chen", "dana", "eve", "farid", "gita", "hugo", "ines", "jon", "kim", "lea", "mo", "nora", "omar", "pia", "quinn", "ravi", "sara", "tom", "uma", "vic", "wei", "xena", "yuki", "zoe"];
const countries = ["US", "US", "US", "GB", "DE", "FR", "IN", "BR", "CA", "JP", "NG", "RU", "CN", "AU", "ES", "NL", "", "us", " de ", "XX1"];
const providers = ["google", "github", "apple", "microsoft"];

// A score in 0..100, mostly low, mostly high for disposable domains. Only
// correctly rounded operations (*, sqrt), so every engine gives the same.
function skewed(high, power) {
  if (high) return Math.min(100, Math.floor(Math.sqrt(rand()) * 101));
  let x = 1;
  for (let k = 0; k < power; k++) x *= rand();
  return Math.min(100, Math.floor(x * 101));
}

const lines = [];
for (let i = 0; i < count; i++) {
  const disposable = rand() < 0.12;
  const domain = disposable ? pick(badDomains) : pick(goodDomains);
  let local;
  const r = rand();
  if (r < 0.08) local = String(int(10000, 99999999));
  else if (r < 0.15) local = `${pick(names)}+${pick(["test", "spam", "promo"])}${int(1, 99)}`;
  else local = `${pick(names)}${rand() < 0.5 ? "." + pick(names) : ""}${rand() < 0.4 ? int(1, 2025) : ""}`;
  if (rand() < 0.05) local = local.toUpperCase();
  const email = (rand() < 0.03 ? " " : "") + `${local}@${domain}`;
  const a = rand();
  const authMethod = a < 0.45 ? "password" : a < 0.65 ? "otp" : a < 0.93 ? "oauth" : "passkey";
  const row = {
    email,
    authMethod,
    oauthProvider: authMethod === "oauth" ? pick(providers) : "",
    countryCode: pick(countries),
    riskScores: {
      bot: skewed(disposable, 3),
      free_trial_abuse: skewed(disposable, 4),
    },
    ip: rand() < 0.1 ? "" : rand() < 0.85 ? `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}` : `2001:db8:${int(0, 65535).toString(16)}::${int(1, 65535).toString(16)}`,
  };
  if (rand() < 0.02) delete row.riskScores;
  lines.push(JSON.stringify(row));
}
process.stdout.write(lines.join("\n") + "\n");
