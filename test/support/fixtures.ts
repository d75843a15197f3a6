import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EVENTS_DIR = fileURLToPath(new URL('../events/', import.meta.url));
export const CONTEXTS_DIR = fileURLToPath(new URL('../contexts/', import.meta.url));

/** A fresh copy of a fixture event: tests may mutate what they load. */
export function loadEvent(trigger: string, name: string): any {
  return JSON.parse(readFileSync(`${EVENTS_DIR}${trigger}/${name}.json`, 'utf8'));
}

export function loadContext(name = 'default'): any {
  return JSON.parse(readFileSync(`${CONTEXTS_DIR}${name}.json`, 'utf8'));
}

export interface ExpectedContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  source: string;
}

export interface Expectation {
  context?: string;
  trigger?: string;
  faasTrigger?: string;
  spanName?: string;
  parent?: ExpectedContext | null;
  records?: (ExpectedContext | null)[];
  links?: number;
  baggage?: Record<string, string>;
  tracestate?: string;
}

export function triggerFolders(): string[] {
  return readdirSync(EVENTS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function expectations(trigger: string): Record<string, Expectation> {
  return JSON.parse(readFileSync(`${EVENTS_DIR}${trigger}/expected.json`, 'utf8'));
}
