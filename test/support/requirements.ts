/**
 * The one way a test skips: when the machine lacks what it needs (found once by
 * global-setup.js), the block is skipped and the reason printed; never a silent green return.
 */
type Need = 'postgres' | 'redis' | 'redisServer' | 'chromium';

const VARIABLES: Record<Need, string> = {
  postgres: 'GIROK_TEST_POSTGRES',
  redis: 'GIROK_TEST_REDIS',
  redisServer: 'GIROK_TEST_REDIS_SERVER',
  chromium: 'GIROK_TEST_CHROMIUM',
};

/** Why the tests cannot have these here, or null when they can. */
export function missing(...needs: Need[]): string | null {
  const reasons = needs.map((need) => process.env[VARIABLES[need]]).filter((reason): reason is string => Boolean(reason));
  return reasons.length ? reasons.join('; ') : null;
}

/** `describe` when the machine has what the block needs; otherwise skipped, saying why. */
export function describeWith(needs: Need[], title: string, body: () => void): void {
  const why = missing(...needs);
  if (why) {
    // Written past the console: jest drops console output of a suite that skips every test.
    process.stderr.write(`skipping "${title}": ${why}\n`);
    describe.skip(title, body);
  } else {
    describe(title, body);
  }
}
