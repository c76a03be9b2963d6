import { useEffect, useRef, useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { isApiError } from '@/lib/api-client';
import type { ParticipationState, SurveyQuestion } from '@/lib/api-types';

import { useAnswerProfile } from '../../api/answer-profile';

import { checkSurvey, initialValues, numberHint, serverErrors, toAnswers, type SurveyErrors, type SurveyValues } from './survey';

type ProfileSurveyProps = { slug: string; state: ParticipationState; step: string | null };

/** The researcher's profile questions, answered once before the first task. */
export function ProfileSurvey({ slug, state, step }: ProfileSurveyProps) {
  const { survey } = state;
  const [values, setValues] = useState<SurveyValues>(() => initialValues(survey, state.answers));
  const [errors, setErrors] = useState<SurveyErrors>({});
  const formRef = useRef<HTMLFormElement>(null);
  const [focusTick, setFocusTick] = useState(0);
  const save = useAnswerProfile({
    mutationConfig: {
      onError: (error) => {
        const named = isApiError(error, 'invalid_profile') ? serverErrors(error.details) : {};
        setErrors(named);
        setFocusTick((n) => n + 1);
      },
    },
  });

  // After a failed submit, take the keyboard to the first question with a problem.
  useEffect(() => {
    if (!focusTick) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusTick]);

  const set = (id: string, value: string | string[]) => {
    setValues((v) => ({ ...v, [id]: value }));
    setErrors(({ [id]: _fixed, ...rest }) => rest);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkSurvey(survey, values);
    setErrors(found);
    if (Object.keys(found).length) {
      setFocusTick((n) => n + 1);
      return;
    }
    save.mutate({ slug, body: { answers: toAnswers(survey, values) } });
  };

  const known = new Set(survey.map((q) => q.id));
  const unplaced = save.error && !Object.keys(errors).some((id) => known.has(id));

  return (
    <section className="card onboarding" data-testid="survey" aria-labelledby="survey-title">
      {step ? <p className="onboarding__step">{step}</p> : null}
      <h1 id="survey-title">A few questions about you</h1>
      <p className="muted">
        Asked once. Your answers are stored with your annotations, without your name. Questions marked{' '}
        <span aria-hidden="true">*</span>
        <span className="visually-hidden">required</span> need an answer.
      </p>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        {survey.map((q) => (
          <SurveyField key={q.id} question={q} value={values[q.id]} error={errors[q.id]} onChange={(v) => set(q.id, v)} />
        ))}
        {unplaced ? <ErrorMessage error={save.error} title="Could not save your answers." /> : null}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Continue to the tasks'}
          </button>
        </div>
      </form>
    </section>
  );
}

type SurveyFieldProps = {
  question: SurveyQuestion;
  value: string | string[] | undefined;
  error: string | undefined;
  onChange: (value: string | string[]) => void;
};

function SurveyField({ question: q, value, error, onChange }: SurveyFieldProps) {
  const id = `survey-${q.id}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const mark = q.required ? (
    <>
      <span className="survey__mark" aria-hidden="true">
        {' '}*
      </span>
      <span className="visually-hidden"> (required)</span>
    </>
  ) : null;
  const problem = error ? (
    <p id={errorId} className="field__error survey__error" data-testid={`${id}-error`}>
      {error}
    </p>
  ) : null;
  const invalid = error ? true : undefined;
  const className = `survey__question${error ? ' question--invalid' : ''}`;

  if (q.kind === 'single_choice' || q.kind === 'multiple_choice') {
    const single = q.kind === 'single_choice';
    const chosen = Array.isArray(value) ? value : value ? [value] : [];
    return (
      <fieldset className={`fieldset ${className}`} data-testid={id}>
        <legend>
          {q.prompt}
          {mark}
        </legend>
        {(q.options ?? []).map((option) => (
          <label key={option.id} className="checkbox survey__option">
            <input
              type={single ? 'radio' : 'checkbox'}
              name={id}
              value={option.id}
              checked={chosen.includes(option.id)}
              required={single && q.required}
              aria-invalid={invalid}
              aria-describedby={error ? errorId : undefined}
              onChange={(e) =>
                onChange(
                  single
                    ? option.id
                    : e.target.checked
                      ? [...chosen, option.id]
                      : chosen.filter((c) => c !== option.id),
                )
              }
            />
            {option.label}
          </label>
        ))}
        {problem}
      </fieldset>
    );
  }

  const text = typeof value === 'string' ? value : '';
  const describedBy = [error ? errorId : null, hintId].filter(Boolean).join(' ');
  return (
    <div className={`field ${className}`} data-testid={id}>
      <label htmlFor={id}>
        {q.prompt}
        {mark}
      </label>
      {q.kind === 'number' ? (
        <input
          id={id}
          type="number"
          inputMode="decimal"
          step="any"
          min={q.min ?? undefined}
          max={q.max ?? undefined}
          value={text}
          required={q.required}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <textarea
          id={id}
          rows={3}
          maxLength={q.max_length}
          value={text}
          required={q.required}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      <small id={hintId}>{q.kind === 'number' ? numberHint(q) : `${[...text].length} / ${q.max_length} characters`}</small>
      {problem}
    </div>
  );
}
