import { ROOT_CONTEXT, baggageEntryMetadataFromString, propagation } from '@opentelemetry/api';
import type { Baggage, BaggageEntry, Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator, parseKeyPairsIntoRecord } from '@opentelemetry/core';

/*
 * W3C Baggage, section 3.3.1 (Limits): "a platform MUST propagate all list-members ...
 * up to at least 64 list-members ... and at least 8192 bytes" including separators, and
 * "if a platform cannot propagate all baggage, it MUST NOT propagate any partial list-members".
 * There is no per-member limit; OTel drops any member over 4,096 bytes, on extract and on
 * inject. We keep OTel's parser and put those members back while the total stays in 8,192.
 */
export const BAGGAGE_MAX_BYTES = 8192;
const OTEL_MEMBER_LIMIT = 4096;

function membersOf(raw: string | string[]): string[] {
  return (Array.isArray(raw) ? raw.join(',') : raw).split(',');
}

export class SpecBaggagePropagator extends W3CBaggagePropagator {
  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = super.extract(context, carrier, getter);
    const raw = getter.get(carrier, 'baggage');
    // Nearly always: no member can be over OTel's limit when the whole header is not.
    if (raw === undefined || (typeof raw === 'string' && raw.length <= OTEL_MEMBER_LIMIT)) return extracted;
    const members = membersOf(raw);
    if (!members.some((m) => m.length > OTEL_MEMBER_LIMIT)) return extracted;
    const total = members.reduce((sum, m, i) => sum + m.length + (i > 0 ? 1 : 0), 0);
    if (total > BAGGAGE_MAX_BYTES) return extracted;
    let baggage: Baggage = propagation.getBaggage(extracted) ?? propagation.createBaggage();
    for (const member of members) {
      if (member.length <= OTEL_MEMBER_LIMIT) continue;
      const [pair, ...properties] = member.split(';');
      // OTel's own parser reads the key and value; only the size rule is ours.
      for (const [key, value] of Object.entries(parseKeyPairsIntoRecord(pair))) {
        baggage = baggage.setEntry(
          key,
          properties.length > 0 ? { value, metadata: baggageEntryMetadataFromString(properties.join(';')) } : { value },
        );
      }
    }
    return propagation.setBaggage(extracted, baggage);
  }

  override inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const baggage = propagation.getBaggage(context);
    if (baggage === undefined) return;
    let header = '';
    let bytes = 0;
    // Serialise every member in order, skipping any that would take the total past 8,192 bytes.
    for (const [key, entry] of baggage.getAllEntries()) {
      let member: string;
      try {
        member = `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}`;
      } catch {
        // An unpaired surrogate cannot be percent-encoded (URIError). OTel's extract lets one
        // through from a header, and an inject must never throw into the user's send.
        continue;
      }
      if (entry.metadata !== undefined) member += `;${entry.metadata.toString()}`;
      // Bytes, not characters: metadata is kept as received and may hold non-ASCII text.
      const size = Buffer.byteLength(member, 'utf8') + (header === '' ? 0 : 1);
      if (bytes + size > BAGGAGE_MAX_BYTES) continue;
      header = header === '' ? member : `${header},${member}`;
      bytes += size;
    }
    if (header !== '') setter.set(carrier, 'baggage', header);
  }
}

/** Reads the one field a deferred baggage keeps. */
const heldField: TextMapGetter<{ baggage: unknown }> = {
  keys: () => ['baggage'],
  get: (carrier, key) => (key === 'baggage' ? (carrier.baggage as string | string[]) : undefined),
};

/**
 * Baggage parsed on first use. Most invocations never read or forward their baggage, and
 * parsing it (percent-decoding every member) was the largest single cost of extraction.
 * The header value is copied now, so later changes to the event do not reach it.
 */
class DeferredBaggage implements Baggage {
  #parsed: Baggage | undefined;

  constructor(
    private readonly raw: string | string[],
    private readonly propagator: TextMapPropagator,
  ) {}

  private get parsed(): Baggage {
    if (this.#parsed === undefined) {
      const context = this.propagator.extract(ROOT_CONTEXT, { baggage: this.raw }, heldField);
      this.#parsed = propagation.getBaggage(context) ?? propagation.createBaggage();
    }
    return this.#parsed;
  }

  getEntry(key: string): BaggageEntry | undefined {
    return this.parsed.getEntry(key);
  }

  getAllEntries(): [string, BaggageEntry][] {
    return this.parsed.getAllEntries();
  }

  setEntry(key: string, entry: BaggageEntry): Baggage {
    return this.parsed.setEntry(key, entry);
  }

  removeEntry(key: string): Baggage {
    return this.parsed.removeEntry(key);
  }

  removeEntries(...keys: string[]): Baggage {
    return this.parsed.removeEntries(...keys);
  }

  clear(): Baggage {
    return this.parsed.clear();
  }
}

/** The carrier's baggage header as it is now (a copy), or undefined when it has none. */
export function heldBaggage(carrier: unknown, getter: TextMapGetter): string | string[] | undefined {
  const raw = getter.get(carrier, 'baggage');
  if (raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)) return undefined;
  return Array.isArray(raw) ? [...raw] : raw;
}

/** A held baggage header, to be parsed by `propagator` when first read. */
export function deferredBaggage(raw: string | string[], propagator: TextMapPropagator): Baggage {
  return new DeferredBaggage(raw, propagator);
}

/** `context` with a held baggage header, to be parsed by `propagator` when first read. */
export function withDeferredBaggage(context: Context, raw: string | string[] | undefined, propagator: TextMapPropagator): Context {
  return raw === undefined ? context : propagation.setBaggage(context, new DeferredBaggage(raw, propagator));
}
