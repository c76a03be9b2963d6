import { getIn, KIND_NAMES, type BuilderQuestionKind, type SpecPath } from './spec-document';
import { AnchorsField } from './rich-fields';
import { CheckField, ChoiceRows, FieldProblems, NumberField, RowList, SelectField, TextField, useSpecEditing } from './spec-fields';

/** A scale's range and its labelled values. */
function ScaleFields({ path }: { path: SpecPath }) {
  return (
    <>
      <div className="form-grid">
        <NumberField path={[...path, 'min']} label="Scale from" fallback={0} />
        <NumberField path={[...path, 'max']} label="Scale to" fallback={4} />
      </div>
      <AnchorsField scale={path} />
    </>
  );
}

/** What each kind asks beyond an id, a prompt and help. */
function KindFields({ kind, path }: { kind: BuilderQuestionKind; path: SpecPath }) {
  const { spec, set } = useSpecEditing();
  switch (kind) {
    case 'pairwise':
      return (
        <>
          <CheckField path={[...path, 'allow_tie']} label="Allow a tie" fallback />
          <CheckField path={[...path, 'allow_both_bad']} label="Allow “Both are bad”" fallback />
          <CheckField path={[...path, 'strength']} label="Ask how strong (slight / clear / strong)" fallback={false} />
          <ChoiceRows path={[...path, 'aspects']} label="Aspects (A, B or tie on each)" noun="aspect" described />
        </>
      );
    case 'ranking':
      return (
        <>
          <CheckField path={[...path, 'allow_ties']} label="Allow ties" fallback />
          <CheckField path={[...path, 'allow_none_acceptable']} label="Allow “None is acceptable”" fallback />
        </>
      );
    case 'binary':
      return null;
    case 'negative_only':
      return (
        <>
          <CheckField path={[...path, 'require_reason']} label="A reason is required" fallback />
          <ChoiceRows path={[...path, 'reasons']} label="Reasons" noun="reason" described />
        </>
      );
    case 'rating':
      return (
        <RowList
          path={[...path, 'attributes']}
          label="Attributes"
          addLabel="Add attribute"
          newRow={(i) => ({ id: `attribute_${i + 1}`, label: `Attribute ${i + 1}`, scale: { min: 0, max: 4 }, required: true })}
        >
          {(row) => (
            <>
              <div className="form-grid">
                <TextField path={[...row, 'id']} label="Id" />
                <TextField path={[...row, 'label']} label="Label" />
                <TextField path={[...row, 'description']} label="Description (shown as help)" />
                <CheckField path={[...row, 'required']} label="Required" fallback />
              </div>
              <ScaleFields path={[...row, 'scale']} />
            </>
          )}
        </RowList>
      );
    case 'text':
      return (
        <div className="form-grid">
          <SelectField path={[...path, 'purpose']} label="Purpose" options={['rationale', 'critique', 'refinement']} fallback="rationale" />
          <SelectField path={[...path, 'target']} label="Asked about" options={['item', 'candidate']} fallback="item" />
          <NumberField path={[...path, 'min_length']} label="Minimum length" fallback={0} />
          <NumberField path={[...path, 'max_length']} label="Maximum length" fallback={5000} />
          <CheckField path={[...path, 'required']} label="Required" fallback={false} />
        </div>
      );
    case 'labels':
      return (
        <>
          <SelectField path={[...path, 'target']} label="Labels on" options={['candidates', 'prompt']} fallback="candidates" />
          <RowList path={[...path, 'labels']} label="Labels" addLabel="Add label" newRow={(i) => ({ id: `label_${i + 1}`, label: `Label ${i + 1}`, type: 'flag' })}>
            {(row) => (
              <>
                <div className="form-grid">
                  <TextField path={[...row, 'id']} label="Id" />
                  <TextField path={[...row, 'label']} label="Label" />
                  <TextField path={[...row, 'description']} label="Description (shown as help)" />
                  <SelectField
                    path={[...row, 'type']}
                    label="Type"
                    options={['flag', 'scale']}
                    fallback="flag"
                    // A flag takes no scale; a scale starts from 0..4 (or the one it had).
                    onChange={(next) => set([...row, 'scale'], next === 'scale' ? (getIn(spec, [...row, 'scale']) ?? { min: 0, max: 4 }) : undefined)}
                  />
                </div>
                {getIn(spec, [...row, 'type']) === 'scale' ? <ScaleFields path={[...row, 'scale']} /> : null}
              </>
            )}
          </RowList>
        </>
      );
  }
}

type QuestionEditorProps = { index: number; count: number };

/** One question: its kind's editor, and moving or removing it. */
export function QuestionEditor({ index, count }: QuestionEditorProps) {
  const { spec, set, move } = useSpecEditing();
  const path: SpecPath = ['questions', index];
  const kind = getIn(spec, [...path, 'kind']);
  const known = typeof kind === 'string' && kind in KIND_NAMES;
  const title = `Question ${index + 1}: ${known ? KIND_NAMES[kind as BuilderQuestionKind] : String(kind ?? 'no kind')}`;
  return (
    <section className="card builder-question" aria-label={title} data-testid={`question-${index}`}>
      <header className="builder-question__header">
        <h3>{title}</h3>
        <div className="form__actions">
          <button type="button" className="button button--small" disabled={index === 0} onClick={() => move(['questions'], index, index - 1)}>
            Move up
          </button>
          <button type="button" className="button button--small" disabled={index === count - 1} onClick={() => move(['questions'], index, index + 1)}>
            Move down
          </button>
          <button type="button" className="button button--small button--danger" onClick={() => set(path, undefined)}>
            Remove question
          </button>
        </div>
      </header>
      <FieldProblems path={path} />
      <div className="form-grid">
        <TextField path={[...path, 'id']} label="Question id" />
        <TextField path={[...path, 'prompt']} label="Prompt" />
      </div>
      <TextField path={[...path, 'help']} label="Help (Markdown)" multiline />
      {known ? <KindFields kind={kind as BuilderQuestionKind} path={path} /> : null}
    </section>
  );
}
