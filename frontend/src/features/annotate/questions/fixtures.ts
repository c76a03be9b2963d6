// Test fixtures: questions with every field the server fills in, and a context of shown candidates.
import type {
  BinaryQuestion,
  Candidate,
  LabelsQuestion,
  NegativeOnlyQuestion,
  PairwiseQuestion,
  RankingQuestion,
  RatingQuestion,
  TextQuestion,
} from '@/lib/api-types';

import type { QuestionContext } from './common';

export const candidates = (labels: string[]): Candidate[] =>
  labels.map((label) => ({ label, content: [{ type: 'text', text: `Answer **${label}** text` }] }));

export const ctxOf = (labels: string[]): QuestionContext => ({ labels, candidates: candidates(labels) });

export const pairwiseQ = (extra: Partial<PairwiseQuestion> = {}): PairwiseQuestion => ({
  kind: 'pairwise',
  id: 'preference',
  prompt: 'Which is better?',
  help: '',
  allow_tie: true,
  allow_both_bad: true,
  strength: false,
  aspects: [],
  ...extra,
});

export const rankingQ = (extra: Partial<RankingQuestion> = {}): RankingQuestion => ({
  kind: 'ranking',
  id: 'ranking',
  prompt: 'Rank the responses, best first.',
  help: '',
  allow_ties: true,
  allow_none_acceptable: true,
  ...extra,
});

export const binaryQ = (extra: Partial<BinaryQuestion> = {}): BinaryQuestion => ({
  kind: 'binary',
  id: 'acceptable',
  prompt: 'Is this response acceptable?',
  help: '',
  ...extra,
});

export const negativeQ = (extra: Partial<NegativeOnlyQuestion> = {}): NegativeOnlyQuestion => ({
  kind: 'negative_only',
  id: 'unacceptable',
  prompt: 'Mark every response that is unacceptable.',
  help: '',
  require_reason: true,
  reasons: [
    { id: 'incorrect', label: 'Factually incorrect', description: '' },
    { id: 'harmful', label: 'Harmful or unsafe', description: '' },
  ],
  ...extra,
});

export const ratingQ = (extra: Partial<RatingQuestion> = {}): RatingQuestion => ({
  kind: 'rating',
  id: 'rating',
  prompt: 'Rate each response.',
  help: '',
  attributes: [
    {
      id: 'helpfulness',
      label: 'Helpfulness',
      description: '',
      required: true,
      scale: { min: 0, max: 4, anchors: { '0': 'useless', '4': 'perfect' } },
    },
    { id: 'style', label: 'Style', description: '', required: false, scale: { min: 1, max: 3, anchors: {} } },
  ],
  ...extra,
});

export const textQ = (extra: Partial<TextQuestion> = {}): TextQuestion => ({
  kind: 'text',
  id: 'rationale',
  prompt: 'Explain your choice.',
  help: '',
  purpose: 'rationale',
  target: 'item',
  required: false,
  min_length: 0,
  max_length: 5000,
  ...extra,
});

export const labelsQ = (extra: Partial<LabelsQuestion> = {}): LabelsQuestion => ({
  kind: 'labels',
  id: 'labels',
  prompt: 'Label the message.',
  help: '',
  target: 'candidates',
  labels: [
    { id: 'spam', label: 'Spam', description: '', type: 'flag', scale: null },
    { id: 'quality', label: 'Quality', description: '', type: 'scale', scale: { min: 0, max: 4, anchors: {} } },
  ],
  ...extra,
});
