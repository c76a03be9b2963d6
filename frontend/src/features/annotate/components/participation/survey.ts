import type { ProfileAnswer, SurveyQuestion } from '@/lib/api-types';

/** What the form holds: option ids for choices, the typed text for numbers and free text. */
export type SurveyValues = Record<string, string | string[]>;
export type SurveyErrors = Record<string, string>;

export function initialValues(survey: SurveyQuestion[], answers: Record<string, unknown> | null): SurveyValues {
  const values: SurveyValues = {};
  for (const q of survey) {
    const given = answers?.[q.id];
    if (q.kind === 'multiple_choice') values[q.id] = Array.isArray(given) ? given.map(String) : [];
    else values[q.id] = given == null ? '' : String(given);
  }
  return values;
}

const isEmpty = (value: string | string[] | undefined) =>
  value === undefined || (Array.isArray(value) ? value.length === 0 : value.trim() === '');

/** The body the server takes: unanswered questions left out, numbers as numbers. */
export function toAnswers(survey: SurveyQuestion[], values: SurveyValues): Record<string, ProfileAnswer> {
  const answers: Record<string, ProfileAnswer> = {};
  for (const q of survey) {
    const value = values[q.id];
    if (isEmpty(value)) continue;
    answers[q.id] = q.kind === 'number' ? Number(value) : value;
  }
  return answers;
}

function rangeText(q: SurveyQuestion): string | null {
  if (q.min != null && q.max != null) return `from ${q.min} to ${q.max}`;
  if (q.min != null) return `of at least ${q.min}`;
  if (q.max != null) return `of at most ${q.max}`;
  return null;
}

/** A hint under a number question, e.g. "A number from 0 to 24". */
export const numberHint = (q: SurveyQuestion) => `A number ${rangeText(q) ?? ''}`.trim();

/** The checks the server makes, so every problem shows at once (the server names only the first). */
export function checkSurvey(survey: SurveyQuestion[], values: SurveyValues): SurveyErrors {
  const errors: SurveyErrors = {};
  for (const q of survey) {
    const value = values[q.id];
    if (isEmpty(value)) {
      if (q.required) errors[q.id] = q.kind === 'multiple_choice' ? 'Choose at least one.' : 'Please answer this question.';
      continue;
    }
    if (q.kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) errors[q.id] = 'Enter a number.';
      else if ((q.min != null && n < q.min) || (q.max != null && n > q.max)) errors[q.id] = `Enter a number ${rangeText(q)}.`;
    } else if (q.kind === 'text' && [...(value as string)].length > q.max_length) {
      errors[q.id] = `At most ${q.max_length} characters.`;
    }
  }
  return errors;
}

/** A 422 `invalid_profile` names the question as `answers.<id>` in details[0].field. */
export function serverErrors(details: unknown): SurveyErrors {
  const errors: SurveyErrors = {};
  if (!Array.isArray(details)) return errors;
  for (const entry of details as { field?: unknown; message?: unknown }[]) {
    const id = typeof entry?.field === 'string' ? entry.field.replace(/^answers\./, '') : '';
    if (id && typeof entry.message === 'string' && !(id in errors)) errors[id] = entry.message;
  }
  return errors;
}
