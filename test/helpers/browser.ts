/**
 * Headless Chromium for the browser tests, from an npm package: the build
 * `@sparticuz/chromium` ships inside its tarball (unpacked into the temp
 * folder on first use, by Jest's global set-up), driven by playwright-core —
 * no system browser, no download. `RACELAB_CHROMIUM` names another Chromium
 * build to use instead (e.g. Debian's /usr/bin/chromium).
 */
import sparticuz from "@sparticuz/chromium";
import { chromium, type Browser } from "playwright-core";

/** Flags of the packaged build that weaken what the tests check (same-origin rules, site isolation). */
const DROPPED = new Set(["--disable-web-security", "--allow-running-insecure-content", "--disable-site-isolation-trials", "--single-process", "--no-zygote"]);

/** Quiet on a closed network: no background requests, no component updates. */
const QUIET = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu"];

export async function chromiumPath(): Promise<string> {
  return process.env.RACELAB_CHROMIUM || (await sparticuz.executablePath());
}

export async function launchChromium(): Promise<Browser> {
  const own = process.env.RACELAB_CHROMIUM;
  const args = own ? ["--headless", "--no-sandbox"] : sparticuz.args.filter((a) => !DROPPED.has(a));
  return chromium.launch({ executablePath: await chromiumPath(), headless: true, args: [...args, ...QUIET] });
}
