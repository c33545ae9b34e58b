import { SYNC_UNTIL_HEADER } from '@finum-sync/spec';
import type { Exchange, Observations } from '../../model.js';

export const WATERMARK = SYNC_UNTIL_HEADER.toLowerCase();

/** Every 200 answer of a T-id-list-updated endpoint in the run, whoever sent it. */
export const idListAnswers = (o: Observations): Exchange[] =>
  o.exchanges.filter(
    (e) =>
      e.response?.status === 200 && /\/v1\/[a-z]+-id-list-updated(\?|$)/.test(new URL(e.request.url).pathname + '?'),
  );
