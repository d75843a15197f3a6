/** Types of ./fault-collector.mjs, a plain module the benchmark loads too. */
export type Fault = 'ok' | 'error500' | 'error503' | 'hang' | 'reset' | 'not-http' | 'close-idle' | 'trickle';

export interface FaultCollectorOptions {
  readonly fault?: Fault;
  readonly port?: number;
  readonly idleCloseMs?: number;
  readonly trickleMs?: number;
}

export interface FaultCollector {
  readonly url: string;
  readonly port: number;
  /** Unique span ids the collector answered 200 for. */
  readonly delivered: Set<string>;
  requests(): number;
  connections(): number;
  setFault(next: Fault): void;
  /** Stops listening and drops every connection: the collector is down. */
  stop(): Promise<void>;
  /** Listens again on the same port: the collector is back. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The span ids in an OTLP/protobuf export request body. */
export function spanIds(buf: Buffer): string[];
export function startFaultCollector(options?: FaultCollectorOptions): Promise<FaultCollector>;
