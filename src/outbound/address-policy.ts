import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses the gateway never calls (unless GATEWAY_OUTBOUND_ALLOW_PRIVATE): everything that
 * is not a public unicast address, so that a connector URL cannot reach the gateway's own host,
 * its network, or a cloud metadata service.
 */
const FORBIDDEN_V4 = new Set([
  'unspecified', // 0.0.0.0/8
  'broadcast', // 255.255.255.255
  'multicast', // 224/4
  'linkLocal', // 169.254/16, cloud metadata
  'loopback', // 127/8
  'carrierGradeNat', // 100.64/10
  'private', // 10/8, 172.16/12, 192.168/16
  'reserved', // 192.0.0/24, documentation nets, 198.18/15, 240/4
]);

const FORBIDDEN_V6 = new Set([
  'unspecified', // ::
  'loopback', // ::1
  'linkLocal', // fe80::/10
  'uniqueLocal', // fc00::/7
  'multicast', // ff00::/8
  'deprecatedSiteLocal', // fec0::/10
  'discard', // 100::/64
  'reserved', // documentation
]);

/** IPv6 ranges that carry an IPv4 address: judged by the IPv4 address they lead to. */
const EMBEDS_V4: Array<[ipaddr.IPv6, number, (parts: number[]) => number[]]> = [
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible, deprecated)
  [ipaddr.IPv6.parse('::ffff:0:0'), 96, (p) => lastV4(p)],
  [ipaddr.IPv6.parse('::'), 96, (p) => lastV4(p)],
  // ::ffff:0:a.b.c.d (IPv4-translated, RFC 6145)
  [ipaddr.IPv6.parse('::ffff:0:0:0'), 96, (p) => lastV4(p)],
  // 64:ff9b::a.b.c.d and 64:ff9b:1::/48 (NAT64, RFC 6052 / 8215)
  [ipaddr.IPv6.parse('64:ff9b::'), 96, (p) => lastV4(p)],
  [ipaddr.IPv6.parse('64:ff9b:1::'), 48, (p) => lastV4(p)],
  // 2002:AABB:CCDD::/48 (6to4)
  [ipaddr.IPv6.parse('2002::'), 16, (p) => [p[1] >> 8, p[1] & 0xff, p[2] >> 8, p[2] & 0xff]],
];

function lastV4(parts: number[]): number[] {
  return [parts[6] >> 8, parts[6] & 0xff, parts[7] >> 8, parts[7] & 0xff];
}

/** True when `ip` (a literal IPv4 or IPv6 address) must not be called. Non-addresses are refused. */
export function isForbiddenAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  // Zone ids (fe80::1%eth0) only exist on link-local addresses.
  if (bare.includes('%')) return true;
  if (!isIP(bare)) return true;
  const address = ipaddr.parse(bare);
  if (address.kind() === 'ipv4') return FORBIDDEN_V4.has(address.range());
  const v6 = address as ipaddr.IPv6;
  if (
    v6.toNormalizedString() === '0:0:0:0:0:0:0:0' ||
    v6.toNormalizedString() === '0:0:0:0:0:0:0:1'
  )
    return true;
  for (const [net, bits, v4Of] of EMBEDS_V4) {
    if (v6.match(net, bits)) return isForbiddenAddress(v4Of(v6.parts).join('.'));
  }
  return FORBIDDEN_V6.has(v6.range());
}

/** The host of a URL as a bare literal address, or null when it is a name. */
export function literalAddressOf(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : null;
}

/**
 * True when the URL's host is a literal address that must not be called. Names are not resolved
 * here: the client checks what they resolve to when it connects. An unparsable URL is refused.
 */
export function isForbiddenLiteralUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  const literal = literalAddressOf(parsed);
  return literal !== null && isForbiddenAddress(literal);
}
