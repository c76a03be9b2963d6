import { useState } from 'react';

import { getIn, isRecord, KIND_NAMES, newQuestion, QUESTION_KINDS, questionIds, type BuilderQuestionKind, type SpecPath } from './spec-document';
import {
  CheckField,
  ChoiceRows,
  FieldProblems,
  ListField,
  NumberField,
  OptionalBlockField,
  ProfileRulesField,
  RowList,
  SelectField,
  TextField,
  useSpecEditing,
} from './spec-fields';
import { QuestionEditor } from './question-editor';
import { GroupsField, JsonObjectField } from './rich-fields';

function Questions() {
  const { spec, set } = useSpecEditing();
  const [kind, setKind] = useState<BuilderQuestionKind>('binary');
  const questions = Array.isArray(spec.questions) ? spec.questions : [];
  return (
    <section aria-labelledby="builder-questions">
      <h2 id="builder-questions">Questions (shown together on one screen)</h2>
      <FieldProblems path={['questions']} />
      {questions.map((_, i) => (
        <QuestionEditor key={i} index={i} count={questions.length} />
      ))}
      <div className="form--inline">
        <label htmlFor="builder-new-question-kind">New question</label>
        <select
          id="builder-new-question-kind"
          // A question's kind is chosen here, when it is added (its answers' shape depends on it).
          data-spec-path="questions.*.kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as BuilderQuestionKind)}
        >
          {QUESTION_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_NAMES[k]}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={() => set(['questions', questions.length], newQuestion(kind, questionIds(spec)))}>
          Add question
        </button>
      </div>
    </section>
  );
}

function Assignment() {
  const { spec } = useSpecEditing();
  return (
    <fieldset className="fieldset">
      <legend>Assignment</legend>
      <div className="form-grid">
        <NumberField path={['redundancy']} label="Judgments per item (K)" fallback={3} />
        <NumberField path={['min_candidates']} label="Candidates an item needs" fallback={2} />
        <NumberField path={['max_candidates_shown']} label="Candidates shown (no pairwise question)" fallback={4} />
        <NumberField path={['lease_minutes']} label="Lease (minutes)" fallback={30} />
        <NumberField path={['max_open_leases']} label="Open tasks per annotator" fallback={1} />
        <NumberField path={['undo_seconds']} label="Undo window (seconds)" fallback={60} />
        <NumberField path={['priority']} label="Priority" fallback={0} />
        <ListField path={['rounds']} label="Generation rounds (empty: all)" numbers emptyAs={null} />
        <SelectField
          path={['pair_selection']}
          label="Pairs shown"
          options={PAIR_SELECTIONS}
          fallback="balanced"
          hint="balanced: fewest-shown candidates first; narrow_intervals: the model pair whose leaderboard interval is widest"
        />
      </div>
      <OptionalBlockField
        path={['adaptive']}
        label="Adaptive redundancy: stop items that agree early, send disagreements to more annotators"
        make={() => ({ agree_after: 3, max_judgments: 5 })}
      />
      {isRecord(spec.adaptive) ? (
        <div className="form-grid">
          <NumberField path={['adaptive', 'agree_after']} label="Stop once this many judgments all agree" fallback={3} />
          <NumberField path={['adaptive', 'max_judgments']} label="At most this many judgments when they disagree" fallback={5} />
        </div>
      ) : null}
    </fieldset>
  );
}

const PAIR_SELECTIONS = ['balanced', 'narrow_intervals'] as const;
const QUALITY_MEASURES = [
  'score',
  'gold_accuracy',
  'peer_agreement',
  'left_share',
  'position_bias_p',
  'speed_ratio',
  'straight_lining',
  'skip_rate',
  'report_rate',
] as const;

function Quality() {
  const { spec } = useSpecEditing();
  return (
    <fieldset className="fieldset">
      <legend>Quality: gold items, qualification and rules</legend>
      <div className="form-grid">
        {/* Gold items (imported with expected answers) mixed into every annotator's stream, unannounced. */}
        <NumberField path={['quality', 'gold_rate']} label="Share of tasks that are gold items (0–0.5)" fallback={0} step={0.05} />
      </div>
      <OptionalBlockField
        path={['quality', 'qualification']}
        label="Qualification phase: gold tasks with feedback before the first real task"
        make={() => ({ tasks: 5, pass_mark: 0.8 })}
      />
      {isRecord(getIn(spec, ['quality', 'qualification'])) ? (
        <div className="form-grid">
          <NumberField path={['quality', 'qualification', 'tasks']} label="Qualification tasks" fallback={5} />
          <NumberField path={['quality', 'qualification', 'pass_mark']} label="Pass mark (mean gold score, 0–1)" fallback={0.8} step={0.05} />
          <TextField path={['quality', 'qualification', 'screen_out_code']} label="Screen-out code (crowd link)" nullWhenEmpty />
        </div>
      ) : null}
      <RowList
        path={['quality', 'rules']}
        label="Rules (applied as judgments come in)"
        addLabel="Add rule"
        newRow={() => ({ measure: 'gold_accuracy', below: 0.6, min_evidence: 10, action: 'flag' })}
      >
        {(row) => (
          <div className="form-grid">
            <SelectField path={[...row, 'measure']} label="Measure" options={QUALITY_MEASURES} fallback="gold_accuracy" />
            <NumberField path={[...row, 'below']} label="Fires below" step={0.05} />
            <NumberField path={[...row, 'above']} label="Fires above" step={0.05} />
            <NumberField path={[...row, 'min_evidence']} label="After at least (judgments)" fallback={10} />
            <SelectField path={[...row, 'action']} label="Then" options={['flag', 'exclude']} fallback="flag" />
          </div>
        )}
      </RowList>
    </fieldset>
  );
}

function WhoAnnotates() {
  return (
    <fieldset className="fieldset">
      <legend>Eligibility and quotas</legend>
      <ListField path={['eligibility', 'languages']} label="Languages (annotator speaks one; empty: any)" />
      <ProfileRulesField path={['eligibility', 'profile']} label="Profile answers allowed (field: value, value — one per line)" />
      <GroupsField path={['eligibility', 'groups']} label="Annotator groups (an annotator in one of them; none ticked: anyone)" />
      <RowList path={['quotas']} label="Group quotas" addLabel="Add quota" newRow={() => ({ field: '', max_share: 0.5 })}>
        {(row) => (
          <div className="form-grid">
            <TextField path={[...row, 'field']} label="Profile field" />
            <NumberField path={[...row, 'max_share']} label="At most this share of an item's K" step={0.05} />
          </div>
        )}
      </RowList>
    </fieldset>
  );
}

const SURVEY_KINDS = ['single_choice', 'multiple_choice', 'number', 'text'] as const;

const NEW_OPTIONS = [
  { id: 'yes', label: 'Yes' },
  { id: 'no', label: 'No' },
];

function SurveyQuestion({ row }: { row: SpecPath }) {
  const { spec, set } = useSpecEditing();
  const kind = getIn(spec, [...row, 'kind']);
  return (
    <>
      <div className="form-grid">
        <TextField path={[...row, 'id']} label="Id" />
        <TextField path={[...row, 'prompt']} label="Question" />
        <SelectField
          path={[...row, 'kind']}
          label="Answer"
          options={SURVEY_KINDS}
          fallback="single_choice"
          // Only choices take options: they keep theirs (or get two to edit), the others lose them.
          onChange={(next) => set([...row, 'options'], next.endsWith('_choice') ? (getIn(spec, [...row, 'options']) ?? NEW_OPTIONS) : undefined)}
        />
        <CheckField path={[...row, 'required']} label="Required" fallback />
        {kind === 'number' ? (
          <>
            <NumberField path={[...row, 'min']} label="Smallest" />
            <NumberField path={[...row, 'max']} label="Largest" />
          </>
        ) : null}
        {kind === 'text' ? <NumberField path={[...row, 'max_length']} label="Maximum length" fallback={500} /> : null}
      </div>
      {kind === 'single_choice' || kind === 'multiple_choice' ? <ChoiceRows path={[...row, 'options']} label="Options" noun="option" /> : null}
    </>
  );
}

function Participation() {
  const { spec, set } = useSpecEditing();
  const crowd = getIn(spec, ['participation', 'crowd']);
  return (
    <fieldset className="fieldset">
      <legend>Consent, profile survey and crowd link</legend>
      <TextField path={['participation', 'consent']} label="Consent (Markdown; empty: none asked)" multiline nullWhenEmpty />
      <RowList
        path={['participation', 'survey']}
        label="Profile survey"
        addLabel="Add survey question"
        newRow={(i) => ({ id: `question_${i + 1}`, prompt: '', kind: 'single_choice', options: NEW_OPTIONS })}
      >
        {(row) => <SurveyQuestion row={row} />}
      </RowList>
      <div className="field field--check">
        <label>
          <input
            type="checkbox"
            checked={isRecord(crowd)}
            onChange={(e) => set(['participation', 'crowd'], e.target.checked ? { participant_param: 'PROLIFIC_PID', target_count: 20, completion_code: '' } : null)}
          />{' '}
          Crowd-platform link (e.g. Prolific)
        </label>
        <FieldProblems path={['participation', 'crowd']} />
      </div>
      {isRecord(crowd) ? (
        <div className="form-grid">
          <TextField path={['participation', 'crowd', 'participant_param']} label="Participant parameter" />
          <TextField path={['participation', 'crowd', 'study_param']} label="Study parameter" nullWhenEmpty />
          <TextField path={['participation', 'crowd', 'session_param']} label="Session parameter" nullWhenEmpty />
          <NumberField path={['participation', 'crowd', 'target_count']} label="Target (tasks per participant)" fallback={20} />
          <TextField path={['participation', 'crowd', 'completion_code']} label="Completion code" />
          <TextField path={['participation', 'crowd', 'completion_url']} label="Return URL" nullWhenEmpty />
        </div>
      ) : null}
    </fieldset>
  );
}

const WEIGHTS = ['initial_prompt', 'assistant_reply', 'prompter_reply', 'review', 'rank'] as const;

function Trees() {
  const { spec, set } = useSpecEditing();
  const trees = spec.trees;
  return (
    <fieldset className="fieldset">
      <legend>Conversation trees</legend>
      <div className="field field--check">
        <label>
          <input type="checkbox" checked={isRecord(trees)} onChange={(e) => set(['trees'], e.target.checked ? {} : undefined)} /> A conversation-tree campaign
          (questions: labels on the reviewed message)
        </label>
        <FieldProblems path={['trees']} />
      </div>
      {isRecord(trees) ? (
        <>
          <div className="form-grid">
            <NumberField path={['trees', 'goal_tree_size']} label="Goal tree size" fallback={12} />
            <NumberField path={['trees', 'max_depth']} label="Maximum depth" fallback={4} />
            <NumberField path={['trees', 'max_children']} label="Replies per message" fallback={3} />
            <NumberField path={['trees', 'reviews_needed_prompt']} label="Reviews of a prompt" fallback={2} />
            <NumberField path={['trees', 'reviews_needed_reply']} label="Reviews of a reply" fallback={2} />
            <NumberField path={['trees', 'acceptance_threshold']} label="Acceptance threshold" fallback={0.5} step={0.05} />
            <NumberField path={['trees', 'rankings_needed']} label="Rankings per sibling set" fallback={2} />
            <SelectField path={['trees', 'consensus']} label="Consensus" options={['ranked_pairs', 'bradley_terry']} fallback="ranked_pairs" />
            <NumberField path={['trees', 'lone_reply_sibling_probability']} label="Lone-reply sibling chance" fallback={0.75} step={0.05} />
            <NumberField path={['trees', 'max_active_trees']} label="Trees growing at once" fallback={10} />
            <NumberField path={['trees', 'max_trees']} label="Stop after this many trees" />
            <NumberField path={['trees', 'reply_min_length']} label="Reply minimum length" fallback={10} />
            <NumberField path={['trees', 'reply_max_length']} label="Reply maximum length" fallback={4000} />
            <TextField path={['trees', 'lang']} label="Language" />
          </div>
          <fieldset className="fieldset">
            <legend>Task weights</legend>
            <div className="form-grid">
              {WEIGHTS.map((weight) => (
                <NumberField key={weight} path={['trees', 'weights', weight]} label={weight.replace('_', ' ')} step={0.5} />
              ))}
            </div>
          </fieldset>
          <ListField
            path={['trees', 'model_replies', 'models']}
            label="Models adding replies (endpoint names; empty: none)"
            removeWhenEmpty={['trees', 'model_replies']}
          />
          <FieldProblems path={['trees', 'model_replies']} />
          {isRecord(getIn(spec, ['trees', 'model_replies'])) ? (
            <div className="form-grid">
              <NumberField path={['trees', 'model_replies', 'per_message']} label="Replies per model and message" fallback={1} />
              <JsonObjectField
                path={['trees', 'model_replies', 'params']}
                label="Sampling parameters (JSON object)"
                hint='e.g. {"temperature": 0.7, "max_tokens": 512}; empty: the model’s defaults'
              />
            </div>
          ) : null}
        </>
      ) : null}
    </fieldset>
  );
}

const LAYOUTS = ['auto', 'side_by_side', 'stacked'] as const;
const IMAGE_FITS = ['contain', 'cover', 'original'] as const;

function Display() {
  return (
    <fieldset className="fieldset">
      <legend>Display: candidates and media</legend>
      <div className="form-grid">
        <SelectField
          path={['display', 'layout']}
          label="Candidate layout"
          options={LAYOUTS}
          fallback="auto"
          hint="auto: side by side when there is room; stacked: one under the other"
        />
        <SelectField
          path={['display', 'media', 'image_fit']}
          label="Images"
          options={IMAGE_FITS}
          fallback="contain"
          hint="contain: whole image in its column; cover: a fixed box, cropped; original: natural size"
        />
      </div>
      <CheckField path={['display', 'media', 'autoplay']} label="Play candidates’ audio and video as the task opens" fallback={false} />
      <CheckField path={['display', 'media', 'loop']} label="Loop audio and video" fallback={false} />
      <CheckField
        path={['display', 'media', 'require_full_playback']}
        label="Submit only after every candidate audio/video played to its end"
        fallback={false}
      />
    </fieldset>
  );
}

/** Every part of the spec the form edits; the rest stays in the document untouched. */
export function SpecForm() {
  return (
    <div className="form builder-form">
      <div className="form-grid">
        <TextField path={['name']} label="Name" />
        <TextField path={['slug']} label="Slug" hint="lower-case letters, digits and dashes" />
      </div>
      <TextField path={['guidelines']} label="Guidelines (Markdown)" multiline />
      <Questions />
      <Display />
      <Assignment />
      <Quality />
      <WhoAnnotates />
      <Participation />
      <Trees />
    </div>
  );
}
