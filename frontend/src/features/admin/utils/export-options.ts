import type { CreateExportBody, ExportOptions, TreeState } from '@/lib/api-types';

import type { ExportFormatInfo } from '../api/get-export-formats';

export type ExportFormat = ExportOptions['format'];
export type Aggregation = ExportOptions['aggregation'];
export type FileFormat = ExportOptions['file_format'];

/** The formats a campaign of this kind can export, its default first (the server's order). */
export const formatsFor = (formats: readonly ExportFormatInfo[], trees: boolean): ExportFormatInfo[] =>
  formats.filter((format) => format.campaign_kinds.includes(trees ? 'conversation-tree' : 'item'));

/** What the export form needs to know of a campaign to say which formats fit it. */
export type ExportCampaign = {
  trees: boolean;
  /** The kinds of its questions, in the order asked. */
  questionKinds: readonly string[];
  /** The media kinds its candidates hold (GET /api/campaigns/{slug}/exports: `candidate_media`). */
  candidateMedia: readonly string[];
};

/** What of a campaign spec the export form reads: its questions' kinds and whether it grows trees. */
export type ExportSpec = { questions: readonly { kind: string }[]; trees?: unknown };

export const exportCampaign = (spec: ExportSpec, candidateMedia: readonly string[] = []): ExportCampaign => ({
  trees: Boolean(spec.trees),
  questionKinds: spec.questions.map((question) => question.kind),
  candidateMedia: spec.trees ? [] : candidateMedia,
});

/** Whether a format gives rows for a campaign, and if not why: shown next to it in the form. */
export type FormatFit = { fits: true } | { fits: false; reason: string };

const OPTION_NAMES: Record<string, string> = {
  kto_from_preferences: '“also derive rows from pairwise and ranking answers”',
  aggregation: 'aggregated',
};

const MEDIA_NAMES: Record<string, string> = { image: 'image', audio: 'audio', video: 'video' };

/**
 * Whether `format` (an entry of GET /api/exports/formats offered for the campaign's kind) gives
 * rows for `campaign`: it must carry the campaign's candidates (`candidate_media`) and read one of
 * its questions (`question_kinds`, and the kinds `activeOptions` add, e.g. `kto_from_preferences`).
 * Tree formats all read the trees.
 */
export function fitOf(format: ExportFormatInfo, campaign: ExportCampaign, activeOptions: readonly string[] = []): FormatFit {
  if (campaign.trees) return { fits: true };
  const carried = format.candidate_media;
  const held = campaign.candidateMedia;
  if ((carried === 'image' || carried === 'audio') && !held.includes(carried))
    return { fits: false, reason: `needs ${MEDIA_NAMES[carried]} candidates` };
  if (carried === 'none' && held.length > 0)
    return { fits: false, reason: `cannot carry ${held.map((kind) => MEDIA_NAMES[kind] ?? kind).join(' and ')} candidates` };
  const asked = (kinds: readonly string[]) => kinds.some((kind) => campaign.questionKinds.includes(kind));
  if (format.question_kinds === null) return { fits: true };
  const reads = [...format.question_kinds, ...activeOptions.flatMap((option) => format.question_kinds_by_option[option] ?? [])];
  if (asked(reads)) return { fits: true };
  const unless = Object.entries(format.question_kinds_by_option)
    .filter(([, kinds]) => asked(kinds))
    .map(([option]) => OPTION_NAMES[option] ?? option);
  return { fits: false, reason: `reads no question of this campaign${unless.length > 0 ? ` unless ${unless.join(' or ')}` : ''}` };
}

/**
 * The format the export form opens on. The campaign's questions in the order asked: the first
 * that a fitting training format reads decides, and of those formats the one that reads it most
 * directly (earliest in its `question_kinds`: a ranking question gives `ranking` rather than the
 * pairs `dpo` derives), in the server's order on a tie (`dpo` before `reward`). Failing that the
 * first fitting format (`judgments` reads every answer), else the kind's default.
 */
export function defaultFormat(formats: readonly ExportFormatInfo[], campaign: ExportCampaign): ExportFormatInfo | undefined {
  const fitting = formats.filter((format) => fitOf(format, campaign).fits);
  for (const kind of campaign.trees ? [] : campaign.questionKinds) {
    let best: ExportFormatInfo | undefined;
    let bestAt = Infinity;
    for (const format of fitting) {
      const at = format.question_kinds?.indexOf(kind) ?? -1;
      if (at >= 0 && at < bestAt) [best, bestAt] = [format, at];
    }
    if (best) return best;
  }
  return fitting[0] ?? formats[0];
}

/** The options set in the form that can change which questions a format reads. */
export const activeOptions = (form: Pick<ExportFormState, 'ktoFromPreferences' | 'aggregation'>): string[] => [
  ...(form.ktoFromPreferences ? ['kto_from_preferences'] : []),
  ...(form.aggregation !== 'none' ? ['aggregation'] : []),
];

/** Whether the format reads this export option (e.g. `kto_from_preferences`). */
export const readsOption = (format: ExportFormatInfo | undefined, option: string): boolean =>
  format?.options.some((o) => o.name === option) ?? false;

export const AGGREGATION_LABELS: Record<Aggregation, string> = {
  none: 'None (one row per judgment)',
  majority: 'Majority vote',
  bradley_terry: 'Bradley–Terry',
  ranked_pairs: 'Ranked pairs',
};

/** One row of the annotator-groups editor, as typed. */
export type AnnotatorGroupRow = { question: string; values: string };

/** The export form as typed: text fields stay strings until the body is built. */
export type ExportFormState = {
  format: ExportFormat;
  conversational: boolean;
  fileFormat: FileFormat;
  aggregation: Aggregation;
  dropTies: boolean;
  minAgreement: string;
  ktoFromPreferences: boolean;
  includeProfiles: boolean;
  /** `datetime-local` values (local time), '' when blank. */
  createdFrom: string;
  createdTo: string;
  models: string;
  languages: string;
  includeGold: boolean;
  /** Keep simulated work (`prefhub simulate`; in tree campaigns, whole trees) of a campaign that also has human work. */
  includeSimulated: boolean;
  /** Keep, marked, the judgments of annotators excluded for quality (the raw judgments format always does). */
  includeExcluded: boolean;
  rounds: string;
  treeStates: TreeState[];
  annotatorGroups: AnnotatorGroupRow[];
  salt: string;
};

/** The form as it opens, on `format` (`defaultFormat`: the first that fits the campaign). */
export const initialExportForm = (format: ExportFormat): ExportFormState => ({
  format,
  conversational: true,
  fileFormat: 'jsonl',
  aggregation: 'none',
  dropTies: false,
  minAgreement: '',
  ktoFromPreferences: false,
  includeProfiles: false,
  createdFrom: '',
  createdTo: '',
  models: '',
  languages: '',
  includeGold: false,
  includeSimulated: false,
  includeExcluded: false,
  rounds: '',
  treeStates: [],
  annotatorGroups: [],
  salt: '',
});

/** "a, b,, a " → ["a", "b"]: trimmed, blanks and repeats dropped, order kept. */
export const splitList = (text: string): string[] => [...new Set(text.split(',').map((part) => part.trim()).filter(Boolean))];

const localToIso = (value: string): string | null => {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

export type ExportBodyResult = { ok: true; body: CreateExportBody } | { ok: false; problem: string };

/**
 * The POST body for a form state; `format` is the chosen format's entry of GET /api/exports/formats.
 * The four primary choices are always sent; every other option only when it differs from the
 * server's default, so the request reads as what was chosen.
 */
export function buildExportBody(
  form: ExportFormState,
  { trees, format }: { trees: boolean; format: ExportFormatInfo | undefined },
): ExportBodyResult {
  const fail = (problem: string): ExportBodyResult => ({ ok: false, problem });
  const body: CreateExportBody = {
    format: form.format,
    conversational: form.conversational,
    file_format: form.fileFormat,
    aggregation: format?.aggregates ? form.aggregation : 'none',
  };
  if (form.dropTies) body.drop_ties = true;
  if (form.minAgreement.trim() !== '') {
    const value = Number(form.minAgreement);
    if (!(Number.isFinite(value) && value >= 0 && value <= 1)) return fail('Minimum agreement must be a number from 0 to 1.');
    body.min_agreement = value;
  }
  if (form.ktoFromPreferences && readsOption(format, 'kto_from_preferences')) body.kto_from_preferences = true;
  if (form.includeProfiles) body.include_profiles = true;

  for (const [key, text, label] of [
    ['created_from', form.createdFrom, '“Judged from”'],
    ['created_to', form.createdTo, '“Judged before”'],
  ] as const) {
    if (text === '') continue;
    const iso = localToIso(text);
    if (iso === null) return fail(`${label} is not a valid date and time.`);
    body[key] = iso;
  }
  if (body.created_from && body.created_to && body.created_from >= body.created_to)
    return fail('“Judged from” must be before “Judged before”.');

  const models = splitList(form.models);
  if (models.length > 0) body.models = models;
  const languages = splitList(form.languages);
  if (languages.length > 0) body.languages = languages;

  if (form.includeSimulated) body.include_simulated = true;
  if (trees) {
    if (form.treeStates.length > 0) body.tree_states = form.treeStates;
  } else {
    if (form.includeGold) body.include_gold = true;
    if (form.includeExcluded) body.include_excluded = true;
    const rounds = splitList(form.rounds);
    if (rounds.some((round) => !/^\d+$/.test(round))) return fail('Rounds must be whole numbers, e.g. 1, 2.');
    if (rounds.length > 0) body.rounds = rounds.map(Number);
  }

  const groups: Record<string, string[]> = {};
  for (const row of form.annotatorGroups) {
    const question = row.question.trim();
    const values = splitList(row.values);
    if (!question && values.length === 0) continue; // an untouched row
    if (!question) return fail('Each annotator group needs a profile question id.');
    if (values.length === 0) return fail(`Annotator group “${question}” names no values.`);
    groups[question] = [...new Set([...(groups[question] ?? []), ...values])];
  }
  if (Object.keys(groups).length > 0) body.annotator_groups = groups;

  if (form.salt !== '') body.salt = form.salt;
  return { ok: true, body };
}

/** The filters a job was run with, by name (empty when it exported everything). */
export function activeFilters(options: Partial<ExportOptions>): string[] {
  const names: string[] = [];
  if (options.created_from || options.created_to) names.push('dates');
  if (options.models?.length) names.push('models');
  if (options.languages?.length) names.push('languages');
  if (options.rounds?.length) names.push('rounds');
  if (options.tree_states?.length) names.push('tree states');
  if (options.annotator_groups && Object.keys(options.annotator_groups).length > 0) names.push('annotator groups');
  return names;
}

/** A job's options that differ from the defaults, e.g. "majority · parquet · profiles · 2 filters". */
export function describeExportOptions(options: Partial<ExportOptions>): string {
  const parts: string[] = [];
  if (options.aggregation && options.aggregation !== 'none') parts.push(options.aggregation.replace(/_/g, ' '));
  if (options.file_format === 'parquet') parts.push('parquet');
  if (options.conversational === false) parts.push('standard form');
  if (options.drop_ties) parts.push('no ties');
  if (options.min_agreement != null) parts.push(`agreement ≥ ${options.min_agreement}`);
  if (options.kto_from_preferences) parts.push('kto from preferences');
  if (options.include_profiles) parts.push('profiles');
  if (options.include_gold) parts.push('gold');
  if (options.include_simulated) parts.push('simulated');
  if (options.include_excluded) parts.push('excluded annotators');
  if (options.salt) parts.push('salted');
  const filters = activeFilters(options).length;
  if (filters > 0) parts.push(`${filters} filter${filters === 1 ? '' : 's'}`);
  return parts.join(' · ');
}
