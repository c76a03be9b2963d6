import type { CandidateLabel, LabelSpec, LabelsAnswer, LabelsQuestion, LabelValues } from '@/lib/api-types';

import { isRecord, type Issue, type QuestionModel } from './common';
import { DEFAULT_SCALE, inScale } from './rating';

/** Values per target: the key `prompt` for `target: "prompt"`, else each candidate's label. */
export type LabelsDraft = { values: Record<string, LabelValues> };

export const PROMPT_KEY = 'prompt';
export const targetsOf = (question: LabelsQuestion, labels: CandidateLabel[]): string[] =>
  question.target === 'prompt' ? [PROMPT_KEY] : labels;

export const specsOf = (question: LabelsQuestion): LabelSpec[] => question.labels ?? [];
export const labelScale = (spec: LabelSpec) => spec.scale ?? DEFAULT_SCALE;

export function setLabel(draft: LabelsDraft, target: string, labelId: string, value: boolean | number | null): LabelsDraft {
  const current = { ...(draft.values[target] ?? {}) };
  if (value === null) delete current[labelId];
  else current[labelId] = value;
  return { values: { ...draft.values, [target]: current } };
}

function fresh(specs: LabelSpec[], old: unknown): LabelValues {
  const values: LabelValues = {};
  for (const spec of specs) {
    const kept = isRecord(old) ? old[spec.id] : undefined;
    if (spec.type === 'flag') values[spec.id] = kept === true;
    else if (inScale(kept, labelScale(spec))) values[spec.id] = kept;
  }
  return values;
}

export const labelsModel: QuestionModel<LabelsQuestion, LabelsDraft> = {
  init(question, { labels }, previous) {
    const old = isRecord(previous) && isRecord(previous.values) ? previous.values : {};
    const specs = specsOf(question);
    const values: LabelsDraft['values'] = {};
    if (question.target === 'prompt') values[PROMPT_KEY] = fresh(specs, old);
    else for (const label of labels) values[label] = fresh(specs, old[label]);
    return { values };
  },

  validate(question, draft, { labels }) {
    const issues: Issue[] = [];
    for (const target of targetsOf(question, labels)) {
      const prefix = question.target === 'prompt' ? 'values' : `values.${target}`;
      for (const spec of specsOf(question)) {
        const value = draft.values[target]?.[spec.id];
        if (spec.type === 'flag' && value !== undefined && typeof value !== 'boolean') {
          issues.push({ field: `${prefix}.${spec.id}`, message: 'a flag is true or false' });
        }
        const scale = labelScale(spec);
        if (spec.type === 'scale' && value !== undefined && value !== null && !inScale(value, scale)) {
          issues.push({ field: `${prefix}.${spec.id}`, message: `must be between ${scale.min} and ${scale.max}` });
        }
      }
    }
    return issues;
  },

  toAnswer(question, draft, { labels }): LabelsAnswer {
    const known = new Set(specsOf(question).map((s) => s.id));
    const clean = (values: LabelValues | undefined): LabelValues =>
      Object.fromEntries(Object.entries(values ?? {}).filter(([id, v]) => known.has(id) && v !== undefined));
    if (question.target === 'prompt') return { values: clean(draft.values[PROMPT_KEY]) };
    return { values: Object.fromEntries(labels.map((label) => [label, clean(draft.values[label])])) };
  },
};
