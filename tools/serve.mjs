// Serves the rule-preview page (preview/) with the JavaScript bindings and
// tally.wasm on 127.0.0.1. Only static files: every evaluation runs in the
// browser. usage: node tools/serve.mjs [--port 8080] [--host 127.0.0.1]
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
// /build/... comes from the build directory (TALLY_BUILD_ROOT, as the scripts use it).
const buildRoot = resolve(process.env.TALLY_BUILD_ROOT ?? join(root, "build"));
const MIME = {
  ".html": "text/html; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".wasm": "application/wasm", ".json": "application/json",
  ".jsonl": "application/x-ndjson; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
};
// What the page may load; nothing else of the checkout is served.
const ALLOWED = ["/preview/", "/js-bindings/", "/build/wasm/", "/build/preview/", "/examples/"];

export function startServer({ port = 8080, host = "127.0.0.1" } = {}) {
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      // The page's relative URLs need it under /preview/.
      if (path === "/" || path === "/index.html") {
        res.writeHead(302, { location: "/preview/" }).end();
        return;
      }
      if (path.endsWith("/")) path += "index.html";
      path = normalize(path).replace(/\\/g, "/");
      if (!ALLOWED.some((p) => path.startsWith(p)) || path.includes("..")) {
        res.writeHead(404).end("not found");
        return;
      }
      const file = path.startsWith("/build/") ? join(buildRoot, path.slice("/build/".length)) : join(root, path);
      const s = await stat(file);
      if (!s.isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": MIME[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((resolveStart, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolveStart(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const port = Number(arg("--port", process.env.PORT ?? 8080));
  const host = arg("--host", "127.0.0.1");
  startServer({ port, host }).then(
    (server) => {
      const { port: p } = server.address();
      console.log(`tally rule preview: http://${host}:${p}/`);
      console.log("(press Ctrl-C to stop)");
    },
    (e) => {
      console.error(`tally: cannot serve on ${host}:${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
