import { useState } from 'react';

import type { Candidate, CandidateLabel } from '@/lib/api-types';

import { MediaSync } from '@/lib/media-sync';

import { MessageContent } from '@/components/content/message-content';
import { MediaSyncContext, SyncedVideoBar } from '@/components/content/synced-videos';

type CandidateListProps = { candidates: Candidate[]; selected?: CandidateLabel };

const hasVideo = (candidate: Candidate) =>
  Array.isArray(candidate.content) && candidate.content.some((part) => part?.type === 'video');

/**
 * The candidates, labelled A, B, C… in the order shown: side by side when there's room. When
 * several hold a video, one bar plays, pauses and seeks them together.
 */
export function CandidateList({ candidates, selected }: CandidateListProps) {
  const [sync] = useState(() => new MediaSync());
  const synced = candidates.filter(hasVideo).length >= 2;
  const list = (
    <section
      className={`candidates candidates--${candidates.length > 2 ? 'many' : 'pair'}`}
      aria-label={candidates.length === 2 ? 'Responses to compare' : 'Responses'}
    >
      {candidates.map((candidate) => {
        const headingId = `candidate-${candidate.label}-title`;
        const isSelected = selected === candidate.label;
        return (
          <article
            key={candidate.label}
            className={`candidate${isSelected ? ' candidate--selected' : ''}`}
            data-testid={`candidate-${candidate.label}`}
            aria-labelledby={headingId}
          >
            <h2 id={headingId} className="candidate__title">
              Response {candidate.label}
            </h2>
            <div className="candidate__body">
              <MessageContent parts={candidate.content} />
            </div>
          </article>
        );
      })}
    </section>
  );
  if (!synced) return list;
  return (
    <MediaSyncContext.Provider value={sync}>
      <SyncedVideoBar sync={sync} />
      {list}
    </MediaSyncContext.Provider>
  );
}
