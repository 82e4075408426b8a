import { domainToASCII } from 'node:url';
import { BadUserInputError } from '../errors';

// RFC 5321: a forward path is at most 256 octets with its brackets, so an address 254; a local part 64.
const MAX_ADDRESS = 254;
const MAX_LOCAL_PART = 64;
// RFC 5322 dot-atom: runs of atext joined by single dots. No quoted strings, comments, display
// names or groups, so the string is exactly one mailbox and nothing a mailer could read otherwise.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// CR, LF and NUL would let a value break out of a mail header.
const HEADER_BREAKERS = /[\r\n\0]/;

/**
 * The one spelling of an address: exactly one addr-spec (`local@domain`), trimmed, lowercased,
 * its domain in IDNA ASCII form (`bücher.example` and `xn--bcher-kva.example` are one
 * address). Display names, comments, quotes, lists, IP literals and anything else a mail
 * library might read as another recipient are refused. Identity, budgets and delivery all use
 * this form.
 */
export function parseEmail(value: unknown, field = 'email'): string {
  if (typeof value !== 'string') throw new BadUserInputError(field, 'Email must be a string');
  if (HEADER_BREAKERS.test(value)) throw new BadUserInputError(field, 'Email must not contain line breaks or NUL');
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new BadUserInputError(field, 'Email is required');
  if (trimmed.length > MAX_ADDRESS * 4) throw new BadUserInputError(field, `Email must be at most ${MAX_ADDRESS} characters`);
  const at = trimmed.indexOf('@');
  if (at <= 0 || at !== trimmed.lastIndexOf('@')) throw invalid(field);
  const local = trimmed.slice(0, at);
  if (local.length > MAX_LOCAL_PART || !DOT_ATOM.test(local)) throw invalid(field);
  const domain = domainToASCII(trimmed.slice(at + 1).normalize('NFC')).toLowerCase();
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DNS_LABEL.test(label)) || /^\d+$/.test(labels.at(-1)!)) throw invalid(field);
  const address = `${local.toLowerCase()}@${domain}`;
  if (address.length > MAX_ADDRESS) throw new BadUserInputError(field, `Email must be at most ${MAX_ADDRESS} characters`);
  return address;
}

function invalid(field: string): BadUserInputError {
  return new BadUserInputError(field, 'Email is not a valid address (one plain address, like name@example.com)');
}
