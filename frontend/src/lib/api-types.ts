// Names for the API types the app uses. Every one is derived from `api-schema.d.ts`, which
// openapi-typescript generates from the committed `backend/openapi.json` (`make api-types` writes
// both; `npm test` fails when the .d.ts is stale, the backend's tests/test_openapi_current.py when
// the JSON is). The answer shapes per question kind come from the backend's answer models too.
// Written by hand here is only what the schema leaves free-form: error `details`, profile answers,
// tree review labels and sampling parameters. Requests go through `api-client.ts` (openapi-fetch).
import type { components } from './api-schema';

type Schemas = components['schemas'];

/**
 * openapi-typescript marks fields that have a server-side default as required, which is right for
 * responses but not for request bodies: there the client may leave them out.
 */
type WithDefaults<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type Role = Schemas['Role'];
export type User = Schemas['UserOut'];
export type LoginRequest = Schemas['LoginRequest'];
export type LoginResponse = Schemas['LoginResponse'];
export type PasswordChangeBody = Schemas['PasswordChange'];
export type PasswordResetBody = Schemas['PasswordResetUse'];
export type SessionsEnded = Schemas['SessionsEnded'];
/** A user as admins manage them (the list, deactivate, activate). */
export type Account = Schemas['AccountOut'];
export type AccountPage = Schemas['AccountPage'];
export type AnnotatorGroup = Schemas['GroupOut'];
export type AnnotatorGroupDetail = Schemas['GroupDetail'];
export type UserActivity = Schemas['UserActivityOut'];
export type CreateGroupBody = WithDefaults<Schemas['GroupCreate'], 'description'>;
export type CreateUserBody = WithDefaults<Schemas['UserCreate'], 'display_name' | 'role'>;
/** `link` is relative to the server (`/reset-password#token=…`); shown once, valid 24 hours. */
export type PasswordResetLink = Schemas['PasswordResetCreated'];
/** One of the signed-in user's API tokens (`token_prefix` identifies it; the secret is not kept). */
export type ApiToken = Schemas['TokenOut'];
/** A new token: `token` is the secret, in this answer only. */
export type ApiTokenCreated = Schemas['TokenCreated'];

/** Every 4xx body (`kit/openapi.py`); `details` is free-form (see the `*Detail` types below). */
export type ApiErrorBody = Schemas['ErrorBody'];

// ---- content ---------------------------------------------------------------

export type Message = Schemas['Message'];
export type MessageRole = Message['role'];
/** Every part kind the schema declares: text, image, audio, video. */
export type Part = Message['content'][number];
export type PartType = Part['type'];
export type TextPart = Schemas['TextPart'];
export type ImagePart = Schemas['ImagePart'];
export type AudioPart = Schemas['AudioPart'];
export type VideoPart = Schemas['VideoPart'];

export type Candidate = Schemas['TaskCandidate'];
/** A plain string in the schema: "A", "B", "C"… in the order shown (campaigns/answers.py). */
export type CandidateLabel = Candidate['label'];

// ---- questions and answers ------------------------------------------------

export type PairwiseQuestion = Schemas['PairwiseQuestion'];
export type RankingQuestion = Schemas['RankingQuestion'];
export type BinaryQuestion = Schemas['BinaryQuestion'];
export type NegativeOnlyQuestion = Schemas['NegativeOnlyQuestion'];
export type RatingQuestion = Schemas['RatingQuestion'];
export type RatingAttribute = Schemas['RatingAttribute'];
export type TextQuestion = Schemas['TextQuestion'];
export type LabelsQuestion = Schemas['LabelsQuestion'];
export type LabelSpec = Schemas['LabelSpec'];
export type Scale = Schemas['Scale'];
export type Choice = Schemas['Choice'];
export type Question = Schemas['Task']['questions'][number];
export type QuestionKind = Question['kind'];

// Answer shapes per question kind: the backend's models (campaigns/answers.py), declared in the
// schema by the submit body. A field with a server-side default may be left out.
export type PairwiseAnswer = Schemas['PairwiseAnswer'];
export type PairwiseChoice = PairwiseAnswer['choice'];
export type PairwiseStrength = NonNullable<PairwiseAnswer['strength']>;
export type AspectChoice = NonNullable<PairwiseAnswer['aspects']>[string];
/** Best first; each inner list is a group of tied candidate labels. */
export type RankingAnswer = WithDefaults<Schemas['RankingAnswer'], 'none_acceptable'>;
export type BinaryAnswer = Schemas['BinaryAnswer'];
export type Vote = BinaryAnswer['votes'][string];
/** Only the unacceptable candidates, each with its reason ids. */
export type NegativeOnlyAnswer = Schemas['NegativeOnlyAnswer'];
export type RatingAnswer = Schemas['RatingAnswer'];
export type ItemTextAnswer = WithDefaults<Schemas['ItemTextAnswer'], 'text'>;
export type CandidateTextAnswer = Schemas['CandidateTextAnswer'];
export type TextAnswer = ItemTextAnswer | CandidateTextAnswer;
/** Label id → value on the prompt, or candidate label → label id → value. */
export type LabelsAnswer = Schemas['LabelsAnswer'];
/** A flag is a boolean; a scale label an integer (or null/absent when not given). */
export type LabelValues = Extract<LabelsAnswer['values'], Record<string, boolean | number | null>>;
export type LabelValue = LabelValues[string];
export type Answer =
  | PairwiseAnswer
  | RankingAnswer
  | BinaryAnswer
  | NegativeOnlyAnswer
  | RatingAnswer
  | TextAnswer
  | LabelsAnswer;

/** Hand-written: an `invalid_answer` error's `details` entries. `field` is e.g. `answers.q.scores.A.x`. */
export type AnswerErrorDetail = { field: string; message: string };

// ---- annotator ------------------------------------------------------------

export type AnnotateCampaign = Schemas['AnnotatorCampaign'];
export type AnnotateCampaignList = Schemas['AnnotatorCampaignList'];

export type Task = Schemas['Task'];
export type TaskCampaign = Schemas['TaskCampaign'];
export type TaskProgress = Schemas['AnnotatorProgress'];
export type NextTaskResponse = Schemas['NextTaskResponse'];

export type SubmitJudgmentBody = Omit<Schemas['SubmitRequest'], 'answers'> & {
  /** Keyed by question id; fields the server defaults may be left out (see `Answer`). */
  answers: Record<string, Answer>;
};
/** `undo_until` is null when the campaign allows no undo. */
export type SubmitJudgmentResponse = Schemas['SubmitResponse'];
export type QualificationFeedback = Schemas['QualificationFeedback'];
export type GoldReport = Schemas['GoldOut'];

export type ReportTaskBody = Schemas['ReportRequest'];
export type UndoBody = Schemas['UndoRequest'];
/** The undone task, re-opened, with the answers that were submitted (keyed by question id). */
export type UndoResponse = Schemas['UndoResponse'];
export type ReviseBody = Schemas['ReviseRequest'];
/** A past judgment re-opened for revision: its task, its answers, and the revision a submit stores. */
export type ReviseResponse = Schemas['ReviseResponse'];

export type SkipTaskBody = WithDefaults<Schemas['SkipRequest'], 'reason'>;

// ---- participation: consent, profile survey, crowd links ------------------

export type ParticipationState = Schemas['ParticipationState'];
export type SurveyQuestion = Schemas['SurveyQuestion'];
export type SurveyQuestionKind = SurveyQuestion['kind'];
/** Hand-written: the schema leaves answers free-form. A choice id, choice ids, a number or text. */
export type ProfileAnswer = string | string[] | number;
export type ProfileBody = { answers: Record<string, ProfileAnswer> };
export type CompletionState = Schemas['CompletionOut'];
export type CrowdEnterBody = Schemas['CrowdEnterRequest'];
export type CrowdEnterResponse = Schemas['CrowdEnterResponse'];

// ---- researcher / admin ---------------------------------------------------

export type CampaignStatus = Schemas['CampaignStatus'];
export type CampaignProgress = Schemas['CampaignProgress'];
export type Campaign = Schemas['CampaignOut'];
export type CampaignList = Schemas['CampaignList'];
export type CampaignDetail = Schemas['CampaignDetail'];
export type CampaignContents = Schemas['CampaignContents'];

/** A stored spec, as the server returns it (every default filled in). */
export type CampaignSpec = Schemas['CampaignSpec'];
/** A question as sent in a spec: the server fills in every field left out (except `kind`). */
export type QuestionInput = {
  [K in QuestionKind]: Partial<Omit<Extract<Question, { kind: K }>, 'kind'>> & { kind: K };
}[QuestionKind];
/** A spec as sent to create/update a campaign: defaulted fields may be omitted. */
export type CampaignSpecInput = Omit<CampaignSpecDefaults, 'questions'> & { questions: QuestionInput[] };
/** A spec as sent to create a campaign, with the status it starts in (active unless told). */
export type NewCampaignInput = CampaignSpecInput & Partial<Pick<Schemas['NewCampaign'], 'status'>>;
type CampaignSpecDefaults = WithDefaults<
  CampaignSpec,
  | 'guidelines'
  | 'lease_minutes'
  | 'priority'
  | 'redundancy'
  | 'max_candidates_shown'
  | 'max_open_leases'
  | 'min_candidates'
  | 'undo_seconds'
  | 'pair_selection'
>;

/** One saved spec version: who saved it and how many kept judgments were made under it. */
export type SpecVersion = Schemas['VersionOut'];
export type SpecVersionList = Schemas['VersionList'];
/** One difference between two specs, at a JSON path (questions and choices named by id). */
export type SpecChange = Schemas['SpecChangeOut'];
export type SpecDiff = Schemas['SpecDiff'];
/** What a spec change does to stored answers, with how many judgments it affects. */
export type AnswerWarning = Schemas['AnswerWarningOut'];
/** A new spec checked against the current version: its changes and warnings; nothing saved. */
export type SpecCheck = Schemas['SpecCheckOut'];

export type ItemStatus = Schemas['ItemStatus'];
export type ImportResult = Schemas['ImportResult'];
/** An import job: written in batches, its items shown all at once when it succeeds. */
export type ImportJob = Schemas['ImportJobOut'];
/** Hand-written: an `import_invalid` error's `details.errors` entries (error details are free-form). */
export type ImportLineError = { line: number; message: string };

export type ExportStatus = Schemas['JobStatus'];
export type ExportFile = Schemas['ExportFile'];
export type ExportProgress = Schemas['ExportProgress'];
export type ExportOptions = Schemas['ExportOptions'];
export type ExportJob = Schemas['ExportJobOut'];
export type ExportJobList = Schemas['ExportJobList'];
/** Every export option has a server-side default. */
export type CreateExportBody = Partial<ExportOptions>;

// ---- model endpoints and generation ----------------------------------------

export type ProviderKind = Schemas['ProviderKind'];
/**
 * `api_key_secret` is the NAME of a secret an admin configured, never the key. `shared_with`
 * (e-mails) is there only for the model's owner and admins.
 */
export type ModelEndpoint = Schemas['ModelEndpointOut'];
export type ModelEndpointList = Schemas['ModelEndpointList'];
/** A configured key's name and the only hosts it is sent to; never its value. */
export type ModelSecret = Schemas['ModelSecretOut'];
export type ModelSecretList = Schemas['ModelSecretList'];
/** Only an admin may change `all`; the others send back what the model has. */
export type ModelSharingBody = Schemas['ModelSharing'];
export type CreateModelEndpointBody = WithDefaults<
  Schemas['ModelEndpointCreate'],
  'provider' | 'max_concurrency' | 'timeout_s'
>;
export type ModelTestResult = Schemas['ModelTestResult'];

export type GenerationStatus = Schemas['JobStatus'];
export type GenerationProgress = Schemas['GenerationProgress'];
export type GenerationJob = Schemas['GenerationJobOut'];
export type GenerationJobList = Schemas['GenerationJobList'];
export type CreateGenerationJobBody = WithDefaults<Schemas['GenerationJobCreate'], 'samples' | 'new_round'>;
/** The schema leaves sampling parameters free-form; these are the ones the UI sets. */
export type GenerationParams = { temperature?: number; max_tokens?: number; seed?: number };

// ---- conversation trees ----------------------------------------------------

/** A tree message's role (`prompter` writes the user turns); not the item `MessageRole`. */
export type TreeRole = Schemas['MessageRole'];
export type TreeState = Schemas['TreeState'];
export type ReviewState = Schemas['ReviewState'];
export type TreeTaskKind = Schemas['TreeTaskKind'];
export type TreeTask = Schemas['TreeTaskOut'];
export type TreePathMessage = Schemas['PathMessage'];
export type TreeReplyChoice = Schemas['ReplyChoice'];
export type TreeNextResponse = Schemas['TreeNextResponse'];
export type TreeWriteAnswer = Schemas['PromptAnswer'] | Schemas['ReplyAnswer'];
/** `labels` is free-form in the schema: the campaign's label answers keyed by question id. */
export type TreeReviewAnswer = Omit<Schemas['ReviewAnswer'], 'labels'> & { labels: Record<string, LabelsAnswer> };
/** Message ids best first; an inner list holds replies judged equally good. */
export type TreeRankAnswer = Schemas['RankAnswer'];
export type TreeAnswer = TreeWriteAnswer | TreeReviewAnswer | TreeRankAnswer;
export type TreeSubmitBody = Omit<Schemas['TreeSubmission'], 'answer'> & { answer: TreeAnswer };
export type TreeSubmitResponse = Schemas['TreeSubmitResponse'];
export type TreeSkipBody = WithDefaults<Schemas['TreeSkipRequest'], 'reason'>;

export type TreeSummary = Schemas['TreeSummary'];
export type TreeList = Schemas['TreeList'];
export type TreeNode = Schemas['TreeNode'];
export type TreeDetail = Schemas['TreeDetail'];
export type TreeLabelValue = Schemas['LabelValue'];
export type HaltTreeBody = Schemas['HaltRequest'];
export type FlaggedTreeMessage = Schemas['FlaggedMessage'];
export type FlaggedTreeMessageList = Schemas['FlaggedList'];
export type DeleteTreeMessageResult = Schemas['DeleteResult'];

// ---- data browser ----------------------------------------------------------

/** One row of the data browser's item table; `not_served_because` is null when annotators get it. */
export type BrowsedItem = Schemas['BrowsedItem'];
export type BrowsePage = Schemas['BrowsePage'];
export type BrowsedCandidate = Schemas['BrowsedCandidate'];
/** `annotator` is a stable pseudonym, never an e-mail. */
export type BrowsedJudgment = Schemas['BrowsedJudgment'];
export type OwnJudgment = Schemas['JudgmentOut'];
export type ItemDetail = Schemas['ItemDetail'];
export type JudgmentPage = Schemas['JudgmentPage'];

// ---- in-situ feedback ------------------------------------------------------

/** A live chat product sending its users' feedback; `conversations` and `events` are stored now. */
export type FeedbackSource = Schemas['SourceOut'];
export type FeedbackSourceList = Schemas['SourceList'];
export type CreateFeedbackSourceBody = WithDefaults<Schemas['SourceCreate'], 'consent_basis' | 'retention_days'>;
export type UpdateFeedbackSourceBody = Schemas['SourceUpdate'];
/** What is removed from every text before it is stored; every field has a server-side default. */
export type RedactionPolicy = Schemas['RedactionPolicyIn'];
export type PiiKind = Schemas['PiiKind'];
export type CustomPattern = Schemas['CustomPatternIn'];
export type FeedbackSourceStats = Schemas['SourceStats'];
/** `agreement` is null until people have verified some of the signal's rows. */
export type SignalStats = Schemas['SignalStats'];
export type DayVolume = Schemas['DayVolume'];
/** A write-only ingestion key (`prefix` identifies it; the secret is not kept). */
export type IngestKey = Schemas['IngestKeyOut'];
/** A new ingestion key: `key` is the secret, in this answer only. */
export type IngestKeyCreated = Schemas['IngestKeyCreated'];
export type ErasureResult = Schemas['ErasureResult'];
