// Compiled (never run) by tests/js/types.test.mjs: the declarations in
// js-bindings/index.d.ts must allow the documented usage.
import {
  load, runCli, createCli, TallyError, CelParseError, LimitError, UsageError, Handle, INTERNAL,
  check, withString, readString, type CliResult, type ErrorKind,
} from "tally";

async function main(): Promise<void> {
  const tally = await load();
  const v: string = tally.version;
  const r: CliResult = await runCli(["json", "format"], "[1, 2]\n");
  const code: number = r.exitCode;
  await runCli(["rules", "eval", "--rules", "r.json"], "{}\n", { "r.json": "{}" });
  await runCli(["rules", "eval", "--rules", "r.json"], "{}\n", (path) => `{"path":${JSON.stringify(path)}}`);
  const { cli, output } = await createCli(["json", "format"], async () => new Uint8Array());
  const bytes: Uint8Array = cli.feed("[1]\n");
  cli.finish();
  cli.dispose();
  void [v, code, bytes, output];

  try {
    check(2, "1 +");
  } catch (e) {
    if (e instanceof CelParseError) {
      const where: [number, number, number] = [e.line, e.column, e.index];
      const kind: ErrorKind | string = e.kind;
      void [where, kind];
    } else if (e instanceof LimitError || e instanceof UsageError) {
      void e.code;
    } else if (e instanceof TallyError) {
      void e.message;
    }
  }

  const len = withString("héllo", (ptr, n) => readString(ptr, n).length + n);
  void len;

  class Thing extends Handle {
    static make(ptr: number): Thing {
      return new Thing(INTERNAL, ptr, "tally_wasm_free");
    }
  }
  {
    using t = Thing.make(0);
    void t.ptr;
  }
}
void main;
