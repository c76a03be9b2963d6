/**
 * Where each problem the server found goes in the form. Its paths read like
 * `body.questions.0.pairwise.prompt` (the question's kind is a step of its own); each lands on the
 * form field showing that path, a list's problems on the list's editor, and the rest at the top.
 */
export type Problem = { field: string; message: string };
export type PlacedProblems = { byField: Record<string, string[]>; general: Problem[] };

// The form's fields, each a pattern over a problem's path; the match is the field's key.
const FIELD_PATTERNS: RegExp[] = [
  /^(name|slug|guidelines|redundancy|min_candidates|max_candidates_shown|lease_minutes|max_open_leases|undo_seconds|priority|rounds|quotas)$/,
  /^rounds(?=\.)/,
  /^quotas\.\d+\.(field|max_share)$/,
  /^quotas\.\d+$/,
  /^eligibility\.(languages|profile|groups)/,
  /^questions\.\d+\.(aspects|reasons|attributes|labels)/,
  /^questions\.\d+\.[a-z_]+$/,
  /^questions\.\d+$/,
  /^questions$/,
  /^participation\.consent$/,
  /^participation\.survey\.\d+\.options/,
  /^participation\.survey\.\d+\.[a-z_]+$/,
  /^participation\.survey\.\d+$/,
  /^participation\.survey$/,
  /^participation\.crowd\.[a-z_]+$/,
  /^participation\.crowd$/,
  /^display\.media\.[a-z_]+$/,
  /^display\.[a-z_]+$/,
  /^trees\.weights\.[a-z_]+$/,
  /^trees\.model_replies\.(per_message|params)/,
  /^trees\.model_replies/,
  /^trees\.[a-z_]+$/,
  /^trees$/,
];

const QUESTION_KIND_STEP = /^(questions\.\d+)\.(pairwise|ranking|binary|negative_only|rating|text|labels)(?=\.|$)/;

/** The problem's path in the spec: no `body`, no kind step. */
export const specPath = (field: string): string =>
  field
    .replace(/^body\.?/, '')
    .replace(QUESTION_KIND_STEP, '$1');

export function fieldFor(path: string): string | null {
  for (const pattern of FIELD_PATTERNS) {
    const match = pattern.exec(path);
    if (match) return match[0];
  }
  return null;
}

export function placeProblems(details: unknown): PlacedProblems {
  const placed: PlacedProblems = { byField: {}, general: [] };
  if (!Array.isArray(details)) return placed;
  for (const detail of details as Partial<Problem>[]) {
    const problem = { field: specPath(String(detail.field ?? '')), message: String(detail.message ?? '') };
    const field = fieldFor(problem.field);
    if (field === null) placed.general.push(problem);
    else (placed.byField[field] ??= []).push(problem.field === field ? problem.message : `${problem.field.slice(field.length + 1)}: ${problem.message}`);
  }
  return placed;
}
