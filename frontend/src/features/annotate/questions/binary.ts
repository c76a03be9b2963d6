import type { BinaryAnswer, BinaryQuestion, CandidateLabel, Vote } from '@/lib/api-types';

import { isRecord, type QuestionModel } from './common';

export type BinaryDraft = { votes: Partial<Record<CandidateLabel, Vote>> };

export const vote = (draft: BinaryDraft, label: CandidateLabel, value: Vote): BinaryDraft => ({
  votes: { ...draft.votes, [label]: value },
});

export const binary: QuestionModel<BinaryQuestion, BinaryDraft> = {
  init(_question, { labels }, previous) {
    const votes: BinaryDraft['votes'] = {};
    if (isRecord(previous) && isRecord(previous.votes)) {
      for (const label of labels) {
        const value = previous.votes[label];
        if (value === 'up' || value === 'down') votes[label] = value;
      }
    }
    return { votes };
  },

  validate(_question, draft, { labels }) {
    return labels
      .filter((label) => !draft.votes[label])
      .map((label) => ({ field: `votes.${label}`, message: 'give a thumbs up or down' }));
  },

  toAnswer(_question, draft, { labels }): BinaryAnswer {
    return { votes: Object.fromEntries(labels.map((label) => [label, draft.votes[label] as Vote])) };
  },
};
