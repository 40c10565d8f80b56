/** Files served as they are: the bundled IDE and the web page. Nothing outside the folder is ever served. */
import { createReadStream, statSync } from "node:fs";
import type http from "node:http";
import path from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".map": "application/json; charset=utf-8",
};

/** Serves `rel` from `root` if it is a file inside it; false when there is none. */
export function serveFile(res: http.ServerResponse, root: string, rel: string, method: string): boolean {
  const base = path.resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return false; // malformed %-escape: no such file
  }
  const file = path.resolve(base, "." + path.posix.normalize("/" + decoded));
  if (file !== base && !file.startsWith(base + path.sep)) return false;
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  res.writeHead(200, {
    "content-type": MIME[path.extname(file)] ?? "application/octet-stream",
    "content-length": stat.size,
    "cache-control": "no-cache",
  });
  if (method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
  return true;
}

/** The web page at `/`: its files, and its index for client-side routes (paths without an extension). */
export function serveStaticPage(res: http.ServerResponse, dir: string, pathname: string, method: string): boolean {
  const rel = pathname.endsWith("/") ? pathname + "index.html" : pathname;
  if (serveFile(res, dir, rel, method)) return true;
  return !path.extname(pathname) && serveFile(res, dir, "index.html", method);
}
