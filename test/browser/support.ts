import { TOKEN_FIELDS } from '../support/flows';

/** The Set-Cookie of the refresh cookie in an answer, split into its value and attributes. */
export interface RefreshCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flag attributes map to true. */
  attributes: Record<string, string | true>;
  /** `name=value`, as a browser sends it back. */
  pair: string;
}

/** The refresh cookie a response sets, or null. */
export function refreshCookieIn(headers: Headers, name = '__Host-girok_refresh'): RefreshCookie | null {
  for (const line of headers.getSetCookie()) {
    const [pair, ...rest] = line.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    if (pair.slice(0, at) !== name) continue;
    const attributes: Record<string, string | true> = {};
    for (const attribute of rest) {
      const eq = attribute.indexOf('=');
      if (eq < 0) attributes[attribute.toLowerCase()] = true;
      else attributes[attribute.slice(0, eq).toLowerCase()] = attribute.slice(eq + 1);
    }
    return { name, value: pair.slice(at + 1), attributes, pair };
  }
  return null;
}

export const COOKIE_REFRESH = `mutation Refresh { refreshToken { ${TOKEN_FIELDS} } }`;
export const COOKIE_LOGOUT = `mutation Logout { logout }`;
