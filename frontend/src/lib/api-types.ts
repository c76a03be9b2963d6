// API types, derived from the schema generated from the backend's OpenAPI document
// (`npm run gen:api` → `api-schema.d.ts`). Only what that schema leaves untyped is written by hand
// here (the submit `answers` map, the error envelope, import line errors).
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

/** Hand-written: the backend's error handlers aren't part of the OpenAPI document. */
export type ApiErrorBody = {
  error: { code: string; message: string; details: unknown };
};

// ---- content ---------------------------------------------------------------

export type Message = Schemas['Message'];
export type MessageRole = Message['role'];
/** Every part kind the schema declares (text today; image/audio/video join this union on regeneration). */
export type Part = Message['content'][number];
export type PartType = Part['type'];
export type TextPart = Schemas['TextPart'];

export type Candidate = Schemas['TaskCandidate'];
/** A plain string in the schema ("A"/"B" in practice). */
export type CandidateLabel = Candidate['label'];

// ---- questions and answers ------------------------------------------------

export type PairwiseQuestion = Schemas['PairwiseQuestion'];
export type Question = Schemas['Task']['questions'][number];

// The schema types `answers` as a free-form object; its shape is spelled out here.
export type PairwiseChoice = 'A' | 'B' | 'tie' | 'both_bad';
export type PairwiseAnswer = { choice: PairwiseChoice };
export type Answer = PairwiseAnswer;

// ---- annotator ------------------------------------------------------------

export type AnnotateCampaign = Schemas['AnnotatorCampaign'];
export type AnnotateCampaignList = Schemas['AnnotatorCampaignList'];

export type Task = Schemas['Task'];
export type TaskCampaign = Schemas['TaskCampaign'];
export type TaskProgress = Schemas['AnnotatorProgress'];
export type NextTaskResponse = Schemas['NextTaskResponse'];

export type SubmitJudgmentBody = Omit<Schemas['SubmitRequest'], 'answers'> & {
  /** Keyed by question id. */
  answers: Record<string, Answer>;
};
export type SubmitJudgmentResponse = Schemas['SubmitResponse'];

export type SkipTaskBody = WithDefaults<Schemas['SkipRequest'], 'reason'>;

// ---- researcher / admin ---------------------------------------------------

export type CampaignStatus = Schemas['CampaignStatus'];
export type CampaignProgress = Schemas['CampaignProgress'];
export type Campaign = Schemas['CampaignOut'];
export type CampaignList = Schemas['CampaignList'];
export type CampaignDetail = Schemas['CampaignDetail'];

/** A stored spec, as the server returns it (every default filled in). */
export type CampaignSpec = Schemas['CampaignSpec'];
/** A spec as sent to create/update a campaign: defaulted fields may be omitted. */
export type CampaignSpecInput = WithDefaults<CampaignSpec, 'guidelines' | 'lease_minutes' | 'priority' | 'redundancy'>;

export type ItemStatus = Schemas['ItemStatus'];
export type ImportResult = Schemas['ImportResult'];
/** Hand-written: an `import_invalid` error's `details.errors` entries (error details are untyped). */
export type ImportLineError = { line: number; message: string };

export type ExportStatus = Schemas['ExportStatus'];
export type ExportFile = Schemas['ExportFile'];
export type ExportProgress = Schemas['ExportProgress'];
export type ExportOptions = Schemas['ExportOptions'];
export type ExportJob = Schemas['ExportJobOut'];
export type ExportJobList = Schemas['ExportJobList'];
/** Every export option has a server-side default. */
export type CreateExportBody = Partial<ExportOptions>;
