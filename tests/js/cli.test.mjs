// The two CLI hosts on inputs too big or too odd for golden files: large
// streamed input, stdin arriving in pieces, exit codes and stderr.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const nativeTool = join(process.env.TALLY_BUILD_ROOT ?? join(root, "build"), "bin/tally");
const hosts = {
  native: [nativeTool],
  wasm: [process.execPath, join(root, "js-bindings/bin/tally.mjs")],
};

// Runs a host, writing the input in pieces with pauses between them.
function run([cmd, ...pre], args, pieces) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: root });
    const out = [];
    let err = "";
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on("error", () => {});
    (async () => {
      for (const p of pieces) {
        child.stdin.write(p);
        await new Promise((r) => setTimeout(r, 5));
      }
      child.stdin.end();
    })();
  });
}

const skip = !existsSync(nativeTool) && `${nativeTool} missing`;

test("both hosts stream 20,000 lines identically", { skip }, async () => {
  const lines = [];
  for (let i = 0; i < 20000; i++) {
    lines.push(i % 997 === 0 ? `{"bad": ${i}` : `{ "i" : ${i}, "s" : "row \\u00e9 ${i}", "a" : [ ${i}, ${-i}.5 ] }`);
  }
  const input = lines.join("\r\n");
  const want = lines
    .map((l, i) =>
      i % 997 === 0
        ? `{"error":{"kind":"json","message":"unexpected end of input, expected ',' or '}' after an object member at column ${l.length + 1}","inputLine":${i + 1}}}`
        : `{"i":${i},"s":"row é ${i}","a":[${i},${-i}.5]}`,
    )
    .join("\n") + "\n";
  for (const [name, host] of Object.entries(hosts)) {
    const r = await run(host, ["json", "format"], [input]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stdout.toString(), want, name);
  }
});

test("stdin split inside a line and inside a UTF-8 sequence", { skip }, async () => {
  const bytes = Buffer.from('{"k": "😀"}\n[1,\n2]\n');
  const pieces = [bytes.subarray(0, 9), bytes.subarray(9, 15), bytes.subarray(15)];
  for (const [name, host] of Object.entries(hosts)) {
    const r = await run(host, ["json", "format"], pieces);
    assert.equal(r.code, 0, name);
    assert.equal(
      r.stdout.toString(),
      '{"k":"😀"}\n{"error":{"kind":"json","message":"unexpected end of input, expected a JSON value at column 4","inputLine":2}}\n' +
        '{"error":{"kind":"json","message":"unexpected character \']\', expected end of input after the JSON value at column 2","inputLine":3}}\n',
      name,
    );
  }
});

test("usage errors: exit 2, message and usage on stderr, nothing on stdout", { skip }, async () => {
  for (const [name, host] of Object.entries(hosts)) {
    const r = await run(host, ["json", "formatt"], []);
    assert.equal(r.code, 2, name);
    assert.equal(r.stdout.length, 0, name);
    assert.match(r.stderr, /^tally: unknown command 'json formatt' \(did you mean: json format\?\)\n\nusage: tally/, name);
    const h = await run(host, ["--help"], []);
    assert.equal(h.code, 0, name);
    assert.match(h.stdout.toString(), /^usage: tally[\s\S]*\n  json format\n/, name);
  }
});

// A seeded generator of JSON-ish lines: valid values, near misses, odd bytes.
function randomLines(seed, count) {
  let s = seed >>> 0;
  const rnd = (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const atoms = ["0", "-0", "1.5e3", "01", "1.", "true", "nul", '"a\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"',
    '"x\\qy"', '"tab\there"', "[]", "{}", '""', "-", "1e400", "123456789012345678901234567890", '"😀"'];
  const value = (depth) => {
    const k = rnd(depth > 6 ? 3 : 6);
    if (k < 3) return atoms[rnd(atoms.length)];
    if (k === 3) return `[${Array.from({ length: rnd(4) }, () => value(depth + 1)).join(rnd(9) ? "," : " ")}]`;
    if (k === 4) return `{${Array.from({ length: rnd(4) }, (_, i) => `"k${i}":${value(depth + 1)}`).join(",")}}`;
    return `${" ".repeat(rnd(3))}${value(depth + 1)}${rnd(10) ? "" : " x"}`;
  };
  const lines = [];
  for (let i = 0; i < count; i++) {
    const r = rnd(20);
    lines.push(r === 0 ? "" : r === 1 ? "[".repeat(130 + rnd(5)) : r === 2 ? "\t " : value(0));
  }
  return Buffer.concat([Buffer.from(lines.join(rnd(2) ? "\n" : "\r\n")), Buffer.from([0xff, 0x0a, 0xc3, 0x0a])]);
}

test("native and wasm agree byte for byte on 5,000 random lines", { skip }, async () => {
  const input = randomLines(42, 5000);
  const pieces = [];
  for (let at = 0; at < input.length; at += 7777) pieces.push(input.subarray(at, at + 7777));
  const [a, b] = await Promise.all([run(hosts.native, ["json", "format"], pieces), run(hosts.wasm, ["json", "format"], pieces)]);
  assert.equal(a.code, 0);
  assert.equal(b.code, 0);
  assert.ok(a.stdout.length > 10000);
  assert.ok(a.stdout.equals(b.stdout), "outputs differ");
  const lines = a.stdout.toString().split("\n");
  assert.ok(lines.some((l) => l.startsWith('{"error":{"kind":"json"')));
  assert.ok(lines.some((l) => l.startsWith('{"error":{"kind":"limit"')));
  for (const l of lines.slice(0, -1)) assert.doesNotThrow(() => JSON.parse(l), l);
  assert.equal(lines.at(-1), "");
});
