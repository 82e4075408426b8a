import ipaddr from 'ipaddr.js';

/**
 * The key a client's address is budgeted under: an IPv4 address as it is, an IPv6 address by
 * its /64 (one subscriber's usual allocation, so rotating through it buys no fresh budget),
 * an IPv4-mapped IPv6 address as the IPv4 it maps.
 */
export function clientKey(ip: string | null): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const address = ipaddr.parse(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${v6.parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}
