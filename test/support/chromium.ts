import { mkdirSync, rmSync } from 'node:fs';
import { chromium, errors, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

/** Debian's Chromium: the browser tests download no browser, playwright-core drives this one. */
const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * How long one launch may take. Playwright's own default (180 s) is longer than the hooks that
 * launch (60–120 s), so a hung launch would surface only as "Exceeded timeout of 120000 ms for a
 * hook", naming no step. A launch normally takes under 2 s here; one that times out is retried
 * once, and a second timeout fails the hook with Playwright's message.
 */
const LAUNCH_TIMEOUT_MS = 30_000;

/** A browser without a profile on disk (one context per test, or per file). */
export function launchChromium(): Promise<Browser> {
  return retryHungLaunch(() => chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: LAUNCH_TIMEOUT_MS }));
}

/** A browser on the profile directory `profile` (the caller made it and removes it). */
export function launchChromiumWithProfile(profile: string, options: Pick<BrowserContextOptions, 'viewport'> = {}): Promise<BrowserContext> {
  return retryHungLaunch(
    () => chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: LAUNCH_TIMEOUT_MS, ...options }),
    // Playwright has killed the hung browser; its lock files must not stop the second one.
    () => {
      rmSync(profile, { recursive: true, force: true });
      mkdirSync(profile, { recursive: true });
    },
  );
}

async function retryHungLaunch<T>(launch: () => Promise<T>, reset?: () => void): Promise<T> {
  try {
    return await launch();
  } catch (error) {
    if (!(error instanceof errors.TimeoutError)) throw error;
    reset?.();
    return launch();
  }
}
