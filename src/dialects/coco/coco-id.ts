import { randomBytes, randomInt } from 'node:crypto';

/** base32hex, lower case: what Coco's ids (github.com/rs/xid) are written in. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

const machine = randomBytes(3);
const pid = process.pid & 0xffff;
let counter = randomInt(0, 0xffffff);

/**
 * A new connector id shaped as Coco makes them: an xid, 20 characters of base32hex over 12 bytes
 * (4 bytes of seconds, 3 of machine, 2 of process, 3 of counter), so ids sort by creation second.
 * The machine part is random per process.
 */
export function newCocoId(now: Date = new Date()): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(now.getTime() / 1000) >>> 0, 0);
  machine.copy(bytes, 4);
  bytes.writeUInt16BE(pid, 7);
  counter = (counter + 1) & 0xffffff;
  bytes.writeUIntBE(counter, 9, 3);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
