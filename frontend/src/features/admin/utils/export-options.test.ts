import { exportFormats } from '../testing/export-formats';
import {
  buildExportBody,
  describeExportOptions,
  formatsFor,
  initialExportForm,
  readsOption,
  splitList,
  type ExportFormState,
} from './export-options';

const { formats } = exportFormats;
const itemForm = (patch: Partial<ExportFormState> = {}): ExportFormState => ({ ...initialExportForm(formatsFor(formats, false)[0].name), ...patch });
const treeForm = (patch: Partial<ExportFormState> = {}): ExportFormState => ({ ...initialExportForm(formatsFor(formats, true)[0].name), ...patch });
const formatNamed = (name: string) => formats.find((format) => format.name === name);

const bodyOf = (form: ExportFormState, trees = false) => {
  const result = buildExportBody(form, { trees, format: formatNamed(form.format) });
  if (!result.ok) throw new Error(`unexpected problem: ${result.problem}`);
  return result.body;
};
const problemOf = (form: ExportFormState, trees = false) => {
  const result = buildExportBody(form, { trees, format: formatNamed(form.format) });
  return result.ok ? null : result.problem;
};

describe('formatsFor', () => {
  it('offers what the server says each campaign kind supports, in its order, the default first', () => {
    expect(formatsFor(formats, true).map((format) => format.name)).toEqual(['trees', 'dpo', 'judgments', 'kto', 'ranking', 'annotators']);
    const items = formatsFor(formats, false).map((format) => format.name);
    expect(items[0]).toBe('dpo');
    expect(items).not.toContain('trees');
  });

  it('says which options a format reads', () => {
    expect(readsOption(formatNamed('kto'), 'kto_from_preferences')).toBe(true);
    expect(readsOption(formatNamed('dpo'), 'kto_from_preferences')).toBe(false);
    expect(readsOption(undefined, 'conversational')).toBe(false);
  });
});

describe('buildExportBody', () => {
  it('sends only the primary choices for an untouched form', () => {
    expect(bodyOf(itemForm())).toEqual({ format: 'dpo', conversational: true, file_format: 'jsonl', aggregation: 'none' });
    expect(bodyOf(treeForm(), true)).toEqual({ format: 'trees', conversational: true, file_format: 'jsonl', aggregation: 'none' });
  });

  it('sends every option that differs from its default, lists trimmed and deduplicated', () => {
    const body = bodyOf(
      itemForm({
        format: 'kto',
        conversational: false,
        fileFormat: 'parquet',
        aggregation: 'bradley_terry',
        dropTies: true,
        minAgreement: '0.65',
        ktoFromPreferences: true,
        includeProfiles: true,
        createdFrom: '2025-03-01T09:30',
        createdTo: '2025-04-01T00:00',
        models: ' m-a, m-b ,, m-a',
        languages: 'en',
        includeGold: true,
        includeSimulated: true,
        rounds: '0, 2',
        salt: 'fresh',
      }),
    );
    expect(body).toEqual({
      format: 'kto',
      conversational: false,
      file_format: 'parquet',
      aggregation: 'bradley_terry',
      drop_ties: true,
      min_agreement: 0.65,
      kto_from_preferences: true,
      include_profiles: true,
      // datetime-local values are local time; the server receives UTC.
      created_from: new Date('2025-03-01T09:30').toISOString(),
      created_to: new Date('2025-04-01T00:00').toISOString(),
      models: ['m-a', 'm-b'],
      languages: ['en'],
      include_gold: true,
      include_simulated: true,
      rounds: [0, 2],
      salt: 'fresh',
    });
  });

  it('sends aggregation none for formats the server cannot aggregate, whatever was chosen before', () => {
    for (const format of ['judgments', 'ratings', 'feedback', 'annotators']) {
      expect(bodyOf(itemForm({ format, aggregation: 'majority' })).aggregation).toBe('none');
    }
    expect(bodyOf(itemForm({ format: 'reward', aggregation: 'majority' })).aggregation).toBe('majority');
  });

  it('leaves kto_from_preferences out of formats other than kto', () => {
    expect(bodyOf(itemForm({ format: 'dpo', ktoFromPreferences: true }))).not.toHaveProperty('kto_from_preferences');
  });

  it('builds annotator_groups from the editor rows, merging a repeated question and skipping blank rows', () => {
    const body = bodyOf(
      itemForm({
        annotatorGroups: [
          { question: ' country ', values: 'GB, IE' },
          { question: '', values: '' },
          { question: 'age', values: '18-24' },
          { question: 'country', values: 'IE, FR' },
        ],
      }),
    );
    expect(body.annotator_groups).toEqual({ country: ['GB', 'IE', 'FR'], age: ['18-24'] });
    expect(bodyOf(itemForm({ annotatorGroups: [{ question: '', values: ' ' }] }))).not.toHaveProperty('annotator_groups');
  });

  it('refuses an annotator group without a question id or without values', () => {
    expect(problemOf(itemForm({ annotatorGroups: [{ question: 'country', values: ' , ' }] }))).toBe(
      'Annotator group “country” names no values.',
    );
    expect(problemOf(itemForm({ annotatorGroups: [{ question: '', values: 'GB' }] }))).toBe(
      'Each annotator group needs a profile question id.',
    );
  });

  it('keeps rounds to item campaigns and tree states to tree campaigns', () => {
    const both = { rounds: '1', includeGold: true, includeSimulated: true, treeStates: ['growing', 'ready_for_export'] } satisfies Partial<ExportFormState>;
    const items = bodyOf(itemForm(both));
    expect(items.rounds).toEqual([1]);
    expect(items.include_gold).toBe(true);
    expect(items).not.toHaveProperty('tree_states');
    const trees = bodyOf(treeForm(both), true);
    expect(trees.tree_states).toEqual(['growing', 'ready_for_export']);
    expect(trees).not.toHaveProperty('rounds');
    expect(trees).not.toHaveProperty('include_gold');
    // Both kinds leave simulated work out unless asked (tree campaigns: whole trees).
    expect(items.include_simulated).toBe(true);
    expect(trees.include_simulated).toBe(true);
  });

  it('refuses rounds that are not whole numbers, an agreement outside 0..1 and an empty date range', () => {
    expect(problemOf(itemForm({ rounds: '1, two' }))).toBe('Rounds must be whole numbers, e.g. 1, 2.');
    expect(problemOf(itemForm({ rounds: '1.5' }))).toBe('Rounds must be whole numbers, e.g. 1, 2.');
    expect(problemOf(itemForm({ minAgreement: '1.2' }))).toBe('Minimum agreement must be a number from 0 to 1.');
    expect(problemOf(itemForm({ minAgreement: 'abc' }))).toBe('Minimum agreement must be a number from 0 to 1.');
    expect(bodyOf(itemForm({ minAgreement: '0' })).min_agreement).toBe(0);
    expect(problemOf(itemForm({ createdFrom: '2025-04-01T00:00', createdTo: '2025-04-01T00:00' }))).toBe(
      '“Judged from” must be before “Judged before”.',
    );
  });
});

describe('splitList', () => {
  it('trims, drops blanks and repeats, keeps the order', () => {
    expect(splitList(' b, a,, b ,c ')).toEqual(['b', 'a', 'c']);
    expect(splitList('')).toEqual([]);
  });
});

describe('describeExportOptions', () => {
  it('is empty for the defaults', () => {
    expect(describeExportOptions({ format: 'dpo', conversational: true, salt: '', aggregation: 'none', file_format: 'jsonl' })).toBe('');
  });

  it('names what differs from the defaults and counts the filters', () => {
    expect(
      describeExportOptions({
        format: 'dpo',
        aggregation: 'majority',
        file_format: 'parquet',
        include_profiles: true,
        models: ['m-a'],
        created_from: '2025-01-01T00:00:00Z',
        created_to: '2025-02-01T00:00:00Z',
      }),
    ).toBe('majority · parquet · profiles · 2 filters');
    expect(describeExportOptions({ aggregation: 'ranked_pairs', conversational: false, min_agreement: 0.6, annotator_groups: { c: ['GB'] } })).toBe(
      'ranked pairs · standard form · agreement ≥ 0.6 · 1 filter',
    );
  });
});
