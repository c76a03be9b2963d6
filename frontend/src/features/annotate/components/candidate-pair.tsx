import type { Candidate, PairwiseChoice } from '@/lib/api-types';

import { MessageContent } from './message-content';

type CandidatePairProps = { candidates: Candidate[]; selected?: PairwiseChoice };

export function CandidatePair({ candidates, selected }: CandidatePairProps) {
  return (
    <section className="candidates" aria-label="Responses to compare">
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
