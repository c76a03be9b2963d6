import { useState } from 'react';

import type { Candidate, CandidateLabel, Task } from '@/lib/api-types';

import { MediaSync } from '@/lib/media-sync';

import { MediaDisplayContext, mediaSettings } from '@/components/content/media-display';
import { MessageContent } from '@/components/content/message-content';
import { MediaSyncContext, SyncedVideoBar } from '@/components/content/synced-videos';

type CandidateListProps = {
  candidates: Candidate[];
  selected?: CandidateLabel;
  /** The campaign's display settings: layout, and how the candidates' media play. */
  display?: Task['display'];
  /** A candidate's audio/video part (by index) played to its end. */
  onMediaEnded?: (label: CandidateLabel, index: number) => void;
};

function layoutClass(layout: string | undefined, count: number): string {
  if (layout === 'stacked') return 'candidates--stacked';
  if (layout === 'side_by_side') return 'candidates--side-by-side';
  return `candidates--${count > 2 ? 'many' : 'pair'}`;
}

const hasVideo = (candidate: Candidate) =>
  Array.isArray(candidate.content) && candidate.content.some((part) => part?.type === 'video');

/**
 * The candidates, labelled A, B, C… in the order shown: side by side when there's room (or as the
 * campaign's layout says). When several hold a video, one bar plays, pauses and seeks them together.
 */
export function CandidateList({ candidates, selected, display, onMediaEnded }: CandidateListProps) {
  const [sync] = useState(() => new MediaSync());
  const synced = candidates.filter(hasVideo).length >= 2;
  const layout = display?.layout ?? 'auto';
  const list = (
    <section
      className={`candidates ${layoutClass(layout, candidates.length)}`}
      data-layout={layout}
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
              <MessageContent
                parts={candidate.content}
                onMediaEnded={onMediaEnded ? (index) => onMediaEnded(candidate.label, index) : undefined}
              />
            </div>
          </article>
        );
      })}
    </section>
  );
  return (
    <MediaDisplayContext.Provider value={mediaSettings(display)}>
      {synced ? (
        <MediaSyncContext.Provider value={sync}>
          <SyncedVideoBar sync={sync} />
          {list}
        </MediaSyncContext.Provider>
      ) : (
        list
      )}
    </MediaDisplayContext.Provider>
  );
}
