/**
 * IP handling: no raw address is stored. Either IPv4 keeps its /24 and IPv6 its /48, or the
 * address becomes a hash salted per UTC day.
 */
import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '../contract/config/setting.ts';
import { MIN_IP_HASH_SECRET_LENGTH } from '../contract/config/track.ts';

/** 128 bits: no collisions between a day's visitors, half the bytes of the full digest. */
const HASH_HEX_CHARS = 32;

/** The address truncated to its /24 (IPv4) or /48 (IPv6); `undefined` when it is not an address. */
export function anonymizeIp(ip: string): string | undefined {
  const address = canonicalIp(ip);
  if (address === undefined) return undefined;
  if (typeof address === 'string') return `${address.slice(0, address.lastIndexOf('.'))}.0`;
  const prefix = address.slice(0, 3);
  while (prefix.length && prefix[prefix.length - 1] === '0') prefix.pop();
  return `${prefix.join(':')}::`;
}

// The salt of the last day seen: computed once per day per container, not once per event.
let saltSecret: string | undefined;
let saltDay = '';
let salt: Buffer = Buffer.alloc(0);

/**
 * `h:` and 32 hex chars of HMAC-SHA256(daily salt, address), the salt being HMAC-SHA256(secret,
 * day): equal within a UTC day, unlinkable across days. `undefined` when it is not an address.
 */
export function hashIp(ip: string, secret: string | undefined, day: string): string | undefined {
  const address = canonicalIp(ip);
  if (address === undefined) return undefined;
  if (day !== saltDay || secret !== saltSecret) {
    if (secret === undefined || secret.length < MIN_IP_HASH_SECRET_LENGTH) {
      throw new ConfigError(
        `IP hashing needs a secret of at least ${MIN_IP_HASH_SECRET_LENGTH} characters`,
      );
    }
    salt = createHmac('sha256', secret).update(day).digest();
    saltSecret = secret;
    saltDay = day;
  }
  // One spelling per address, so `::ffff:192.0.2.1` and `192.0.2.1` count as one visitor.
  const text = typeof address === 'string' ? address : address.join(':');
  return `h:${createHmac('sha256', salt).update(text).digest('hex').slice(0, HASH_HEX_CHARS)}`;
}

/**
 * One form per address: IPv4 (also when mapped into IPv6) as its dotted string, IPv6 as eight
 * lowercase hex groups without leading zeros or zone.
 */
function canonicalIp(ip: string): string | string[] | undefined {
  const address = ip.trim();
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return undefined;
  const groups = ipv6Groups(address);
  if (groups[5] === 'ffff' && groups.slice(0, 5).every((g) => g === '0')) {
    const hi = Number.parseInt(groups[6] ?? '0', 16);
    const lo = Number.parseInt(groups[7] ?? '0', 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return groups;
}

/** The eight groups of an address `isIPv6` accepted, an embedded IPv4 tail included. */
function ipv6Groups(address: string): string[] {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  const [head = '', tail = ''] = bare.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const last = t.length ? t : h;
  const dotted = last[last.length - 1];
  if (dotted?.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    last.splice(last.length - 1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const zeros = bare.includes('::') ? Array<string>(8 - h.length - t.length).fill('0') : [];
  return [...h, ...zeros, ...t].map((g) => Number.parseInt(g, 16).toString(16));
}
