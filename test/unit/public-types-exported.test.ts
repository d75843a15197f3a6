import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/ensure-built.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = join(ROOT, 'dist/types');
const MAIN = join(TYPES, 'index.d.ts');
const ENTRIES = { 'lambda-baton': MAIN, 'lambda-baton/middy': join(TYPES, 'middy/index.d.ts') };

/**
 * The published declarations of each entry point, read as a consumer's compiler reads them:
 * every type of ours that an exported declaration mentions, directly or through another type of
 * ours (Trigger → Carrier → BatonGetter), and whether the entry (or the main entry) exports it
 * by name. A type a user meets in a signature but cannot import is one they cannot write down.
 */
function unexportedTypes(): Record<string, string[]> {
  const program = ts.createProgram(Object.values(ENTRIES), { skipLibCheck: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const exportsOf = (file: string): Set<ts.Symbol> => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`no declarations at ${file}`);
    return new Set(checker.getExportsOfModule(module).map(resolve));
  };
  const mainExports = exportsOf(MAIN);
  const missing: Record<string, string[]> = {};
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const exported = exportsOf(file);
    const seen = new Set<ts.Symbol>();
    const names = new Set<string>();
    const visit = (symbol: ts.Symbol): void => {
      if (seen.has(symbol)) return;
      seen.add(symbol);
      for (const declaration of symbol.declarations ?? []) {
        const walk = (node: ts.Node): void => {
          if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
            const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
            const target = checker.getSymbolAtLocation(name);
            const resolved = target && resolve(target);
            const ours = resolved?.declarations?.some((d) => d.getSourceFile().fileName.startsWith(TYPES));
            if (resolved && ours && !(resolved.flags & ts.SymbolFlags.TypeParameter)) {
              if (!exported.has(resolved) && !mainExports.has(resolved)) names.add(resolved.getName());
              visit(resolved);
            }
          }
          ts.forEachChild(node, walk);
        };
        walk(declaration);
      }
    };
    for (const symbol of exported) visit(symbol);
    missing[entry] = [...names].sort();
  }
  return missing;
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('the published types', () => {
  it('export by name every type of ours that a public signature mentions', () => {
    expect(unexportedTypes()).toEqual({ 'lambda-baton': [], 'lambda-baton/middy': [] });
  });
});
