/**
 * The spec being built, as a plain document: the form edits it at paths and the YAML tab shows it
 * whole, so whatever the form has no field for (or the YAML adds) is kept as it is.
 */
export type SpecValue = string | number | boolean | null | SpecValue[] | { [key: string]: SpecValue };
export type SpecDocument = { [key: string]: SpecValue };
export type SpecPath = (string | number)[];

export const isRecord = (value: unknown): value is { [key: string]: SpecValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const pathKey = (path: SpecPath): string => path.join('.');

export function getIn(document: SpecValue | undefined, path: SpecPath): SpecValue | undefined {
  let node: SpecValue | undefined = document;
  for (const step of path) {
    if (Array.isArray(node) && typeof step === 'number') node = node[step];
    else if (isRecord(node) && typeof step === 'string') node = node[step];
    else return undefined;
  }
  return node;
}

const emptyFor = (rest: SpecPath): SpecValue => (typeof rest[0] === 'number' ? [] : {});

/** A copy with `value` at `path` (containers made as needed); `undefined` removes the key. */
export function setIn<T extends SpecValue>(document: T, path: SpecPath, value: SpecValue | undefined): T {
  if (path.length === 0) return (value ?? null) as T;
  const [step, ...rest] = path;
  if (typeof step === 'number') {
    const list: SpecValue[] = Array.isArray(document) ? [...(document as SpecValue[])] : [];
    if (value === undefined && rest.length === 0) list.splice(step, 1);
    else list[step] = setIn(list[step] ?? emptyFor(rest), rest, value);
    return list as unknown as T;
  }
  const record: { [key: string]: SpecValue } = isRecord(document) ? { ...(document as { [key: string]: SpecValue }) } : {};
  if (value === undefined && rest.length === 0) delete record[step];
  else record[step] = setIn(record[step] ?? emptyFor(rest), rest, value);
  return record as unknown as T;
}

/** The list moved: the item at `from` now sits at `to`. */
export function moveIn<T extends SpecValue>(document: T, path: SpecPath, from: number, to: number): T {
  const list = getIn(document, path);
  if (!Array.isArray(list) || to < 0 || to >= list.length) return document;
  const moved = [...list];
  const [item] = moved.splice(from, 1);
  moved.splice(to, 0, item);
  return setIn(document, path, moved);
}

export const QUESTION_KINDS = ['pairwise', 'ranking', 'binary', 'negative_only', 'rating', 'text', 'labels'] as const;
export type BuilderQuestionKind = (typeof QUESTION_KINDS)[number];

export const KIND_NAMES: Record<BuilderQuestionKind, string> = {
  pairwise: 'Pairwise (A vs B)',
  ranking: 'Ranking',
  binary: 'Thumbs up / down',
  negative_only: 'Negative only (with reasons)',
  rating: 'Attribute ratings',
  text: 'Free text (rationale, critique, refinement)',
  labels: 'Labels (flags and scales)',
};

// What the server fills in for a question left without them: a new question starts from these.
const NEW_QUESTIONS: Record<BuilderQuestionKind, { [key: string]: SpecValue }> = {
  pairwise: { id: 'preference', prompt: 'Which response is better?', allow_tie: true, allow_both_bad: true, strength: false, aspects: [] },
  ranking: { id: 'ranking', prompt: 'Rank the responses, best first.', allow_ties: true, allow_none_acceptable: true },
  binary: { id: 'acceptable', prompt: 'Is this response acceptable?' },
  negative_only: {
    id: 'unacceptable',
    prompt: 'Mark every response that is unacceptable.',
    require_reason: true,
    reasons: [
      { id: 'incorrect', label: 'Factually incorrect' },
      { id: 'harmful', label: 'Harmful or unsafe' },
    ],
  },
  rating: {
    id: 'rating',
    prompt: 'Rate each response.',
    attributes: [{ id: 'helpfulness', label: 'Helpfulness', scale: { min: 0, max: 4 }, required: true }],
  },
  text: { id: 'rationale', prompt: 'Explain your choice.', purpose: 'rationale', target: 'item', required: false, min_length: 0, max_length: 5000 },
  labels: {
    id: 'labels',
    prompt: 'Label the message.',
    target: 'candidates',
    labels: [
      { id: 'spam', label: 'Spam', type: 'flag' },
      { id: 'quality', label: 'Quality', type: 'scale', scale: { min: 0, max: 4 } },
    ],
  },
};

/** A new question of `kind` whose id no question in `taken` has. */
export function newQuestion(kind: BuilderQuestionKind, taken: string[]): { [key: string]: SpecValue } {
  const question: { [key: string]: SpecValue } = { kind, ...NEW_QUESTIONS[kind] };
  const base = String(question.id);
  let id = base;
  for (let n = 2; taken.includes(id); n += 1) id = `${base}_${n}`;
  return { ...question, id };
}

export const questionIds = (spec: SpecDocument): string[] => {
  const questions = spec.questions;
  return Array.isArray(questions) ? questions.map((q) => (isRecord(q) ? String(q.id ?? '') : '')) : [];
};
