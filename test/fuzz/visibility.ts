import { PUBLIC_OWNER } from '@finum-sync/server';
import type { RawRequest, RawResponse } from './raw-http.js';
import { marker, otherParty, PARTIES, type Party, type World } from './world.js';

const TOKEN = /[A-Za-z0-9_-]+/g;
const tokensOf = (text: string) => new Set(text.match(TOKEN) ?? []);

/** The text of a request as a server could echo it: target (decoded too), headers, body. */
export function requestText(r: RawRequest): string {
  let decoded = r.target;
  try {
    decoded = decodeURIComponent(r.target);
  } catch {}
  return [r.target, decoded, ...r.headers.map(([n, v]) => `${n}: ${v}`), r.body?.toString('utf8') ?? ''].join('\n');
}

const responseText = (res: RawResponse) => `${Object.values(res.headers).join('\n')}\n${res.text}`;

/**
 * SPEC §4 as an oracle: nothing of the other consumer reaches a consumer — not its marker
 * (a value only its records hold), not its records (owners read from the database), not
 * its ids unless the requester (or the provider's back office) wrote them itself.
 */
export class VisibilityOracle {
  /** Tokens each consumer (and the back office) ever sent: what a response may echo. */
  private readonly supplied: Record<Party | 'admin', Set<string>> = { a: new Set(), b: new Set(), admin: new Set() };

  constructor(private readonly world: World) {}

  noteRequest(sender: Party | 'admin' | undefined, r: RawRequest) {
    if (!sender) return;
    for (const t of tokensOf(requestText(r))) this.supplied[sender].add(t);
  }

  /** The other consumer's ids a request of `as` carries. */
  foreignIds(as: Party, r: RawRequest): string[] {
    const theirs = new Set(this.world.idsOf(otherParty(as)));
    return [...tokensOf(requestText(r))].filter((t) => theirs.has(t));
  }

  /** Leaks in an answer to `as` (undefined: a public endpoint, where no consumer's data belongs). */
  async leaks(
    as: Party | undefined,
    res: RawResponse,
    records: Array<{ type?: string; id: string }>,
  ): Promise<string[]> {
    const out: string[] = [];
    const text = responseText(res);
    const others = as ? [otherParty(as)] : PARTIES;
    for (const p of others) if (text.includes(marker(p))) out.push(`the answer holds consumer ${p}'s marker`);
    if (!as) return out;
    const me = this.world.consumers[as].id;
    if (records.length > 0) {
      const owners = await this.world.ownersOf(records.map((r) => r.id));
      for (const { type, id } of records) {
        const entries = [...(owners.get(id) ?? [])];
        const visible = entries.some(
          (e) => (type === undefined || e.type === type) && (e.owner === me || e.owner === PUBLIC_OWNER),
        );
        if (!visible && entries.length > 0) {
          out.push(`the answer holds ${type ?? 'record'} ${id}, owned by ${entries.map((e) => e.owner).join(', ')}`);
        }
      }
    }
    const theirs = new Set(this.world.idsOf(otherParty(as)));
    for (const t of tokensOf(text)) {
      if (theirs.has(t) && !this.supplied[as].has(t) && !this.supplied.admin.has(t)) {
        out.push(`the answer holds ${t}, an id of consumer ${otherParty(as)} that ${as} never sent`);
      }
    }
    return out;
  }
}
