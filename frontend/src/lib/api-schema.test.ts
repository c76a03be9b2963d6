import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const FRONTEND = resolve(__dirname, '../..');
const GENERATED = 'src/lib/api-schema.d.ts';

it('api-schema.d.ts is what `npm run gen:api` makes of backend/openapi.json (else: make api-types)', () => {
  const { scripts } = JSON.parse(readFileSync(join(FRONTEND, 'package.json'), 'utf8'));
  expect(scripts['gen:api']).toContain(GENERATED);
  const fresh = join(mkdtempSync(join(tmpdir(), 'prefhub-api-')), 'api-schema.d.ts');
  // The same command, written elsewhere.
  execSync(`npx --no-install ${scripts['gen:api'].replace(GENERATED, fresh)}`, { cwd: FRONTEND, stdio: 'pipe' });
  const stale = readFileSync(join(FRONTEND, GENERATED), 'utf8') !== readFileSync(fresh, 'utf8');
  expect(stale, `${GENERATED} is stale: run make api-types and commit it`).toBe(false);
}, 60_000);
