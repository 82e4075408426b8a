import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import mjml2html from 'mjml';
import { layoutCopy, mailCopy } from './mail.copy';
import { MAIL_KINDS, isCodeMailKind, type MailKind, type MailMessage } from './mail.types';

/** A mail ready for a transport: both parts in the recipient's language. */
export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** Turns a message into a mail; the MJML behind it was compiled once, at creation. */
export interface MailRenderer {
  render(message: MailMessage): RenderedMail;
}

export { MAIL_KINDS };
const LAYOUT_SLOTS = ['lang', 'subject', 'preview', 'appName', 'footer'];
const BODY_SLOTS = ['heading', 'intro', 'code', 'expiry', 'outro'];
const SLOT = /\{\{\s*(\w+)\s*\}\}/g;

/** `emails/` at the project root, whether this runs from src/ (jest) or dist/src/ (tsc). */
export const DEFAULT_TEMPLATES_DIR =
  [resolve(__dirname, '../../emails'), resolve(__dirname, '../../../emails')].find((dir) => existsSync(join(dir, 'layout.mjml'))) ?? resolve('emails');

/**
 * Compiles `layout.mjml` around each mail's template, once. A template that does not
 * compile, or uses a slot it may not, throws here with the file name, so boot stops.
 */
export async function createRenderer(options: { appName: string; templatesDir?: string }): Promise<MailRenderer> {
  const dir = options.templatesDir ?? DEFAULT_TEMPLATES_DIR;
  const layoutFile = join(dir, 'layout.mjml');
  const layout = await readTemplate(layoutFile);
  if (layout.split('{{content}}').length !== 2) throw new Error(`${shown(layoutFile)}: needs exactly one {{content}} slot for the mail body`);

  const compiled = new Map<MailKind, string>();
  for (const kind of MAIL_KINDS) {
    const file = join(dir, `${kind}.mjml`);
    const source = layout.replace('{{content}}', await readTemplate(file));
    compiled.set(kind, await compile(source, kind, file));
  }
  return {
    render: (message) => fill(compiled.get(message.kind)!, message, options.appName),
  };
}

async function readTemplate(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${shown(file)}: cannot read mail template (${(error as Error).message})`, { cause: error });
  }
}

async function compile(source: string, kind: MailKind, file: string): Promise<string> {
  let html: string;
  try {
    // No web fonts: a mail should not make the reader's client fetch from Google.
    const result = await mjml2html(source, { validationLevel: 'strict', fonts: {}, keepComments: false });
    html = result.html;
  } catch (error) {
    throw new Error(`${shown(file)}: MJML does not compile: ${(error as Error).message}`, { cause: error });
  }
  const used = new Set([...html.matchAll(SLOT)].map((m) => m[1]));
  for (const slot of used) {
    if (!LAYOUT_SLOTS.includes(slot) && !BODY_SLOTS.includes(slot)) throw new Error(`${shown(file)}: unknown slot {{${slot}}}`);
  }
  if (isCodeMailKind(kind)) {
    for (const slot of ['code', 'expiry']) {
      if (!used.has(slot)) throw new Error(`${shown(file)}: must show {{${slot}}}`);
    }
  }
  return html;
}

function fill(html: string, message: MailMessage, appName: string): RenderedMail {
  const words = wordsFor(message, appName);
  const values: Record<string, string> = { ...words, lang: message.locale, appName };
  return {
    subject: words.subject,
    html: html.replace(SLOT, (_, slot: string) => escapeHtml(values[slot] ?? '')),
    text: plainText(words, appName),
  };
}

type Words = Record<'subject' | 'preview' | 'heading' | 'intro' | 'code' | 'expiry' | 'outro' | 'footer', string>;

function wordsFor(message: MailMessage, appName: string): Words {
  const copy = mailCopy[message.locale][message.kind];
  const withCode = 'code' in message;
  const fillIn = (template: string) =>
    template.replace(/\{(appName|minutes)\}/g, (_, name: string) => (name === 'appName' ? appName : withCode ? String(message.expiresInMinutes) : ''));
  return {
    subject: fillIn(copy.subject),
    preview: fillIn(copy.preview),
    heading: fillIn(copy.heading),
    intro: fillIn(copy.intro),
    code: withCode ? message.code : '',
    expiry: copy.expiry && withCode ? fillIn(copy.expiry) : '',
    outro: fillIn(copy.outro),
    footer: fillIn(layoutCopy[message.locale].footer),
  };
}

function plainText(words: Words, appName: string): string {
  const blocks = [appName, words.heading, words.intro, words.code, words.expiry, words.outro].filter(Boolean);
  return `${blocks.join('\n\n')}\n\n-- \n${words.footer}\n`;
}

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
