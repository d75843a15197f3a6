import type { LookupAddress, LookupOptions } from 'node:dns';
import { monotonicMs } from './clock.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The shape `net.connect`'s `lookup` option takes (https://nodejs.org/api/net.html#socketconnectoptions-connectlistener). */
export type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * node:dns, loaded at the first lookup: the collector is most often `localhost` or an address,
 * which need none (CollectorConnections), and loading it took about 1 ms of a cold start here.
 */
let dns: typeof import('node:dns') | undefined;

/** How long a resolved address is used before the name is looked up again for a new connection. */
const RESOLVED_FOR_MS = 60_000;
/** A failed lookup is remembered this long at first, doubling on each failure up to the cap. */
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

/**
 * The collector's name, resolved once for every connection to it.
 *
 * `dns.lookup` is getaddrinfo on one of libuv's four pool threads, the same threads that run
 * the handler's file and DNS I/O, and it cannot be cancelled. Looked up per connection, a name
 * that does not resolve (or a resolver that does not answer) fills that pool with abandoned
 * lookups. Here there is never more than one lookup in flight: connections made meanwhile wait
 * for it (each within its own request's deadline), a failure is remembered and backed off, and
 * an answer is reused for a minute.
 */
export class HostLookup {
  private addresses: LookupAddress[] | undefined;
  private resolvedAt = 0;
  private failure: NodeJS.ErrnoException | undefined;
  private retryAt = 0;
  private backoffMs = FIRST_BACKOFF_MS;
  private inFlight: LookupCallback[] | undefined;
  /** Lookups started, for tests and the fault benchmark. */
  started = 0;

  /** `giveUpMs`: how long callers wait for a lookup still running before they fail. */
  constructor(private readonly giveUpMs: number) {}

  /** For `net.connect({ lookup })`: the same signature as `dns.lookup`. */
  readonly lookup: Lookup = (hostname, options, callback) => {
    const at = monotonicMs();
    if (this.addresses !== undefined && at - this.resolvedAt < RESOLVED_FOR_MS) {
      const addresses = this.addresses;
      process.nextTick(() => answer(callback, options, null, addresses));
      return;
    }
    // A failure is remembered for its backoff, even while a lookup that outran `giveUpMs` runs on.
    if (this.failure !== undefined && at < this.retryAt) {
      const failure = this.failure;
      process.nextTick(() => answer(callback, options, failure, []));
      return;
    }
    if (this.inFlight !== undefined) {
      this.inFlight.push((error, addresses) => answer(callback, options, error, addresses as LookupAddress[]));
      return;
    }
    const waiting: LookupCallback[] = [(error, addresses) => answer(callback, options, error, addresses as LookupAddress[])];
    this.inFlight = waiting;
    this.started++;
    // Callers stop waiting after `giveUpMs`; the lookup itself runs on, and is still the only one.
    const release = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]): void => {
      for (const done of waiting.splice(0)) done(error, addresses);
    };
    const giveUp = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`looking up ${hostname} took longer than ${this.giveUpMs} ms`);
      error.code = 'ETIMEOUT';
      this.failed(error);
      release(error, []);
    }, this.giveUpMs);
    giveUp.unref();
    dns ??= process.getBuiltinModule('node:dns');
    dns.lookup(hostname, { all: true }, (error, addresses) => {
      clearTimeout(giveUp);
      this.inFlight = undefined;
      if (error === null && addresses.length > 0) {
        this.addresses = addresses;
        this.resolvedAt = monotonicMs();
        this.failure = undefined;
        this.backoffMs = FIRST_BACKOFF_MS;
        release(null, addresses);
      } else {
        const failure = error ?? Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
        this.failed(failure);
        release(failure, []);
      }
    });
  };

  /** The name's one address while a lookup that found exactly one is fresh; otherwise undefined. */
  soleAddress(): string | undefined {
    const addresses = this.addresses;
    if (addresses?.length !== 1 || monotonicMs() - this.resolvedAt >= RESOLVED_FOR_MS) return undefined;
    return addresses[0]!.address;
  }

  private failed(error: NodeJS.ErrnoException): void {
    this.addresses = undefined;
    this.failure = error;
    this.retryAt = monotonicMs() + this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }
}

function answer(callback: LookupCallback, options: LookupOptions, error: NodeJS.ErrnoException | null, addresses: LookupAddress[]): void {
  if (error !== null) {
    callback(error, options.all === true ? [] : '', 0);
    return;
  }
  const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
  const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
  if (usable.length === 0) {
    callback(Object.assign(new Error('no address of the family asked for'), { code: 'ENOTFOUND' }), options.all === true ? [] : '', 0);
    return;
  }
  if (options.all === true) callback(null, usable);
  else callback(null, usable[0]!.address, usable[0]!.family);
}
