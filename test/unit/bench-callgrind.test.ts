import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the benchmark, without declarations
import { readCallgrind } from '../../bench/callgrind.mjs';

interface Counts {
  total: number;
  random: number;
  kinds: Record<string, number>;
}
const read = readCallgrind as (text: string) => Counts;

// The shape valgrind 3.19 writes with --tool=callgrind (name compression on, line positions):
// a name is given in full once, `(id) name`, then by `(id)`; a `calls=` line is followed by the
// call's inclusive cost, which is not the caller's own.
const PROFILE = `# callgrind format
version: 1
creator: callgrind-3.19.0
positions: line
events: Ir
summary: 1175

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) v8::internal::Scanner::Next()
0 100
fn=(2) Builtins_InterpreterEntryTrampoline
0 50
cfl=(1)
cfn=(3) v8::internal::Scavenger::ScavengeObject(v8::internal::FullHeapObjectSlot)
calls=2 0
0 400
+1 25
fn=(3)
0 400
fn=(4) v8::internal::HashSeed::InitializeRoots(v8::internal::Isolate*)
0 200
cfn=(1)
calls=1 0
0 999
fn=(1)
*3 0
-2 0
0 0
totals: 1175
`;

describe('reading a callgrind profile for the instruction benchmark', () => {
  it('counts each function’s own instructions once, not the inclusive cost of the calls it makes', () => {
    const counts = read(PROFILE);
    // 100 + 50 + 25 + 400 + 200 (+ zeros): the two call costs (400, 999) are not the callers' own.
    expect(counts.total + counts.random).toBe(775);
  });

  it('sorts instructions into compiling, garbage collection and the rest by the function that ran them, names given once and referred to by number', () => {
    const { kinds } = read(PROFILE);
    expect(kinds['compiling']).toBe(100);
    expect(kinds['garbage collection']).toBe(400);
    expect(kinds['other']).toBe(75);
  });

  it('leaves out V8’s randomly sized hash-seed set-up, which differs from run to run', () => {
    const counts = read(PROFILE);
    expect(counts.random).toBe(200);
    expect(counts.total).toBe(575);
  });
});
