// CIDR notation as NetworkPolicy's ipBlock takes it (IPv4 or IPv6 address, a slash, a prefix length),
// and whether one block lies strictly inside another. Pure; no imports but node:net's address parser.
import { isIPv4, isIPv6 } from "node:net";

export interface Cidr {
  family: 4 | 6;
  /** The address as an unsigned integer (128 bits for IPv6). */
  address: bigint;
  prefix: number;
}

function ipv4Value(text: string): bigint {
  return text.split(".").reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(text: string): bigint {
  let groups = text;
  // A trailing dotted IPv4 part (::ffff:10.0.0.1) counts as two 16-bit groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted) {
    const v = ipv4Value(dotted[1]);
    groups = `${groups.slice(0, -dotted[1].length)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.includes("::") ? groups.split("::") : [groups, undefined];
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** The parsed block, or undefined when `text` is not CIDR notation. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const [, ip, prefixText] = match;
  const prefix = Number(prefixText);
  if (isIPv4(ip) && prefix <= 32) return { family: 4, address: ipv4Value(ip), prefix };
  if (isIPv6(ip) && !ip.includes("%") && prefix <= 128) return { family: 6, address: ipv6Value(ip), prefix };
  return undefined;
}

function bits(family: 4 | 6): bigint {
  return family === 4 ? 32n : 128n;
}

function network(c: Cidr): bigint {
  const hostBits = bits(c.family) - BigInt(c.prefix);
  return (c.address >> hostBits) << hostBits;
}

/** Whether `inner` is a strictly smaller block inside `outer` (what Kubernetes requires of ipBlock.except). */
export function strictlyInside(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  const hostBits = bits(outer.family) - BigInt(outer.prefix);
  return network(inner) >> hostBits === network(outer) >> hostBits;
}
