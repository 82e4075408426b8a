import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { MAIL_KINDS, isCodeMailKind, type MailMessage } from '../../src/mail/mail.types';
import { createRenderer, DEFAULT_TEMPLATES_DIR } from '../../src/mail/renderer';
import { createTransport } from '../../src/mail/transport';
import { memoryLogger } from './support';

function messageOf(kind: MailMessage['kind'], locale: 'en' | 'ko', code = '314159'): MailMessage {
  return isCodeMailKind(kind) ? { kind, to: 'reader@example.test', locale, code, expiresInMinutes: 15 } : { kind, to: 'reader@example.test', locale };
}

describe('mail templates', () => {
  it('render every kind in both languages with the app name in subject and both parts', async () => {
    const renderer = await createRenderer({ appName: 'Girok' });
    for (const kind of MAIL_KINDS) {
      for (const locale of ['en', 'ko'] as const) {
        const mail = renderer.render(messageOf(kind, locale));
        expect(mail.subject).toContain('Girok');
        expect(mail.text).toContain('Girok');
        expect(mail.html).toContain('Girok');
        expect(mail.html).toContain(`<html lang="${locale}"`);
        expect(mail.html).not.toMatch(/\{\{/);
        if (kind.endsWith('-code')) {
          for (const part of [mail.text, mail.html]) {
            expect(part).toContain('314159');
            expect(part).toContain(locale === 'ko' ? '15분' : '15 minutes');
          }
        }
      }
    }
  });

  it('escape values put into the HTML', async () => {
    const renderer = await createRenderer({ appName: 'Evil"><script>alert(1)</script>' });
    const mail = renderer.render(messageOf('verification-code', 'en', '<img src=x onerror=alert(2)>'));
    expect(mail.html).not.toContain('<script>alert(1)');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('Evil&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(mail.html).toContain('&#60;img src=x onerror=alert(2)&#62;');
    // The text part is plain text: it shows the value as it is, which is safe there.
    expect(mail.text).toContain('<img src=x onerror=alert(2)>');
  });

  it('refuse to start with a broken template, naming the file', async () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'password-changed.mjml'), '<mj-section><mj-column><mj-txt>{{heading}}</mj-txt></mj-column></mj-section>');
    await expect(createRenderer({ appName: 'Girok', templatesDir: dir })).rejects.toThrow(/password-changed\.mjml: MJML does not compile/);
  });

  it('refuse a code template that does not show the code', async () => {
    const dir = copyOfTemplates();
    const source = readFileSync(join(dir, 'verification-code.mjml'), 'utf8').replace('{{code}}', '');
    writeFileSync(join(dir, 'verification-code.mjml'), source);
    await expect(createRenderer({ appName: 'Girok', templatesDir: dir })).rejects.toThrow(/verification-code\.mjml: must show \{\{code\}\}/);
  });

  it('refuse a layout without a slot for the mail body', async () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'layout.mjml'), '<mjml><mj-body></mj-body></mjml>');
    await expect(createRenderer({ appName: 'Girok', templatesDir: dir })).rejects.toThrow(/layout\.mjml: needs exactly one \{\{content\}\}/);
  });
});

describe('file transport', () => {
  it('writes each mail as .eml under the data directory and logs the path, never the code', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'girok-eml-'));
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, JWT_SECRET: 'j'.repeat(48), CODE_SECRET: 'c'.repeat(48) });
    const log = memoryLogger();
    const renderer = await createRenderer({ appName: config.appName });
    const transport = createTransport(config.mail, config.dataDir, log);
    await transport.send({ ...renderer.render(messageOf('verification-code', 'en', '908172')), to: 'reader@example.test', messageId: '<row-1@localhost>' });
    const files = readdirSync(join(dataDir, 'mail'));
    expect(files).toEqual(['row-1@localhost.eml']);
    expect(readFileSync(join(dataDir, 'mail', files[0]), 'utf8')).toContain('908172');
    expect(log.lines).toEqual([{ level: 'info', obj: { file: join(dataDir, 'mail', files[0]) }, msg: expect.any(String) }]);
    expect(JSON.stringify(log.lines)).not.toContain('908172');
  });
});

function copyOfTemplates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'girok-emails-'));
  cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
  return dir;
}
