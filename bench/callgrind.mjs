// Reads a callgrind profile (valgrind --tool=callgrind) into instructions executed per kind of
// work. Used by bench/cold-instructions.mjs; the format is valgrind's "Callgrind Format
// Specification" (https://valgrind.org/docs/manual/cl-format.html).
//
// Instruction counts do not drift with the machine's load as times do: the same process run
// twice executes the same instructions to within a few tenths of a percent, so a difference of
// one percent between two builds is real here, where a wall-clock difference needs dozens of
// pairs to tell from noise.

/**
 * Work that V8 does at every process start, in an amount chosen at random: the string-hash
 * seed (v8::internal::HashSeed) is drawn afresh for each isolate, and finding its parameters
 * runs a primality test (detail::sprp) a different number of times in each run, between 4 and
 * 14 million instructions measured here. It is the same work for every variant, so it is left
 * out of every count rather than averaged.
 */
const RANDOM_SEEDING = /HashSeed::|detail::sprp/;

/** Kinds of work, by the V8 and Node functions that do them; the first that matches wins. */
const KINDS = [
  // Turning source into bytecode: scanning, parsing (full, and the preparse of functions not yet
  // called), scopes, and bytecode generation.
  ['compiling', /Parser|Scanner|Utf16CharacterStream|AstValueFactory|AstRawString|AstNodeFactory|Scope|FuncNameInferrer|Zone::|ZoneList|Variable|ExpressionScope|PreParse|Bytecode|interpreter::|Compiler|Compile|SourcePositionTable|ConstantArrayBuilder|FeedbackMetadata|ScopeInfo|ParseInfo|UnoptimizedCompil|LazyCompile|Rewriter/],
  // The young generation's scavenges and the rest of the collector.
  ['garbage collection', /Scavenger|Scavenge|MarkCompact|MinorMark|Sweeper|Evacuat|IncrementalMarking|ConcurrentMarking|GCTracer|Heap::CollectGarbage|Heap::Scavenge|Heap::PerformGarbageCollection|IterateAndScavenge|BodyDescriptorBase::Iterate/],
];

/**
 * Parses a callgrind output file's text: the total (without the random seeding) and the
 * instructions each kind of work took, counted where they were executed (self cost).
 */
export function readCallgrind(text) {
  const names = new Map();
  let fn = '';
  let afterCalls = false;
  // Instructions by kind; 'random' is the seeding left out of the total.
  const tally = Object.fromEntries([...KINDS.map(([kind]) => kind), 'other', 'random'].map((kind) => [kind, 0]));
  const kindOf = new Map();
  const classify = (name) => {
    let kind = kindOf.get(name);
    if (kind === undefined) {
      kind = RANDOM_SEEDING.test(name) ? 'random' : (KINDS.find(([, pattern]) => pattern.test(name))?.[0] ?? 'other');
      kindOf.set(name, kind);
    }
    return kind;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) {
      fn = named(names, line.slice(3));
      continue;
    }
    if (line.startsWith('cfn=')) {
      named(names, line.slice(4)); // a called function's name is defined where it is first called, too
      continue;
    }
    if (line.startsWith('calls=')) {
      afterCalls = true; // the next cost line is the call's inclusive cost, not this function's own
      continue;
    }
    // A cost line: a position (a number, or +n, -n, *) then the event counts; Ir is the only event.
    const first = line.charCodeAt(0);
    const isCost = (first >= 48 && first <= 57) || first === 43 || first === 45 || first === 42;
    if (!isCost) continue;
    if (afterCalls) {
      afterCalls = false;
      continue;
    }
    const ir = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(ir)) continue;
    tally[classify(fn)] += ir;
  }
  const { random, ...kinds } = tally;
  const total = Object.values(kinds).reduce((sum, n) => sum + n, 0);
  return { total, random, kinds };
}

/** Callgrind names each function once, `(id) name`, and later by `(id)` alone. */
function named(names, spec) {
  const match = /^\((\d+)\)(?: (.*))?$/.exec(spec);
  if (match === null) return spec;
  const [, id, name] = match;
  if (name !== undefined) names.set(id, name);
  return names.get(id) ?? spec;
}
