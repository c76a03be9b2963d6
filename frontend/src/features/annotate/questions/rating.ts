import type { CandidateLabel, RatingAnswer, RatingAttribute, RatingQuestion, Scale } from '@/lib/api-types';

import { isRecord, type Issue, type QuestionModel } from './common';

export type RatingDraft = { scores: Record<CandidateLabel, Record<string, number>> };

export const DEFAULT_SCALE: Scale = { min: 0, max: 4, anchors: {} };
export const scaleOf = (attribute: { scale?: Scale | null }): Scale => attribute.scale ?? DEFAULT_SCALE;

/** Every integer of the scale, min first. */
export function scalePoints(scale: Scale): number[] {
  const points: number[] = [];
  for (let v = scale.min; v <= scale.max; v += 1) points.push(v);
  return points;
}

export const anchorOf = (scale: Scale, value: number): string | undefined => scale.anchors?.[String(value)];

export const inScale = (value: unknown, scale: Scale): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= scale.min && value <= scale.max;

export function setScore(draft: RatingDraft, label: CandidateLabel, attributeId: string, value: number | null): RatingDraft {
  const forLabel = { ...(draft.scores[label] ?? {}) };
  if (value === null) delete forLabel[attributeId];
  else forLabel[attributeId] = value;
  return { scores: { ...draft.scores, [label]: forLabel } };
}

const byId = (attributes: RatingAttribute[]) => new Map(attributes.map((a) => [a.id, a]));

export const rating: QuestionModel<RatingQuestion, RatingDraft> = {
  init(question, { labels }, previous) {
    const scores: RatingDraft['scores'] = {};
    const attributes = byId(question.attributes);
    for (const label of labels) {
      scores[label] = {};
      const old = isRecord(previous) && isRecord(previous.scores) ? previous.scores[label] : undefined;
      if (!isRecord(old)) continue;
      for (const [id, value] of Object.entries(old)) {
        const attribute = attributes.get(id);
        if (attribute && inScale(value, scaleOf(attribute))) scores[label][id] = value;
      }
    }
    return { scores };
  },

  validate(question, draft, { labels }) {
    const issues: Issue[] = [];
    for (const label of labels) {
      const scores = draft.scores[label] ?? {};
      for (const attribute of question.attributes) {
        const value = scores[attribute.id];
        const scale = scaleOf(attribute);
        if (value === undefined) {
          if (attribute.required ?? true) {
            issues.push({ field: `scores.${label}.${attribute.id}`, message: 'this attribute needs a score' });
          }
        } else if (!inScale(value, scale)) {
          issues.push({ field: `scores.${label}.${attribute.id}`, message: `must be between ${scale.min} and ${scale.max}` });
        }
      }
    }
    return issues;
  },

  toAnswer(question, draft, { labels }): RatingAnswer {
    const known = new Set(question.attributes.map((a) => a.id));
    return {
      scores: Object.fromEntries(
        labels.map((label) => [
          label,
          Object.fromEntries(Object.entries(draft.scores[label] ?? {}).filter(([id]) => known.has(id))),
        ]),
      ),
    };
  },
};
