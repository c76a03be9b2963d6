import { exportFormats } from '../testing/export-formats';
import {
  activeOptions,
  buildExportBody,
  defaultFormat,
  describeExportOptions,
  exportCampaign,
  fitOf,
  formatsFor,
  initialExportForm,
  readsOption,
  splitList,
  type ExportCampaign,
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
        includeExcluded: true,
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
      include_excluded: true,
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
    const both = { rounds: '1', includeGold: true, includeSimulated: true, includeExcluded: true, treeStates: ['growing', 'ready_for_export'] } satisfies Partial<ExportFormState>;
    const items = bodyOf(itemForm(both));
    expect(items.rounds).toEqual([1]);
    expect(items.include_gold).toBe(true);
    expect(items).not.toHaveProperty('tree_states');
    const trees = bodyOf(treeForm(both), true);
    expect(trees.tree_states).toEqual(['growing', 'ready_for_export']);
    expect(trees).not.toHaveProperty('rounds');
    expect(trees).not.toHaveProperty('include_gold');
    // Quality exclusion applies to item judgments: tree campaigns do not offer it.
    expect(items.include_excluded).toBe(true);
    expect(trees).not.toHaveProperty('include_excluded');
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

/** A campaign asking questions of these kinds, in this order (the builder templates' specs). */
const asking = (kinds: string[], candidateMedia: string[] = []): ExportCampaign =>
  exportCampaign({ questions: kinds.map((kind) => ({ kind })) }, candidateMedia);
const opensOn = (campaign: ExportCampaign) => defaultFormat(formatsFor(formats, campaign.trees), campaign)?.name;
const reasonOf = (name: string, campaign: ExportCampaign) => {
  const fit = fitOf(formatNamed(name)!, campaign);
  return fit.fits ? null : fit.reason;
};

describe('defaultFormat', () => {
  it('opens on the format that reads the campaign’s questions most directly', () => {
    expect(opensOn(asking(['binary']))).toBe('kto'); // kto-thumbs: dpo would have no rows
    expect(opensOn(asking(['negative_only']))).toBe('kto');
    expect(opensOn(asking(['ranking']))).toBe('ranking'); // not the pairs dpo derives from it
    expect(opensOn(asking(['pairwise']))).toBe('dpo');
    expect(opensOn(asking(['rating']))).toBe('ratings'); // helpsteer-attributes
    expect(opensOn(asking(['text']))).toBe('feedback');
  });

  it('lets the question asked first decide: pairwise then critique and refinement opens on dpo', () => {
    // critique-refinement: both dpo (pairwise) and feedback (text) read a question directly; the
    // preference is asked first and every judgment states it, so dpo, with feedback offered too.
    const critique = asking(['pairwise', 'text', 'text']);
    expect(opensOn(critique)).toBe('dpo');
    expect(fitOf(formatNamed('feedback')!, critique)).toEqual({ fits: true });
    expect(opensOn(asking(['text', 'pairwise']))).toBe('feedback');
  });

  it('opens on the media-pairs format of media candidates, and on raw judgments when nothing else reads the questions', () => {
    expect(opensOn(asking(['pairwise'], ['image']))).toBe('image_pairs'); // image-comparison
    expect(opensOn(asking(['ranking'], ['audio']))).toBe('audio_pairs');
    expect(opensOn(asking(['binary'], ['image']))).toBe('judgments'); // no format trains on image thumbs
    expect(opensOn(asking(['labels']))).toBe('judgments');
  });

  it('opens a conversation-tree campaign on whole trees', () => {
    expect(opensOn(exportCampaign({ questions: [{ kind: 'labels' }], trees: { goal_tree_size: 4 } }, ['image']))).toBe('trees');
  });
});

describe('fitOf', () => {
  it('says why a format gives no rows for the campaign, and which option would make it', () => {
    const thumbs = asking(['binary']);
    expect(reasonOf('dpo', thumbs)).toBe('reads no question of this campaign');
    expect(reasonOf('ranking', thumbs)).toBe('reads no question of this campaign');
    expect(reasonOf('kto', thumbs)).toBeNull();
    expect(reasonOf('judgments', thumbs)).toBeNull();
    expect(reasonOf('annotators', thumbs)).toBeNull();
    const pairwise = asking(['pairwise']);
    expect(reasonOf('kto', pairwise)).toBe('reads no question of this campaign unless “also derive rows from pairwise and ranking answers”');
    expect(reasonOf('ranking', pairwise)).toBe('reads no question of this campaign unless aggregated');
    expect(reasonOf('ratings', pairwise)).toBe('reads no question of this campaign');
    // With the option set, the format reads them.
    expect(fitOf(formatNamed('kto')!, pairwise, activeOptions({ ktoFromPreferences: true, aggregation: 'none' }))).toEqual({ fits: true });
    expect(fitOf(formatNamed('ranking')!, pairwise, activeOptions({ ktoFromPreferences: false, aggregation: 'majority' }))).toEqual({ fits: true });
    expect(fitOf(formatNamed('dpo')!, thumbs, ['kto_from_preferences', 'aggregation']).fits).toBe(false);
  });

  it('says which formats cannot carry the campaign’s candidates', () => {
    expect(reasonOf('image_pairs', asking(['pairwise']))).toBe('needs image candidates');
    expect(reasonOf('audio_pairs', asking(['pairwise'], ['image']))).toBe('needs audio candidates');
    expect(reasonOf('dpo', asking(['pairwise'], ['image', 'audio']))).toBe('cannot carry image and audio candidates');
    expect(reasonOf('judgments', asking(['pairwise'], ['video']))).toBeNull();
  });

  it('reads the server’s list: every format, media pairs included, declares what it reads', () => {
    expect(formats.map((format) => format.name)).toEqual(expect.arrayContaining(['image_pairs', 'audio_pairs', 'feedback']));
    for (const format of formats) {
      expect(format.question_kinds === null || Array.isArray(format.question_kinds)).toBe(true);
      expect(['none', 'image', 'audio', 'any']).toContain(format.candidate_media);
    }
  });
});
