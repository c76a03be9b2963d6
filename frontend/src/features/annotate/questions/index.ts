import type { Answer, AnswerErrorDetail, Question } from '@/lib/api-types';

import { binary, type BinaryDraft } from './binary';
import type { Issue, QuestionContext, QuestionModel } from './common';
import { labelsModel, type LabelsDraft } from './labels';
import { negativeOnly, type NegativeOnlyDraft } from './negative-only';
import { pairwise, type PairwiseDraft } from './pairwise';
import { ranking, type RankingDraft } from './ranking';
import { rating, type RatingDraft } from './rating';
import { text, type TextDraft } from './text';

export type { Issue, QuestionContext } from './common';

export type Draft = PairwiseDraft | RankingDraft | BinaryDraft | NegativeOnlyDraft | RatingDraft | TextDraft | LabelsDraft;
export type Drafts = Record<string, Draft>;

type AnyModel = QuestionModel<Question, Draft>;

/** The answer model for a question's kind, or null for a kind this build doesn't know. */
export function modelFor(question: Question): AnyModel | null {
  const models: Record<Question['kind'], unknown> = {
    pairwise,
    ranking,
    binary,
    negative_only: negativeOnly,
    rating,
    text,
    labels: labelsModel,
  };
  return (models[question.kind] as AnyModel | undefined) ?? null;
}

const UNKNOWN_KIND: Issue = { field: '', message: 'this question kind is not supported by this version of the app' };

export function initDrafts(questions: Question[], ctx: QuestionContext, previous: Record<string, unknown> = {}): Drafts {
  const drafts: Drafts = {};
  for (const question of questions) {
    const model = modelFor(question);
    if (model) drafts[question.id] = model.init(question, ctx, previous[question.id]);
  }
  return drafts;
}

export function validateQuestion(question: Question, draft: Draft | undefined, ctx: QuestionContext): Issue[] {
  const model = modelFor(question);
  if (!model || draft === undefined) return [UNKNOWN_KIND];
  return model.validate(question, draft, ctx);
}

export const isComplete = (question: Question, draft: Draft | undefined, ctx: QuestionContext): boolean =>
  validateQuestion(question, draft, ctx).length === 0;

export function toAnswers(questions: Question[], drafts: Drafts, ctx: QuestionContext): Record<string, Answer> {
  const answers: Record<string, Answer> = {};
  for (const question of questions) {
    const model = modelFor(question);
    const draft = drafts[question.id];
    if (model && draft !== undefined) answers[question.id] = model.toAnswer(question, draft, ctx);
  }
  return answers;
}

/**
 * A server `invalid_answer` 422's details, grouped by question id with the field made relative to
 * the question (`answers.q.scores.A.x` → q: `scores.A.x`). Details naming no question go under `""`.
 */
export function serverIssues(details: unknown): Record<string, Issue[]> {
  const grouped: Record<string, Issue[]> = {};
  const list = Array.isArray(details) ? details : [];
  for (const entry of list as Partial<AnswerErrorDetail>[]) {
    if (!entry || typeof entry.message !== 'string') continue;
    const parts = typeof entry.field === 'string' ? entry.field.split('.') : [];
    const [root, questionId, ...rest] = parts;
    const key = root === 'answers' && questionId ? questionId : '';
    const field = key ? rest.join('.') : (entry.field ?? '');
    (grouped[key] ??= []).push({ field, message: entry.message });
  }
  return grouped;
}

/** Human words for an issue's field: `scores.A.helpfulness` → "Response A · Helpfulness". */
export function describeField(question: Question, field: string): string {
  const names = new Map<string, string>();
  const add = (items: { id: string; label: string }[] | undefined) => items?.forEach((i) => names.set(i.id, i.label));
  if (question.kind === 'pairwise') add(question.aspects);
  if (question.kind === 'negative_only') add(question.reasons);
  if (question.kind === 'rating') add(question.attributes);
  if (question.kind === 'labels') add(question.labels);
  const words = field
    .split('.')
    .slice(1)
    .filter(Boolean)
    .map((segment) => (/^[A-Z]$/.test(segment) ? `Response ${segment}` : (names.get(segment) ?? segment)));
  if (question.kind === 'labels' && question.target === 'prompt') return words.join(' · ');
  return words.join(' · ');
}

export const describeIssue = (question: Question, issue: Issue): string => {
  const where = describeField(question, issue.field);
  const message = issue.message.charAt(0).toUpperCase() + issue.message.slice(1);
  return where ? `${where}: ${message}` : message;
};
