import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, existsSync(resolve(__dirname, '../package.json')) ? '..' : '../..');
const ENTRY = resolve(ROOT, 'src/http/ide/client.jsx');
/** Where the bundle goes; src/http/ide.ts serves from here. Kept out of git (dist/). */
export const IDE_ASSETS_DIR = resolve(ROOT, 'dist/ide');

// Rebuild only when the entry or the installed GraphiQL/React change.
function fingerprint(): string {
  const hash = createHash('sha256').update(readFileSync(ENTRY));
  for (const pkg of ['graphiql', '@graphiql/react', 'react', 'react-dom', 'esbuild']) {
    const { version } = JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }), 'utf8')) as { version: string };
    hash.update(`${pkg}@${version}`);
  }
  return hash.digest('hex');
}

/**
 * Bundles GraphiQL (the `graphiql` package with React) into dist/ide/graphiql.{js,css} so the
 * IDE works offline and under a CSP that allows only 'self'. Skips the work when nothing changed.
 */
export async function buildIdeAssets(outDir = IDE_ASSETS_DIR): Promise<{ dir: string; rebuilt: boolean }> {
  const stamp = resolve(outDir, 'fingerprint');
  const wanted = fingerprint();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return { dir: outDir, rebuilt: false };
  // esbuild is a build-time dependency: load it only when there is something to bundle.
  const esbuild = await import('esbuild');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { graphiql: ENTRY },
    absWorkingDir: ROOT,
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    jsx: 'automatic',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file' },
    assetNames: '[name]-[hash]',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'external',
    logLevel: 'warning',
  });
  writeFileSync(stamp, wanted);
  return { dir: outDir, rebuilt: true };
}

if (require.main === module) {
  buildIdeAssets().then(
    ({ dir, rebuilt }) => rebuilt && console.log(`bundled GraphiQL into ${dir}`),
    (error) => {
      console.error('building the GraphiQL assets failed:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
