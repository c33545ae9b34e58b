import { randomBytes } from 'node:crypto';
import type { RecordType } from '@finum-sync/spec';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `length` random characters of [0-9a-z]. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      // 252 = 7 × 36: rejecting the rest keeps every character equally likely.
      if (byte < 252 && out.length < length) out += ALPHABET[byte % 36];
    }
  }
  return out;
}

const PREFIX: Record<RecordType, string> = { client: 'cl', contract: 'c', file: 'f', product: 'p', user: 'u' };

/** Ids for records created through the API: a type prefix and 20 random characters. */
export const newRecordId = (type: RecordType) => `${PREFIX[type]}-${randomAlphanumeric(20)}`;

/** A `webhook-id`. */
export const newDeliveryId = () => `msg_${randomAlphanumeric(24)}`;
