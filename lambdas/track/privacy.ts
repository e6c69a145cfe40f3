/** IP handling: no raw address is stored. IPv4 keeps its /24, IPv6 its /48. */
import { isIPv4, isIPv6 } from 'node:net';

export function anonymizeIp(ip: string): string | undefined {
  const address = ip.trim();
  if (isIPv4(address)) {
    const parts = address.split('.');
    return `${parts[0]}.${parts[1]}.${parts[2]}.0`;
  }
  if (isIPv6(address)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return anonymizeIp(mapped[1]);
    const prefix = expandIpv6(address).slice(0, 3);
    while (prefix.length && prefix[prefix.length - 1] === '0') prefix.pop();
    return `${prefix.join(':')}::`;
  }
  return undefined;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = address.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...zeros, ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
