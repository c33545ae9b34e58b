import type { Probe, Recorder } from '../http.js';
import type { Capability, CreatedRecord, Exchange } from '../model.js';
import type { TokenFactory } from '../tokens.js';

/** A reproducible stream of numbers (mulberry32): `--seed` makes the request sequence repeatable. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** `count` items of `items` in a random order (all when there are fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, count);
  }
  pick<T>(items: readonly T[]): T | undefined {
    return items.length ? items[Math.floor(this.next() * items.length)] : undefined;
  }
}

export interface Consumer {
  readonly tokens: TokenFactory;
  readonly consumerId: string;
}

/** What every scenario gets: the recorder, the consumers' tokens, and a place for facts. */
export interface ScenarioContext {
  readonly recorder: Recorder;
  readonly primary: Consumer;
  readonly second: Consumer | undefined;
  readonly random: SeededRandom;
  readonly runId: string;
  readonly capabilities: ReadonlySet<Capability>;
  readonly facts: Record<string, unknown>;
  readonly created: CreatedRecord[];
  /** `--callback-url` and the listener's received callbacks (when callbacks are on). */
  readonly callbacks: CallbackInbox | undefined;
  /** Sends with a fresh valid token of the primary consumer unless the probe has its own. */
  send(probe: Probe, as?: Consumer): Promise<Exchange>;
}

export interface ReceivedCallback {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly at: number;
  /** What the validator answered. */
  readonly answered: number;
}

export interface CallbackInbox {
  readonly publicUrl: string;
  readonly received: ReceivedCallback[];
  /** Resolves with the callbacks whose body matches, once `count` arrived, or what came within `timeoutMs`. */
  waitFor(match: (c: ReceivedCallback) => boolean, count: number, timeoutMs: number): Promise<ReceivedCallback[]>;
}

export type Scenario = (ctx: ScenarioContext) => Promise<void>;

export const jsonBody = (e: Exchange): unknown => e.response?.json;

/** The records of a 200 list answer (an empty list for anything else). */
export function recordsOf(e: Exchange | undefined): Array<Record<string, unknown>> {
  const body = e?.response?.status === 200 ? e.response.json : undefined;
  return Array.isArray(body) ? body.filter((r) => r && typeof r === 'object') : [];
}

/** The ids of a 200 id-list answer. */
export function idsOf(e: Exchange | undefined): string[] {
  const body = e?.response?.status === 200 ? e.response.json : undefined;
  return Array.isArray(body) ? body.filter((id): id is string => typeof id === 'string') : [];
}
