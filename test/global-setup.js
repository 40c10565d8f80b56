// Jest global set-up, once before the test workers start: unpacks the
// Chromium build of @sparticuz/chromium into the temp folder (a few seconds,
// once per machine), so that parallel workers never race to unpack it.
// RACELAB_CHROMIUM (another Chromium build) skips it.
export default async function globalSetup() {
  if (process.env.RACELAB_CHROMIUM) return;
  const { default: chromium } = await import("@sparticuz/chromium");
  await chromium.executablePath();
}
