import type { Candidate, CandidateLabel } from '@/lib/api-types';

import { MessageContent } from './message-content';

type CandidateListProps = { candidates: Candidate[]; selected?: CandidateLabel };

/** The candidates, labelled A, B, C… in the order shown: side by side when there's room. */
export function CandidateList({ candidates, selected }: CandidateListProps) {
  return (
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
}
