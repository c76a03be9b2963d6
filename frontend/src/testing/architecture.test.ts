import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// bulletproof-react's rule, as a test since we carry no linter: imports flow
// shared (lib, components) → features → app, and features never import one another.
const SRC = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](@\/[^'"]+)['"]/g)].map((m) => m[1]);
}

const violations = (rule: (file: string, target: string) => string | null) =>
  sourceFiles(SRC).flatMap((file) => {
    const from = relative(SRC, file);
    return importsOf(file).flatMap((target) => {
      const problem = rule(from, target.slice(2));
      return problem ? [`${from} → ${target}: ${problem}`] : [];
    });
  });

describe('module boundaries', () => {
  it('keeps shared code free of features and app', () => {
    const found = violations((from, target) =>
      /^(lib|components)\//.test(from) && /^(features|app)\//.test(target) ? 'shared code must not depend on features' : null,
    );
    expect(found).toEqual([]);
  });

  it('keeps features independent of each other and of app', () => {
    const found = violations((from, target) => {
      const own = from.match(/^features\/([^/]+)\//)?.[1];
      if (!own) return null;
      if (target.startsWith('app/')) return 'features must not import app';
      const other = target.match(/^features\/([^/]+)/)?.[1];
      return other && other !== own ? 'features must not import other features' : null;
    });
    expect(found).toEqual([]);
  });

  it('finds the imports it checks', () => {
    expect(importsOf(join(SRC, 'app/router.tsx'))).toContain('@/features/admin');
  });
});
