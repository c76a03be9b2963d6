import type { Answer, Candidate, CandidateLabel, Question } from '@/lib/api-types';
import { mediaSummary, plainText } from '@/lib/content';

/**
 * One reason an answer is not complete/valid. `field` is relative to the question's answer, using
 * the server's paths (`ranking`, `votes.A`, `scores.A.helpfulness`), so client-side checks and a
 * server 422 (`answers.<id>.<field>`) are shown the same way.
 */
export type Issue = { field: string; message: string };

export type QuestionContext = {
  /** The candidates' labels in the order shown ("A", "B", ...). */
  labels: CandidateLabel[];
  candidates: Candidate[];
  /** What a `target: "prompt"` question is about, as a heading ("The prompt" when unset). */
  subject?: string;
};

/** The answer model of one question kind: a draft the UI edits, its checks, and the wire answer. */
export interface QuestionModel<Q extends Question, D> {
  /** A fresh draft, or one rebuilt from a previously submitted answer (undo). */
  init(question: Q, ctx: QuestionContext, previous?: unknown): D;
  /** Mirrors the server's rules (backend/prefhub/campaigns/answers.py). Empty = complete. */
  validate(question: Q, draft: D, ctx: QuestionContext): Issue[];
  toAnswer(question: Q, draft: D, ctx: QuestionContext): Answer;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Length in Unicode code points, as Python's len() counts it. */
export const codePoints = (text: string): number => Array.from(text).length;

/** A candidate's text parts joined (what a refinement starts from, what a preview shows). */
export const candidateText = (candidate: Candidate | undefined): string => plainText(candidate?.content);

/**
 * A one-line plain-text preview of a candidate (Markdown markers stripped, whitespace collapsed);
 * a media-only candidate is described by its parts' kinds and alt texts.
 */
export function candidatePreview(candidate: Candidate | undefined, max = 140): string {
  const plain = (candidateText(candidate) || mediaSummary(candidate?.content))
    .replace(/```[\s\S]*?```/g, ' [code] ')
    .replace(/[*_`#>~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!plain) return '(no text)';
  const chars = Array.from(plain);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : plain;
}
