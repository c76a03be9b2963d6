import type { CampaignDetail, CampaignSpec, SpecCheck } from '@/lib/api-types';

export const demoSpec = {
  name: 'Demo campaign',
  slug: 'demo',
  guidelines: 'Be fair.',
  redundancy: 3,
  lease_minutes: 30,
  priority: 0,
  min_candidates: 2,
  max_candidates_shown: 4,
  max_open_leases: 1,
  undo_seconds: 60,
  questions: [{ kind: 'pairwise', id: 'preference', prompt: 'Which is better?', help: '', allow_tie: true, allow_both_bad: false, strength: false }],
} as CampaignSpec;

export const demoCampaign = (version: number, spec: CampaignSpec = demoSpec) =>
  ({
    id: 1,
    slug: 'demo',
    name: 'Demo campaign',
    status: 'active',
    version,
    redundancy: 3,
    created_at: '2025-01-01T00:00:00Z',
    progress: { items: 10, items_complete: 4, judgments: 15, judgments_target: 30 },
    spec,
  }) as CampaignDetail;

/** A check of a spec that no longer allows a tie, which 7 stored judgments chose. */
export const tieRemovedCheck: SpecCheck = {
  valid: true,
  problems: [],
  current_version: 1,
  changes: [{ path: 'questions[preference].allow_tie', kind: 'changed', old: true, new: false }],
  warnings: [
    {
      code: 'choice_removed',
      severity: 'warning',
      question: 'preference',
      path: 'questions[preference].allow_tie',
      message: "'tie' is no longer offered; stored answers chose it",
      affected: 7,
    },
  ],
};
