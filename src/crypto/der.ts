// Minimal DER (ASN.1 Distinguished Encoding Rules) encoder: just what X.509 v3 certificates need.

export type Der = Buffer;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Der {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Der[]): Der {
  return tlv(0x30, Buffer.concat(items));
}

export function set(...items: Der[]): Der {
  return tlv(0x31, Buffer.concat(items));
}

export function boolean(value: boolean): Der {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

export function nullValue(): Der {
  return tlv(0x05, Buffer.alloc(0));
}

/** An unsigned big-endian integer (a number or raw magnitude bytes), encoded as a positive INTEGER. */
export function integer(value: number | Buffer): Der {
  let bytes: Buffer;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('integer: expected a non-negative safe integer');
    const list: number[] = [];
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) list.unshift(rest & 0xff);
    bytes = Buffer.from(list.length ? list : [0]);
  } else {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    bytes = value.subarray(start);
    if (bytes.length === 0) bytes = Buffer.from([0]);
  }
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

export function objectIdentifier(dotted: string): Der {
  const arcs = dotted.split('.').map((arc) => {
    const n = Number(arc);
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`objectIdentifier: bad arc in ${dotted}`);
    return n;
  });
  if (arcs.length < 2) throw new RangeError(`objectIdentifier: too short: ${dotted}`);
  const out: number[] = [];
  const pushBase128 = (n: number): void => {
    const chunk: number[] = [n & 0x7f];
    for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift((rest & 0x7f) | 0x80);
    out.push(...chunk);
  };
  pushBase128(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) pushBase128(arc);
  return tlv(0x06, Buffer.from(out));
}

export function octetString(content: Buffer): Der {
  return tlv(0x04, content);
}

export function bitString(content: Buffer, unusedBits = 0): Der {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
}

/** A BIT STRING of named bits (bit 0 is the most significant bit of the first byte), DER-minimal. */
export function namedBits(bits: number[]): Der {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> (bit % 8);
  return bitString(bytes, 7 - (highest % 8));
}

export function utf8String(value: string): Der {
  return tlv(0x0c, Buffer.from(value, 'utf8'));
}

export function ia5String(value: string): Der {
  if (!/^\p{ASCII}*$/u.test(value)) throw new RangeError('ia5String: non-ASCII value');
  return tlv(0x16, Buffer.from(value, 'ascii'));
}

/** RFC 5280: UTCTime for years 1950–2049, GeneralizedTime otherwise; always whole seconds in UTC. */
export function time(date: Date): Der {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/** [n] EXPLICIT: a constructed context-specific wrapper around one encoded value. */
export function explicit(tagNumber: number, inner: Der): Der {
  return tlv(0xa0 | tagNumber, inner);
}

/** [n] IMPLICIT primitive: replaces the tag of a primitive value. */
export function implicitPrimitive(tagNumber: number, content: Buffer): Der {
  return tlv(0x80 | tagNumber, content);
}
