import type {
  LabelsAnswer,
  Question,
  RankingQuestion,
  TreeRankAnswer,
  TreeReplyChoice,
  TreeReviewAnswer,
  TreeTask,
  TreeTaskKind,
  TreeWriteAnswer,
} from '@/lib/api-types';

import { toAnswers, type Drafts, type QuestionContext } from '../questions';
import { codePoints } from '../questions/common';
import { groupsOf, type RankingDraft } from '../questions/ranking';

export type WriteKind = TreeWriteAnswer['kind'];
export type Guidance = TreeTask['guidance'];

export const isWriteKind = (kind: TreeTaskKind): kind is WriteKind =>
  kind === 'initial_prompt' || kind === 'assistant_reply' || kind === 'prompter_reply';

/** What the annotator is asked to write, in the words the screen uses. */
export const WRITE_ROLE: Record<WriteKind, { title: string; placeholder: string }> = {
  initial_prompt: {
    title: 'Write a prompt to start a conversation',
    placeholder: 'Ask a question or give an instruction, as a user of an AI assistant would.',
  },
  assistant_reply: {
    title: "Write the assistant's reply",
    placeholder: 'Answer the last user message as a helpful, honest assistant would.',
  },
  prompter_reply: {
    title: "Write the user's follow-up",
    placeholder: 'Continue the conversation as the user: ask more, push back, or change course.',
  },
};

/** The server's rule: the trimmed text's length, in code points, within the campaign's bounds. */
export function lengthIssue(text: string, { min_length, max_length }: Guidance): string | null {
  const length = codePoints(text.trim());
  if (length < min_length) return `Write at least ${min_length - length} more character${min_length - length === 1 ? '' : 's'}.`;
  if (length > max_length) return `Remove ${length - max_length} character${length - max_length === 1 ? '' : 's'}.`;
  return null;
}

export const writeAnswer = (kind: WriteKind, text: string): TreeWriteAnswer => ({ kind, text: text.trim() });

/** Siblings are ranked with the ranking question's controls; ties are allowed, "none" is not. */
export const RANK_QUESTION: RankingQuestion = {
  kind: 'ranking',
  id: 'rank',
  prompt: 'Rank the replies, best first',
  help: '',
  allow_ties: true,
  allow_none_acceptable: false,
};

export const rankContext = (replies: TreeReplyChoice[]): QuestionContext => ({
  labels: replies.map((r) => r.label),
  candidates: replies,
});

/** The ranking draft's tied groups of labels, as groups of message ids. */
export function rankAnswer(draft: RankingDraft, replies: TreeReplyChoice[]): TreeRankAnswer {
  const idOf = new Map(replies.map((r) => [r.label, r.id]));
  return {
    kind: 'rank',
    ranking: groupsOf(draft).map((group) => group.flatMap((label) => (idOf.has(label) ? [idOf.get(label)!] : []))),
  };
}

/** No candidates in a review: the labels are about the message under review (`target: "prompt"`). */
export const REVIEW_CONTEXT: QuestionContext = { labels: [], candidates: [], subject: 'The message under review' };

export const reviewAnswer = (acceptable: boolean, questions: Question[], drafts: Drafts): TreeReviewAnswer => ({
  kind: 'review',
  acceptable,
  labels: toAnswers(questions, drafts, REVIEW_CONTEXT) as Record<string, LabelsAnswer>,
});
