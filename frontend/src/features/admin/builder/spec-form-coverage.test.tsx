import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';

import { createTestQueryClient, jsonResponse, mockApi } from '@/testing/test-utils';

import { setIn, type SpecDocument, type SpecPath, type SpecValue } from './spec-document';
import { SpecEditingContext } from './spec-fields';
import { SpecForm } from './spec-form';

// The committed OpenAPI schema (`make api-types`): a spec field added on the server shows up here.
const OPENAPI = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../../../backend/openapi.json'), 'utf8')) as {
  components: { schemas: Record<string, Schema> };
};

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: Schema | boolean;
};

// Spec fields the form deliberately leaves to the YAML tab, each with why. None today.
const YAML_ONLY: Record<string, string> = {};

const resolveRef = (schema: Schema): Schema =>
  schema.$ref ? resolveRef(OPENAPI.components.schemas[schema.$ref.split('/').pop() as string]) : schema;

/** Every leaf path of a schema: `questions.*.aspects.*.label`, `eligibility.profile` (a map is one leaf). */
function leafPaths(schema: Schema, path: string): string[] {
  const node = resolveRef(schema);
  const branches = node.anyOf ?? node.oneOf;
  if (branches) return branches.flatMap((branch) => (resolveRef(branch).type === 'null' ? [] : leafPaths(branch, path)));
  if (node.properties) return Object.entries(node.properties).flatMap(([key, child]) => leafPaths(child, path ? `${path}.${key}` : key));
  if (node.type === 'array' && node.items) {
    const items = resolveRef(node.items);
    if (items.properties || items.anyOf || items.oneOf) return leafPaths(node.items, `${path}.*`);
  }
  return [path];
}

const q = (kind: string, fields: Record<string, SpecValue> = {}) => ({ kind, id: kind, prompt: 'Prompt?', ...fields });

// One of everything the form shows only when present: each question kind, a scale label, each survey
// answer kind, a quota, a crowd link, tree settings with model replies.
const EVERYTHING: SpecDocument = {
  name: 'All of it',
  slug: 'all-of-it',
  questions: [
    q('pairwise', { aspects: [{ id: 'clarity', label: 'Clarity' }] }),
    q('ranking'),
    q('binary'),
    q('negative_only', { reasons: [{ id: 'wrong', label: 'Wrong' }] }),
    q('rating', { attributes: [{ id: 'helpful', label: 'Helpful', scale: { min: 0, max: 4 } }] }),
    q('text'),
    q('labels', { labels: [{ id: 'spam', label: 'Spam', type: 'flag' }, { id: 'quality', label: 'Quality', type: 'scale', scale: { min: 0, max: 4 } }] }),
  ],
  quotas: [{ field: 'country', max_share: 0.5 }],
  participation: {
    consent: 'I agree.',
    survey: [
      { id: 'country', prompt: 'Where?', kind: 'single_choice', options: [{ id: 'de', label: 'DE' }, { id: 'fr', label: 'FR' }] },
      { id: 'age', prompt: 'Age?', kind: 'number' },
      { id: 'note', prompt: 'Anything?', kind: 'text' },
    ],
    crowd: { completion_code: 'C0DE' },
  },
  trees: { model_replies: { models: ['llama'] } },
  quality: { qualification: { tasks: 5 }, rules: [{ measure: 'gold_accuracy', below: 0.6 }] },
  adaptive: { agree_after: 3, max_judgments: 5 },
};

/** The spec paths the form has a control for, list indices as `*`. */
function formPaths(): Set<string> {
  mockApi({ 'GET /api/groups': () => jsonResponse(200, []) });
  let spec = EVERYTHING;
  const editing = { spec, set: (path: SpecPath, value: SpecValue | undefined) => (spec = setIn(spec, path, value)), move: () => undefined, problems: {} };
  render(
    <QueryClientProvider client={createTestQueryClient()}>
      <SpecEditingContext.Provider value={editing}>
        <SpecForm />
      </SpecEditingContext.Provider>
    </QueryClientProvider>,
  );
  return new Set(
    Array.from(document.querySelectorAll('[data-spec-path]'), (element) =>
      (element.getAttribute('data-spec-path') as string).replace(/\.\d+(?=\.|$)/g, '.*'),
    ),
  );
}

describe('the builder form covers the whole spec', () => {
  it('has a control for every field of CampaignSpec in the OpenAPI schema', () => {
    const leaves = leafPaths({ $ref: '#/components/schemas/CampaignSpec' }, '');
    // The walk itself reaches deep fields (a schema change that hid them would make this test vacuous).
    expect(leaves).toEqual(
      expect.arrayContaining(['questions.*.attributes.*.scale.anchors', 'eligibility.groups', 'trees.model_replies.params', 'display.media.require_full_playback']),
    );
    const controls = formPaths();
    expect(screen.getByRole('heading', { name: /Questions/ })).toBeInTheDocument();
    const missing = [...new Set(leaves)].filter((path) => !controls.has(path) && !(path in YAML_ONLY));
    expect(missing).toEqual([]);
  });
});
