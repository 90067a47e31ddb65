// Runs every examples/<name>.args + <name>.jsonl through build/bin/tally
// and prints the command and its output (npm start).
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = join(root, "examples");
const tally = join(process.env.TALLY_BUILD_ROOT ?? join(root, "build"), "bin/tally");
let failed = 0;
for (const name of readdirSync(dir).filter((f) => f.endsWith(".args")).sort()) {
  const base = name.slice(0, -".args".length);
  const args = JSON.parse(readFileSync(join(dir, name), "utf8"));
  const input = readFileSync(join(dir, `${base}.jsonl`));
  const r = spawnSync(tally, args, { cwd: dir, input });
  if (r.error) throw new Error(`cannot run ${tally}: ${r.error.message} (npm run build)`);
  console.log(`\n$ tally ${args.join(" ")} < examples/${base}.jsonl   (exit ${r.status})`);
  process.stdout.write(r.stdout);
  if (r.stderr.length) process.stdout.write(r.stderr);
  if (r.status !== 0) failed++;
}
if (failed) process.exitCode = 1;
