#!/usr/bin/env node
// The Node host of the tally CLI over WebAssembly: the same core as
// build/bin/tally, so the same bytes out. Like native/tally_main.c it only
// reads the files named by flags, streams stdin in, and writes output out.
//
//   node js-bindings/bin/tally.mjs json format < in.jsonl
//   TALLY_WASM=path/to/tally.wasm overrides the module location.
import { readFile } from "node:fs/promises";
import { load, createCli, UsageError } from "../index.mjs";

function write(bytes) {
  if (!bytes.length) return Promise.resolve();
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

async function main() {
  await load(process.env.TALLY_WASM || undefined);
  let started;
  try {
    started = await createCli(process.argv.slice(2), (path) =>
      readFile(path).catch((e) => {
        throw new Error(e.code === "ENOENT" ? "No such file or directory" : e.message);
      }),
    );
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tally: ${e.message}\n\n${e.usage}`);
      return 2;
    }
    throw e;
  }
  const { cli, output } = started;
  try {
    await write(output);
    if (cli.wantsInput) {
      for await (const chunk of process.stdin) await write(cli.feed(chunk));
      await write(cli.finish());
    }
  } finally {
    cli.dispose();
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`tally: ${e?.message ?? e}\n`);
    process.exitCode = 1;
  },
);
