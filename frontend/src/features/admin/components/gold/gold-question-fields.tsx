import type { RankingQuestion, RatingQuestion } from '@/lib/api-types';

import type { GoldQuestion, Mark, QuestionDraft, Vote } from './gold-draft';

type FieldsProps = {
  question: GoldQuestion;
  letters: string[];
  draft: QuestionDraft;
  onChange: (patch: Partial<QuestionDraft>) => void;
};

const toggled = (list: string[], value: string, on: boolean) => (on ? [...list, value] : list.filter((v) => v !== value));

/** The expected-answer inputs that fit the question's kind. */
export function GoldQuestionFields(props: FieldsProps) {
  const { question } = props;
  switch (question.kind) {
    case 'pairwise': {
      const choices = [
        ['A', 'A'],
        ['B', 'B'],
        ...(question.allow_tie ? [['tie', 'Tie']] : []),
        ...(question.allow_both_bad ? [['both_bad', 'Both bad']] : []),
      ];
      return (
        <ChoiceBoxes legend="Accepted choices" choices={choices} chosen={props.draft.accept} onChange={(accept) => props.onChange({ accept })} />
      );
    }
    case 'ranking':
      return <RankingFields {...props} question={question} />;
    case 'binary':
      return (
        <PerCandidate
          letters={props.letters}
          label="Expected vote"
          value={(l) => props.draft.votes[l] ?? ''}
          options={[
            ['', 'Not checked (either)'],
            ['up', 'Up'],
            ['down', 'Down'],
          ]}
          onChange={(l, vote) => props.onChange({ votes: { ...props.draft.votes, [l]: vote as Vote } })}
        />
      );
    case 'negative_only':
      return (
        <PerCandidate
          letters={props.letters}
          label="Expected mark"
          value={(l) => props.draft.marks[l] ?? 'acceptable'}
          options={[
            ['acceptable', 'Acceptable (not marked)'],
            ['unacceptable', 'Unacceptable (marked)'],
            ['borderline', 'Borderline (either)'],
          ]}
          onChange={(l, mark) => props.onChange({ marks: { ...props.draft.marks, [l]: mark as Mark } })}
        />
      );
    case 'rating':
      return <RatingFields {...props} question={question} />;
  }
}

function ChoiceBoxes({ legend, choices, chosen, onChange }: { legend: string; choices: string[][]; chosen: string[]; onChange: (chosen: string[]) => void }) {
  return (
    <div role="group" aria-label={legend} className="form__actions">
      <span className="muted">{legend}:</span>
      {choices.map(([value, label]) => (
        <label key={value} className="checkbox">
          <input type="checkbox" checked={chosen.includes(value)} onChange={(e) => onChange(toggled(chosen, value, e.target.checked))} />
          {label}
        </label>
      ))}
    </div>
  );
}

function PerCandidate({
  letters,
  label,
  value,
  options,
  onChange,
}: {
  letters: string[];
  label: string;
  value: (letter: string) => string;
  options: string[][];
  onChange: (letter: string, value: string) => void;
}) {
  return (
    <div className="form__actions">
      {letters.map((letter) => (
        <label key={letter} className="field field--short">
          {letter}
          <select aria-label={`${label} for ${letter}`} value={value(letter)} onChange={(e) => onChange(letter, e.target.value)}>
            {options.map(([v, text]) => (
              <option key={v} value={v}>
                {text}
              </option>
            ))}
          </select>
        </label>
      ))}
    </div>
  );
}

function RankingFields({ letters, draft, onChange }: FieldsProps & { question: RankingQuestion }) {
  const move = (from: number, to: number) => {
    const order = [...draft.order];
    [order[from], order[to]] = [order[to], order[from]];
    onChange({ order });
  };
  return (
    <div className="stack">
      <div role="radiogroup" aria-label="What is checked" className="form__actions">
        <label className="checkbox">
          <input type="radio" checked={draft.rankBy === 'order'} onChange={() => onChange({ rankBy: 'order' })} />
          The whole order
        </label>
        <label className="checkbox">
          <input type="radio" checked={draft.rankBy === 'top'} onChange={() => onChange({ rankBy: 'top' })} />
          Only the best place
        </label>
      </div>
      {draft.rankBy === 'order' ? (
        <>
          <ol aria-label="Expected order, best first">
            {draft.order.map((letter, i) => (
              <li key={letter}>
                <strong>{letter}</strong>{' '}
                <button type="button" className="button button--small" aria-label={`Move ${letter} up`} disabled={i === 0} onClick={() => move(i, i - 1)}>
                  ↑
                </button>{' '}
                <button
                  type="button"
                  className="button button--small"
                  aria-label={`Move ${letter} down`}
                  disabled={i === draft.order.length - 1}
                  onClick={() => move(i, i + 1)}
                >
                  ↓
                </button>
              </li>
            ))}
          </ol>
          <label className="field field--short">
            Passes at % of pairs in this order
            <input type="number" min={1} max={100} value={draft.passPercent} onChange={(e) => onChange({ passPercent: e.target.value })} />
            <small>Blank: partial credit, the share of pairs ordered alike.</small>
          </label>
        </>
      ) : (
        <ChoiceBoxes legend="Accepted best" choices={letters.map((l) => [l, l])} chosen={draft.top} onChange={(top) => onChange({ top })} />
      )}
    </div>
  );
}

function RatingFields({ letters, draft, onChange, question }: FieldsProps & { question: RatingQuestion }) {
  const set = (letter: string, attribute: string, field: 'value' | 'tolerance', text: string) => {
    const current = draft.scores[letter]?.[attribute] ?? { value: '', tolerance: '0' };
    onChange({ scores: { ...draft.scores, [letter]: { ...draft.scores[letter], [attribute]: { ...current, [field]: text } } } });
  };
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Candidate</th>
          {question.attributes.map((a) => (
            <th key={a.id} scope="col">
              {a.label} ({a.scale?.min ?? 0}–{a.scale?.max ?? 4}) ± tolerance
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {letters.map((letter) => (
          <tr key={letter}>
            <th scope="row">{letter}</th>
            {question.attributes.map((a) => {
              const score = draft.scores[letter]?.[a.id] ?? { value: '', tolerance: '0' };
              return (
                <td key={a.id}>
                  <span className="form__actions">
                    <input
                      type="number"
                      aria-label={`${letter} ${a.label} expected`}
                      min={a.scale?.min ?? 0}
                      max={a.scale?.max ?? 4}
                      value={score.value}
                      placeholder="not checked"
                      onChange={(e) => set(letter, a.id, 'value', e.target.value)}
                    />
                    <input
                      type="number"
                      aria-label={`${letter} ${a.label} tolerance`}
                      min={0}
                      value={score.tolerance}
                      onChange={(e) => set(letter, a.id, 'tolerance', e.target.value)}
                    />
                  </span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
