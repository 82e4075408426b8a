import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { LOCALES } from '../src/config';
import { MAIL_KINDS, isCodeMailKind, type MailMessage } from '../src/mail/mail.types';
import { createRenderer } from '../src/mail/renderer';

/**
 * Renders every mail in both languages to `dataDir/mail-preview/<kind>.<locale>.html`
 * (plus the text part as .txt), with sample values, so a designer can look at them.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const renderer = await createRenderer({ appName: config.appName });
  const dir = join(config.dataDir, 'mail-preview');
  mkdirSync(dir, { recursive: true });
  const expiresInMinutes = Math.ceil(config.codes.ttl / 60);
  for (const kind of MAIL_KINDS) {
    for (const locale of LOCALES) {
      const message: MailMessage = isCodeMailKind(kind)
        ? { kind, to: 'preview@example.com', locale, code: '123456', expiresInMinutes }
        : { kind, to: 'preview@example.com', locale };
      const mail = renderer.render(message);
      writeFileSync(join(dir, `${kind}.${locale}.html`), mail.html);
      writeFileSync(join(dir, `${kind}.${locale}.txt`), `Subject: ${mail.subject}\n\n${mail.text}`);
    }
  }
  console.log(`wrote ${MAIL_KINDS.length * LOCALES.length} previews to ${dir}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
